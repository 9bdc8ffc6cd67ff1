/**
 * A `fetch` that reports every exchange it carries (for the capture file and
 * the Connection page) and otherwise behaves exactly like the one it wraps:
 * same request, same answer, same errors. The answer body is read once here
 * and handed on, so the caller reads it as before.
 */
import {
  cleanExchange,
  type Exchange,
  type ExchangeOp,
  type ObservedExchange,
  type RawExchange,
  type Redact,
} from "./exchange.ts";

export interface ObserveOptions {
  /** Which operation a request is (token, get, …). */
  classify: (method: string, url: string) => ExchangeOp;
  redact: Redact;
  /**
   * Called with each exchange (its cleaned copy on demand); an observer that throws, or a cleaning that
   * fails, is logged through `onError`, never the caller's problem.
   */
  observers: ((exchange: ObservedExchange) => void)[];
  onError: (err: unknown) => void;
  /** Sees each exchange before it is cleaned (full bodies: a new token the redactor must know, the get shape). */
  learn?: (raw: RawExchange) => void;
  /** Milliseconds, monotonic. Default `performance.now`. */
  clock?: () => number;
  now?: () => Date;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** Wraps `inner` so every exchange is observed. */
export function observeFetch(inner: typeof fetch, options: ObserveOptions): typeof fetch {
  const clock = options.clock ?? (() => performance.now());
  const now = options.now ?? (() => new Date());
  const emit = (raw: RawExchange) => {
    try {
      options.learn?.(raw);
    } catch (err) {
      options.onError(err);
    }
    let cleaned: Exchange | undefined;
    const observed: ObservedExchange = {
      op: raw.op,
      startedAt: raw.startedAt,
      durationMs: raw.durationMs,
      status: raw.status,
      exchange: () => cleaned ??= cleanExchange(raw, options.redact),
    };
    for (const observer of options.observers) {
      try {
        observer(observed);
      } catch (err) {
        options.onError(err);
      }
    }
  };
  return async (input, init) => {
    // The common case (a URL and a text body, every call of this program) needs no Request: building
    // one and cloning its body stream cost as much as the request itself on the hot path (one per ack).
    const simple = (typeof input === "string" || input instanceof URL) &&
      (init?.body === undefined || init.body === null || typeof init.body === "string");
    const request = simple ? undefined : new Request(input, init);
    const method = request?.method ?? (init?.method ?? "GET").toUpperCase();
    const url = request?.url ?? new URL(String(input)).href;
    const requestBody = request
      ? (request.body === null ? undefined : await request.clone().text())
      : (init?.body ?? undefined) as string | undefined;
    const op = options.classify(method, url);
    const startedAt = now();
    const t0 = clock();
    const base = {
      startedAt,
      op,
      method,
      url,
      requestHeaders: request?.headers ?? init?.headers,
      requestBody,
    };
    let response: Response;
    let text: string;
    try {
      response = await (request ? inner(request) : inner(input, init));
      text = await response.text();
    } catch (err) {
      emit({ ...base, durationMs: Math.round(clock() - t0), error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    emit({
      ...base,
      durationMs: Math.round(clock() - t0),
      status: response.status,
      responseHeaders: response.headers,
      responseBody: text,
    });
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
