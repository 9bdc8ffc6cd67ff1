/**
 * Who may call what: Bearer for the JSON API, HTTP Basic (any user, the admin
 * token as password) for the HTML view, loopback-or-Bearer for `/metrics`,
 * same-origin checks for browser POSTs, and the security headers of HTML.
 * Secrets are compared in constant time and never echoed.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/deno";
import { isLoopbackHost } from "../config.ts";

export const REALM = "Smart Link Client";

export type WebEnv = {
  Variables: {
    /** The per-session CSRF token (HTML pages). */
    csrf: string;
  };
};

const encoder = new TextEncoder();

/** Compares two secrets in constant time (SHA-256 first, so lengths do not leak). */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

/** The client's IP address from the Deno connection, or "unknown" (e.g. `app.request()` in tests). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // no Deno connection info: treated as not loopback
  }
}

export function isLoopbackAddress(address: string): boolean {
  return address !== "unknown" && (isLoopbackHost(address) || /^::ffff:127\./i.test(address));
}

/** The Host the client addressed (header, or the URL when absent as in `app.request()`). */
export function requestHost(c: Context): string {
  return (c.req.header("host") ?? new URL(c.req.url).host).toLowerCase();
}

function hostOf(url: string | undefined): string | undefined {
  if (!url || url === "null") return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The request's Origin (or, without one, its Referer) against its Host:
 * "same", "cross", or "absent" when the browser sent neither.
 */
export function originCheck(c: Context): "same" | "cross" | "absent" {
  const origin = c.req.header("origin");
  const source = origin !== undefined ? origin : c.req.header("referer");
  if (source === undefined) return "absent";
  return hostOf(source) === requestHost(c) ? "same" : "cross";
}

/** The password of an `Authorization: Basic` header. */
function basicPassword(header: string | undefined): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  try {
    const decoded = new TextDecoder().decode(Uint8Array.from(atob(m[1]), (ch) => ch.charCodeAt(0)));
    const colon = decoded.indexOf(":");
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  } catch {
    return undefined; // malformed base64: no credentials
  }
}

function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
}

/** True when the request carries the admin token as Bearer. */
export async function hasBearer(c: Context, token: string): Promise<boolean> {
  const given = bearerToken(c.req.header("authorization"));
  return given !== undefined && await constantTimeEqual(given, token);
}

export function apiError(
  c: Context,
  status: 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503,
  code: string,
  message: string,
  details?: unknown,
) {
  return c.json({ error: details === undefined ? { code, message } : { code, message, details } }, status);
}

function unauthorizedApi(c: Context) {
  c.header("WWW-Authenticate", `Bearer realm="${REALM}"`);
  return apiError(
    c,
    401,
    "UNAUTHORIZED",
    "A valid admin token is required: Authorization: Bearer <SMARTLINK_ADMIN_TOKEN>",
  );
}

/** The Host without its port (and IPv6 brackets kept, as `isLoopbackHost` expects). */
function hostName(c: Context): string {
  return requestHost(c).replace(/:\d+$/, "");
}

/**
 * The one Host rule, for every route (`/metrics` and `/healthz` included):
 * without an admin token the server listens on loopback only, and a
 * non-loopback Host is refused, which also defeats DNS rebinding from a web
 * page. With a token, every route but `/healthz` requires it instead.
 */
export function hostGuard(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!adminToken && !isLoopbackHost(hostName(c))) {
      const message = "Without SMARTLINK_ADMIN_TOKEN this server answers loopback hosts only";
      if (c.req.path.startsWith("/api/")) return apiError(c, 403, "FORBIDDEN_HOST", message);
      return c.text(`${message}.`, 403);
    }
    await next();
  };
}

/** `/api/*`: Bearer when a token is set; cross-origin browser writes refused always. */
export function apiGuard(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (adminToken && !await hasBearer(c, adminToken)) return unauthorizedApi(c);
    const unsafe = !["GET", "HEAD", "OPTIONS"].includes(c.req.method);
    if (unsafe && c.req.header("origin") !== undefined && originCheck(c) === "cross") {
      return apiError(c, 403, "CROSS_ORIGIN", "Cross-origin requests are refused");
    }
    await next();
  };
}

/** HTML view: HTTP Basic with the admin token as password, when a token is set. */
export function htmlGuard(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (adminToken) {
      const password = basicPassword(c.req.header("authorization"));
      if (password === undefined || !await constantTimeEqual(password, adminToken)) {
        c.header("WWW-Authenticate", `Basic realm="${REALM}", charset="UTF-8"`);
        return c.text("Authentication required: any user name, the admin token as password.", 401);
      }
    }
    await next();
  };
}

/** `/metrics`: open to loopback clients (or when no token is set), Bearer from others. */
export function metricsGuard(adminToken: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (adminToken && !isLoopbackAddress(clientAddress(c)) && !await hasBearer(c, adminToken)) {
      return unauthorizedApi(c);
    }
    await next();
  };
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Security headers on every response (harmless on JSON, required on HTML). */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "same-origin");
  c.header("X-Frame-Options", "DENY");
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
};
