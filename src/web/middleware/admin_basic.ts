/**
 * The HTML view asks for HTTP Basic: any user name, the admin token as
 * password (hono `basicAuth` with `verifyUser`, compared in constant time).
 * Its 401 carries the challenge with `charset="UTF-8"`, which `basicAuth`
 * cannot say, so the refusal is answered here.
 */
import type { MiddlewareHandler } from "hono";
import { basicAuth } from "hono/basic-auth";
import { HTTPException } from "hono/http-exception";
import { timingSafeEqual } from "hono/utils/buffer";
import { REALM } from "./admin_bearer.ts";

const CHALLENGE = `Basic realm="${REALM}", charset="UTF-8"`;

export function adminBasic(token: string): MiddlewareHandler {
  const check = basicAuth({ realm: REALM, verifyUser: (_user, password) => timingSafeEqual(password, token) });
  return async (c, next) => {
    try {
      await check(c, next);
    } catch (err) {
      if (!(err instanceof HTTPException) || err.status !== 401) throw err;
      c.header("WWW-Authenticate", CHALLENGE);
      return c.text("Authentication required: any user name, the admin token as password.", 401);
    }
  };
}
