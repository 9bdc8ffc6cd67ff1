/**
 * `/metrics` beyond the snapshot gauges: counters and histograms fed by tick
 * summaries and handler attempts, rendered as valid Prometheus text.
 */
import assert from "node:assert/strict";
import { instrumentHandlers } from "../src/handlers/instrument.ts";
import { FatalHandlerError, type Handler, RetryableHandlerError } from "../src/handlers/types.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createSyncMetrics } from "../src/sync/metrics.ts";
import { emptySummary } from "../src/sync/summary.ts";
import { Counter, Histogram } from "../src/telemetry/prometheus.ts";
import { runtimeAppDeps } from "../src/runtime.ts";
import { createApp } from "../src/web/app.tsx";
import { sampleMetrics } from "../scripts/metrics_sample.ts";
import { dbTest } from "./helpers/db.ts";
import { createFlow, runTick } from "./helpers/flow.ts";

Deno.test("Histogram.render() writes cumulative buckets, +Inf, _sum and _count per label set", () => {
  const h = new Histogram("x_seconds", "Help.", ["type"], [0.1, 1]);
  h.observe({ type: "a" }, 0.05);
  h.observe({ type: "a" }, 0.5);
  h.observe({ type: "a" }, 5);
  h.observe({ type: 'b"\\' }, 1);
  assert.equal(
    h.render(),
    [
      "# HELP x_seconds Help.",
      "# TYPE x_seconds histogram",
      'x_seconds_bucket{type="a",le="0.1"} 1',
      'x_seconds_bucket{type="a",le="1"} 2',
      'x_seconds_bucket{type="a",le="+Inf"} 3',
      'x_seconds_sum{type="a"} 5.55',
      'x_seconds_count{type="a"} 3',
      'x_seconds_bucket{type="b\\"\\\\",le="0.1"} 0',
      'x_seconds_bucket{type="b\\"\\\\",le="1"} 1',
      'x_seconds_bucket{type="b\\"\\\\",le="+Inf"} 1',
      'x_seconds_sum{type="b\\"\\\\"} 1',
      'x_seconds_count{type="b\\"\\\\"} 1',
    ].join("\n"),
  );
});

Deno.test("Counter shows its preset label sets at 0 and adds by label set", () => {
  const c = new Counter("y_total", "Help.", ["outcome"], [{ outcome: "ok" }, { outcome: "error" }]);
  c.inc({ outcome: "error" }, 2);
  c.inc({ outcome: "error" });
  assert.equal(
    c.render(),
    '# HELP y_total Help.\n# TYPE y_total counter\ny_total{outcome="ok"} 0\ny_total{outcome="error"} 3',
  );
});

Deno.test("createSyncMetrics().observeTick() counts sends and acks by outcome and times the tick", () => {
  const m = createSyncMetrics();
  const s = { ...emptySummary("test", new Date()), durationMs: 1500, sent: 4, sendRejected: 1, acked: 7, ackFailed: 2 };
  m.observeTick(s);
  m.observeTick({ ...s, error: { phase: "upstream", code: "SL_HTTP_5XX", message: "down" } });
  assert.equal(m.sends.get({ outcome: "sent" }), 8);
  assert.equal(m.sends.get({ outcome: "rejected" }), 2);
  assert.equal(m.acks.get({ outcome: "acked" }), 14);
  assert.equal(m.acks.get({ outcome: "failed" }), 4);
  assert.equal(m.tickDuration.count({ outcome: "ok" }), 1);
  assert.equal(m.tickDuration.count({ outcome: "error" }), 1);
  assert.match(m.render(), /^smartlink_tick_duration_seconds_bucket\{outcome="ok",le="2.5"\} 1$/m);
  assert.match(m.render(), /^smartlink_tick_duration_seconds_bucket\{outcome="ok",le="1"\} 0$/m);
});

Deno.test("instrumentHandlers() times each attempt by type and result and passes results and errors through", async () => {
  const seen: [string, string, number][] = [];
  let t = 0;
  const fatal = new FatalHandlerError("HTTP_400", "bad request");
  const handlers = new Map<string, Handler>([
    ["Ok", () => (t += 250, Promise.resolve({ info: ["fine"] }))],
    ["Retry", () => (t += 1000, Promise.reject(new RetryableHandlerError("HTTP_503", "busy")))],
    ["Fatal", () => Promise.reject(fatal)],
  ]);
  const wrapped = instrumentHandlers(handlers, (type, result, s) => seen.push([type, result, s]), () => t);
  const ctx = { attempt: 1, signal: new AbortController().signal, now: () => new Date(), logger: createMemoryLogger() };
  const msg = (type: string) => ({ id: "m", type, content: "{}" });
  assert.deepEqual(await wrapped.get("Ok")!(msg("Ok"), ctx), { info: ["fine"] });
  await assert.rejects(wrapped.get("Retry")!(msg("Retry"), ctx), RetryableHandlerError);
  await assert.rejects(wrapped.get("Fatal")!(msg("Fatal"), ctx), (err) => err === fatal);
  const timedOut = new AbortController();
  timedOut.abort(new DOMException("late", "TimeoutError"));
  await assert.rejects(wrapped.get("Retry")!(msg("Retry"), { ...ctx, signal: timedOut.signal }));
  assert.deepEqual(seen, [["Ok", "success", 0.25], ["Retry", "retry", 1], ["Fatal", "fatal", 0], [
    "Retry",
    "timeout",
    1,
  ]]);
});

dbTest("GET /metrics of a running client counts its ticks, acks, sends and handler attempts", async (db) => {
  const flow = await createFlow(db);
  try {
    flow.sim.generate("SGDPMaskCommand", 3);
    flow.erp.failNext(1, 503, "busy");
    await runTick(flow);
    const app = createApp(runtimeAppDeps(flow.runtime, () => undefined));
    const text = await (await app.request("/metrics", {}, { remoteAddr: { hostname: "127.0.0.1" } })).text();
    assert.match(text, /^smartlink_ticks_total\{outcome="ok"\} 1$/m);
    assert.match(text, /^smartlink_acks_total\{outcome="acked"\} 3$/m);
    assert.match(text, /^smartlink_sends_total\{outcome="sent"\} 2$/m, "two replies sent");
    assert.match(text, /^smartlink_handler_duration_seconds_count\{type="SGDPMaskCommand",result="success"\} 2$/m);
    assert.match(text, /^smartlink_handler_duration_seconds_count\{type="SGDPMaskCommand",result="retry"\} 1$/m);
    assert.match(text, /^smartlink_tick_duration_seconds_count\{outcome="ok"\} 1$/m);
    assert.match(text, /^smartlink_token_expiry_seconds \d+$/m);
  } finally {
    await flow.cleanup();
  }
});

/** Whether promtool runs here; `output()` throws at once (not a rejected promise) when the binary is missing. */
async function promtoolRuns(): Promise<boolean> {
  try {
    return (await new Deno.Command("promtool", { args: ["--version"], stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}
const hasPromtool = await promtoolRuns();

Deno.test({
  name: "GET /metrics of a live server passes promtool check metrics (every message outcome)",
  ignore: !hasPromtool && Deno.env.get("CI") !== "true",
  fn: async () => {
    const text = await sampleMetrics();
    const child = new Deno.Command("promtool", { args: ["check", "metrics"], stdin: "piped", stderr: "piped" })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
    const out = await child.output();
    assert.equal(out.code, 0, `promtool rejected /metrics: ${new TextDecoder().decode(out.stderr)}`);
    for (const status of ["PENDING", "RETRY", "DEAD"]) assert.match(text, new RegExp(`status="${status}"\\} [1-9]`));
  },
});
