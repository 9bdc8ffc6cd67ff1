/** The figures of the dashboard's chart and of `/metrics`: executions per hour and per type over 24 hours. */
import { gte, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { type ExecResult, messageExec } from "../schema.ts";

export interface HourBucket {
  /** Start of the hour (UTC). */
  hour: Date;
  success: number;
  failure: number;
}

const HOUR_MS = 3_600_000;

/**
 * Executions of the last 24 hours per hour (the current hour last), success
 * against failure; discards are not executions and are left out.
 */
export async function executionsByHour(db: Database, now: Date): Promise<HourBucket[]> {
  const first = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const since = new Date(first);
  const rows = await db.rows<{ bucket: number; success: number; failure: number }>(sql`
    select floor(extract(epoch from date_trunc('hour', datafim at time zone 'UTC')
                 - (${since.toISOString()}::timestamptz at time zone 'UTC')) / 3600)::int as bucket,
           (count(*) filter (where sucesso))::int as success,
           (count(*) filter (where not sucesso))::int as failure
      from gtotvslinkmessageexec
     where datafim >= ${since.toISOString()}::timestamptz and resultado <> 'DISCARDED'
     group by 1`);
  const buckets: HourBucket[] = Array.from({ length: 24 }, (_, i) => ({
    hour: new Date(first + i * HOUR_MS),
    success: 0,
    failure: 0,
  }));
  for (const r of rows) {
    const b = buckets[Number(r.bucket)];
    if (b) {
      b.success += Number(r.success);
      b.failure += Number(r.failure);
    }
  }
  return buckets;
}

export interface ExecutionCount {
  type: string;
  result: ExecResult;
  count: number;
}

/** EXEC rows that finished in the 24 hours before `now`, by type and result. */
export async function executionCountsLast24h(db: Database, now: Date): Promise<ExecutionCount[]> {
  return await db.orm
    .select({ type: messageExec.tipo, result: messageExec.resultado, count: sql<number>`count(*)::int` })
    .from(messageExec)
    .where(gte(messageExec.dataFim, new Date(now.getTime() - 24 * HOUR_MS)))
    .groupBy(messageExec.tipo, messageExec.resultado)
    .orderBy(messageExec.tipo, messageExec.resultado);
}
