/**
 * Where a request says it comes from and goes to: the Host it addressed, and
 * its Origin (or Referer) against that Host. Read by the Host check and the
 * two same-origin checks (forms, API writes).
 */
import type { Context } from "hono";

/** The Host the client addressed (header, or the URL when absent as in `app.request()`). */
export function requestHost(c: Context): string {
  return (c.req.header("host") ?? new URL(c.req.url).host).toLowerCase();
}

export const isHttps = (c: Context) => new URL(c.req.url).protocol === "https:";

function hostOf(url: string | undefined): string | undefined {
  if (!url || url === "null") return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The request's Origin (or, without one, its Referer) against its Host:
 * "same", "cross", or "absent" when the browser sent neither.
 */
export function originCheck(c: Context): "same" | "cross" | "absent" {
  const origin = c.req.header("origin");
  const source = origin !== undefined ? origin : c.req.header("referer");
  if (source === undefined) return "absent";
  return hostOf(source) === requestHost(c) ? "same" : "cross";
}
