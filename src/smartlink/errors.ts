/**
 * The one error type that leaves the Smart Link client. `kind` tells the tick
 * what to do: `transient` stops the phase for this tick and burns no attempt;
 * `rejected` counts as a failed attempt of the message (only `send` has one).
 */
import { AppError, type AppErrorOptions, type SmartLinkErrorCode } from "../errors.ts";

export type SmartLinkOp = "setup" | "get" | "ack" | "nack" | "send";

export type SmartLinkErrorKind = "transient" | "rejected";

export type { SmartLinkErrorCode };

export interface SmartLinkErrorOptions extends AppErrorOptions {
  kind: SmartLinkErrorKind;
  op: SmartLinkOp;
  status?: number;
  retryAfterMs?: number;
  /** The raw response body, already cut (at most 4 KiB); for logs, never for end users. */
  rawBody?: string;
}

/** A failed Smart Link Server call, classified for the sync tick. */
export class SmartLinkError extends AppError<SmartLinkErrorCode> {
  override name = "SmartLinkError";
  readonly kind: SmartLinkErrorKind;
  readonly op: SmartLinkOp;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly rawBody?: string;

  constructor(code: SmartLinkErrorCode, message: string, options: SmartLinkErrorOptions) {
    super(code, message, options);
    this.kind = options.kind;
    this.op = options.op;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.rawBody = options.rawBody;
  }
}

/**
 * Code and kind of a non-2xx status. 408, 429, 5xx, 401 and 403 are
 * transient; any other 4xx (404 and 410 included) is `rejected` on `send`
 * and transient elsewhere, because only `send` has a message whose attempt
 * it could count.
 */
export function classifyStatus(
  op: SmartLinkOp,
  status: number,
): { code: SmartLinkErrorCode; kind: SmartLinkErrorKind } {
  if (status >= 500) return { code: "SL_HTTP_5XX", kind: "transient" };
  if (status === 429) return { code: "SL_RATE_LIMITED", kind: "transient" };
  if (status === 408) return { code: "SL_TIMEOUT", kind: "transient" };
  if (status === 401) return { code: "SL_UNAUTHORIZED", kind: "transient" };
  if (status === 403) return { code: "SL_FORBIDDEN", kind: "transient" };
  // On `send` a 404/410 is about the message (its type or audience), not the route: it counts as an
  // attempt, so one undeliverable message never stops the phase. On `setup`/`get` it is the route.
  if (status === 404) return { code: "SL_NOT_FOUND", kind: op === "send" ? "rejected" : "transient" };
  if (status >= 400) return { code: "SL_REJECTED", kind: op === "send" ? "rejected" : "transient" };
  // 1xx reaching us (3xx never does: redirects are not followed): the server is not speaking the protocol.
  return { code: "SL_BAD_RESPONSE", kind: "transient" };
}

/** Builds the error for a non-2xx response, e.g. `Smart Link get failed: HTTP 503 from "https://…"`. */
export function httpStatusError(
  op: SmartLinkOp,
  status: number,
  url: string,
  extra: { detail?: string; retryAfterMs?: number; rawBody?: string } = {},
): SmartLinkError {
  const { code, kind } = classifyStatus(op, status);
  const detail = extra.detail ? `: ${extra.detail}` : "";
  return new SmartLinkError(code, `Smart Link ${op} failed: HTTP ${status} from "${url}"${detail}`, {
    kind,
    op,
    status,
    retryAfterMs: extra.retryAfterMs,
    rawBody: extra.rawBody,
  });
}
