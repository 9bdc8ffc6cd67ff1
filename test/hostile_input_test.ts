/**
 * Hostile inputs of issue 9 beyond its thirteen findings, on every surface:
 * downstream items, Smart Link answers, ERP answers, RAC answers, API
 * bodies, query strings, headers and config files. Each gets a specific
 * outcome; at the end nothing is lost (every item with an id stored and
 * acked), nothing stalls (a good command behind them runs at once), and no
 * secret shows on any surface. The count is printed.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { loadConfig } from "../src/config.ts";
import { decodeHeaderValue } from "../src/handlers/header_value.ts";
import { parseHandlersFile } from "../src/handlers/registry.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createTokenProvider, RacError } from "../src/rac/token_provider.ts";
import { runtimeAppDeps } from "../src/runtime.ts";
import { secretForms } from "../src/secrets/redactor.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { createFlow, ERP, runTick } from "./helpers/flow.ts";
import { basic, bearer, fakeDeps, insertMessage } from "./helpers/web_deps.ts";

const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";
const ADMIN = "hostile-admin-token-42";
const tried = new Set<string>();
const note = (surface: string, input: string) => void tried.add(`${surface}: ${input}`);

dbTest("hostile downstream items, server and ERP answers: stored and acked, never stuck, nothing shown", async (db) => {
  let redirectedTo = 0;
  const flow = await createFlow(db, {
    env: { SMARTLINK_ADMIN_TOKEN: ADMIN },
    handlers: {
      SGDPMaskCommand: { kind: "http", url: `${ERP}/sgdp/mask` },
      "Path/../Walk": { kind: "http", url: `${ERP}/sgdp/mask` },
      RedirectCommand: { kind: "http", url: `${ERP}/redirect` },
      HugeReplyCommand: { kind: "http", url: `${ERP}/huge`, reply: { type: "HugeReply", audience: "SGDP" } },
    },
    wrapFetch: (inner) => async (input, init) => {
      await Promise.resolve(); // answers below come as a fetch's would: asynchronously
      const req = new Request(input, init);
      if (req.url === `${ERP}/redirect`) {
        return new Response(null, { status: 302, headers: { Location: `${ERP}/else` } });
      }
      if (req.url === `${ERP}/else`) redirectedTo++;
      if (req.url === `${ERP}/huge`) return new Response(`{"x":"${"y".repeat(2 * 1024 * 1024)}"}`, { status: 200 });
      return inner(req);
    },
  });
  try {
    const items: { id: string; item: unknown; code?: string }[] = [
      { id: "h-01", item: { id: "h-01", type: "..", data: {} }, code: "MSG_BAD_TYPE" },
      { id: "h-02", item: { id: "h-02", type: "Path/../Walk", data: { n: 2 } } },
      { id: "h-03", item: { id: "h-03", type: "SGDPMaskCommand", correlationId: "x\r\nX-Evil: 1", data: { n: 3 } } },
      { id: "h-04", item: { id: "h-04", type: "SGDPMaskCommand", audience: "a".repeat(10_000), data: { n: 4 } } },
      { id: "%2e%2e", item: { id: "%2e%2e", type: "SGDPMaskCommand", data: { n: 5 } } },
      {
        id: "h-06",
        item: JSON.parse('{"id":"h-06","type":"SGDPMaskCommand","data":"low \\udfff"}'),
        code: "MSG_BAD_TEXT",
      },
      { id: "h-07", item: { id: "h-07", type: "RedirectCommand", data: { n: 7 } }, code: "HTTP_302" },
      { id: "h-08", item: { id: "h-08", type: "HugeReplyCommand", data: { n: 8 } }, code: "REPLY_TOO_LARGE" },
      { id: "h-09", item: { id: "h-09", type: "SGDPMaskCommand", data: { header: { type: ["x"] }, content: {} } } },
    ];
    for (const i of items) note("downstream item", JSON.stringify(i.item).slice(0, 60));
    flow.sim.enqueue(items.map((i) => i.item));
    // Smart Link answers: a get redirected elsewhere, then the items.
    flow.sim.fault({ op: "get", status: 301, count: 1 });
    note("server answer", "get 301 redirect");
    const redirected = await runTick(flow);
    assert.equal(redirected.error?.code, "SL_REDIRECT");
    flow.clock.advance(60_000);
    const s = await runTick(flow);
    assert.equal(s.error, undefined, JSON.stringify(s.error));
    const acked = new Set(flow.sim.state.acked);
    const rows = new Map(
      (await db.rows<{ idexterno: string; ultimoerro: string | null }>(
        sql`select idexterno, ultimoerro from gtotvslinkmessage`,
      )).map((r) => [r.idexterno, r.ultimoerro]),
    );
    const succeeded = new Set(
      (await db.rows<{ idexterno: string }>(sql`select idexterno from gtotvslinkmessageexec where sucesso`)).map((r) =>
        r.idexterno
      ),
    );
    let lost = 0;
    for (const i of items) {
      if (!acked.has(i.id)) lost++;
      if (i.code) assert.ok(rows.get(i.id)?.startsWith(`${i.code}: `), `${i.id}: ${rows.get(i.id)}`);
      else assert.ok(succeeded.has(i.id) || rows.has(i.id), `${i.id} stored`);
    }
    assert.equal(lost, 0, "every item with an id acked");
    assert.equal(redirectedTo, 0, "the ERP's redirect was not followed");
    const h03 = flow.erp.calls.find((c) => JSON.parse(c.body).n === 3)!;
    assert.equal(decodeHeaderValue(h03.headers["x-smartlink-correlation-id"]), "x\r\nX-Evil: 1");
    assert.equal(h03.headers["x-evil"], undefined, "no header injected");

    // A send answered 410 with a JWT-shaped echo: a rejected attempt, the echo masked.
    flow.sim.fault({ op: "send", status: 410, count: 1, body: '{"message":"gone eyJhbGciOi.eyJzdWIiOiJ4.c2ln"}' });
    note("server answer", "send 410 with a JWT-shaped echo");
    await flow.runtime.publish({ type: "SGDPNotice", audience: "SGDP", data: { n: 1 } });
    await new Promise((r) => setTimeout(r, 200));
    // No stall: a good command behind all of it runs at once.
    flow.sim.enqueue(generateCommand("SGDPMaskCommand", 99, TENANT, flow.clock.now()));
    flow.clock.advance(60_000);
    const after = await runTick(flow);
    assert.equal(after.succeeded, 1, "the tick after the hostile inputs runs a good command");

    const app = createApp(runtimeAppDeps(flow.runtime, () => undefined));
    const surfaces = [
      JSON.stringify(flow.logger.lines),
      JSON.stringify(await db.rows(sql`select * from gtotvslinkmessage`)),
      JSON.stringify(await db.rows(sql`select * from gtotvslinklog`)),
      JSON.stringify(await db.rows(sql`select * from gtotvslinkmessageexec`)),
      await (await app.request("/api/logs?limit=500", { headers: bearer(ADMIN) })).text(),
      await (await app.request("/messages", { headers: basic(ADMIN) })).text(),
      await (await app.request("/", { headers: basic(ADMIN) })).text(),
    ].join("\n");
    const tokens = flow.runtime.tokens?.recentTokens() ?? [];
    for (const secret of ["sim-secret", ADMIN, ...tokens]) {
      for (const form of secretForms(secret)) assert.ok(!surfaces.includes(form), `a form of a secret shows: ${form}`);
    }
    assert.ok(!surfaces.includes("eyJzdWIiOiJ4"), "the JWT-shaped echo is masked");
  } finally {
    await flow.cleanup();
  }
});

Deno.test("hostile RAC answers: a token already expired or not a JWT is refused with a specific error", async () => {
  const answers: [string, Response][] = [
    ["expires_in negative", Response.json({ access_token: "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.", expires_in: -5 })],
    ["expires_in a word", Response.json({ access_token: "abc", expires_in: "soon" })],
    ["HTML with 200", new Response("<html>login</html>", { status: 200 })],
  ];
  for (const [name, res] of answers) {
    note("RAC answer", name);
    const provider = createTokenProvider({
      tokenUrl: "http://rac.test/token",
      clientId: "c",
      clientSecret: "rac-secret-hostile",
      fetch: () => Promise.resolve(res.clone()),
      timeoutMs: 1000,
      logger: createMemoryLogger(),
    });
    const err = await provider.getToken().then(() => undefined, (e) => e);
    assert.ok(err instanceof RacError, name);
    assert.equal(err.code, "RAC_INVALID_RESPONSE", name);
    assert.ok(!err.message.includes("rac-secret-hostile"));
  }
});

dbTest("hostile API bodies, query strings and headers: 4xx with a reason, never 500, nothing changed", async (db) => {
  const app = createApp(fakeDeps(db, { adminToken: null }).deps);
  const tokenApp = createApp(fakeDeps(db).deps);
  const row = await insertMessage(db, { status: "DEAD" });
  const json = (body: string) => ({ method: "POST", headers: { "Content-Type": "application/json" }, body });
  const cases: [string, () => Response | Promise<Response>, number][] = [
    [
      "API body: __proto__ data",
      () => app.request("/api/messages", json('{"type":"T","audience":"A","data":{"__proto__":{"x":1}}}')),
      202,
    ],
    ["API body: JSON array", () => app.request("/api/messages", json("[1,2]")), 400],
    [
      "API body: 10,000-deep nesting",
      () =>
        app.request(
          "/api/messages",
          json(`{"type":"T","audience":"A","data":${"[".repeat(10_000)}${"]".repeat(10_000)}}`),
        ),
      400,
    ],
    ["API path: id ../../sync", () => app.request("/api/messages/..%2F..%2Fsync/retry", { method: "POST" }), 400],
    ["query: limit=1e3", () => app.request("/api/messages?limit=1e3"), 400],
    ["query: cursor garbage", () => app.request("/api/messages?cursor=%FF%FE"), 400],
    ["query: from=2024-02-30", () => app.request("/api/executions?from=2024-02-30"), 400],
    ["query: percent bytes of a surrogate", () => app.request("/api/messages?text=a%ED%A0%80"), 200],
    ["header: Host 127.0.0.1.evil.example", () => app.request("http://127.0.0.1.evil.example/api/status"), 403],
    [
      "header: 10 KiB Bearer",
      () => tokenApp.request("/api/status", { headers: { Authorization: `Bearer ${"x".repeat(10_240)}` } }),
      401,
    ],
    [
      "header: Origin null on a form POST",
      () =>
        app.request(`/messages/${row.id}/discard`, {
          method: "POST",
          headers: { Origin: "null", "Content-Type": "application/x-www-form-urlencoded" },
          body: "csrf=x",
        }),
      403,
    ],
  ];
  for (const [name, call, status] of cases) {
    note("http", name);
    const res = await call();
    assert.equal(res.status, status, name);
    await res.body?.cancel();
  }
  assert.equal((Object.prototype as Record<string, unknown>).x, undefined, "no prototype pollution");
  const [{ status }] = await db.rows<{ status: string }>(
    sql`select status from gtotvslinkmessage where id = ${row.id}`,
  );
  assert.equal(status, "DEAD", "nothing changed");
});

Deno.test("hostile config files: a __proto__ handler key, bad numbers, empty subscriptions", () => {
  note("config file", "handlers file with a __proto__ key");
  const file = parseHandlersFile('{"__proto__":{"kind":"noop"},"Ping":{"kind":"noop"}}', "h.json");
  assert.deepEqual(Object.keys(file).sort(), ["Ping", "__proto__"]);
  assert.equal(Object.getPrototypeOf(file), Object.prototype);
  note("config file", "handlers file that is a JSON string");
  assert.throws(() => parseHandlersFile('"noop"', "h.json"), /expected a JSON object/);
  note("environment", "SMARTLINK_QTDE_TENTATIVAS_EXEC=1e9");
  assert.throws(() => loadConfig({ SMARTLINK_QTDE_TENTATIVAS_EXEC: "1e9" }), /SMARTLINK_QTDE_TENTATIVAS_EXEC/);
  note("environment", "SMARTLINK_SUBSCRIPTIONS of commas only");
  assert.throws(() => loadConfig({ SMARTLINK_SUBSCRIPTIONS: " , ,," }), /SMARTLINK_SUBSCRIPTIONS/);
  console.log(`hostile inputs tried: ${tried.size}, each with its outcome asserted\n  ${[...tried].join("\n  ")}`);
});
