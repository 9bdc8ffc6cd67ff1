/**
 * The one error type that leaves the Smart Link client. `kind` tells the tick
 * what to do: `transient` stops the phase for this tick and burns no attempt;
 * `rejected` counts as a failed attempt of the message (only `send` has one).
 */

export type SmartLinkOp = "setup" | "get" | "ack" | "nack" | "send";

export type SmartLinkErrorKind = "transient" | "rejected";

export type SmartLinkErrorCode =
  | "SL_NETWORK"
  | "SL_TIMEOUT"
  | "SL_HTTP_5XX"
  | "SL_RATE_LIMITED"
  | "SL_UNAUTHORIZED"
  | "SL_FORBIDDEN"
  | "SL_NOT_FOUND"
  | "SL_REJECTED"
  | "SL_BAD_RESPONSE"
  /** A value that cannot be a URL path segment (empty, `.` or `..`): the request is never sent. */
  | "SL_BAD_PATH"
  /** A request the profile cannot build (an operation it lacks, an envelope that is not JSON inside a body). */
  | "SL_BAD_REQUEST"
  /** This database is a copy of another installation's (same tenant): setup, get and send are paused. */
  | "SL_INSTALLATION"
  | "SL_REDIRECT"
  | "SL_TOKEN";

export interface SmartLinkErrorOptions {
  code: SmartLinkErrorCode;
  kind: SmartLinkErrorKind;
  op: SmartLinkOp;
  status?: number;
  retryAfterMs?: number;
  /** The raw response body, already cut (at most 4 KiB); for logs, never for end users. */
  rawBody?: string;
  cause?: unknown;
}

/** A failed Smart Link Server call, classified for the sync tick. */
export class SmartLinkError extends Error {
  override name = "SmartLinkError";
  readonly code: SmartLinkErrorCode;
  readonly kind: SmartLinkErrorKind;
  readonly op: SmartLinkOp;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly rawBody?: string;

  constructor(message: string, options: SmartLinkErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
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
  return new SmartLinkError(`Smart Link ${op} failed: HTTP ${status} from "${url}"${detail}`, {
    code,
    kind,
    op,
    status,
    retryAfterMs: extra.retryAfterMs,
    rawBody: extra.rawBody,
  });
}
