/** The one error shape of the JSON API: `{error:{code,message,details?}}`. */
import type { Context } from "hono";

export function apiError(
  c: Context,
  status: 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503,
  code: string,
  message: string,
  details?: unknown,
) {
  return c.json({ error: details === undefined ? { code, message } : { code, message, details } }, status);
}
