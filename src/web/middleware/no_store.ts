/** `Cache-Control: no-store` on every response whose route did not set its own (the admin view shows live state). */
import type { MiddlewareHandler } from "hono";

export const noStoreByDefault: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
};
