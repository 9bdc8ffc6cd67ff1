/** The purge phase's last step on the embedded database: its vacuum and checkpoint, when the schedule says so. */
import { maintainEmbedded } from "../db/maintenance/maintain_embedded.ts";
import { errorFields } from "../log.ts";
import type { TickDeps } from "./deps.ts";
import type { TickSummary } from "./summary.ts";

/**
 * Runs `maintainEmbedded` when `deps.maintenance` (set on PGlite only) is due after the rows this tick wrote.
 * Not while shutting down (closing PGlite writes its own checkpoint); a failure is told, not the tick's error.
 */
export async function maintainIfDue(deps: TickDeps, summary: TickSummary): Promise<void> {
  if (!deps.maintenance || deps.stopSignal?.aborted) return;
  const changed = summary.sent + summary.sendRejected + summary.downloaded + summary.executed + summary.recovered +
    summary.purgedExec + summary.purgedLog;
  if (!deps.maintenance.due(changed, deps.now())) return;
  const t0 = performance.now();
  try {
    await maintainEmbedded(deps.db);
    deps.logger.debug("Embedded database vacuumed and checkpointed", { ms: Math.round(performance.now() - t0) });
  } catch (err) {
    deps.logger.warn("Embedded database upkeep (VACUUM, CHECKPOINT) failed; tried again later", errorFields(err));
  } finally {
    deps.maintenance.done(deps.now());
  }
}
