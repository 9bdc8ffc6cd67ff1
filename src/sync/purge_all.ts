/**
 * Purges EXEC and LOG rows older than the retention, batch after batch until
 * none is left; on the embedded database (no autovacuum) the space of the
 * deleted rows is then reclaimed (`maintainEmbedded`), as an operator who purged expects.
 */
import type { Database } from "../db/client.ts";
import { purgeHistory } from "../db/history/purge.ts";
import { maintainEmbedded } from "../db/maintenance/maintain_embedded.ts";

/** Deletes every GTOTVSLINKMESSAGEEXEC and GTOTVSLINKLOG row older than `retentionDays` before `now`. */
export async function purgeAll(
  db: Database,
  now: Date,
  retentionDays: number,
): Promise<{ exec: number; log: number; cutoff: Date }> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const total = { exec: 0, log: 0, cutoff };
  for (;;) {
    const n = await purgeHistory(db.orm, cutoff);
    total.exec += n.exec;
    total.log += n.log;
    if (n.exec === 0 && n.log === 0) break;
  }
  if (db.kind === "pglite" && total.exec + total.log > 0) await maintainEmbedded(db);
  return total;
}
