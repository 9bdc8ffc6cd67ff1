/**
 * What a failed `fetch` means, in words an operator can act on. Deno reports
 * every network failure as `TypeError: fetch failed` with the real reason in
 * `cause`; this names it: connection refused, DNS lookup failed, TLS /
 * certificate error (with the `DENO_CERT` fix), timeout, reset. Pure.
 */

export type NetworkErrorKind =
  | "connection_refused"
  | "dns"
  | "tls"
  | "timeout"
  | "connection_reset"
  | "blocked"
  | "network";

export interface NetworkError {
  kind: NetworkErrorKind;
  /** A sentence fragment: "connection refused", "DNS lookup failed: …". */
  text: string;
}

function messages(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(" | ");
}

/** Classifies what `fetch` threw; `timedOut` when the caller's own timeout signal fired. */
export function classifyFetchError(
  err: unknown,
  options: { timedOut?: boolean; timeoutMs?: number } = {},
): NetworkError {
  const all = messages(err);
  const timeout = options.timedOut || /TimeoutError|timed out|operation was aborted due to timeout/i.test(all);
  if (timeout) {
    return { kind: "timeout", text: options.timeoutMs ? `timed out after ${options.timeoutMs} ms` : "timed out" };
  }
  if (/connection refused|ECONNREFUSED|os error 111|os error 10061/i.test(all)) {
    return { kind: "connection_refused", text: "connection refused (nothing listens at that host and port)" };
  }
  if (/dns error|failed to lookup address|name or service not known|ENOTFOUND|nodename nor servname/i.test(all)) {
    return { kind: "dns", text: "DNS lookup failed (check the host name)" };
  }
  const tls = /(invalid peer certificate|certificate|UnknownIssuer|tls|ssl|handshake|corrupt message)[^|]*/i.exec(all);
  if (tls) {
    return {
      kind: "tls",
      text: `TLS/certificate error: ${
        tls[0].trim().slice(0, 160)
      } (behind a corporate CA set DENO_CERT to its PEM file)`,
    };
  }
  if (/connection reset|ECONNRESET|os error 104|broken pipe|connection closed/i.test(all)) {
    return { kind: "connection_reset", text: "connection reset by the other side" };
  }
  if (/are blocked/i.test(all)) return { kind: "blocked", text: "the runtime blocks requests to that port" };
  const last = err instanceof Error && err.cause instanceof Error ? err.cause.message : (err as Error)?.message;
  return { kind: "network", text: `network error: ${String(last ?? err).slice(0, 200)}` };
}

/** `classifyFetchError(...).text`. */
export function describeFetchError(err: unknown, timeoutMs?: number, timedOut?: boolean): string {
  return classifyFetchError(err, { timeoutMs, timedOut }).text;
}
