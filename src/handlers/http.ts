/**
 * The `http` handler: one attempt is exactly one POST of `CONTEUDO` to the
 * ERP endpoint. The status decides the outcome (2xx success; 408, 429, 5xx,
 * timeout and network failures retryable; any other status fatal); the RM
 * formula in the tick does the retrying. Configured header values may hold
 * secrets (`${NAME}` from the environment) and never reach a log or an error.
 */
import { describeFetchError } from "../net/fetch_error.ts";
import { toReplyEnvelope } from "./envelope.ts";
import { encodeHeaderValue } from "./header_value.ts";
import {
  FatalHandlerError,
  type Handler,
  type HandlerContext,
  type HandlerMessage,
  type HandlerResult,
  RetryableHandlerError,
} from "./types.ts";

/** Where a handler's reply is published: the `UP` message type and target app. */
export interface ReplyTarget {
  type: string;
  audience: string;
}

/** An `http` entry of the handlers file. */
export interface HttpHandlerSpec {
  kind: "http";
  url: string;
  /** Values may reference environment variables as `${NAME}`, resolved at call time. */
  headers?: Record<string, string>;
  timeoutSeconds?: number;
  reply?: ReplyTarget;
  /** Where a message that ends DEAD is reported (`sync/error_reply.ts`). */
  errorReply?: ReplyTarget;
}

export interface HttpHandlerDeps {
  fetch?: typeof fetch;
  env: (name: string) => string | undefined;
  /** Used when the spec has no `timeoutSeconds` (`SMARTLINK_HANDLER_TIMEOUT_S`). */
  defaultTimeoutMs: number;
  /** Largest reply body accepted (`SMARTLINK_MAX_MESSAGE_BYTES`); default 1 MiB. */
  maxReplyBytes?: number;
}

/** Matches one `${NAME}` reference in a header value. */
export const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** How much of a response body goes into an error message. */
const BODY_EXCERPT_CHARS = 500;

export const EMPTY_REPLY_WARNING = "empty reply body: no reply sent";

/** The URL without credentials or query string, safe for logs and errors. */
function displayUrl(url: string): string {
  const u = new URL(url);
  return u.origin + u.pathname;
}

/** Resolves the `${NAME}` references of the configured headers. */
function resolveHeaders(spec: HttpHandlerSpec, env: HttpHandlerDeps["env"]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, template] of Object.entries(spec.headers ?? {})) {
    const value = template.replace(ENV_REFERENCE, (_match, variable: string) => {
      const resolved = env(variable);
      if (resolved === undefined) {
        throw new FatalHandlerError(
          "HANDLER_ENV_MISSING",
          `Environment variable "${variable}" is not set: header "${name}" needs it`,
        );
      }
      return resolved;
    });
    out.push([name, value]);
  }
  return out;
}

function buildHeaders(spec: HttpHandlerSpec, deps: HttpHandlerDeps, message: HandlerMessage, attempt: number): Headers {
  const headers = new Headers({ "Content-Type": "application/json" });
  for (const [name, value] of resolveHeaders(spec, deps.env)) {
    try {
      headers.set(name, value);
    } catch (err) {
      // The TypeError would quote the value, which may be a secret: keep only the header name.
      throw new FatalHandlerError("HANDLER_HEADER_INVALID", `Header "${name}" has an invalid value`, {
        cause: err instanceof Error ? new Error(err.name) : undefined,
      });
    }
  }
  headers.set("X-Smartlink-Message-Id", message.id);
  // Message values may hold any character: encoded when they cannot be sent as they are (header_value.ts).
  headers.set("X-Smartlink-Type", encodeHeaderValue(message.type));
  headers.set("X-Smartlink-Attempt", String(attempt));
  if (message.correlationId !== undefined && message.correlationId !== "") {
    headers.set("X-Smartlink-Correlation-Id", encodeHeaderValue(message.correlationId));
  }
  return headers;
}

/** Reads at most about `maxChars` characters of the body, then cancels the rest. */
async function readExcerpt(res: Response, maxChars: number): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < maxChars) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    text += decoder.decode();
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.slice(0, maxChars);
}

/** Reads the body to its end without keeping it, so the connection is released. */
async function discardBody(res: Response): Promise<void> {
  if (res.body === null) return;
  for await (const _chunk of res.body) {
    // Drained on purpose: without `reply` the body is ignored.
  }
}

function describeBody(excerpt: string): string {
  return excerpt.trim() === "" ? "an empty body" : `body ${JSON.stringify(excerpt)}`;
}

/** The typed error for a non-2xx response, quoting the start of its body. */
async function statusError(res: Response, where: string): Promise<Error> {
  const excerpt = await readExcerpt(res, BODY_EXCERPT_CHARS);
  const code = `HTTP_${res.status}` as const;
  const message = `Handler endpoint "${where}" answered HTTP ${res.status} with ${describeBody(excerpt)}`;
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  return retryable ? new RetryableHandlerError(code, message) : new FatalHandlerError(code, message);
}

function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof DOMException && reason.name === "TimeoutError";
}

/** Turns what `fetch` or the body read threw into a typed handler error. */
function failureError(
  err: unknown,
  ctxSignal: AbortSignal,
  timeoutSignal: AbortSignal,
  where: string,
  timeoutMs: number,
): Error {
  if (err instanceof RetryableHandlerError || err instanceof FatalHandlerError) return err;
  if (ctxSignal.aborted) {
    // The tick aborts ctx.signal on its own handler timeout or on shutdown.
    if (isTimeoutReason(ctxSignal.reason)) {
      return new RetryableHandlerError("HANDLER_TIMEOUT", `Handler endpoint "${where}" did not answer in time`, {
        cause: err,
      });
    }
    return new RetryableHandlerError("HANDLER_ABORTED", `Request to handler endpoint "${where}" was aborted`, {
      cause: ctxSignal.reason ?? err,
    });
  }
  if (timeoutSignal.aborted) {
    return new RetryableHandlerError(
      "HANDLER_TIMEOUT",
      `Handler endpoint "${where}" did not answer within ${timeoutMs} ms`,
      { cause: err },
    );
  }
  return new RetryableHandlerError(
    "HANDLER_NETWORK",
    `Handler endpoint "${where}" is unreachable: ${describeFetchError(err)}`,
    {
      cause: err,
    },
  );
}

/**
 * Reads a reply body of at most `maxBytes`. A larger reply could not be sent
 * upstream; the ERP may have acted, so it is fatal, not retried.
 */
async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes || declared > maxBytes) {
      await reader.cancel();
      throw new FatalHandlerError(
        "REPLY_TOO_LARGE",
        `Reply is larger than ${maxBytes} bytes (SMARTLINK_MAX_MESSAGE_BYTES): not sent`,
      );
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Turns a 2xx body into the handler result, per the `reply` setting. */
function successResult(
  spec: HttpHandlerSpec,
  body: string,
  message: HandlerMessage,
  ctx: HandlerContext,
): HandlerResult {
  const reply = spec.reply;
  if (reply === undefined) return {};
  if (body.trim() === "") return { warnings: [EMPTY_REPLY_WARNING] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    // The ERP may have acted already, so another attempt is not safe: fatal.
    throw new FatalHandlerError(
      "REPLY_NOT_JSON",
      `Reply is not JSON: body ${JSON.stringify(body.slice(0, BODY_EXCERPT_CHARS))}`,
      { cause: err },
    );
  }
  const envelope = toReplyEnvelope({
    type: reply.type,
    tenantId: ctx.tenantId,
    body: parsed,
    command: message,
    now: ctx.now(),
  });
  return { reply: { type: reply.type, audience: reply.audience, envelope } };
}

/**
 * Creates the handler that POSTs each message to `spec.url`.
 * @throws {RetryableHandlerError} (from the handler) on 408, 429, 5xx, timeout, network failure or abort.
 * @throws {FatalHandlerError} (from the handler) on other statuses, a non-JSON reply or a missing `${NAME}` variable.
 */
export function createHttpHandler(spec: HttpHandlerSpec, deps: HttpHandlerDeps): Handler {
  const doFetch = deps.fetch ?? fetch;
  const timeoutMs = spec.timeoutSeconds !== undefined ? Math.round(spec.timeoutSeconds * 1000) : deps.defaultTimeoutMs;
  const where = displayUrl(spec.url);
  const maxReplyBytes = deps.maxReplyBytes ?? 1_048_576;

  return async (message, ctx) => {
    const headers = buildHeaders(spec, deps, message, ctx.attempt);
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException(`Handler timeout of ${timeoutMs} ms elapsed`, "TimeoutError")),
      timeoutMs,
    );
    const signal = AbortSignal.any([ctx.signal, timeout.signal]);
    const started = performance.now();
    try {
      const res = await doFetch(spec.url, {
        method: "POST",
        headers,
        body: message.content,
        signal,
        // A redirected POST may turn into a GET: never follow, report it instead.
        redirect: "manual",
      });
      ctx.logger.debug("handler endpoint answered", {
        url: where,
        status: res.status,
        attempt: ctx.attempt,
        ms: Math.round(performance.now() - started),
      });
      if (res.status < 200 || res.status > 299) throw await statusError(res, where);
      if (spec.reply === undefined) {
        await discardBody(res);
        return {};
      }
      return successResult(spec, await readBounded(res, maxReplyBytes), message, ctx);
    } catch (err) {
      throw failureError(err, ctx.signal, timeout.signal, where, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  };
}
