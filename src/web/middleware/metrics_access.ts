/**
 * `/metrics`: open to loopback clients (hono `ipRestriction` on the Deno
 * connection's address), Bearer from any other; open to all when no admin
 * token is set. A request without connection info (`app.request()`) is not
 * loopback.
 */
import type { MiddlewareHandler } from "hono";
import { some } from "hono/combine";
import { getConnInfo } from "hono/deno";
import { ipRestriction } from "hono/ip-restriction";
import { adminBearer } from "./admin_bearer.ts";

/** IPv4 loopback (IPv4-mapped IPv6 included) and `::1`. */
const LOOPBACK = ["127.0.0.0/8", "::1"];

export function metricsAccess(adminToken: string | undefined): MiddlewareHandler {
  if (!adminToken) return async (_c, next) => await next();
  // ipRestriction throws its 403 for any other address, so some() goes on to the Bearer check.
  return some(ipRestriction(getConnInfo, { allowList: LOOPBACK }), adminBearer(adminToken));
}
