/**
 * Claiming due `DOWN` rows for execution, and giving back claimed rows that
 * never started (shutdown).
 */
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import { type Orm, queryRows } from "../client.ts";
import { message, type MessageRow } from "../schema.ts";

/**
 * Claims up to `limit` due DOWN rows atomically: RUNNING, attempt counter
 * incremented, executor and start time set. `SKIP LOCKED` lets several
 * processes claim side by side without waiting on each other.
 */
export async function claimDue(
  ex: Orm,
  opts: { limit: number; now: Date; executor: string },
): Promise<MessageRow[]> {
  const due = ex.select({ id: message.id }).from(message)
    .where(and(
      eq(message.direcao, "DOWN"),
      inArray(message.status, ["PENDING", "RETRY"]),
      lte(message.dataTentativaExec, opts.now),
    ))
    .orderBy(asc(message.dataTentativaExec), asc(message.id))
    .limit(opts.limit)
    .for("update", { skipLocked: true });
  return await ex.update(message)
    .set({
      status: "RUNNING",
      qtdeTentativaExec: sql`${message.qtdeTentativaExec} + 1`,
      executor: opts.executor,
      dataInicioExec: opts.now,
      dataAlteracao: opts.now,
    })
    .where(inArray(message.id, due))
    .returning();
}

/**
 * Gives claimed rows that never started back, as they were before the claim
 * (shutdown): the attempt did not happen, so it does not count. Only rows
 * still RUNNING under `executor` at the claimed counter change.
 */
export async function releaseUnstarted(ex: Orm, rows: MessageRow[], executor: string, now: Date): Promise<number> {
  if (rows.length === 0) return 0;
  // Raw SQL: an update from a VALUES list of (id, counter) pairs is not in Drizzle's builder.
  const values = sql.join(rows.map((r) => sql`(${r.id}::uuid, ${r.qtdeTentativaExec}::int)`), sql`, `);
  const released = await queryRows(
    ex,
    sql`update gtotvslinkmessage m set
      status = case when m.qtdetentativaexec > 1 then 'RETRY' else 'PENDING' end,
      qtdetentativaexec = m.qtdetentativaexec - 1,
      executor = null, datainicioexec = null, dataalteracao = ${now.toISOString()}::timestamptz
    from (values ${values}) as v(id, attempt)
    where m.id = v.id and m.qtdetentativaexec = v.attempt and m.status = 'RUNNING' and m.executor = ${executor}
    returning m.id`,
  );
  return released.length;
}
