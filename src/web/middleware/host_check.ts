/**
 * The one Host rule, for every route (`/metrics` and `/healthz` included):
 * without an admin token the server listens on loopback only, and a
 * non-loopback Host is refused, which also defeats DNS rebinding from a web
 * page. With a token, every route but `/healthz` requires it instead.
 */
import type { MiddlewareHandler } from "hono";
import { isLoopbackHost } from "../../config.ts";
import { apiError } from "../api_error.ts";
import { requestHost } from "./request_origin.ts";

const MESSAGE = "Without SMARTLINK_ADMIN_TOKEN this server answers loopback hosts only";

/** 403 for a non-loopback Host when no admin token is set; a no-op otherwise. */
export function hostCheck(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    // The Host without its port (IPv6 brackets kept, as `isLoopbackHost` expects).
    if (!adminToken && !isLoopbackHost(requestHost(c).replace(/:\d+$/, ""))) {
      if (c.req.path.startsWith("/api/")) return apiError(c, 403, "FORBIDDEN_HOST", MESSAGE);
      return c.text(`${MESSAGE}.`, 403);
    }
    await next();
  };
}
