/**
 * Records outcomes in batches while handlers keep running (River's
 * completer): one transaction at a time; whatever finished while it was
 * being written goes into the next one, and a batch waits for handlers
 * still finishing (a turn of the event loop at a time, 20 ms at most), so
 * batches grow with the load.
 */
import { recordOutcomes } from "../db/queue/record_outcomes.ts";
import type { TickDeps } from "./deps.ts";
import { withErrorReply } from "./error_reply.ts";
import { yieldToEventLoop } from "./phase.ts";
import type { Outcome } from "./outcome.ts";
import type { TickSummary } from "./summary.ts";

/** Outcomes written in one transaction at most (larger batches block the event loop the download shares). */
const MAX_BATCH = 200;
/** How long outcomes may wait for more to join their batch. */
const GATHER_MS = 20;

export interface Recorder {
  add(outcome: Outcome): void;
  /** The first write error; outcomes are no longer written once set. */
  readonly error: unknown;
  /** Resolves when everything added so far is written (or the writes failed). */
  flush(): Promise<void>;
}

/** `onReplies` is called after a batch that stored replies committed. */
export function createRecorder(deps: TickDeps, summary: TickSummary, onReplies: () => void): Recorder {
  const buffer: Outcome[] = [];
  let writing: Promise<void> | undefined;
  let error: unknown;
  // Before each write, let the handlers add to the batch while they keep finishing: one more turn of the
  // event loop at a time, until a turn adds nothing, the batch is full or GATHER_MS went by. Slow handlers
  // are written after one turn; fast ones fill a batch. On PGlite (in this thread) nothing finishes while a
  // statement runs, so without this every write held only the last `concurrency` outcomes (bench: 2,500
  // writes of 4 for 10,000 commands, 4.6 s of a 7.9 s drain).
  const gather = async () => {
    const since = performance.now();
    for (let before = -1; buffer.length !== before && buffer.length < MAX_BATCH;) {
      if (performance.now() - since >= GATHER_MS) return;
      before = buffer.length;
      await yieldToEventLoop();
    }
  };
  const write = async () => {
    while (buffer.length > 0 && error === undefined) {
      await gather();
      const batch = buffer.splice(0, MAX_BATCH);
      try {
        const { recorded } = await recordOutcomes(deps.db.orm, batch, deps.now());
        let replies = false;
        for (const o of recorded) {
          summary.executed++;
          if (o.result === "SUCCESS") summary.succeeded++;
          else if (o.nextStatus === "DEAD") summary.dead++;
          else summary.retried++;
          if (o.reply) replies = true;
        }
        if (replies) onReplies();
      } catch (err) {
        error = err;
      }
    }
  };
  const start = () => {
    writing ??= write().finally(() => {
      writing = undefined;
      // Added while the last statement was finishing: written by a new loop.
      if (buffer.length > 0 && error === undefined) start();
    });
  };
  return {
    add(outcome) {
      buffer.push(withErrorReply(outcome, deps));
      start();
    },
    get error() {
      return error;
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
