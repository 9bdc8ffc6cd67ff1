/**
 * One attempt of one claimed DOWN row: runs its handler under the handler
 * timeout and the shutdown signal, and turns what happened into an outcome.
 */
import type { RetryParams } from "../config.ts";
import { abortable } from "../async/abortable.ts";
import { createTimeoutQueue, type TimeoutQueue } from "../async/timeout_queue.ts";
import { LOG_TYPES, type MessageRow } from "../db/schema.ts";
import { FatalHandlerError, type HandlerResult, RetryableHandlerError } from "../handlers/types.ts";
import type { TickDeps } from "./deps.ts";
import { abandoned, dead, failed, type Outcome, succeeded } from "./outcome.ts";

/** One queue per handler timeout in use (one in practice): attempts share its timer. */
const timeoutQueues = new Map<number, TimeoutQueue>();
function handlerTimeouts(ms: number): TimeoutQueue {
  let queue = timeoutQueues.get(ms);
  if (queue === undefined) {
    queue = createTimeoutQueue(ms, () => new DOMException(`Handler timeout of ${ms} ms elapsed`, "TimeoutError"));
    timeoutQueues.set(ms, queue);
  }
  return queue;
}

/** Runs the handler of `row` (already claimed: its counter is this attempt's number). Never throws. */
export async function runHandler(deps: TickDeps, retry: RetryParams, row: MessageRow): Promise<Outcome> {
  const attempt = row.qtdeTentativaExec;
  const startedAt = deps.now();
  const times = () => ({ attempt, startedAt, finishedAt: deps.now() });
  const handler = deps.handlers.get(row.tipo);
  if (!handler) return dead(row, times(), { code: "HANDLER_MISSING", message: `No handler for type "${row.tipo}"` });
  // One signal per attempt, aborted by the handler timeout or by shutdown; both are removed when the attempt
  // ends (AbortSignal.timeout or AbortSignal.any would keep a timer or a listener per message alive).
  const timeout = handlerTimeouts(deps.handlerTimeoutMs).start();
  const onShutdown = () => timeout.abort(deps.abortSignal?.reason);
  if (deps.abortSignal?.aborted) onShutdown();
  else deps.abortSignal?.addEventListener("abort", onShutdown, { once: true });
  let result: HandlerResult;
  try {
    result = await abortable(
      handler({
        id: row.id,
        externalId: row.idExterno ?? undefined,
        type: row.tipo,
        correlationId: row.idCorrelacao ?? undefined,
        content: row.conteudo,
      }, {
        attempt,
        signal: timeout.signal,
        tenantId: deps.tenantId(),
        now: deps.now,
        logger: deps.logger.child({ messageId: row.id, type: row.tipo, attempt }),
      }),
      timeout.signal,
    );
  } catch (err) {
    if (deps.abortSignal?.aborted) {
      // Interrupted by shutdown: the attempt counts (it may have acted) and the row is due again at once.
      return abandoned(row, times(), {
        maxAttempts: retry.qtdeTentativasExec,
        code: "HANDLER_ABORTED",
        message: `Attempt ${attempt} interrupted by shutdown`,
        text: `Attempt ${attempt} interrupted by shutdown; due again at once`,
      });
    }
    if (err instanceof FatalHandlerError) return dead(row, times(), { code: err.code, message: err.message });
    const retryable = err instanceof RetryableHandlerError;
    const timedOut = timeout.timedOut;
    const code = retryable ? err.code : timedOut ? "HANDLER_TIMEOUT" : "HANDLER_ERROR";
    const message = timedOut && !retryable
      ? `Handler did not finish within ${deps.handlerTimeoutMs / 1000} s`
      : (err as Error)?.message ?? String(err);
    return failed(row, times(), {
      retry,
      code,
      message,
      label: `Attempt ${attempt} of ${retry.qtdeTentativasExec} failed`,
    });
  } finally {
    timeout.clear();
    deps.abortSignal?.removeEventListener("abort", onShutdown);
  }
  const logs: Outcome["logs"] = [{ type: LOG_TYPES.info, text: `Attempt ${attempt} succeeded` }];
  for (const w of result.warnings ?? []) logs.push({ type: LOG_TYPES.warning, text: w });
  for (const i of result.info ?? []) logs.push({ type: LOG_TYPES.info, text: i });
  if (result.reply) {
    logs.push({
      type: LOG_TYPES.info,
      text: `Reply "${result.reply.type}" queued for audience "${result.reply.audience}"`,
    });
  }
  return succeeded(row, times(), { logs, reply: result.reply ? { ...result.reply } : undefined });
}
