/**
 * "Deactivate": removes the stored credentials, so every process on the
 * database stops syncing at its next tick. Every stored message stays.
 */
import type { Database } from "../db/client.ts";
import { deleteStoredCredentials, readStoredCredentials } from "../db/credentials_store.ts";
import { type Actor, logOperatorAction } from "../db/message_actions.ts";

/** False when nothing was stored. */
export async function deactivateCredentials(db: Database, deps: { now: () => Date; actor: Actor }): Promise<boolean> {
  const before = await readStoredCredentials(db).catch(() => undefined);
  const removed = await deleteStoredCredentials(db);
  if (removed) {
    await logOperatorAction(db, {
      action: "deactivate",
      text: `Deactivated client id "${before?.value.clientId ?? "?"}"`,
      now: deps.now(),
      actor: deps.actor,
      detail: { clientId: before?.value.clientId ?? null },
    });
  }
  return removed;
}
