/**
 * `Authorization: Bearer <SMARTLINK_ADMIN_TOKEN>` for the JSON API and
 * `/metrics` (hono `bearerAuth`, compared in constant time). Every failure,
 * a missing, malformed or wrong header alike, answers 401 UNAUTHORIZED in the
 * API's error shape with a Bearer challenge; the token is never echoed.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { apiError } from "../api_error.ts";

export const REALM = "Smart Link Client";

const CHALLENGE = `Bearer realm="${REALM}"`;

const unauthorized = (c: Context) =>
  apiError(c, 401, "UNAUTHORIZED", "A valid admin token is required: Authorization: Bearer <SMARTLINK_ADMIN_TOKEN>");

/** Throws hono's HTTPException (401, the response above) unless the request carries `token` as Bearer. */
export function adminBearer(token: string): MiddlewareHandler {
  const failure = { message: unauthorized, wwwAuthenticateHeader: CHALLENGE };
  return bearerAuth({
    token,
    realm: REALM,
    noAuthenticationHeader: failure,
    invalidAuthenticationHeader: failure,
    invalidToken: failure,
  });
}
