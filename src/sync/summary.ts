/** What one sync tick did; returned by `tick()`, printed by `deno task sync`, shown on the dashboard. */

/** What started a tick; `drain` follows at once a tick that stopped at `SMARTLINK_MAX_PER_TICK`. */
export type TickTrigger = "cron" | "api" | "cli" | "publish" | "admin" | "test" | "drain";
export type TickPhase = "config" | "setup" | "upstream" | "downstream" | "execute" | "purge" | "lock" | "database";

export interface TickSummary {
  trigger: TickTrigger;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** UP rows sent (server answered 2xx). */
  sent: number;
  /** UP rows whose send was rejected (counted as a failed attempt). */
  sendRejected: number;
  /** Downstream items received this tick (valid or not). */
  downloaded: number;
  /** New DOWN rows stored PENDING. */
  stored: number;
  /** Redeliveries of messages already stored or already succeeded. */
  duplicates: number;
  /** Items stored DEAD at once because their content was bad. */
  invalid: number;
  /** Items without an id, logged and skipped. */
  skipped: number;
  acked: number;
  /** Items stored DEAD on arrival and nacked (only with a `nack` route in the profile). */
  nacked: number;
  ackFailed: number;
  /** Handler attempts finished this tick. */
  executed: number;
  succeeded: number;
  retried: number;
  dead: number;
  /** RUNNING rows of a crashed process made due again. */
  recovered: number;
  purgedExec: number;
  purgedLog: number;
  /** Milliseconds spent in each phase (upstream counts both passes). */
  phaseMs: { setup: number; upstream: number; downstream: number; execute: number; purge: number };
  /** Set when a phase stopped; handler failures are not tick failures. */
  error?: { phase: TickPhase; code: string; message: string };
}

/** A summary with every counter at zero. */
export function emptySummary(trigger: TickTrigger, startedAt: Date): TickSummary {
  return {
    trigger,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    durationMs: 0,
    sent: 0,
    sendRejected: 0,
    downloaded: 0,
    stored: 0,
    duplicates: 0,
    invalid: 0,
    skipped: 0,
    acked: 0,
    nacked: 0,
    ackFailed: 0,
    executed: 0,
    succeeded: 0,
    retried: 0,
    dead: 0,
    recovered: 0,
    purgedExec: 0,
    purgedLog: 0,
    phaseMs: { setup: 0, upstream: 0, downstream: 0, execute: 0, purge: 0 },
  };
}
