/**
 * Step 2 of the tick: send the due `UP` rows, oldest first. A server that is
 * down stops the pass and costs no attempt; a rejection counts as a failed
 * attempt (the RM formula, then DEAD). `createReplySender` sends the replies
 * that handlers produce while the tick still runs.
 */
import type { RetryParams } from "../config.ts";
import { dueUpstream } from "../db/queue/outbox.ts";
import { recordOutcomes } from "../db/queue/record_outcomes.ts";
import { LOG_TYPES, type MessageRow } from "../db/schema.ts";
import { SmartLinkError } from "../smartlink/errors.ts";
import type { TickDeps } from "./deps.ts";
import { dead, failed, type Outcome, succeeded } from "./outcome.ts";
import { pool } from "../async/pool.ts";
import { PhaseError } from "./phase.ts";
import type { TickSummary } from "./summary.ts";

const UP_BATCH = 100;
const SEND_CONCURRENCY = 8;

/**
 * Sends every due UP row once. `notAgain` holds the rows not to send again
 * in this tick (rejected, or changed meanwhile); sent rows are deleted.
 * @throws PhaseError when the server is unreachable or answers as down
 */
export async function upstreamPass(
  deps: TickDeps,
  options: { retry: RetryParams; summary: TickSummary; notAgain?: string[] },
): Promise<void> {
  const { retry, summary, notAgain = [] } = options;
  while (!deps.stopSignal?.aborted) {
    const rows = await dueUpstream(deps.db.orm, deps.now(), UP_BATCH, notAgain);
    if (rows.length === 0) return;
    const outcomes: Outcome[] = [];
    let stopped: SmartLinkError | undefined;
    await pool(rows, SEND_CONCURRENCY, async (row) => {
      const outcome = await sendOne(deps, retry, row);
      if (outcome instanceof SmartLinkError) stopped ??= outcome;
      else outcomes.push(outcome);
    }, () => stopped !== undefined);
    const { recorded, stale } = await recordOutcomes(deps.db.orm, outcomes, deps.now());
    for (const o of stale) notAgain.push(o.row.id);
    for (const o of recorded) {
      if (o.result === "SUCCESS") summary.sent++;
      else {
        summary.sendRejected++;
        notAgain.push(o.row.id);
      }
    }
    if (stopped) throw new PhaseError(stopped.code, stopped.message, { phase: "upstream", cause: stopped });
  }
}

/** Sends one UP row; a transient failure comes back as the error (no attempt counted). */
async function sendOne(deps: TickDeps, retry: RetryParams, row: MessageRow): Promise<Outcome | SmartLinkError> {
  const attempt = row.qtdeTentativaExec + 1;
  const startedAt = deps.now();
  if (!row.audiencia) {
    return dead(row, { attempt, startedAt, finishedAt: deps.now() }, {
      code: "UP_NO_AUDIENCE",
      message: "the message has no audience to send to",
      text: "Message has no audience: DEAD",
    });
  }
  try {
    await deps.client.send(row.tipo, row.audiencia, row.conteudo);
    return succeeded(row, { attempt, startedAt, finishedAt: deps.now() }, {
      logs: [{ type: LOG_TYPES.info, text: `Sent to audience "${row.audiencia}" (attempt ${attempt})` }],
    });
  } catch (err) {
    if (!(err instanceof SmartLinkError) || err.kind !== "rejected") {
      return err instanceof SmartLinkError
        ? err
        : new SmartLinkError("SL_NETWORK", `Smart Link send failed: ${(err as Error).message}`, {
          kind: "transient",
          op: "send",
          cause: err,
        });
    }
    return failed(row, { attempt, startedAt, finishedAt: deps.now() }, {
      retry,
      code: err.code,
      message: err.message,
      label: `Send rejected (attempt ${attempt} of ${retry.qtdeTentativasExec})`,
      debug: { status: err.status, body: err.rawBody },
    });
  }
}

/** Sends replies while the tick runs: `kick()` after replies were stored, `settle()` at the end. */
export interface ReplySender {
  kick(): void;
  /** Waits for the passes in flight, then sends what is still due. @throws PhaseError as `upstreamPass` */
  settle(): Promise<void>;
}

/** One pass at a time; a kick during a pass asks for one more. A pass that failed ends the sending for this tick. */
export function createReplySender(
  deps: TickDeps,
  options: { retry: RetryParams; summary: TickSummary; enabled?: boolean },
): ReplySender {
  const { retry, summary, enabled = true } = options;
  const notAgain: string[] = [];
  let running: Promise<void> | undefined;
  let again = false;
  let failure: unknown;
  const start = () => {
    running = (async () => {
      do {
        again = false;
        await upstreamPass(deps, { retry, summary, notAgain });
      } while (again);
    })().catch((err) => {
      failure = err;
    }).finally(() => {
      running = undefined;
    });
  };
  return {
    kick() {
      if (failure !== undefined || !enabled) return;
      if (running) again = true;
      else start();
    },
    async settle() {
      if (!enabled) return;
      while (running) await running;
      if (failure === undefined) start();
      while (running) await running;
      if (failure !== undefined) throw failure;
    },
  };
}
