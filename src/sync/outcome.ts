/**
 * The four ways an attempt ends, built in one place: `succeeded`, `failed`
 * (RETRY or DEAD by the RM formula), `dead` and `abandoned`. Upstream sends
 * and downstream executions both use them; `recordOutcomes` stores them.
 * A failure is given as `code` and `message`; its stored text (`ULTIMOERRO`,
 * `ERRO`) is `errorText(code, message)`.
 */
import type { RetryParams } from "../config.ts";
import type { Outcome } from "../db/queue/record_outcomes.ts";
import { LOG_TYPES, type MessageRow } from "../db/schema.ts";
import { type DriverCode, type ErrorCode, errorText } from "../errors.ts";
import { decideRetry } from "./retry_policy.ts";

export type { Outcome };

/** Why an attempt failed: its stored text is `CODE: message`. */
export interface Failure {
  code: ErrorCode | DriverCode;
  message: string;
}

/** When an attempt ran: its number (QTDETENTATIVAEXEC after the claim), start and end. */
export interface AttemptTimes {
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
}

/** A successful attempt; `reply`, when given, is published in the same transaction. */
export function succeeded(
  row: MessageRow,
  at: AttemptTimes,
  options: { logs: Outcome["logs"]; reply?: Outcome["reply"] },
): Outcome {
  return { row, ...at, result: "SUCCESS", reply: options.reply, logs: options.logs };
}

/**
 * A failed attempt that may be retried: RETRY at the RM formula's time, or
 * DEAD once `QtdeTentativasExec` attempts were made. `label` starts its LOG
 * text ("Attempt 2 of 3 failed", "Send rejected (attempt 2 of 3)").
 */
export function failed(
  row: MessageRow,
  at: AttemptTimes,
  options: Failure & { retry: RetryParams; label: string; debug?: Record<string, unknown> },
): Outcome {
  const decision = decideRetry(options.retry, at.attempt, at.finishedAt);
  const error = errorText(options.code, options.message);
  const text = decision.status === "DEAD"
    ? `${options.label}: DEAD: ${error}`
    : `${options.label}; next attempt at ${decision.nextAttemptAt.toISOString()}: ${error}`;
  return {
    row,
    ...at,
    result: decision.status,
    nextStatus: decision.status,
    nextAttemptAt: decision.nextAttemptAt,
    error,
    logs: [{ type: LOG_TYPES.error, text, debug: options.debug }],
  };
}

/** An attempt that can never succeed (fatal error, no handler, no audience): DEAD at once. */
export function dead(row: MessageRow, at: AttemptTimes, options: Failure & { text?: string }): Outcome {
  const error = errorText(options.code, options.message);
  return {
    row,
    ...at,
    result: "DEAD",
    nextStatus: "DEAD",
    nextAttemptAt: at.finishedAt,
    error,
    logs: [{ type: LOG_TYPES.error, text: options.text ?? `Attempt ${at.attempt} failed: DEAD: ${error}` }],
  };
}

/**
 * An attempt that never reported (crashed process, shutdown): it counts, the
 * row is due again at once, or DEAD when it was the last allowed attempt.
 */
export function abandoned(
  row: MessageRow,
  at: AttemptTimes,
  options: Failure & { maxAttempts: number; text: string },
): Outcome {
  return {
    row,
    ...at,
    result: "ABANDONED",
    nextStatus: at.attempt >= options.maxAttempts ? "DEAD" : "RETRY",
    nextAttemptAt: at.finishedAt,
    error: errorText(options.code, options.message),
    logs: [{ type: LOG_TYPES.warning, text: options.text }],
  };
}
