import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { createApp } from "../src/web/app.tsx";
import { CONTENT_SECURITY_POLICY } from "../src/web/middleware/secure_headers.ts";
import { dbTest } from "./helpers/db.ts";
import { ADMIN_TOKEN, basic, bearer, CSRF, fakeDeps, formPost, insertMessage } from "./helpers/web_deps.ts";

const API_ROUTES: [string, string][] = [
  ["GET", "/api/status"],
  ["GET", "/api/messages"],
  ["POST", "/api/messages"],
  ["GET", `/api/messages/${crypto.randomUUID()}`],
  ["POST", `/api/messages/${crypto.randomUUID()}/retry`],
  ["POST", `/api/messages/${crypto.randomUUID()}/discard`],
  ["POST", "/api/sync"],
  ["GET", "/api/executions"],
  ["GET", "/api/logs"],
];
const PAGES = ["/", "/messages", `/messages/${crypto.randomUUID()}`, "/history", "/logs"];

dbTest("createApp() answers 401 UNAUTHORIZED on every API route without or with a wrong Bearer token", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  for (const [method, path] of API_ROUTES) {
    for (const headers of [{}, bearer("wrong-token-0123456789"), basic()]) {
      const res = await app.request(path, { method, headers });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.equal((await res.json()).error.code, "UNAUTHORIZED");
    }
  }
  assert.equal(f.syncCalls.length, 0);
});

dbTest("createApp() asks for HTTP Basic on every page and accepts any user with the token as password", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  for (const path of PAGES) {
    for (const headers of [{}, basic("wrong-password-123"), bearer()]) {
      const res = await app.request(path, { headers });
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get("www-authenticate"), 'Basic realm="Smart Link Client", charset="UTF-8"');
    }
  }
  const ok = await app.request("/", { headers: basic(ADMIN_TOKEN, "anyone") });
  assert.equal(ok.status, 200);
  const retry = await app.request(
    `/messages/${crypto.randomUUID()}/retry`,
    formPost({}, CSRF, basic("bad-token-123456")),
  );
  assert.equal(retry.status, 401);
});

dbTest("HTML pages carry the CSP, nosniff and Referrer-Policy headers and never the secrets", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  await insertMessage(db);
  for (const path of ["/", "/messages", "/history", "/logs"]) {
    const res = await app.request(path, { headers: basic() });
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "same-origin");
    const html = await res.text();
    assert.ok(!html.includes(ADMIN_TOKEN), `${path} shows the admin token`);
    assert.ok(!html.includes("client-secret-value"), `${path} shows the client secret`);
    assert.ok(!/<script/i.test(html), `${path} has a script`);
    assert.ok(!/ style=/i.test(html), `${path} has an inline style`);
  }
  const css = await app.request("/static/app.css");
  assert.equal(css.status, 200);
  assert.match(css.headers.get("content-type") ?? "", /text\/css/);
});

dbTest("a cross-origin form POST is refused with 403 and changes nothing", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const dead = await insertMessage(db, { status: "DEAD", qtdeTentativaExec: 3 });
  for (const headers of [{ Origin: "https://evil.example" }, { Origin: "null" }]) {
    const res = await app.request(`/messages/${dead.id}/retry`, formPost({}, CSRF, headers));
    assert.equal(res.status, 403);
  }
  const noOrigin = formPost({}, CSRF);
  delete (noOrigin.headers as Record<string, string>).Origin;
  assert.equal((await app.request(`/messages/${dead.id}/discard`, noOrigin)).status, 403);
  const viaReferer = formPost({ confirm: "yes" }, CSRF, { Referer: "https://evil.example/page" });
  delete (viaReferer.headers as Record<string, string>).Origin;
  assert.equal((await app.request(`/messages/${dead.id}/discard`, viaReferer)).status, 403);
  assert.equal((await app.request("/sync", formPost({}, CSRF, { Origin: "http://evil.example" }))).status, 403);
  assert.equal(f.syncCalls.length, 0);

  const [row] = await db.rows<{ status: string; n: number }>(
    sql`select status, qtdetentativaexec as n from gtotvslinkmessage where id = ${dead.id}`,
  );
  assert.deepEqual({ ...row, n: Number(row.n) }, { status: "DEAD", n: 3 });
  const [{ logs }] = await db.rows<{ logs: number }>(sql`select count(*)::int as logs from gtotvslinklog`);
  assert.equal(Number(logs), 0);
});

dbTest("a form POST without the CSRF token, or with another one, is refused with 403", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const dead = await insertMessage(db, { status: "DEAD" });
  const noField: RequestInit = {
    method: "POST",
    headers: {
      ...basic(),
      Origin: "http://localhost",
      Cookie: `sl_csrf=${CSRF}`,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: "",
  };
  assert.equal((await app.request(`/messages/${dead.id}/retry`, noField)).status, 403);
  const noCookie = formPost({}, CSRF, { Cookie: "" });
  assert.equal((await app.request(`/messages/${dead.id}/retry`, noCookie)).status, 403);
  const other = formPost({ csrf: "B".repeat(43) }, CSRF);
  assert.equal((await app.request(`/messages/${dead.id}/retry`, other)).status, 403);
  assert.equal((await app.request("/sync", formPost({ csrf: "" }, CSRF))).status, 403);
  assert.equal(f.syncCalls.length, 0);
  const [row] = await db.rows<{ status: string }>(sql`select status from gtotvslinkmessage where id = ${dead.id}`);
  assert.equal(row.status, "DEAD");
});

dbTest("a page issues the CSRF cookie (HttpOnly, SameSite=Strict) and puts the same token in its forms", async (db) => {
  const f = fakeDeps(db);
  const dead = await insertMessage(db, { status: "DEAD" });
  const res = await createApp(f.deps).request(`/messages/${dead.id}`, { headers: basic() });
  const cookie = res.headers.get("set-cookie") ?? "";
  const token = /sl_csrf=([A-Za-z0-9_-]{43})/.exec(cookie)?.[1];
  assert.ok(token, cookie);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const html = await res.text();
  assert.ok(html.includes(`name="csrf" value="${token}"`));
});

dbTest("the API refuses cross-origin browser writes with 403 (with and without an admin token)", async (db) => {
  for (const adminToken of [undefined, null] as const) {
    const f = fakeDeps(db, { adminToken });
    const app = createApp(f.deps);
    const headers = { ...(adminToken === null ? {} : bearer()), Origin: "https://evil.example" };
    const res = await app.request("/api/sync", { method: "POST", headers });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, "CROSS_ORIGIN");
    assert.equal(f.syncCalls.length, 0);
    const same = await app.request("/api/sync", {
      method: "POST",
      headers: { ...headers, Origin: "http://localhost" },
    });
    assert.equal(same.status, 200);
  }
});

dbTest("without an admin token the API and pages are open on a loopback Host only", async (db) => {
  const f = fakeDeps(db, { adminToken: null });
  const app = createApp(f.deps);
  assert.equal((await app.request("http://localhost/api/status")).status, 200);
  assert.equal((await app.request("http://127.0.0.1:8080/")).status, 200);
  assert.equal((await app.request("http://[::1]:8080/messages")).status, 200);
  // DNS rebinding: a page served from attacker.example resolving to 127.0.0.1.
  assert.equal((await app.request("http://attacker.example:8080/api/status")).status, 403);
  assert.equal((await app.request("http://attacker.example:8080/")).status, 403);
  assert.equal(
    (await app.request("http://attacker.example:8080/healthz")).status,
    403,
    "one Host rule for every route",
  );
  assert.equal((await app.request("http://attacker.example:8080/metrics")).status, 403);
});
