/** "Sync now" from the API or the admin view: one tick under the guard, recorded as an operator action. */
import { type Actor, logOperatorAction } from "../db/message_actions.ts";
import type { AppDeps, SyncRunResult } from "./deps.ts";

/** Runs the tick and logs who asked: info when it ran cleanly, a warning when it failed or could not run. */
export async function runSyncAction(
  deps: AppDeps,
  trigger: "api" | "admin",
  actor: Actor,
): Promise<SyncRunResult> {
  const result = await deps.sync.run(trigger);
  const where = trigger === "api" ? "through the API" : "from the admin view";
  await logOperatorAction(deps.db, {
    action: "sync",
    text: `Operator sync requested ${where}`,
    now: deps.now(),
    actor,
    detail: result.ran
      ? { ran: true, error: result.summary.error?.code ?? null }
      : { ran: false, reason: result.reason },
    failed: !result.ran || result.summary.error !== undefined,
  });
  return result;
}
