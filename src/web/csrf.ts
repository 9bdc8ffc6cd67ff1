/**
 * CSRF protection of the HTML forms: a POST must come from this origin
 * (Origin, else Referer, equal to Host) and carry the per-session token of the
 * `sl_csrf` cookie (HttpOnly, SameSite=Strict) in the `csrf` form field.
 * Failing either check answers 403 before any handler runs.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { constantTimeEqual, originCheck, type WebEnv } from "./security.ts";

export const CSRF_COOKIE = "sl_csrf";
export const CSRF_FIELD = "csrf";

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export const isHttps = (c: Context) => new URL(c.req.url).protocol === "https:";

/** Issues the session token when missing, exposes it as `c.get("csrf")`, and checks every unsafe request. */
export function csrfProtection(
  forbidden: (c: Context, reason: string) => Response | Promise<Response>,
): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const cookie = getCookie(c, CSRF_COOKIE);
    const valid = cookie !== undefined && TOKEN_PATTERN.test(cookie);
    if (!["GET", "HEAD", "OPTIONS"].includes(c.req.method)) {
      if (originCheck(c) !== "same") {
        return await forbidden(c, "the request did not come from this site (Origin/Referer)");
      }
      const body = await c.req.parseBody().catch(() => ({} as Record<string, unknown>));
      const field = body[CSRF_FIELD];
      if (!valid || typeof field !== "string" || !await constantTimeEqual(field, cookie)) {
        return await forbidden(c, "the form's security token is missing or stale; reload the page and try again");
      }
    }
    const token = valid ? cookie : newToken();
    if (!valid) {
      setCookie(c, CSRF_COOKIE, token, { path: "/", httpOnly: true, sameSite: "Strict", secure: isHttps(c) });
    }
    c.set("csrf", token);
    await next();
  };
}
