/**
 * OpenTelemetry through Deno's built-in exporter: a real `sync` process with
 * `OTEL_DENO=true` exports its tick to an OTLP/HTTP (JSON) receiver this test
 * starts on loopback. One `smartlink.tick` span, a child per phase with the
 * summary's counts, a `smartlink.handler` span per attempt (never content),
 * Deno's own `fetch` spans inside the tick, and log lines carrying the ids.
 */
import assert from "node:assert/strict";
import { createSimulator } from "../src/simulator/app.ts";
import { createFakeErp } from "../src/simulator/erp.ts";

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  status?: { code?: number };
}

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  return v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue ?? v.doubleValue);
};

Deno.test({
  name:
    "OTEL_DENO=true: a sync tick exports smartlink.tick, its phases, handler attempts and fetches; logs carry the ids",
  fn: async () => {
    const exports: { path: string; body: Record<string, unknown> }[] = [];
    const collector = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
      exports.push({ path: new URL(req.url).pathname, body: await req.json() });
      return Response.json({});
    });
    const sim = createSimulator();
    const erp = createFakeErp();
    const simServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, sim.app.fetch);
    const erpServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, erp.app.fetch);
    const dir = await Deno.makeTempDir({ prefix: "smartlink-otel-" });
    try {
      const simBase = `http://127.0.0.1:${simServer.addr.port}`;
      const erpBase = `http://127.0.0.1:${erpServer.addr.port}`;
      await Deno.writeTextFile(
        `${dir}/handlers.json`,
        JSON.stringify({
          SGDPMaskCommand: {
            kind: "http",
            url: `${erpBase}/sgdp/mask`,
            reply: { type: "SGDPMaskResponse", audience: "SGDP" },
          },
        }),
      );
      sim.generate("SGDPMaskCommand", 2);
      sim.enqueue([{ type: "SGDPMaskCommand", content: { secretMarker: "cpf-99911122233" } }]); // no id: a warning
      erp.failNext(1, 503, "busy");
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--config", "service/deno.json", "src/main.ts", "sync", "--json"],
        cwd: new URL("../", import.meta.url).pathname,
        clearEnv: true,
        env: {
          PATH: Deno.env.get("PATH") ?? "",
          SMARTLINK_LINK_URL: simBase,
          SMARTLINK_RAC_TOKEN_URL: `${simBase}/totvs.rac/connect/token`,
          SMARTLINK_CLIENT_ID: "sim-client",
          SMARTLINK_CLIENT_SECRET: "sim-secret",
          SMARTLINK_HANDLERS: `${dir}/handlers.json`,
          SMARTLINK_DATA_DIR: `${dir}/data`,
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.addr.port}`,
          OTEL_SERVICE_NAME: "smartlink-client-test",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      const summary = JSON.parse(new TextDecoder().decode(out.stdout));

      const spans: OtlpSpan[] = exports.filter((e) => e.path === "/v1/traces").flatMap((e) =>
        (e.body.resourceSpans as { scopeSpans: { spans: OtlpSpan[] }[] }[]).flatMap((rs) =>
          rs.scopeSpans.flatMap((ss) => ss.spans)
        )
      );
      const ticks = spans.filter((s) => s.name === "smartlink.tick");
      assert.equal(ticks.length, 1, `spans: ${spans.map((s) => s.name).join(", ")}`);
      const tick = ticks[0];
      assert.equal(attr(tick, "smartlink.tick.trigger"), "cli");
      assert.equal(attr(tick, "smartlink.tick.acked"), summary.acked);
      assert.equal(attr(tick, "smartlink.tick.executed"), 2);
      assert.equal(attr(tick, "smartlink.tick.succeeded"), 1);
      assert.equal(attr(tick, "smartlink.tick.retried"), 1);

      const inTick = spans.filter((s) => s.traceId === tick.traceId);
      const phase = (name: string) => inTick.filter((s) => s.name === `smartlink.tick.${name}`);
      for (const name of ["setup", "upstream", "downstream", "execute", "purge"]) {
        assert.ok(phase(name).length >= 1, `a smartlink.tick.${name} span`);
        for (const s of phase(name)) assert.equal(s.parentSpanId, tick.spanId, `${s.name} is a child of the tick`);
      }
      const [downstream] = phase("downstream");
      assert.equal(attr(downstream, "smartlink.tick.stored"), 2);
      assert.equal(attr(downstream, "smartlink.tick.skipped"), 1);
      const [execute] = phase("execute");
      assert.equal(attr(execute, "smartlink.tick.succeeded"), 1);

      const handlers = inTick.filter((s) => s.name === "smartlink.handler");
      assert.equal(handlers.length, 2);
      for (const h of handlers) {
        assert.equal(h.parentSpanId, execute.spanId, "handler spans sit under the execute phase");
        assert.equal(attr(h, "smartlink.message.type"), "SGDPMaskCommand");
        assert.equal(attr(h, "smartlink.message.attempt"), 1);
      }
      assert.deepEqual(handlers.map((h) => attr(h, "smartlink.handler.result")).sort(), ["retry", "success"]);

      // Deno's fetch instrumentation: client spans inside the tick, the ERP calls under the handler spans.
      const ids = new Set(handlers.map((h) => h.spanId));
      const clientSpans = inTick.filter((s) => s.kind === 3);
      assert.ok(clientSpans.length >= 4, "token, setup, get, ack and ERP calls are traced");
      assert.equal(clientSpans.filter((s) => ids.has(s.parentSpanId ?? "")).length, 2, "one ERP call per attempt");
      assert.ok(clientSpans.every((s) => s.parentSpanId), "every fetch span has a parent in the tick");

      const exported = JSON.stringify(spans);
      assert.ok(!exported.includes("cpf-99911122233") && !exported.includes("requestID"), "no content in spans");
      assert.ok(!exported.includes("sim-secret"), "no secret in spans");

      // The warning about the item without id was logged inside the downstream span.
      const warning = stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
        .find((l) => l.msg === "Downstream item without an id skipped");
      assert.ok(warning, stderr);
      assert.equal(warning.trace_id, tick.traceId);
      assert.equal(warning.span_id, downstream.spanId);
    } finally {
      await collector.shutdown();
      await simServer.shutdown();
      await erpServer.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
