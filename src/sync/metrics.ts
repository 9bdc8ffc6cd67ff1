/**
 * The process's own metrics, fed by what the tick already reports: each
 * finished tick's summary and each handler attempt (type, result, seconds).
 * Counters start at zero with the process, as Prometheus expects.
 */
import type { HandlerOutcome } from "../handlers/instrument.ts";
import { Counter, Histogram } from "../telemetry/prometheus.ts";
import type { TickSummary } from "./summary.ts";

export interface SyncMetrics {
  observeTick(summary: TickSummary): void;
  observeHandler(type: string, result: HandlerOutcome, seconds: number): void;
  /** Prometheus text of every family, without a trailing newline. */
  render(): string;
  readonly tickDuration: Histogram;
  readonly handlerDuration: Histogram;
  readonly sends: Counter;
  readonly acks: Counter;
}

const TICK_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const HANDLER_BOUNDS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const PHASES = ["setup", "upstream", "downstream", "execute", "purge"] as const;

/** Creates an empty registry. */
export function createSyncMetrics(): SyncMetrics {
  const ticks = new Counter("smartlink_ticks_total", "Sync ticks finished, by outcome (error: a phase stopped).", [
    "outcome",
  ], [{ outcome: "ok" }, { outcome: "error" }]);
  const tickDuration = new Histogram(
    "smartlink_tick_duration_seconds",
    "Duration of each sync tick, by outcome.",
    ["outcome"],
    TICK_BOUNDS,
  );
  const phaseSeconds = new Counter(
    "smartlink_tick_phase_seconds_total",
    "Seconds spent in each tick phase.",
    ["phase"],
    PHASES.map((phase) => ({ phase })),
  );
  const sends = new Counter("smartlink_sends_total", "Upstream sends, by outcome (rejected: counted as an attempt).", [
    "outcome",
  ], [{ outcome: "sent" }, { outcome: "rejected" }]);
  const acks = new Counter("smartlink_acks_total", "Acks of downstream messages, by outcome.", ["outcome"], [
    { outcome: "acked" },
    { outcome: "failed" },
  ]);
  const downloads = new Counter(
    "smartlink_downloads_total",
    "Downstream items received, by what became of them.",
    ["outcome"],
    [{ outcome: "stored" }, { outcome: "duplicate" }, { outcome: "invalid" }, { outcome: "skipped" }],
  );
  const handlerDuration = new Histogram(
    "smartlink_handler_duration_seconds",
    "Duration of each handler attempt, by message type and result.",
    ["type", "result"],
    HANDLER_BOUNDS,
  );

  return {
    tickDuration,
    handlerDuration,
    sends,
    acks,
    observeTick(s) {
      const outcome = s.error ? "error" : "ok";
      ticks.inc({ outcome });
      tickDuration.observe({ outcome }, s.durationMs / 1000);
      for (const phase of PHASES) phaseSeconds.inc({ phase }, s.phaseMs[phase] / 1000);
      sends.inc({ outcome: "sent" }, s.sent);
      sends.inc({ outcome: "rejected" }, s.sendRejected);
      acks.inc({ outcome: "acked" }, s.acked);
      acks.inc({ outcome: "failed" }, s.ackFailed);
      downloads.inc({ outcome: "stored" }, s.stored);
      downloads.inc({ outcome: "duplicate" }, s.duplicates);
      downloads.inc({ outcome: "invalid" }, s.invalid);
      downloads.inc({ outcome: "skipped" }, s.skipped);
    },
    observeHandler(type, result, seconds) {
      handlerDuration.observe({ type, result }, seconds);
    },
    render: () =>
      [ticks, tickDuration, phaseSeconds, sends, acks, downloads, handlerDuration].map((m) => m.render()).join("\n"),
  };
}
