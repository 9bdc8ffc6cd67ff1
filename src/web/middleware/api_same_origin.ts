/**
 * The API refuses cross-origin browser writes, with and without an admin
 * token: an unsafe method whose Origin is not this Host answers 403
 * CROSS_ORIGIN. Requests without Origin (curl, the CLI) pass.
 */
import type { MiddlewareHandler } from "hono";
import { apiError } from "../api_error.ts";
import { originCheck } from "./request_origin.ts";

export const apiSameOrigin: MiddlewareHandler = async (c, next) => {
  const unsafe = !["GET", "HEAD", "OPTIONS"].includes(c.req.method);
  if (unsafe && c.req.header("origin") !== undefined && originCheck(c) === "cross") {
    return apiError(c, 403, "CROSS_ORIGIN", "Cross-origin requests are refused");
  }
  await next();
};
