/**
 * One HTTP exchange with RAC or the Smart Link Server, as the capture file and
 * the Connection page see it: already cleaned (no `Authorization`, cookies or
 * proxy credentials; bodies cut at 64 KiB) and passed through the redactor.
 */

export type ExchangeOp = "token" | "setup" | "get" | "ack" | "nack" | "send" | "other";

export interface Exchange {
  /** ISO time the request started. */
  time: string;
  op: ExchangeOp;
  method: string;
  url: string;
  /** Undefined when no answer came (network error, timeout). */
  status?: number;
  /** Why no answer came. */
  error?: string;
  durationMs: number;
  requestHeaders: Record<string, string>;
  requestBody?: string;
  responseHeaders: Record<string, string>;
  responseBody?: string;
  /** True when a body was longer than the capture keeps. */
  truncated?: boolean;
}

/** Turns any text from outside into text without secrets. */
export type Redact = (text: string) => string;

export const CAPTURE_BODY_BYTES = 64 * 1024;

const DROPPED_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie"]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function cut(text: string, maxBytes: number): { text: string; cut: boolean } {
  if (text.length * 3 <= maxBytes) return { text, cut: false };
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return { text, cut: false };
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return { text: decoder.decode(bytes.subarray(0, end)), cut: true };
}

function headers(h: Headers, redact: Redact): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of h) {
    if (!DROPPED_HEADERS.has(name.toLowerCase())) out[name] = redact(value);
  }
  return out;
}

/** Masks the credential fields of a form body (the RAC token request) before the redactor sees it. */
function maskForm(body: string): string {
  if (!/(^|&)client_secret=/.test(body)) return body;
  return body.replace(/(^|&)(client_secret)=[^&]*/g, "$1$2=[redacted]");
}

/** The raw material of one exchange, before cleaning: the same fields, the start as a Date, headers as sent and received. */
export type RawExchange =
  & Omit<Exchange, "time" | "requestHeaders" | "responseHeaders" | "truncated">
  & { startedAt: Date; requestHeaders?: HeadersInit; responseHeaders?: Headers };

/**
 * One exchange as its observers hear it: the plain facts at once, the cleaned
 * copy on demand. Cleaning (every header and body through the redactor) costs
 * more than the request itself, and only the capture file and failed answers
 * need it, so it runs only when asked, once.
 */
export interface ObservedExchange {
  op: ExchangeOp;
  startedAt: Date;
  durationMs: number;
  /** Undefined when no answer came. */
  status?: number;
  /** The cleaned exchange (built on the first call, then the same object). */
  exchange(): Exchange;
}

/** Cleans one exchange: drops credential headers, cuts bodies at 64 KiB, redacts every text. */
export function cleanExchange(raw: RawExchange, redact: Redact): Exchange {
  const out: Exchange = {
    time: raw.startedAt.toISOString(),
    op: raw.op,
    method: raw.method,
    url: redact(raw.url),
    durationMs: raw.durationMs,
    requestHeaders: headers(new Headers(raw.requestHeaders), redact),
    responseHeaders: raw.responseHeaders ? headers(raw.responseHeaders, redact) : {},
  };
  if (raw.status !== undefined) out.status = raw.status;
  if (raw.error !== undefined) out.error = redact(raw.error);
  let truncated = false;
  if (raw.requestBody !== undefined && raw.requestBody !== "") {
    const c = cut(redact(maskForm(raw.requestBody)), CAPTURE_BODY_BYTES);
    out.requestBody = c.text;
    truncated ||= c.cut;
  }
  if (raw.responseBody !== undefined && raw.responseBody !== "") {
    const c = cut(redact(raw.responseBody), CAPTURE_BODY_BYTES);
    out.responseBody = c.text;
    truncated ||= c.cut;
  }
  if (truncated) out.truncated = true;
  return out;
}
