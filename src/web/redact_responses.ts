/**
 * The last line before a response leaves: text bodies (HTML, JSON, the
 * metrics text) pass through the redactor, whatever page or route built them.
 */
import type { MiddlewareHandler } from "hono";

/** Redacts every text response body with `redact`. */
export function redactResponses(redact: (text: string) => string): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const type = c.res.headers.get("content-type") ?? "";
    if (c.res.body === null || !/^(text\/|application\/(json|problem\+json))/i.test(type)) return;
    const text = await c.res.text();
    const masked = redact(text);
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    c.res = new Response(masked, { status: c.res.status, statusText: c.res.statusText, headers });
  };
}
