/** The client's address as the operator actions record it. */
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";

/** The client's IP address from the Deno connection, or "unknown" (e.g. `app.request()` in tests). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // no Deno connection info: `app.request()` without an env
  }
}
