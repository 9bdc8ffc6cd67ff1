/**
 * Alerts (issue 13, item 16) against a local receiver: DEAD messages, failing
 * ticks, no token, a stale queue, and their clearing; throttled with a count,
 * retried with backoff, never blocking the tick, never a secret or content.
 */
import assert from "node:assert/strict";
import { createMemoryLogger } from "../src/log.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { alertBody, errorCodeOf } from "../src/sync/alerts/alert_body.ts";
import { createAlerter } from "../src/sync/alerts/alerter.ts";
import { createAlertWatch } from "../src/sync/alerts/alert_watch.ts";
import { emptySummary } from "../src/sync/summary.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { createFlow, runTick } from "./helpers/flow.ts";
import { basic, fakeDeps, insertMessage } from "./helpers/web_deps.ts";

const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";
const SECRET_PATH = "/services/T0001/B0002/s3cr3t-webhook-key";

interface Receiver {
  url: string;
  bodies: Record<string, unknown>[];
  /** Status to answer the next POSTs with (then 200). */
  failNext(statuses: number[]): void;
  /** Holds every answer until `release()`. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

function receiver(): Receiver {
  const bodies: Record<string, unknown>[] = [];
  let failures: number[] = [];
  let held: PromiseWithResolvers<void> | undefined;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    bodies.push(await req.json());
    if (held) await held.promise;
    const status = failures.shift() ?? 200;
    return new Response(status === 200 ? "ok" : "no", { status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}${SECRET_PATH}`,
    bodies,
    failNext: (s) => void (failures = [...s]),
    hold: () => void (held = Promise.withResolvers()),
    release: () => {
      held?.resolve();
      held = undefined;
    },
    close: () => server.shutdown(),
  };
}

Deno.test("alertBody() carries type, id and error code only, and a text line chat webhooks show", () => {
  const body = alertBody(
    {
      condition: "message_dead",
      event: "raised",
      details: {
        messages: [
          { type: "SGDPMaskCommand", id: "f833c3af-0000-4000-8000-000000000001", errorCode: "HANDLER_FATAL" },
          { type: "<script>", id: "not-an-id", errorCode: "secret value: abc" },
        ],
      },
    },
    { count: 2, at: new Date("2026-01-05T10:00:00Z"), tenantId: TENANT },
  );
  assert.equal(body.source, "smartlink-client");
  assert.equal(body.severity, "error");
  assert.equal(body.count, 2);
  assert.deepEqual(body.details.messages?.[1], { type: "(invalid type)", id: "(invalid id)", errorCode: "UNKNOWN" });
  assert.equal(
    body.text,
    `🔴 Smart Link Client (tenant ${TENANT}): 2 messages went DEAD: SGDPMaskCommand f833c3af (HANDLER_FATAL) and others`,
  );
  assert.equal(errorCodeOf("HANDLER_FATAL: HTTP 400 from ERP: cpf=123"), "HANDLER_FATAL");
  assert.equal(errorCodeOf("something free-form"), "UNKNOWN");
});

Deno.test("createAlerter() retries with backoff, throttles to one per condition per window with a count", async () => {
  const r = receiver();
  let t = Date.parse("2026-01-05T10:00:00Z");
  const sleeps: number[] = [];
  const alerter = createAlerter({
    url: r.url,
    now: () => new Date(t),
    logger: createMemoryLogger("error"),
    backoffMs: 5,
    sleep: (ms) => {
      sleeps.push(ms);
      return new Promise((res) => setTimeout(res, 1));
    },
  });
  try {
    r.failNext([500, 503]);
    const raise = () =>
      alerter.notify({ condition: "ticks_failing", event: "raised", details: { consecutiveFailures: 3 } });
    raise();
    await alerter.idle();
    assert.equal(r.bodies.length, 3, "two failed attempts, then delivered");
    assert.deepEqual(sleeps, [5, 10], "exponential backoff");
    assert.equal(alerter.status().lastSent?.condition, "ticks_failing");
    assert.equal(alerter.status().lastError, undefined);

    // Within 15 minutes: held back and counted.
    t += 60_000;
    alerter.notify({ condition: "ticks_failing", event: "cleared", details: {} });
    t += 60_000;
    raise();
    alerter.flush();
    await alerter.idle();
    assert.equal(r.bodies.length, 3, "throttled");
    assert.equal(alerter.status().waiting, 1);
    t += 15 * 60_000;
    alerter.flush();
    await alerter.idle();
    assert.equal(r.bodies.length, 4);
    const folded = r.bodies[3] as { count: number; event: string; text: string };
    assert.equal(folded.count, 2);
    assert.equal(folded.event, "raised");
    assert.match(folded.text, /\(2 times in 15 min\)$/);

    // Another condition is not held by this one's window.
    alerter.notify({ condition: "token_unavailable", event: "raised", details: { errorCode: "RAC_HTTP" } });
    await alerter.idle();
    assert.equal(r.bodies.length, 5);
  } finally {
    await r.close();
  }
});

Deno.test("createAlerter() records a delivery error without the webhook's secret path", async () => {
  const r = receiver();
  const logger = createMemoryLogger("debug");
  const alerter = createAlerter({
    url: r.url,
    now: () => new Date(),
    logger,
    retries: 2,
    backoffMs: 1,
  });
  try {
    r.failNext([500, 500, 500]);
    alerter.notify({ condition: "queue_stale", event: "raised", details: { waitingSeconds: 400, limitSeconds: 180 } });
    await alerter.idle();
    const err = alerter.status().lastError;
    assert.ok(err);
    assert.match(
      err.message,
      /Alert "queue_stale" raised not delivered after 3 attempt\(s\): http:\/\/127\.0\.0\.1:\d+ answered HTTP 500/,
    );
    const everything = JSON.stringify(alerter.status()) + JSON.stringify(logger.lines);
    assert.ok(!everything.includes("s3cr3t-webhook-key"), "the webhook path is a secret");
    assert.ok(!everything.includes(SECRET_PATH));

    // Nothing listening: a connection error is named, and still no path.
    await r.close();
    alerter.notify({ condition: "token_unavailable", event: "raised", details: {} });
    await alerter.idle();
    assert.match(alerter.status().lastError!.message, /connection refused/);
    assert.ok(!JSON.stringify(alerter.status()).includes("s3cr3t"));
  } finally {
    await r.close().catch(() => {});
  }
});

dbTest("a message that goes DEAD is alerted through the real tick, without its content", async (db) => {
  const r = receiver();
  const flow = await createFlow(db, { env: { SMARTLINK_ALERT_WEBHOOK: r.url } });
  try {
    const cmd = generateCommand("SGDPMaskCommand", 1, TENANT, flow.clock.now());
    flow.sim.enqueue(cmd);
    flow.erp.failNext(1, 400, "cpf 123.456.789-00 is invalid");
    const s = await runTick(flow);
    assert.equal(s.dead, 1);
    await flow.runtime.alerts!.idle();
    const dead = r.bodies.filter((b) => b.condition === "message_dead");
    assert.equal(dead.length, 1, JSON.stringify(r.bodies));
    const body = dead[0] as { details: { messages: { type: string; id: string; errorCode: string }[] }; text: string };
    assert.equal(body.details.messages[0].type, "SGDPMaskCommand");
    assert.match(body.details.messages[0].id, /^[0-9a-f-]{36}$/);
    assert.equal(body.details.messages[0].errorCode, "HTTP_400");
    const raw = JSON.stringify(r.bodies);
    assert.ok(!raw.includes("123.456.789"), "no message content or error text");
    assert.ok(!raw.includes(String(cmd.data.content.requestID)), "no content");
    assert.ok(!raw.includes("sim-secret"));
    assert.match(body.text, /1 message went DEAD: SGDPMaskCommand [0-9a-f]{8} \(HTTP_400\)$/);
  } finally {
    await flow.cleanup();
    await r.close();
  }
});

dbTest("ticks failing N times and no token raise alerts; the next good tick clears them", async (db) => {
  const r = receiver();
  const flow = await createFlow(db, { env: { SMARTLINK_ALERT_WEBHOOK: r.url, SMARTLINK_ALERT_FAILED_TICKS: "2" } });
  try {
    flow.sim.fault({ op: "token", status: 401, count: 2, body: '{"error":"invalid_client"}' });
    for (let i = 0; i < 2; i++) {
      const s = await runTick(flow);
      assert.ok(s.error, "the tick fails without a token");
      flow.clock.advance(60_000);
    }
    await flow.runtime.alerts!.idle();
    const raised = r.bodies.map((b) => `${b.condition}:${b.event}`);
    assert.deepEqual(raised.sort(), ["ticks_failing:raised", "token_unavailable:raised"]);
    const failing = r.bodies.find((b) => b.condition === "ticks_failing") as { details: Record<string, unknown> };
    assert.equal(failing.details.consecutiveFailures, 2);
    assert.deepEqual(flow.runtime.alerts!.status().active, ["ticks_failing", "token_unavailable"]);

    // A good tick 16 minutes later clears both (past the throttle window).
    flow.clock.advance(16 * 60_000);
    const ok = await runTick(flow);
    assert.equal(ok.error, undefined, JSON.stringify(ok.error));
    await flow.runtime.alerts!.idle();
    const cleared = r.bodies.slice(2).map((b) => `${b.condition}:${b.event}`).sort();
    assert.deepEqual(cleared, ["ticks_failing:cleared", "token_unavailable:cleared"]);
    assert.deepEqual(flow.runtime.alerts!.status().active, []);
    assert.ok(!JSON.stringify(r.bodies).includes("sim-secret"));
  } finally {
    await flow.cleanup();
    await r.close();
  }
});

dbTest("a stale queue is alerted and cleared; a webhook that hangs never holds the tick", async (db) => {
  const r = receiver();
  let now = new Date("2026-01-05T10:00:00Z");
  const alerter = createAlerter({ url: r.url, now: () => now, logger: createMemoryLogger("error"), timeoutMs: 20_000 });
  const watch = createAlertWatch({
    alerter,
    db,
    now: () => now,
    logger: createMemoryLogger("error"),
    failedTicks: 3,
    periodMs: () => 60_000,
    tokenFailure: () => undefined,
  });
  try {
    const row = await insertMessage(db, { status: "PENDING", dataTentativaExec: new Date(now.getTime() - 181_000) });
    r.hold();
    watch.onTick(emptySummary("cron", now)); // returns at once although the receiver answers nothing yet
    while (r.bodies.length === 0) await new Promise((res) => setTimeout(res, 5));
    assert.equal(alerter.status().lastSent, undefined, "still in flight: the tick did not wait for it");
    r.release();
    await watch.idle();
    assert.equal(r.bodies[0].condition, "queue_stale");
    assert.deepEqual(r.bodies[0].details, { waitingSeconds: 181, limitSeconds: 180 });
    assert.equal(r.bodies[0].severity, "warning");

    // The dashboard shows the last alert sent.
    const f = fakeDeps(db);
    f.deps.alerts = () => watch.status();
    const html = await (await createApp(f.deps).request("/", { headers: basic() })).text();
    assert.match(html, /id="alerts"/);
    assert.ok(html.includes("queue_stale"));
    assert.ok(html.includes("The oldest due message has waited 181 s"));
    assert.ok(!html.includes(SECRET_PATH), "never the webhook's path");

    await db.orm.delete((await import("../src/db/schema.ts")).message);
    now = new Date(now.getTime() + 16 * 60_000);
    watch.onTick(emptySummary("cron", now));
    await watch.idle();
    assert.equal(r.bodies[1].condition, "queue_stale");
    assert.equal(r.bodies[1].event, "cleared");
    assert.equal(row.status, "PENDING");
  } finally {
    r.release();
    await r.close();
  }
});

Deno.test("loadConfig() reads SMARTLINK_ALERT_WEBHOOK or its _FILE and never echoes a bad value", async () => {
  const { loadConfig } = await import("../src/config.ts");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/hook`, `https://hooks.example.test${SECRET_PATH}\n`);
    const fromFile = loadConfig({ SMARTLINK_ALERT_WEBHOOK_FILE: `${dir}/hook` });
    assert.equal(fromFile.alertWebhook, `https://hooks.example.test${SECRET_PATH}`);
    assert.equal(fromFile.alertFailedTicks, 3);
    assert.throws(
      () => loadConfig({ SMARTLINK_ALERT_WEBHOOK: "hooks.example.test/s3cr3t-webhook-key" }),
      (err: Error) => /Invalid SMARTLINK_ALERT_WEBHOOK: expected an http\(s\) URL$/.test(err.message),
    );
    assert.throws(() => loadConfig({ SMARTLINK_ALERT_FAILED_TICKS: "0" }), /SMARTLINK_ALERT_FAILED_TICKS/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createAlerter() passes bodies and errors through the redactor", async () => {
  const r = receiver();
  try {
    const alerter = createAlerter({
      url: r.url,
      now: () => new Date(),
      logger: createMemoryLogger("error"),
      retries: 0,
      tenantId: () => "tenant-with-secret-part",
      redact: (text) => text.replaceAll("secret-part", "[redacted]"),
    });
    r.failNext([500]);
    alerter.notify({ condition: "token_unavailable", event: "raised", details: { errorCode: "RAC_HTTP" } });
    await alerter.idle();
    assert.equal((r.bodies[0] as { tenantId: string }).tenantId, "tenant-with-[redacted]");
    assert.ok(!JSON.stringify(r.bodies).includes("secret-part"));
  } finally {
    await r.close();
  }
});
