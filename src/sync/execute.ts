/**
 * Step 4 of the tick: execute due DOWN rows through their handlers. Rows are
 * claimed many at a time (RUNNING, attempt counted), run at most
 * `concurrency` at once, and their outcomes are recorded in batches, one
 * transaction per batch.
 */
import type { RetryParams } from "../config.ts";
import type { MessageRow } from "../db/schema.ts";
import { FatalHandlerError, type HandlerResult, RetryableHandlerError } from "../handlers/types.ts";
import { errorFields } from "../log.ts";
import { decideRetry } from "./retry_policy.ts";
import { abandonedRunning, claimDue, type Outcome, recordOutcomes, releaseUnstarted } from "./store.ts";
import type { TickSummary } from "./summary.ts";
import type { TickDeps } from "./tick.ts";
import { PhaseError, pool } from "./phase.ts";

/** Outcomes are written when this many are waiting (and at the end of each claim). */
const RECORD_BATCH = 200;
const MAX_CLAIM = 500;

/** Executes every due DOWN row; returns when none is due or the tick is stopping. */
export async function executePhase(deps: TickDeps, retry: RetryParams, summary: TickSummary): Promise<void> {
  await recoverAbandoned(deps, retry, summary);
  // Claim a little ahead of the handlers; grow the claim while handlers keep up.
  let claimSize = Math.max(deps.concurrency * 2, 8);
  while (!deps.stopSignal?.aborted) {
    const rows = await claimDue(deps.db, { limit: claimSize, now: deps.now(), executor: deps.executor });
    if (rows.length === 0) return;
    const t0 = Date.now();
    await runClaimed(deps, retry, summary, rows);
    if (Date.now() - t0 < 250) claimSize = Math.min(claimSize * 2, MAX_CLAIM);
    else claimSize = Math.max(deps.concurrency * 2, 8);
  }
}

async function runClaimed(deps: TickDeps, retry: RetryParams, summary: TickSummary, rows: MessageRow[]) {
  const buffer: Outcome[] = [];
  const started = new Set<string>();
  let writing: Promise<void> = Promise.resolve();
  let writeError: unknown;
  const flush = () => {
    const batch = buffer.splice(0, buffer.length);
    if (batch.length === 0) return writing;
    writing = writing.then(async () => {
      if (writeError) return;
      try {
        const { recorded } = await recordOutcomes(deps.db, batch, deps.now());
        for (const o of recorded) {
          summary.executed++;
          if (o.result === "SUCCESS") summary.succeeded++;
          else if (o.nextStatus === "DEAD") summary.dead++;
          else summary.retried++;
        }
      } catch (err) {
        writeError = err;
      }
    });
    return writing;
  };
  await pool(rows, deps.concurrency, async (row) => {
    started.add(row.id);
    buffer.push(await runOne(deps, retry, row));
    if (buffer.length >= RECORD_BATCH) void flush();
  }, () => deps.stopSignal?.aborted === true || writeError !== undefined);
  await flush();
  const unstarted = rows.filter((r) => !started.has(r.id));
  if (unstarted.length > 0) {
    // Shutdown before these began: give them back without counting an attempt.
    await releaseUnstarted(deps.db, unstarted, deps.executor, deps.now()).catch((err) => {
      deps.logger.warn("Claimed rows not released; they become due after the recovery delay", errorFields(err));
    });
  }
  if (writeError) {
    const e = writeError as { code?: unknown; message?: unknown };
    throw new PhaseError(
      "database",
      typeof e.code === "string" ? e.code : "DB_ERROR",
      `Outcomes not recorded (rows stay RUNNING and are recovered later): ${String(e.message ?? writeError)}`,
      { cause: writeError },
    );
  }
}

/** Runs the handler of one claimed row and turns what happened into an outcome. */
async function runOne(deps: TickDeps, retry: RetryParams, row: MessageRow): Promise<Outcome> {
  const attempt = row.qtdeTentativaExec;
  const startedAt = deps.now();
  const handler = deps.handlers.get(row.tipo);
  if (!handler) {
    return dead(row, attempt, startedAt, deps.now(), `HANDLER_MISSING: No handler for type "${row.tipo}"`);
  }
  // A timer cleared when the attempt ends (AbortSignal.timeout would keep one per message alive for the whole timeout).
  const timeoutCtl = new AbortController();
  const timer = setTimeout(
    () => timeoutCtl.abort(new DOMException(`Handler timeout of ${deps.handlerTimeoutMs} ms elapsed`, "TimeoutError")),
    deps.handlerTimeoutMs,
  );
  const timeout = timeoutCtl.signal;
  const signal = deps.abortSignal ? AbortSignal.any([timeout, deps.abortSignal]) : timeout;
  let result: HandlerResult;
  try {
    result = await raceAbort(
      handler({
        id: row.id,
        externalId: row.idExterno ?? undefined,
        type: row.tipo,
        correlationId: row.idCorrelacao ?? undefined,
        content: row.conteudo,
      }, {
        attempt,
        signal,
        tenantId: deps.tenantId(),
        now: deps.now,
        logger: deps.logger.child({ messageId: row.id, type: row.tipo, attempt }),
      }),
      signal,
    );
  } catch (err) {
    clearTimeout(timer);
    const finishedAt = deps.now();
    if (deps.abortSignal?.aborted) {
      // Interrupted by shutdown: the attempt counts (it may have acted) and the row is due again at once.
      return {
        row,
        attempt,
        startedAt,
        finishedAt,
        result: "ABANDONED",
        nextStatus: attempt >= retry.qtdeTentativasExec ? "DEAD" : "RETRY",
        nextAttemptAt: finishedAt,
        error: `HANDLER_ABORTED: Attempt ${attempt} interrupted by shutdown`,
        logs: [{ type: 1, text: `Attempt ${attempt} interrupted by shutdown; due again at once` }],
      };
    }
    if (err instanceof FatalHandlerError) {
      return dead(row, attempt, startedAt, finishedAt, `${err.code}: ${err.message}`);
    }
    const code = err instanceof RetryableHandlerError
      ? err.code
      : timeout.aborted
      ? "HANDLER_TIMEOUT"
      : "HANDLER_ERROR";
    const message = timeout.aborted && !(err instanceof RetryableHandlerError)
      ? `Handler did not finish within ${deps.handlerTimeoutMs / 1000} s`
      : (err as Error)?.message ?? String(err);
    const decision = decideRetry(retry, attempt, finishedAt);
    const error = `${code}: ${message}`;
    return {
      row,
      attempt,
      startedAt,
      finishedAt,
      result: decision.status,
      nextStatus: decision.status,
      nextAttemptAt: decision.nextAttemptAt,
      error,
      logs: [{
        type: 2,
        text: decision.status === "DEAD"
          ? `Attempt ${attempt} of ${retry.qtdeTentativasExec} failed: DEAD: ${error}`
          : `Attempt ${attempt} of ${retry.qtdeTentativasExec} failed; next attempt at ${decision.nextAttemptAt.toISOString()}: ${error}`,
      }],
    };
  }
  clearTimeout(timer);
  const finishedAt = deps.now();
  const logs: Outcome["logs"] = [{ type: 0, text: `Attempt ${attempt} succeeded` }];
  for (const w of result.warnings ?? []) logs.push({ type: 1, text: w });
  for (const i of result.info ?? []) logs.push({ type: 0, text: i });
  if (result.reply) {
    logs.push({ type: 0, text: `Reply "${result.reply.type}" queued for audience "${result.reply.audience}"` });
  }
  return {
    row,
    attempt,
    startedAt,
    finishedAt,
    result: "SUCCESS",
    reply: result.reply ? { ...result.reply } : undefined,
    logs,
  };
}

function dead(row: MessageRow, attempt: number, startedAt: Date, finishedAt: Date, error: string): Outcome {
  return {
    row,
    attempt,
    startedAt,
    finishedAt,
    result: "DEAD",
    nextStatus: "DEAD",
    nextAttemptAt: finishedAt,
    error,
    logs: [{ type: 2, text: `Attempt ${attempt} failed: DEAD: ${error}` }],
  };
}

/** Settles with the handler, or rejects when `signal` aborts (a handler that ignores its signal). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * RUNNING rows left by a crashed process become due again after the handler
 * timeout + 1 minute. The attempt counts: an EXEC row records it as abandoned,
 * and it may make the row DEAD.
 */
async function recoverAbandoned(deps: TickDeps, retry: RetryParams, summary: TickSummary): Promise<void> {
  const now = deps.now();
  const rows = await abandonedRunning(deps.db, new Date(now.getTime() - deps.handlerTimeoutMs - 60_000), 1000);
  if (rows.length === 0) return;
  const outcomes: Outcome[] = rows.map((row) => {
    const attempt = row.qtdeTentativaExec;
    const isDead = attempt >= retry.qtdeTentativasExec;
    const error =
      `ABANDONED: Attempt ${attempt} never finished (executor "${row.executor}", started ${row.dataInicioExec?.toISOString()})`;
    return {
      row,
      attempt,
      startedAt: row.dataInicioExec ?? now,
      finishedAt: now,
      result: "ABANDONED",
      nextStatus: isDead ? "DEAD" : "RETRY",
      nextAttemptAt: now,
      error,
      logs: [{ type: 1, text: isDead ? `${error}: DEAD` : `${error}: due again` }],
    };
  });
  const { recorded } = await recordOutcomes(deps.db, outcomes, now);
  summary.recovered += recorded.length;
  summary.dead += recorded.filter((o) => o.nextStatus === "DEAD").length;
  if (recorded.length > 0) deps.logger.warn("Recovered abandoned RUNNING rows", { count: recorded.length });
}
