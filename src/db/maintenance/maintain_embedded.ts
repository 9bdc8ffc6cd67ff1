/**
 * The upkeep PostgreSQL's background workers do on a server, for the embedded
 * database, which has none (PGlite runs PostgreSQL single-user):
 * - `VACUUM (ANALYZE)` of the three RM tables, autovacuum's work: the queue,
 *   where every message is inserted, claimed and deleted, would otherwise keep
 *   every dead row version for good, and the planner would never learn how
 *   large the history grew;
 * - `CHECKPOINT`, the checkpointer's work: without one, no WAL segment is ever
 *   recycled, so `pg_wal` grows with every write until the process stops
 *   (~12 KB per message measured) and a restart after a crash replays all of it.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../client.ts";

/** Reclaims dead rows, refreshes the planner statistics, then writes a checkpoint so old WAL can be recycled. */
export async function maintainEmbedded(db: Database): Promise<void> {
  // One statement each, no transaction: neither VACUUM nor CHECKPOINT runs inside one.
  await db.orm.execute(sql`vacuum (analyze) gtotvslinkmessage, gtotvslinkmessageexec, gtotvslinklog`);
  await db.orm.execute(sql`checkpoint`);
}
