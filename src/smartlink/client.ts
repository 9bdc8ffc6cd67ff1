/**
 * REST client of the Smart Link Server: setup, get, ack, send. Each call is
 * one request, plus at most one retry after a 401 (with a fresh token) and at
 * most one after a 429 (after its Retry-After). Every failure leaves as a
 * classified `SmartLinkError`.
 */
import { describeFetchError } from "../net/fetch_error.ts";
import { createTimeoutQueue } from "../async/timeout_queue.ts";
import { delay } from "../async/delay.ts";
import { errorFields, type Logger } from "../log.ts";
import { httpStatusError, SmartLinkError, type SmartLinkOp } from "./errors.ts";
import { DEFAULT_PROFILE, type WireProfile } from "../profile/wire_profile.ts";
import { type PlaceholderValues, renderRequest } from "./template.ts";
import { cutUtf8, type ParsedItem, parseGetBody, RAW_BODY_LOG_BYTES } from "./wire.ts";
import { bodyDetail } from "./body_detail.ts";
import { parseRetryAfter } from "./retry_after.ts";

export { parseRetryAfter } from "./retry_after.ts";

export const USER_AGENT = "smartlink-client-deno/0.1";

export interface SmartLinkClient {
  /** Registers the consumed types. @throws SmartLinkError */
  setup(types: string[]): Promise<void>;
  /** One `get` request; `[]` = queue empty. @throws SmartLinkError */
  get(): Promise<ParsedItem[]>;
  /**
   * Removes a message from the server queue; 404 (already gone) counts as success.
   * `ackId` is the ack id; `message` gives `$id` and `$type` when the profile uses them.
   * @throws SmartLinkError
   */
  ack(ackId: string, message?: MessageRef): Promise<void>;
  /**
   * Present only when the profile has a `nack` route: rejects a message with `error` ("code: text");
   * 404 counts as success. @throws SmartLinkError
   */
  nack?(ackId: string, error: string, message?: MessageRef): Promise<void>;
  /** Publishes `envelope` (JSON text, sent as it is). @throws SmartLinkError */
  send(type: string, audience: string, envelope: string): Promise<void>;
}

/** The message an ack or nack is about. */
export interface MessageRef {
  /** The message id (IDEXTERNO); defaults to the ack id. */
  id?: string;
  type?: string;
}

export interface SmartLinkClientOptions {
  baseUrl: string;
  /** Default: the default profile (SPEC.md section 5). */
  profile?: WireProfile;
  fetch?: typeof fetch;
  tokens: { getToken(): Promise<string>; invalidate(): void };
  timeoutMs: number;
  maxMessageBytes: number;
  logger: Logger;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Longest Retry-After wait honoured before the one retry. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Milliseconds since the epoch; for Retry-After given as an HTTP date. */
  now?: () => number;
  /** The shared redactor: applied to every error (message and raw body) that leaves the client. */
  redact?: (text: string) => string;
}

/** Wait before the one retry of a 429 that carries no Retry-After. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;

/** Creates the Smart Link Server client. Does no I/O until called. */
export function createSmartLinkClient(opts: SmartLinkClientOptions): SmartLinkClient {
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, { signal }));
  const now = opts.now ?? Date.now;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const baseUrl = opts.baseUrl.replace(/\/+$/, "");
  const log = opts.logger.child({ component: "smartlink" });
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const timeouts = createTimeoutQueue(opts.timeoutMs, () => new DOMException("Request timed out", "TimeoutError"));

  async function token(op: SmartLinkOp): Promise<string> {
    try {
      return await opts.tokens.getToken();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new SmartLinkError("SL_TOKEN", `Smart Link ${op} failed: no RAC token: ${reason}`, {
        kind: "transient",
        op,
        cause: err,
      });
    }
  }

  async function once(op: SmartLinkOp, method: string, url: string, body: string | undefined) {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${await token(op)}`,
      Accept: "application/json",
      "User-Agent": USER_AGENT,
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    // One queue entry cleared when the request ends: AbortSignal.timeout would keep a timer per request
    // (one per ack) alive for the whole timeout, and even a cleared timer per request costs on a backlog.
    const timeout = timeouts.start();
    const signal = timeout.signal;
    try {
      // The request carries the token: a redirect is reported, never followed.
      const res = await doFetch(url, { method, headers, body, signal, redirect: "manual" });
      const text = await res.text();
      if (res.status >= 300 && res.status <= 399) {
        const location = res.headers.get("location") ?? "(no Location header)";
        throw new SmartLinkError(
          "SL_REDIRECT",
          `Smart Link ${op} failed: HTTP ${res.status} from "${url}" redirects to "${cutUtf8(location, 500)}": ` +
            `not followed, since the request carries the token; set SMARTLINK_LINK_URL to the final URL`,
          { kind: "transient", op, status: res.status },
        );
      }
      return { status: res.status, headers: res.headers, text };
    } catch (err) {
      if (err instanceof SmartLinkError) throw err;
      if (signal.aborted) {
        throw new SmartLinkError(
          "SL_TIMEOUT",
          `Smart Link ${op} failed: timed out after ${opts.timeoutMs} ms waiting for "${url}"`,
          { kind: "transient", op, cause: err },
        );
      }
      const reason = describeFetchError(err);
      throw new SmartLinkError("SL_NETWORK", `Smart Link ${op} failed: network error reaching "${url}": ${reason}`, {
        kind: "transient",
        op,
        cause: err,
      });
    } finally {
      timeout.clear();
    }
  }

  /** One call with its two bounded retries; resolves with any final status, 2xx or not. @throws SmartLinkError */
  async function call(op: SmartLinkOp, values: PlaceholderValues) {
    const operation = op === "nack" ? profile.nack : profile[op];
    if (operation === undefined) {
      throw new SmartLinkError(
        "SL_BAD_REQUEST",
        `Smart Link ${op} is not configured: add "${op}" to SMARTLINK_PROFILE`,
        { kind: "transient", op },
      );
    }
    const { method, url, body: payload } = renderRequest(op, operation, baseUrl, values);
    let retried401 = false;
    let retried429 = false;
    for (;;) {
      const res = await once(op, method, url, payload);
      if (res.status === 401 && !retried401) {
        retried401 = true;
        log.info("Smart Link answered 401: retrying once with a fresh token", { op, url });
        opts.tokens.invalidate();
        continue;
      }
      if (res.status === 429 && !retried429) {
        retried429 = true;
        const asked = parseRetryAfter(res.headers.get("retry-after"), now()) ?? DEFAULT_RATE_LIMIT_WAIT_MS;
        const wait = Math.min(asked, maxRetryAfterMs);
        log.info("Smart Link answered 429: waiting before the one retry", { op, url, waitMs: wait });
        await sleep(wait);
        continue;
      }
      return { ...res, url };
    }
  }

  function fail(op: SmartLinkOp, res: { status: number; headers: Headers; text: string; url: string }): never {
    const retryAfterMs = res.status === 429 ? parseRetryAfter(res.headers.get("retry-after"), now()) : undefined;
    const error = httpStatusError(op, res.status, res.url, {
      detail: bodyDetail(res.text),
      retryAfterMs,
      rawBody: cutUtf8(res.text, RAW_BODY_LOG_BYTES),
    });
    // Debug only: the tick logs the error once; the body is here for whoever needs it.
    log.debug(error.message, { op, code: error.code, kind: error.kind, status: res.status, body: error.rawBody });
    throw error;
  }

  const ok = (status: number) => status >= 200 && status <= 299;

  const removed = async (op: "ack" | "nack", ackId: string, values: PlaceholderValues) => {
    const res = await call(op, values);
    if (res.status === 404) {
      log.debug(`Smart Link ${op} answered 404: the message is already gone; treated as done`, { id: ackId });
      return;
    }
    if (!ok(res.status)) fail(op, res);
  };

  const client: SmartLinkClient = {
    async setup(types) {
      const res = await call("setup", { subscriptions: types });
      if (!ok(res.status)) fail("setup", res);
      log.debug("Smart Link setup accepted", {
        subscriptions: types,
        status: res.status,
        body: cutUtf8(res.text, RAW_BODY_LOG_BYTES),
      });
    },

    async get() {
      const res = await call("get", { batch: profile.get.batch });
      if (!ok(res.status)) fail("get", res);
      try {
        return parseGetBody(res.status, res.text, opts.maxMessageBytes, profile.get);
      } catch (err) {
        if (err instanceof SmartLinkError) {
          log.warn("Smart Link get response cannot be parsed", {
            ...errorFields(err),
            url: res.url,
            body: err.rawBody,
          });
        }
        throw err;
      }
    },

    ack(ackId, message) {
      return removed("ack", ackId, { ackId, id: message?.id ?? ackId, type: message?.type ?? "" });
    },

    async send(type, audience, envelope) {
      const res = await call("send", { type, audience, envelope });
      if (!ok(res.status)) fail("send", res);
      log.debug("Smart Link send accepted", { type, audience, status: res.status });
    },
  };
  if (profile.nack !== undefined) {
    client.nack = (ackId, error, message) =>
      removed("nack", ackId, { ackId, id: message?.id ?? ackId, type: message?.type ?? "", error });
  }
  return opts.redact ? redacting(client, opts.redact) : client;
}

/** A copy of `err` with its message and raw body redacted. */
function redactError(err: unknown, redact: (text: string) => string): unknown {
  if (!(err instanceof SmartLinkError)) return err;
  const copy = new SmartLinkError(err.code, redact(err.message), {
    kind: err.kind,
    op: err.op,
    status: err.status,
    retryAfterMs: err.retryAfterMs,
    rawBody: err.rawBody === undefined ? undefined : redact(err.rawBody),
  });
  return copy;
}

/** The boundary: every error leaving the client carries server text only once redacted. */
function redacting(client: SmartLinkClient, redact: (text: string) => string): SmartLinkClient {
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      throw redactError(err, redact);
    }
  };
  const out: SmartLinkClient = {
    setup: guard(client.setup),
    get: guard(client.get),
    ack: guard(client.ack),
    send: guard(client.send),
  };
  if (client.nack) out.nack = guard(client.nack);
  return out;
}
