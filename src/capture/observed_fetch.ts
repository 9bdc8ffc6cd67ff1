/**
 * A `fetch` that reports every exchange it carries (for the capture file and
 * the Connection page) and otherwise behaves exactly like the one it wraps:
 * same request, same answer, same errors. The answer body is read once here
 * and handed on, so the caller reads it as before.
 */
import { cleanExchange, type Exchange, type ExchangeOp, type RawExchange, type Redact } from "./exchange.ts";

export interface ObserveOptions {
  /** Which operation a request is (token, get, …). */
  classify: (method: string, url: string) => ExchangeOp;
  redact: Redact;
  /** Called with each cleaned exchange; an observer that throws is logged through `onError`, never the caller's problem. */
  observers: ((exchange: Exchange) => void)[];
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
    let exchange: Exchange;
    try {
      options.learn?.(raw);
      exchange = cleanExchange(raw, options.redact);
    } catch (err) {
      options.onError(err);
      return;
    }
    for (const observer of options.observers) {
      try {
        observer(exchange);
      } catch (err) {
        options.onError(err);
      }
    }
  };
  return async (input, init) => {
    const request = new Request(input, init);
    const requestBody = request.body === null ? undefined : await request.clone().text();
    const op = options.classify(request.method, request.url);
    const startedAt = now();
    const t0 = clock();
    const base = {
      startedAt,
      op,
      method: request.method,
      url: request.url,
      requestHeaders: request.headers,
      requestBody,
    };
    let response: Response;
    let text: string;
    try {
      response = await inner(request);
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
