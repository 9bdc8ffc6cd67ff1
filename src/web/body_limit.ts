/**
 * Every request body is limited before anything reads it (hono `bodyLimit`:
 * the declared Content-Length, else the bytes as they stream): publish takes a
 * message (`SMARTLINK_MAX_MESSAGE_BYTES` plus room for the fields around it),
 * every other route a few KiB (forms, action bodies). 413 beyond.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { apiError } from "./api_error.ts";

/** Largest body of any route but publish: a form or an action body. */
export const SMALL_BODY_BYTES = 16 * 1024;

/** The body-limit middleware for the whole app. */
export function requestBodyLimit(maxMessageBytes: number): MiddlewareHandler {
  const onError = (c: Context) =>
    c.req.path.startsWith("/api/")
      ? apiError(c, 413, "PAYLOAD_TOO_LARGE", "The request body is too large")
      : c.text("The request body is too large.", 413);
  const publish = bodyLimit({ maxSize: maxMessageBytes + 65_536, onError });
  const small = bodyLimit({ maxSize: SMALL_BODY_BYTES, onError });
  return (c, next) => (c.req.method === "POST" && c.req.path === "/api/messages" ? publish : small)(c, next);
}
