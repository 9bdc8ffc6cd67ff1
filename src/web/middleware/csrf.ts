/**
 * CSRF protection of the HTML forms (double-submit token): a POST must come
 * from this origin (Origin, else Referer, equal to Host) and carry the
 * per-session token of the `sl_csrf` cookie (HttpOnly, SameSite=Strict) in the
 * `csrf` form field. Failing either check answers 403 before any handler runs.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { timingSafeEqual } from "hono/utils/buffer";
import { encodeBase64Url } from "hono/utils/encode";
import { isHttps, originCheck } from "./request_origin.ts";

export const CSRF_COOKIE = "sl_csrf";
export const CSRF_FIELD = "csrf";

export type WebEnv = {
  Variables: {
    /** The per-session CSRF token (HTML pages). */
    csrf: string;
  };
};

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const newToken = () => encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)).buffer).replace(/=+$/, "");

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
      if (!valid || typeof field !== "string" || !await timingSafeEqual(field, cookie)) {
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
