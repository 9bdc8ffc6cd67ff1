/**
 * One sync tick — what RM's job `ConTotvsAppExecutorTLCProcess` does every
 * minute: refresh config and setup, send upstream, then download (store,
 * commit, then ack) and execute side by side, send the replies as they are
 * stored, purge (and the upkeep of the embedded database). Every dependency arrives in `TickDeps`; the caller
 * (`runner.ts`) guarantees that two ticks never run at once. Each phase is
 * one call of `phase()`, the one place to wrap a phase (timing, tracing).
 */
import type { RetryParams } from "../config.ts";
import { purgeHistory } from "../db/history/purge.ts";
import { tickRecordText, writeTickRecord } from "./tick_record.ts";
import { errorFields } from "../log.ts";
import { SmartLinkError } from "../smartlink/errors.ts";
import type { TickDeps, TickOptions } from "./deps.ts";
import { downstreamPhase } from "./downstream.ts";
import { maintainIfDue } from "./maintain_if_due.ts";
import { executePhase, type Inflow } from "./execute.ts";
import { createSignal, databaseCode, PhaseError } from "./phase.ts";
import { emptySummary, type TickPhase, type TickSummary, type TickTrigger } from "./summary.ts";
import { tracePhase } from "./tick_span.ts";
import { createReplySender, upstreamPass } from "./upstream.ts";

/** Runs one tick and returns its summary; never throws for server or database failures. */
export async function tick(deps: TickDeps, trigger: TickTrigger, options: TickOptions = {}): Promise<TickSummary> {
  const started = deps.now();
  const summary = emptySummary(trigger, started);
  options.onStart?.(summary);
  // A database failure stops every phase of this tick; server trouble stops only its own phase.
  const halt = new AbortController();
  const d: TickDeps = {
    ...deps,
    stopSignal: deps.stopSignal ? AbortSignal.any([deps.stopSignal, halt.signal]) : halt.signal,
  };
  const phase = async (name: TickPhase, fn: () => Promise<void>): Promise<boolean> => {
    if (halt.signal.aborted) return false;
    const t0 = performance.now();
    try {
      await tracePhase(name, summary, fn);
      return true;
    } catch (err) {
      fail(summary, name, err);
      if (!isServerTrouble(err)) halt.abort(err);
      return false;
    } finally {
      if (name in summary.phaseMs) {
        summary.phaseMs[name as keyof TickSummary["phaseMs"]] += Math.round(performance.now() - t0);
      }
    }
  };
  let retry: RetryParams | undefined;
  await phase("config", async () => {
    retry = await deps.retryParams();
  });
  if (retry !== undefined) {
    if (options.phases === "upstream") await phase("upstream", () => upstreamPass(d, { retry: retry!, summary }));
    else await fullTick(d, { retry, summary, phase });
  }
  const finished = deps.now();
  summary.finishedAt = finished.toISOString();
  summary.durationMs = finished.getTime() - started.getTime();
  await finish(deps, summary);
  return summary;
}

type Phase = (name: TickPhase, fn: () => Promise<void>) => Promise<boolean>;

async function fullTick(
  deps: TickDeps,
  options: { retry: RetryParams; summary: TickSummary; phase: Phase },
): Promise<void> {
  const { retry, summary, phase } = options;
  let setupOk = true;
  await phase("setup", async () => {
    try {
      await deps.setup.ensure();
    } catch (err) {
      // A failed setup stops the download only; it is the tick's error.
      setupOk = false;
      fail(summary, "setup", err);
    }
  });
  const upstreamOk = await phase("upstream", () => upstreamPass(deps, { retry, summary }));
  // Download and execute side by side: each committed batch wakes the executor, and the replies
  // it stores are sent by `replies` while both still run (unless the server refused sends already).
  const replies = createReplySender(deps, { retry, summary, enabled: upstreamOk });
  let downloading = setupOk;
  const inflow: Inflow = { done: () => !downloading, signal: createSignal() };
  await Promise.all([
    setupOk &&
    phase("downstream", () => downstreamPhase(deps, summary, inflow.signal.notify)).finally(() => {
      downloading = false;
      inflow.signal.notify();
    }),
    phase("execute", () => executePhase(deps, retry, summary, inflow, replies.kick)),
  ]);
  if (upstreamOk) await phase("upstream", () => replies.settle());
  await phase("purge", async () => {
    const purged = await purgeHistory(deps.db.orm, new Date(deps.now().getTime() - deps.retentionDays * 86_400_000));
    summary.purgedExec = purged.exec;
    summary.purgedLog = purged.log;
    await maintainIfDue(deps, summary);
  });
}

/** An error of the Smart Link Server (or of reaching it), as opposed to one of the database. */
function isServerTrouble(err: unknown): boolean {
  return err instanceof SmartLinkError || (err instanceof PhaseError && err.cause instanceof SmartLinkError);
}

function fail(summary: TickSummary, phase: TickPhase, err: unknown): void {
  if (summary.error) return; // the first error explains the tick; later ones follow from it
  if (err instanceof PhaseError) {
    summary.error = { phase: err.phase, code: err.code, message: err.message };
  } else if (err instanceof SmartLinkError) {
    summary.error = { phase, code: err.code, message: err.message };
  } else {
    const message = typeof (err as Error)?.message === "string" ? (err as Error).message : String(err);
    summary.error = { phase: phase === "config" ? "config" : "database", code: databaseCode(err), message };
  }
}

async function finish(deps: TickDeps, summary: TickSummary): Promise<void> {
  const busy = summary.sent + summary.downloaded + summary.executed + summary.recovered + summary.purgedExec +
    summary.purgedLog;
  if (summary.error) {
    deps.logger.error(tickRecordText(summary), {
      code: summary.error.code,
      phase: summary.error.phase,
      trigger: summary.trigger,
    });
  } else if (busy > 0) {
    deps.logger.info("Tick finished", { ...summary });
  } else {
    deps.logger.debug("Tick finished", { ...summary });
  }
  try {
    await writeTickRecord(deps.db, summary, deps.now());
  } catch (err) {
    // The database may be the reason the tick failed; the stdout line above already says so.
    deps.logger.debug("Tick summary not written to GTOTVSLINKLOG", errorFields(err));
  }
}
