/**
 * Step 4 of the tick: execute due DOWN rows through their handlers while the
 * download still runs. Rows are claimed many at a time (RUNNING, attempt
 * counted) a little ahead of the handlers, at most `concurrency` run at once,
 * and their outcomes are recorded in batches by the recorder meanwhile.
 * When nothing is due the phase waits for the next committed download batch,
 * and ends once the download has ended and nothing is due.
 */
import type { RetryParams } from "../config.ts";
import { claimDue, releaseUnstarted } from "../db/queue/claim.ts";
import type { MessageRow } from "../db/schema.ts";
import { errorFields } from "../log.ts";
import type { TickDeps } from "./deps.ts";
import { databaseCode, PhaseError, type Signal, yieldToEventLoop } from "./phase.ts";
import { createRecorder } from "./recorder.ts";
import { recoverAbandoned } from "./recover.ts";
import { runHandler } from "./run_handler.ts";
import type { TickSummary } from "./summary.ts";

/**
 * Rows claimed at once at most. Larger claims (500) made each claim's and each record's work block the
 * event loop long enough to slow the acks beside them (bench: acks 2-3x slower while executing). A little
 * above a download batch of 100, so the claim of a whole batch comes back short (see `caughtUp`).
 */
const MAX_CLAIM = 128;

/** New rows may still arrive while `done()` is false; `signal` fires after each committed batch. */
export interface Inflow {
  done(): boolean;
  signal: Signal;
}

/** Where claimed rows wait for a free handler slot. */
interface Feeder {
  /** The next row to run, or undefined when the phase is over. */
  next(): Promise<MessageRow | undefined>;
  /** Claimed rows never handed out (to give back). */
  leftover(): MessageRow[];
}

/**
 * Executes every due DOWN row; returns when none is due and none will arrive, or the tick is stopping.
 * `onReplies` is called after replies were stored. @throws PhaseError when outcomes cannot be recorded
 */
export async function executePhase(
  deps: TickDeps,
  retry: RetryParams,
  summary: TickSummary,
  inflow: Inflow,
  onReplies: () => void = () => {},
): Promise<void> {
  await recoverAbandoned(deps, retry, summary);
  const recorder = createRecorder(deps, summary, onReplies);
  const stopping = () => deps.stopSignal?.aborted === true || recorder.error !== undefined;
  const feeder = createFeeder(deps, summary, inflow, stopping);
  const worker = async () => {
    for (let row = await feeder.next(); row !== undefined; row = await feeder.next()) {
      recorder.add(await runHandler(deps, retry, row));
      await yieldToEventLoop();
    }
  };
  const ended = await Promise.allSettled(Array.from({ length: deps.concurrency }, worker));
  const claimError = ended.find((r): r is PromiseRejectedResult => r.status === "rejected")?.reason;
  await recorder.flush();
  const unstarted = feeder.leftover();
  if (unstarted.length > 0) {
    // Shutdown before these began: give them back without counting an attempt.
    await releaseUnstarted(deps.db.orm, unstarted, deps.executor, deps.now()).catch((err) => {
      deps.logger.warn("Claimed rows not released; they become due after the recovery delay", errorFields(err));
    });
  }
  if (claimError !== undefined) throw claimError; // the claim's own database error
  if (recorder.error !== undefined) {
    const e = recorder.error as { message?: unknown };
    throw new PhaseError(
      databaseCode(recorder.error),
      `Outcomes not recorded (rows stay RUNNING and are recovered later): ${String(e.message ?? recorder.error)}`,
      { phase: "database", cause: recorder.error },
    );
  }
}

/** Claims ahead of the handlers, one claim at a time; the claim grows while handlers keep up. */
function createFeeder(deps: TickDeps, summary: TickSummary, inflow: Inflow, stopping: () => boolean): Feeder {
  const minClaim = Math.max(deps.concurrency * 2, 8);
  let claimSize = minClaim;
  let ready: MessageRow[] = [];
  let claiming: Promise<void> | undefined;
  let over = false;
  let lastClaimAt = 0;
  let failure: unknown;

  // A claim that came back with fewer rows than asked took every due row: more come only with the next
  // committed batch, so the next claim waits for it instead of asking the database for nothing (on PGlite
  // that empty claim was one of every two).
  let caughtUp = false;
  let caughtUpAfterDownload = false;
  const claim = async () => {
    for (;;) {
      if (caughtUp) {
        if (caughtUpAfterDownload || stopping()) {
          over = true;
          return;
        }
        await inflow.signal.wait();
        caughtUp = false;
        if (stopping()) {
          over = true;
          return;
        }
      }
      // Batches committed from here on notify again; those before are seen by this claim.
      inflow.signal.clear();
      const doneBefore = inflow.done();
      const limit = claimSize;
      const { rows, alreadySucceeded } = await claimDue(deps.db.orm, {
        limit,
        now: deps.now(),
        executor: deps.executor,
      });
      if (alreadySucceeded > 0) {
        summary.duplicates += alreadySucceeded;
        deps.logger.info("Copies of commands that already succeeded removed instead of executed", {
          count: alreadySucceeded,
        });
      }
      const t = performance.now();
      claimSize = t - lastClaimAt < 250 ? Math.min(claimSize * 2, MAX_CLAIM) : minClaim;
      lastClaimAt = t;
      if (rows.length > 0) {
        ready = ready.concat(rows);
        if (rows.length + alreadySucceeded < limit) {
          caughtUp = true;
          caughtUpAfterDownload = doneBefore;
        }
        return;
      }
      if (alreadySucceeded > 0) continue; // the claim took only removed copies: more may be due
      if (doneBefore || stopping()) {
        over = true;
        return;
      }
      await inflow.signal.wait();
      if (stopping()) {
        over = true;
        return;
      }
    }
  };
  const refill = () => {
    claiming ??= claim().finally(() => {
      claiming = undefined;
    });
    return claiming;
  };

  return {
    async next() {
      for (;;) {
        if (failure !== undefined) throw failure;
        if (stopping()) return undefined;
        const row = ready.shift();
        if (row !== undefined) {
          // Keep one claim ahead so a handler slot never waits on the database.
          if (ready.length < deps.concurrency && !over) {
            refill().catch((err) => {
              failure ??= err; // the next call to next() throws it
            });
          }
          return row;
        }
        if (over) return undefined;
        await refill();
      }
    },
    leftover: () => ready.splice(0, ready.length),
  };
}
