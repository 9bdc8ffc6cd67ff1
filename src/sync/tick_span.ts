/**
 * The tick's trace: one `smartlink.tick` span per tick (the root of its phase
 * spans, handler spans and outbound `fetch` spans), and one child span per
 * phase, each carrying the summary's counts as attributes.
 */
import { markSpanError, type SpanAttributes, withSpan } from "../telemetry/tracing.ts";
import type { TickPhase, TickSummary, TickTrigger } from "./summary.ts";

type Phase = keyof TickSummary["phaseMs"];

/** The counts each phase span reports, read from the summary when the phase ends. */
const PHASE_COUNTS: Record<Phase, readonly (keyof TickSummary)[]> = {
  setup: [],
  upstream: ["sent", "sendRejected"],
  downstream: ["downloaded", "stored", "duplicates", "invalid", "skipped", "acked", "ackFailed"],
  execute: ["executed", "succeeded", "retried", "dead", "recovered"],
  purge: ["purgedExec", "purgedLog"],
};

const ALL_COUNTS = [...new Set(Object.values(PHASE_COUNTS).flat())];

function counts(summary: TickSummary, keys: readonly (keyof TickSummary)[]): SpanAttributes {
  return Object.fromEntries(keys.map((k) => [`smartlink.tick.${k}`, summary[k] as number]));
}

/** Runs one tick inside the `smartlink.tick` span; the summary's counts and error become its attributes. */
export function traceTick(trigger: TickTrigger, run: () => Promise<TickSummary>): Promise<TickSummary> {
  return withSpan("smartlink.tick", { "smartlink.tick.trigger": trigger }, async (span) => {
    const summary = await run();
    span.setAttributes({ ...counts(summary, ALL_COUNTS), "smartlink.tick.duration_ms": summary.durationMs });
    if (summary.error) {
      span.setAttributes({ "smartlink.tick.error.phase": summary.error.phase, "error.type": summary.error.code });
      markSpanError(span, summary.error.code);
    }
    return summary;
  });
}

/**
 * Runs one phase inside `smartlink.tick.<phase>` (setup, upstream, downstream, execute, purge); its counts so far
 * are set when it ends. Reading the config is not a phase span of its own.
 */
export function tracePhase(phase: TickPhase, summary: TickSummary, run: () => Promise<void>): Promise<void> {
  if (!(phase in PHASE_COUNTS)) return run();
  const keys = PHASE_COUNTS[phase as Phase];
  return withSpan(`smartlink.tick.${phase}`, {}, async (span) => {
    try {
      await run();
    } finally {
      span.setAttributes(counts(summary, keys));
    }
  });
}
