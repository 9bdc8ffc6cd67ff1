import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify } from "jose";
import { TENANT_CLAIM } from "../src/rac/token_provider.ts";
import { createSimulator, DEFAULT_SIM_TENANT_ID } from "../src/simulator/app.ts";
import { cpfFor, generateCommand, SGDP_COMMAND_TYPES } from "../src/simulator/generator.ts";
import { normalizeItem } from "../src/smartlink/wire.ts";

const T0 = Date.parse("2025-03-01T12:00:00Z");
const SIM = "http://sim.test";

function tokenForm(fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}

const GOOD_FORM = {
  grant_type: "client_credentials",
  client_id: "sim-client",
  client_secret: "sim-secret",
  scope: "authorization_api",
};

function setup() {
  const clock = { t: T0 };
  const sim = createSimulator({ now: () => clock.t, tokenLifetimeS: 600 });
  const req = (path: string, init?: RequestInit) => sim.app.request(SIM + path, init);
  const token = async () => {
    const res = await req("/totvs.rac/connect/token", tokenForm(GOOD_FORM));
    assert.equal(res.status, 200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const authed = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${await token()}`);
    if (init.body !== undefined) headers.set("Content-Type", "application/json");
    return req(path, { ...init, headers });
  };
  const control = (path: string, body?: unknown) =>
    req(path, body === undefined ? { method: "POST" } : { method: "POST", body: JSON.stringify(body) });
  return { sim, clock, req, token, authed, control };
}

Deno.test("token endpoint issues RS256 JWTs that verify against the JWKS", async () => {
  const s = setup();
  const res = await s.req("/totvs.rac/connect/token", tokenForm(GOOD_FORM));
  const body = await res.json();
  assert.equal(body.token_type, "Bearer");
  assert.equal(body.expires_in, 600);
  const jwks = await (await s.req("/totvs.rac/.well-known/openid-configuration/jwks")).json();
  assert.equal(jwks.keys[0].kty, "RSA");
  assert.equal(jwks.keys[0].d, undefined, "no private key material");
  const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
    audience: "authorization_api",
    issuer: "http://127.0.0.1/totvs.rac",
    currentDate: new Date(T0),
  });
  assert.equal(protectedHeader.alg, "RS256");
  assert.equal(payload.client_id, "sim-client");
  assert.equal(payload[TENANT_CLAIM], DEFAULT_SIM_TENANT_ID);
  assert.equal(payload.exp, T0 / 1000 + 600);
  assert.equal(s.sim.state.tokensIssued, 1);
});

Deno.test("token endpoint rejects wrong credentials and grants", async () => {
  const s = setup();
  const cases: [Record<string, string>, number, string][] = [
    [{ ...GOOD_FORM, client_secret: "nope" }, 401, "invalid_client"],
    [{ ...GOOD_FORM, client_id: "other" }, 401, "invalid_client"],
    [{ ...GOOD_FORM, grant_type: "password" }, 400, "unsupported_grant_type"],
    [{ grant_type: "client_credentials" }, 400, "invalid_request"],
    [{ ...GOOD_FORM, scope: "openid" }, 400, "invalid_scope"],
  ];
  for (const [form, status, error] of cases) {
    const res = await s.req("/totvs.rac/connect/token", tokenForm(form));
    assert.equal(res.status, status, JSON.stringify(form));
    const body = await res.json();
    assert.equal(body.error, error);
    assert.equal(typeof body.error_description, "string");
  }
  assert.equal(s.sim.state.tokensIssued, 0);
});

Deno.test("link routes require a valid, unexpired Bearer token", async () => {
  const s = setup();
  assert.equal((await s.req("/api/v1/link/get")).status, 401);
  assert.equal((await s.req("/api/v1/link/get", { headers: { Authorization: "Bearer abc.def.ghi" } })).status, 401);
  const token = await s.token();
  assert.equal((await s.req("/api/v1/link/get", { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  s.clock.t += 600_000; // exp reached
  assert.equal((await s.req("/api/v1/link/get", { headers: { Authorization: `Bearer ${token}` } })).status, 401);
  assert.deepEqual(s.sim.state.requests.filter((r) => r.op === "get").map((r) => r.status), [401, 401, 200, 401]);
});

Deno.test("a verified token is remembered until it expires, and rejected once revoked", async () => {
  const s = setup();
  const token = await s.token();
  const get = () => s.req("/api/v1/link/get", { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await get()).status, 200);
  assert.equal((await get()).status, 200, "the cached verification still answers");
  assert.equal((await s.control("/_sim/revoke")).status, 200);
  assert.equal((await get()).status, 401, "a revoked token is rejected even though it was cached");
  const fresh = await s.token();
  const res = await s.req("/api/v1/link/get", { headers: { Authorization: `Bearer ${fresh}` } });
  assert.equal(res.status, 200, "tokens issued after the revocation verify");
});

Deno.test("createSimulator() adds latencyMs to every RAC and link request, settable through /_sim/mode", async () => {
  const waits: number[] = [];
  const sim = createSimulator({ latencyMs: 20, sleep: (ms) => (waits.push(ms), Promise.resolve()) });
  const tokenRes = await sim.app.request(SIM + "/totvs.rac/connect/token", tokenForm(GOOD_FORM));
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  await sim.app.request(SIM + "/api/v1/link/get", { headers: { Authorization: `Bearer ${token}` } });
  assert.deepEqual(waits, [20, 20]);
  await sim.app.request(SIM + "/_sim/mode", { method: "POST", body: JSON.stringify({ latencyMs: 0 }) });
  await sim.app.request(SIM + "/api/v1/link/get", { headers: { Authorization: `Bearer ${token}` } });
  assert.deepEqual(waits, [20, 20], "no wait at 0 ms");
  await sim.app.request(SIM + "/_sim/mode", { method: "POST", body: JSON.stringify({ latencyMs: 5 }) });
  await sim.app.request(SIM + "/_sim/reset", { method: "POST" });
  assert.equal(sim.state.mode.latencyMs, 20, "reset goes back to the configured latency");
  assert.equal((await sim.app.request(SIM + "/_sim/mode", { method: "POST", body: '{"latencyMs":-1}' })).status, 400);
});

Deno.test("get redelivers un-acked items from the head of the FIFO, batchSize at a time", async () => {
  const s = setup();
  s.sim.enqueue([{ id: "1", type: "T", data: {} }, { id: "2", type: "T", data: {} }, { id: "3", type: "T", data: {} }]);
  await s.control("/_sim/mode", { batchSize: 2 });
  const ids = async () => ((await (await s.authed("/api/v1/link/get")).json()) as { id: string }[]).map((i) => i.id);
  assert.deepEqual(await ids(), ["1", "2"]);
  assert.deepEqual(await ids(), ["1", "2"], "not acked: delivered again");
  assert.equal((await s.authed("/api/v1/link/ack", { method: "POST", body: JSON.stringify({ id: "1" }) })).status, 200);
  assert.deepEqual(await ids(), ["2", "3"]);
  assert.equal((await s.authed("/api/v1/link/ack", { method: "POST", body: '{"id":"1"}' })).status, 404);
  await s.control("/_sim/mode", { ackNotFound: 200 });
  assert.equal((await s.authed("/api/v1/link/ack", { method: "POST", body: '{"id":"1"}' })).status, 200);
  assert.equal((await s.authed("/api/v1/link/ack/3", { method: "DELETE" })).status, 200);
  assert.deepEqual(s.sim.state.acked, ["1", "3"]);
  assert.equal(s.sim.state.gets, 3);
});

Deno.test("get serves single and wrapped modes; single answers 204 when empty", async () => {
  const s = setup();
  s.sim.enqueue({ id: "w1", type: "T", data: {} });
  await s.control("/_sim/mode", { getMode: "wrapped" });
  assert.deepEqual(await (await s.authed("/api/v1/link/get")).json(), {
    messages: [{ id: "w1", type: "T", data: {} }],
  });
  await s.control("/_sim/mode", { getMode: "single" });
  assert.deepEqual(await (await s.authed("/api/v1/link/get")).json(), { id: "w1", type: "T", data: {} });
  s.sim.state.queue = [];
  assert.equal((await s.authed("/api/v1/link/get")).status, 204);
  assert.equal((await s.control("/_sim/mode", { getMode: "xml" })).status, 400);
});

Deno.test("setup and send are recorded", async () => {
  const s = setup();
  const setupRes = await s.authed("/api/v1/link/setup", { method: "POST", body: '{"subscriptions":["A","B"]}' });
  assert.equal(setupRes.status, 200);
  assert.equal((await s.authed("/api/v1/link/setup", { method: "POST", body: '{"subs":1}' })).status, 400);
  const sendRes = await s.authed("/api/v1/link/send/SGDPMaskResponse/SGDP", { method: "POST", body: '{"x":1}' });
  assert.equal(sendRes.status, 202);
  const state = await (await s.req("/_sim/state")).json();
  assert.deepEqual(state.subscriptions, ["A", "B"]);
  assert.equal(state.setups.length, 1);
  assert.deepEqual(
    state.sent.map((m: Record<string, string>) => [m.type, m.audience, m.body]),
    [["SGDPMaskResponse", "SGDP", '{"x":1}']],
  );
});

Deno.test("the simulator keeps the last historyLimit sends (10,000 by default), and a reset keeps the limit", async () => {
  const clock = { t: T0 };
  const limited = createSimulator({ now: () => clock.t, historyLimit: 3 });
  const form = tokenForm(GOOD_FORM);
  const res = await limited.app.request(SIM + "/totvs.rac/connect/token", form);
  const { access_token } = (await res.json()) as { access_token: string };
  const send = (n: number) =>
    limited.app.request(SIM + "/api/v1/link/send/T/A", {
      method: "POST",
      headers: { Authorization: `Bearer ${access_token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ n }),
    });
  for (let n = 1; n <= 5; n++) assert.equal((await send(n)).status, 202);
  assert.deepEqual(limited.state.sent.map((m) => m.body), ['{"n":3}', '{"n":4}', '{"n":5}']);
  assert.equal((await limited.app.request(SIM + "/_sim/reset", { method: "POST" })).status, 200);
  for (let n = 6; n <= 10; n++) assert.equal((await send(n)).status, 202);
  assert.equal(limited.state.sent.length, 3, "the limit survives a reset");
  assert.equal(createSimulator().state.historyLimit, 10_000);
  assert.equal(createSimulator({ historyLimit: Infinity }).state.historyLimit, Infinity);
});

Deno.test("faults hit the next N matching requests, then stop", async () => {
  const s = setup();
  const added = await s.control("/_sim/faults", { op: "get", status: 503, count: 2, retryAfterS: 5 });
  assert.equal(added.status, 200);
  const token = await s.token(); // op "token" is not matched by a "get" fault
  const get = () => s.req("/api/v1/link/get", { headers: { Authorization: `Bearer ${token}` } });
  const first = await get();
  assert.equal(first.status, 503);
  assert.equal(first.headers.get("retry-after"), "5");
  assert.equal((await get()).status, 503);
  assert.equal((await get()).status, 200);
  assert.deepEqual(s.sim.state.faults, []);

  await s.control("/_sim/faults", { op: "any", body: "{broken", count: 1 });
  const broken = await get();
  assert.equal(broken.status, 200);
  assert.equal(await broken.text(), "{broken");
  assert.equal((await s.control("/_sim/faults", { op: "nope", count: 1 })).status, 400);
});

Deno.test("a delayed fault stops waiting when the request is aborted", async () => {
  const s = setup();
  s.sim.fault({ op: "get", delayMs: 60_000, count: 1 });
  const controller = new AbortController();
  const pending = s.sim.fetch(`${SIM}/api/v1/link/get`, { signal: controller.signal });
  controller.abort(new Error("gave up"));
  await assert.rejects(pending, /gave up/);
});

Deno.test("control endpoints enqueue, generate and reset", async () => {
  const s = setup();
  const one = await (await s.control("/_sim/enqueue", { id: "x", type: "T", data: {} })).json();
  assert.equal(one.enqueued, 1);
  const gen = await (await s.control("/_sim/enqueue", { generate: { type: "SGDPMaskCommand", count: 3 } })).json();
  assert.deepEqual(gen, { enqueued: 3, queued: 4 });
  assert.equal((await s.control("/_sim/enqueue", { generate: { type: "Other", count: 1 } })).status, 400);
  const state = await (await s.req("/_sim/state")).json();
  assert.equal(state.queued, 4);
  assert.equal(state.queue[1].deliveries, 0);
  await s.control("/_sim/reset");
  assert.equal(s.sim.state.queue.length, 0);
  assert.equal(s.sim.state.mode.getMode, "array");
});

function cpfValid(formatted: string): boolean {
  const digits = formatted.replace(/\D/g, "").split("").map(Number);
  const check = (len: number) => {
    const sum = digits.slice(0, len).reduce((acc, d, i) => acc + d * (len + 1 - i), 0);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  return digits.length === 11 && check(9) === digits[9] && check(10) === digits[10];
}

Deno.test("generateCommand() builds SGDP commands the client parses", () => {
  const now = new Date(T0);
  const seen = new Set<string>();
  for (const type of SGDP_COMMAND_TYPES) {
    for (let n = 1; n <= 5; n++) {
      const item = generateCommand(type, n, "tenant-g", now);
      const parsed = normalizeItem(item, 1_048_576);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.equal(parsed.message.type, type);
      assert.equal(parsed.message.tenantId, "tenant-g");
      assert.equal(parsed.message.correlationId, item.data.content.requestID);
      assert.equal(item.data.header.generatedOn, now.toISOString());
      assert.match(
        String((item.data.content.identifiers as Record<string, string>).CPF),
        /^\d{3}\.\d{3}\.\d{3}-\d{2}$/,
      );
      seen.add(String(item.data.content.requestID));
    }
  }
  assert.equal(seen.size, 15, "requestIDs are unique");
  assert.equal(generateCommand("SGDPMaskCommand", 1, "t", now).data.content.toVerify, false);
  assert.ok(generateCommand("SGDPLogsCommand", 1, "t", now).data.content.period);
  for (let n = 0; n < 200; n++) assert.ok(cpfValid(cpfFor(n)), cpfFor(n));
  assert.equal(cpfFor(7), cpfFor(7));
  assert.notEqual(cpfFor(7), cpfFor(8));
});
