/** The counts of `/healthz`, `/metrics` and `status`: unfinished messages by kind, and the oldest one due. */
import { sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { type Direction, message, type Status } from "../schema.ts";

const toDate = (v: unknown): Date | undefined => (v === null || v === undefined ? undefined : new Date(v as string));

export interface MessageCount {
  direction: Direction;
  status: Status;
  type: string;
  count: number;
}

/** Rows of GTOTVSLINKMESSAGE by direction, status and type (the table holds only unfinished messages). */
export async function countMessages(db: Database): Promise<MessageCount[]> {
  return await db.orm
    .select({
      direction: message.direcao,
      status: message.status,
      type: message.tipo,
      count: sql<number>`count(*)::int`,
    })
    .from(message)
    .groupBy(message.direcao, message.status, message.tipo)
    .orderBy(message.direcao, message.status, message.tipo);
}

/**
 * The earliest `DATATENTATIVAEXEC` of a PENDING/RETRY row already due at `now`
 * (one index probe per direction on the due index), or undefined.
 */
export async function oldestDue(db: Database, now: Date): Promise<Date | undefined> {
  const probe = (direction: Direction) =>
    sql`(select min(datatentativaexec) from gtotvslinkmessage
         where direcao = ${direction} and status in ('PENDING', 'RETRY') and datatentativaexec <= ${now.toISOString()}::timestamptz)`;
  const [row] = await db.rows<{ at: unknown }>(sql`select least(${probe("DOWN")}, ${probe("UP")}) as at`);
  return toDate(row?.at);
}
