/** `faultResponse`: the answer an injected fault gives instead of the route (its status, body and Retry-After). */
import type { Fault } from "./state.ts";

/** The response of `fault`: its status (default 200) and body, or a JSON error naming the status. */
export function faultResponse(fault: Fault): Response {
  const status = fault.status ?? 200;
  const headers = new Headers({ "Content-Type": "application/json" });
  if (fault.retryAfterS !== undefined) headers.set("Retry-After", String(fault.retryAfterS));
  if (status === 204 || status === 205 || status === 304) return new Response(null, { status, headers });
  const body = fault.body ??
    JSON.stringify({ error: "simulated_fault", message: `Simulated failure with HTTP ${status}` });
  return new Response(body, { status, headers });
}
