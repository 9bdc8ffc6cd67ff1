/**
 * The HTTP surface's guards as hono's middleware serves them (issue 10, item
 * 5): the exact challenges and error bodies, only the security headers we
 * chose, the root app's 404 for the API, and the base64url texts.
 */
import assert from "node:assert/strict";
import { createApp } from "../src/web/app.tsx";
import { decodeCursor, encodeCursor } from "../src/web/cursor.ts";
import { createPendingTests } from "../src/web/pending_tests.ts";
import { dbTest } from "./helpers/db.ts";
import { ADMIN_TOKEN, basic, bearer, fakeDeps } from "./helpers/web_deps.ts";

const conn = (hostname: string) => ({ remoteAddr: { hostname, port: 40000, transport: "tcp" } });
const UNAUTHORIZED = {
  error: {
    code: "UNAUTHORIZED",
    message: "A valid admin token is required: Authorization: Bearer <SMARTLINK_ADMIN_TOKEN>",
  },
};

dbTest("the API answers every Bearer failure with 401, one challenge and one error body", async (db) => {
  const app = createApp(fakeDeps(db).deps);
  const headers: Record<string, string>[] = [
    {},
    bearer("wrong-token-0123456789"),
    basic(),
    { Authorization: "Bearer" },
    { Authorization: "Bearer a b" },
    { Authorization: `Token ${ADMIN_TOKEN}` },
  ];
  for (const h of headers) {
    const res = await app.request("/api/status", { headers: h });
    assert.equal(res.status, 401, JSON.stringify(h));
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="Smart Link Client"');
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(await res.json(), UNAUTHORIZED);
  }
  const lower = await app.request("/api/status", { headers: { Authorization: `bearer ${ADMIN_TOKEN}` } });
  assert.equal(lower.status, 200, "the scheme is case-insensitive");
  await lower.body?.cancel();
});

dbTest("the HTML view answers a wrong or malformed Basic header with 401 and its UTF-8 challenge", async (db) => {
  const app = createApp(fakeDeps(db).deps);
  for (
    const h of [{ Authorization: "Basic !!!" }, { Authorization: `Basic ${btoa(ADMIN_TOKEN)}` }, basic("x".repeat(12))]
  ) {
    const res = await app.request("/", { headers: h });
    assert.equal(res.status, 401, JSON.stringify(h));
    assert.equal(res.headers.get("www-authenticate"), 'Basic realm="Smart Link Client", charset="UTF-8"');
    assert.equal(await res.text(), "Authentication required: any user name, the admin token as password.");
  }
  const empty = await app.request("/", { headers: basic(ADMIN_TOKEN, "") });
  assert.equal(empty.status, 200, "an empty user name is any user name");
  await empty.body?.cancel();
});

dbTest("GET /metrics lets IPv4-mapped loopback in and refuses others with the API's 401", async (db) => {
  const app = createApp(fakeDeps(db).deps);
  const mapped = await app.request("/metrics", {}, conn("::ffff:127.0.0.1"));
  assert.equal(mapped.status, 200);
  await mapped.body?.cancel();
  const other = await app.request("/metrics", {}, conn("::ffff:10.0.0.5"));
  assert.equal(other.status, 401);
  assert.deepEqual(await other.json(), UNAUTHORIZED);
});

dbTest("responses carry our security headers and none of secureHeaders' other defaults", async (db) => {
  const app = createApp(fakeDeps(db).deps);
  for (const [path, headers] of [["/", basic()], ["/api/status", bearer()], ["/healthz", {}]] as const) {
    const res = await app.request(path, { headers });
    await res.body?.cancel();
    assert.equal(res.headers.get("x-frame-options"), "DENY", path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(res.headers.get("referrer-policy"), "same-origin", path);
    assert.equal(res.headers.get("cache-control"), "no-store", path);
    for (const name of ["strict-transport-security", "cross-origin-opener-policy", "x-xss-protection"]) {
      assert.equal(res.headers.get(name), null, `${path}: ${name}`);
    }
  }
  const css = await app.request("/static/app.css");
  await css.body?.cancel();
  assert.equal(css.headers.get("cache-control"), "public, max-age=3600", "a route's own Cache-Control stays");
});

dbTest("an unknown API path gets the root app's 404 JSON, also without a token", async (db) => {
  for (const adminToken of [undefined, null] as const) {
    const app = createApp(fakeDeps(db, { adminToken }).deps);
    const res = await app.request("/api/messages/x/y/z", { method: "DELETE", headers: bearer() });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      error: { code: "NOT_FOUND", message: "No API route DELETE /api/messages/x/y/z" },
    });
  }
});

Deno.test("encodeCursor() writes unpadded base64url that decodeCursor() reads back", () => {
  const at = { ts: "2025-03-10T12:30:00.123456Z", id: "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" };
  const cursor = encodeCursor(at);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(cursor), at);
  assert.equal(decodeCursor(cursor.slice(0, -2)), undefined);
});

Deno.test("createPendingTests() puts under 32 base64url characters", () => {
  const pending = createPendingTests({ now: () => new Date(0) });
  const id = pending.put({ clientId: "c", clientSecret: "s" } as never);
  assert.match(id, /^[A-Za-z0-9_-]{32}$/);
});
