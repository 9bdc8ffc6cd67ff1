/** One line saying what a tick did, or what failed and what it got done first. Pure. */
import type { TickSummary } from "../sync/summary.ts";

const COUNTERS: [keyof TickSummary, string][] = [
  ["sent", "sent"],
  ["sendRejected", "send rejected"],
  ["downloaded", "downloaded"],
  ["stored", "stored"],
  ["duplicates", "duplicates"],
  ["invalid", "invalid"],
  ["acked", "acked"],
  ["executed", "executed"],
  ["succeeded", "succeeded"],
  ["retried", "retried"],
  ["dead", "dead"],
  ["recovered", "recovered"],
  ["purgedExec", "purged EXEC"],
  ["purgedLog", "purged LOG"],
];

/** "3 sent, 2 executed" · "nothing to do" · "failed in phase setup (RAC_HTTP) before doing anything". */
export function tickSummaryText(t: TickSummary): string {
  const done = COUNTERS.filter(([k]) => (t[k] as number) > 0).map(([k, label]) => `${t[k]} ${label}`).join(", ");
  if (!t.error) return done || "nothing to do";
  const failed = `failed in phase ${t.error.phase} (${t.error.code})`;
  return done ? `${failed} after ${done}` : `${failed} before doing anything`;
}
