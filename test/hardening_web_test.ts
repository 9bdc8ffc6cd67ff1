/**
 * Hardening of the HTTP surface and the message-type rule (issue 9,
 * findings 1, 7, 9): publish refuses path-walking types and audiences,
 * query values PostgreSQL would refuse answer 400 naming the parameter, and
 * one type rule lets every stored type be filtered, handled and subscribed.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { loadConfig } from "../src/config.ts";
import { buildRegistry, parseHandlersFile } from "../src/handlers/registry.ts";
import { isMessageType } from "../src/message_type.ts";
import { normalizeItem } from "../src/smartlink/wire.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { basic, bearer, fakeDeps, insertMessage } from "./helpers/web_deps.ts";

const json = (body: unknown) => ({
  method: "POST",
  headers: { ...bearer(), "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

dbTest(
  "POST /api/messages answers 400 naming the field for a type or audience that is not a message type",
  async (db) => {
    const f = fakeDeps(db);
    const app = createApp(f.deps);
    const cases: [Record<string, unknown>, string][] = [
      [{ type: "..", audience: "ack" }, "type"],
      [{ type: ".", audience: "SGDP" }, "type"],
      [{ type: "T", audience: ".." }, "audience"],
      [{ type: "T", audience: "" }, "audience"],
      [{ type: "T,U", audience: "SGDP" }, "type"],
      [{ type: " T", audience: "SGDP" }, "type"],
      [{ type: "T\u0007", audience: "SGDP" }, "type"],
      [{ type: "T", audience: "SGDP", correlationId: "a\u0000b" }, "correlationId"],
      [{ type: "T", audience: "SGDP", correlationId: "a\ud800b" }, "correlationId"],
    ];
    for (const [fields, field] of cases) {
      const res = await app.request("/api/messages", json({ data: { id: "queued-id" }, ...fields }));
      assert.equal(res.status, 400, JSON.stringify(fields));
      const body = await res.json();
      assert.deepEqual(Object.keys(body.error.details.fields), [field], JSON.stringify(fields));
    }
    assert.equal(f.published.length, 0);
    const ok = await app.request("/api/messages", json({ type: "Ação/Resposta ✓", audience: "SGDP", data: {} }));
    assert.equal(ok.status, 202, "any type the wire accepts can be published");
  },
);

dbTest("list pages and API answer 400 naming the parameter for values PostgreSQL would refuse", async (db) => {
  const app = createApp(fakeDeps(db).deps);
  const cases: [string, string, string][] = [
    ["/messages?text=%00", "/messages?text=%00", "text"],
    ["/history?from=0000-01-01", "/executions?from=0000-01-01", "from"],
    ["/logs?to=0000-12-31T10:00", "/logs?to=0000-12-31T10:00", "to"],
    ["/messages?type=%00", "/messages?type=%00", "type"],
    ["/history?type=a%0Ab", "/executions?type=a%0Ab", "type"],
  ];
  for (const [path, apiPath, param] of cases) {
    const api = await app.request(`/api${apiPath}`, { headers: bearer() });
    assert.equal(api.status, 400, `/api${apiPath}`);
    const body = await api.json();
    assert.ok(param in body.error.details.fields, `/api${apiPath}: names ${param}: ${JSON.stringify(body)}`);
    const html = await app.request(path, { headers: basic() });
    assert.equal(html.status, 400, path);
    await html.body?.cancel();
  }
});

dbTest("one message-type rule: a type the wire stores can be filtered, given a handler and subscribed", async (db) => {
  const types = ["SGDP Mask Command", "Ação.Pedido/v2", "tipo:ü@x", "a".repeat(200)];
  const app = createApp(fakeDeps(db).deps);
  for (const type of types) {
    const item = normalizeItem({ id: `id-${type.length}`, type, data: {} }, 1000);
    assert.ok(item.ok, `the wire stores ${type}`);
    assert.ok(isMessageType(type));
    const row = await insertMessage(db, { tipo: type });
    const res = await app.request(`/api/messages?type=${encodeURIComponent(type)}`, { headers: bearer() });
    assert.equal(res.status, 200, `filter by ${type}`);
    assert.ok((await res.json()).items.some((i: { id: string }) => i.id === row.id));
    const registry = buildRegistry(
      parseHandlersFile(JSON.stringify({ [type]: { kind: "noop" } }), "h.json"),
      { fetch, env: () => undefined, defaultTimeoutMs: 1000 },
    );
    assert.ok(registry.has(type), `a handler for ${type}`);
  }
  const config = loadConfig({ SMARTLINK_SUBSCRIPTIONS: types.join(",") });
  assert.deepEqual(config.subscriptions, types);
  for (const bad of ["..", "a\u0000", "x".repeat(201), " lead"]) {
    assert.equal(normalizeItem({ id: "b", type: bad, data: {} }, 1000).ok, false, `the wire refuses ${bad}`);
    assert.throws(() => parseHandlersFile(JSON.stringify({ [bad]: { kind: "noop" } }), "h.json"));
  }
  assert.throws(() => loadConfig({ SMARTLINK_SUBSCRIPTIONS: "A,..,B" }), /SMARTLINK_SUBSCRIPTIONS/);
});

/** A body of `total` bytes made on demand; `pulled()` tells how much the server read. */
function lazyBody(total: number) {
  let produced = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  const stream = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (produced >= total) return ctl.close();
      produced += chunk.byteLength;
      ctl.enqueue(chunk);
    },
  });
  return { stream, pulled: () => produced };
}

dbTest("every body is limited before it is parsed: a 200 MiB form POST gets 413 after a few KiB", async (db) => {
  const app = createApp(fakeDeps(db).deps);
  const row = await insertMessage(db, { status: "DEAD" });
  const targets: [string, Record<string, string>][] = [
    [`/messages/${row.id}/discard`, { ...basic(), "Content-Type": "application/x-www-form-urlencoded" }],
    ["/sync", { ...basic(), "Content-Type": "application/x-www-form-urlencoded", Origin: "http://localhost" }],
    [`/api/messages/${row.id}/retry`, { ...bearer(), "Content-Type": "application/json" }],
    ["/api/messages", { ...bearer(), "Content-Type": "application/json" }],
  ];
  for (const [path, headers] of targets) {
    const body = lazyBody(200 * 1024 * 1024);
    const res = await app.request(path, { method: "POST", headers, body: body.stream, duplex: "half" } as RequestInit);
    assert.equal(res.status, 413, path);
    await res.body?.cancel();
    assert.ok(body.pulled() <= 2 * 1024 * 1024 + 65_536 * 2, `${path}: read ${body.pulled()} bytes`);
    const declared = await app.request(path, {
      method: "POST",
      headers: { ...headers, "Content-Length": String(200 * 1024 * 1024) },
      body: "x",
    });
    assert.equal(declared.status, 413, `${path} with a declared Content-Length`);
    await declared.body?.cancel();
  }
  const [{ status }] = await db.rows<{ status: string }>(sql`select status from gtotvslinkmessage`);
  assert.equal(status, "DEAD", "nothing changed");
});

dbTest(
  "one Host rule for every route: /metrics and /healthz refuse a foreign Host without an admin token",
  async (db) => {
    const app = createApp(fakeDeps(db, { adminToken: null }).deps);
    for (const path of ["/metrics", "/healthz", "/api/status", "/", "/static/app.css"]) {
      const evil = await app.request(`http://evil.example${path}`);
      assert.equal(evil.status, 403, `${path} with Host evil.example`);
      const text = await evil.text();
      assert.ok(!text.includes("smartlink_"), `${path}: no metrics shown`);
      const local = await app.request(`http://127.0.0.1:8080${path}`);
      assert.notEqual(local.status, 403, `${path} on loopback`);
      await local.body?.cancel();
    }
  },
);
