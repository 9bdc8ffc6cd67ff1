import assert from "node:assert/strict";
import type { Database } from "../src/db/client.ts";
import { emptySummary } from "../src/sync/summary.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { checkedApp } from "./helpers/openapi_check.ts";
import { ADMIN_TOKEN, bearer, fakeDeps, insertExec, insertMessage, NOW } from "./helpers/web_deps.ts";
import { writeTickRecord } from "../src/sync/tick_record.ts";

const conn = (hostname: string) => ({ remoteAddr: { hostname, port: 40000, transport: "tcp" } });

async function health(db: Database, setup: (f: ReturnType<typeof fakeDeps>) => void | Promise<void> = () => {}) {
  const f = fakeDeps(db);
  f.state.last = { ...emptySummary("cron", NOW), durationMs: 40 };
  await setup(f);
  const res = await checkedApp(createApp(f.deps)).request("/healthz");
  return { status: res.status, body: await res.json() };
}

dbTest("GET /healthz answers 200 ok without auth when all is well", async (db) => {
  const { status, body } = await health(db);
  assert.equal(status, 200);
  assert.equal(body.status, "ok");
  assert.deepEqual(body.checks, {
    database: "ok",
    activation: "activated",
    activationState: "active",
    token: "ok",
    lastTick: { finishedAt: NOW.toISOString(), durationMs: 40, error: null },
    oldestPendingSeconds: null,
    installation: "unknown",
  });
});

dbTest("GET /healthz is degraded when the token failed or the last tick failed", async (db) => {
  const token = await health(db, (f) => {
    f.state.activation = { ...f.state.activation, tokenError: "RAC answered 401" };
  });
  assert.equal(token.body.status, "degraded");
  assert.equal(token.body.checks.token, "error");
  assert.ok(!JSON.stringify(token.body).includes("RAC answered"), "no error text on the open endpoint");

  const tick = await health(db, (f) => {
    f.state.last = { ...emptySummary("cron", NOW), error: { phase: "downstream", code: "HTTP_503", message: "x" } };
  });
  assert.equal(tick.body.status, "degraded");
  assert.deepEqual(tick.body.checks.lastTick.error, { phase: "downstream", code: "HTTP_503" });

  const fromLog = await health(db, async (f) => {
    f.state.last = undefined;
    const failed = { ...emptySummary("cron", NOW), error: { phase: "setup" as const, code: "SETUP", message: "x" } };
    await writeTickRecord(db, failed, NOW);
  });
  assert.equal(fromLog.body.status, "degraded", "the last tick is read back from GTOTVSLINKLOG");

  const off = await health(db, (f) => {
    f.state.activation = { activated: false, subscriptions: [], tokenError: "no credentials" };
  });
  assert.equal(off.status, 503, "not activated is its own status, with a code an orchestrator can choose to accept");
  assert.equal(off.body.status, "not_activated");
  assert.equal(off.body.checks.activationState, "not_configured");
  assert.equal(off.body.checks.token, "not_activated");
  assert.deepEqual(off.body.reasons, ["not activated: no client credentials"]);

  const rejected = await health(db, (f) => {
    f.state.activation = {
      ...f.state.activation,
      tokenValidUntil: undefined,
      tokenError: "RAC token request failed: HTTP 401",
      tokenErrorCode: "RAC_HTTP",
      tokenErrorStatus: 401,
      tokenOauthError: "invalid_client",
    };
  });
  assert.equal(rejected.status, 200);
  assert.equal(rejected.body.status, "degraded");
  assert.equal(rejected.body.checks.activationState, "token_failing");
  assert.deepEqual(rejected.body.reasons, ["token request failed: credentials rejected"]);
});

dbTest("GET /healthz is degraded when a message is due for longer than three schedule periods", async (db) => {
  await insertMessage(db, { status: "RETRY", dataTentativaExec: new Date(NOW.getTime() - 170_000) });
  await insertMessage(db, { status: "PENDING", dataTentativaExec: new Date(NOW.getTime() + 600_000) });
  const fresh = await health(db);
  assert.equal(fresh.body.status, "ok");
  assert.equal(fresh.body.checks.oldestPendingSeconds, 170);

  await insertMessage(db, { status: "PENDING", direcao: "UP", dataTentativaExec: new Date(NOW.getTime() - 181_000) });
  const stale = await health(db);
  assert.equal(stale.body.status, "degraded");
  assert.equal(stale.body.checks.oldestPendingSeconds, 181);

  const hourly = await health(db, (f) => {
    f.deps.config = { ...f.deps.config, schedule: "0 * * * *" };
  });
  assert.equal(hourly.body.status, "ok", "three hourly periods have not passed");
});

dbTest("GET /healthz answers 503 when the database does not answer", async (db) => {
  const f = fakeDeps(db);
  f.deps.db = { ...db, ping: () => Promise.reject(new Error("connection refused")) };
  const res = await checkedApp(createApp(f.deps)).request("/healthz");
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.equal(body.checks.database, "error");
  assert.notEqual(body.status, "ok");
});

dbTest("GET /metrics is open to loopback clients and needs the Bearer token from others", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  assert.equal((await app.request("/metrics", {}, conn("127.0.0.1"))).status, 200);
  assert.equal((await app.request("/metrics", {}, conn("::1"))).status, 200);
  assert.equal((await app.request("/metrics", {}, conn("10.0.0.5"))).status, 401);
  assert.equal((await app.request("/metrics")).status, 401, "unknown address is not loopback");
  assert.equal((await app.request("/metrics", { headers: bearer("nope-nope-nope") }, conn("10.0.0.5"))).status, 401);
  assert.equal((await app.request("/metrics", { headers: bearer(ADMIN_TOKEN) }, conn("10.0.0.5"))).status, 200);
  const open = createApp(fakeDeps(db, { adminToken: null }).deps);
  assert.equal((await open.request("/metrics")).status, 200, "no token configured: open");
});

dbTest("GET /metrics exposes messages, 24-hour executions, tick, token and oldest pending", async (db) => {
  const f = fakeDeps(db);
  f.state.last = { ...emptySummary("cron", NOW), durationMs: 1500 };
  await insertMessage(db, { status: "DEAD" });
  await insertMessage(db, { status: "PENDING", direcao: "UP", dataTentativaExec: new Date(NOW.getTime() - 30_000) });
  await insertExec(db, { idMensagem: crypto.randomUUID(), tipo: 'We"ird', dataFim: new Date(NOW.getTime() - 1000) });
  await insertExec(db, { idMensagem: crypto.randomUUID(), dataFim: new Date(NOW.getTime() - 25 * 3_600_000) });
  const res = await createApp(f.deps).request("/metrics", {}, conn("127.0.0.1"));
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  for (
    const line of [
      'smartlink_messages{direction="DOWN",status="DEAD"} 1',
      'smartlink_messages{direction="UP",status="PENDING"} 1',
      'smartlink_messages{direction="UP",status="RUNNING"} 0',
      'smartlink_executions_last_24h{type="We\\"ird",result="SUCCESS"} 1',
      "smartlink_last_tick_duration_seconds 1.5",
      `smartlink_last_tick_success_timestamp_seconds ${NOW.getTime() / 1000}`,
      "smartlink_token_expiry_seconds 3600",
      "smartlink_oldest_pending_seconds 30",
    ]
  ) {
    assert.ok(text.split("\n").includes(line), `missing: ${line}\n${text}`);
  }
  assert.ok(!text.includes('type="SGDPMaskCommand"'), "executions older than 24 h are left out");
  assert.match(text, /# TYPE smartlink_messages gauge/);
});
