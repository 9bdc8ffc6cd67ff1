/**
 * SMARTLINK_CAPTURE, `cli capture`, the Connection page and /api/connection:
 * every exchange with RAC and the Smart Link Server is recorded as one JSON
 * line, cleaned and redacted, and summarised per operation.
 */
import assert from "node:assert/strict";
import { readGetShape } from "../src/db/connection_store.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { createApp } from "../src/web/app.tsx";
import { captureCommand } from "../src/cli/capture.ts";
import { loadConfig } from "../src/config.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createSimulator } from "../src/simulator/app.ts";
import { describeGetAnswer } from "../src/capture/get_shape.ts";
import { dbTest } from "./helpers/db.ts";
import { createFlow, runTick, SIM } from "./helpers/flow.ts";
import { ADMIN_TOKEN, basic, fakeDeps } from "./helpers/web_deps.ts";

const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./;

function readLines(path: string): Record<string, unknown>[] {
  return Deno.readTextFileSync(path).trim().split("\n").map((l) => JSON.parse(l));
}

/** Every form a secret may be echoed in. */
function leaks(text: string, secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), btoa(secret)];
  return forms.filter((f) => text.includes(f));
}

Deno.test("describeGetAnswer() names the structure, never the values", () => {
  const cases: [number, string, string | undefined, string][] = [
    [204, "", undefined, "HTTP 204, no body (queue empty)"],
    [200, '[{"id":"1","type":"T","data":{"x":"secret"}}]', undefined, "array of 1; item keys data, id, type"],
    [
      200,
      '{"messages":[{"id":1},{"id":2},{"id":3}]}',
      undefined,
      "object; items at /messages: array of 3; item keys id",
    ],
    [200, '{"id":"1","type":"T"}', undefined, "object (one item); item keys id, type"],
    [
      200,
      '{"result":{"message":{"receipt":"r"}}}',
      "/result/message",
      "object; items at /result/message: one object; item keys receipt",
    ],
    [
      200,
      '{"result":{}}',
      "/result/message",
      "object; nothing at /result/message (queue empty, or get.items is wrong); top keys result",
    ],
    [200, "not json", undefined, "HTTP 200, not JSON (8 bytes)"],
  ];
  for (const [status, text, items, expected] of cases) assert.equal(describeGetAnswer(status, text, items), expected);
});

dbTest(
  "SMARTLINK_CAPTURE records every exchange as a redacted JSON line; the Connection report sums them",
  async (db) => {
    const dir = await Deno.makeTempDir({ prefix: "smartlink-capture-" });
    const capture = `${dir}/capture.jsonl`;
    const flow = await createFlow(db, { env: { SMARTLINK_CAPTURE: capture } });
    try {
      const cmd = generateCommand("SGDPMaskCommand", 1, TENANT, flow.clock.now());
      // A hostile server echoes the secret (raw and base64) in a message and in an error body.
      flow.sim.enqueue([cmd, { id: "echo-1", type: "Echo", data: { note: `sim-secret ${btoa("sim-secret")}` } }]);
      flow.sim.enqueue({ id: "big-1", type: "SGDPDataCommand", data: { blob: "x".repeat(100_000) } });
      flow.sim.fault({ op: "send", status: 503, count: 1, body: '{"message":"denied client_secret=sim-secret"}' });
      await runTick(flow);
      await runTick(flow);

      const lines = readLines(capture);
      const ops = new Set(lines.map((l) => l.op));
      for (const op of ["token", "setup", "get", "ack", "send"]) assert.ok(ops.has(op), `captured a ${op}`);
      const text = Deno.readTextFileSync(capture);
      assert.deepEqual(leaks(text, "sim-secret"), [], "the client secret never appears");
      assert.ok(!JWT.test(text), "no token appears");
      const headerNames = lines.flatMap((
        l,
      ) => [...Object.keys(l.requestHeaders as object), ...Object.keys(l.responseHeaders as object)]);
      assert.ok(
        !headerNames.some((h) => /^(authorization|cookie|set-cookie)$/i.test(h)),
        "no credential header is kept",
      );
      assert.ok(headerNames.some((h) => /^user-agent$/i.test(h)), "other headers are kept");
      const token = lines.find((l) => l.op === "token")!;
      assert.equal(token.method, "POST");
      assert.match(token.requestBody as string, /client_secret=\[redacted\]/);
      assert.match(token.responseBody as string, /"access_token":"\[redacted/);
      const get = lines.find((l) => l.op === "get" && (l.responseBody as string)?.includes("big-1"))!;
      assert.equal(get.truncated, true);
      assert.ok(new TextEncoder().encode(get.responseBody as string).length <= 64 * 1024);
      for (const l of lines) {
        assert.equal(typeof l.time, "string");
        assert.equal(typeof l.durationMs, "number");
        assert.match(l.url as string, /^http:\/\/sim\.test\//);
      }
      assert.ok(lines.some((l) => l.op === "send" && l.status === 503));

      const report = await flow.runtime.connection();
      const send = report.operations.find((o) => o.op === "send")!;
      assert.equal(send.byStatus["503"], 1);
      assert.ok(send.byStatus["202"] >= 1);
      assert.match(send.lastError!.text, /client_secret=\[redacted\]/);
      assert.equal(typeof send.p95Ms, "number");
      assert.ok(report.lastGetShape, "the last get shape is known");
      assert.match(report.lastGetShape!.shape, /^array of \d+/);
      const stored = await readGetShape(db);
      assert.ok(stored, "stored for doctor");
    } finally {
      await flow.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

dbTest("GET /connection and /api/connection show the per-operation figures and the get shape", async (db) => {
  const f = fakeDeps(db);
  f.deps.connection = () =>
    Promise.resolve({
      operations: [{
        op: "get",
        calls: 3,
        byStatus: { "200": 2, "503": 1 },
        p50Ms: 12,
        p95Ms: 40,
        lastAt: "2025-03-10T12:29:00.000Z",
        lastError: {
          time: "2025-03-10T12:28:00.000Z",
          method: "GET",
          url: "http://sim.test/api/v1/link/get",
          status: 503,
          text: "<b>busy</b>",
        },
      }],
      lastGetShape: { time: "2025-03-10T12:29:00.000Z", status: 200, shape: "object; items at /messages: array of 3" },
    });
  const app = createApp(f.deps);
  const api = await app.request("/api/connection", { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(api.status, 200);
  const body = await api.json();
  assert.equal(body.operations[0].byStatus["503"], 1);
  assert.equal(body.lastGetShape.shape, "object; items at /messages: array of 3");
  assert.equal((await app.request("/api/connection")).status, 401);
  const page = await app.request("/connection", { headers: basic() });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /object; items at \/messages: array of 3/);
  assert.match(html, /200×2 503×1/);
  assert.match(html, /&lt;b&gt;busy&lt;\/b&gt;/, "error bodies are escaped");
});

dbTest("cli capture --ticks N --out FILE runs N ticks, writes the capture and prints the get shape", async (db) => {
  const dir = await Deno.makeTempDir({ prefix: "smartlink-capture-cli-" });
  const sim = createSimulator({ issuer: `${SIM}/totvs.rac` });
  sim.generate("SGDPMaskCommand", 2);
  const handlers = `${dir}/handlers.json`;
  await Deno.writeTextFile(handlers, JSON.stringify({ SGDPMaskCommand: { kind: "noop" } }));
  const env = {
    SMARTLINK_LINK_URL: SIM,
    SMARTLINK_RAC_TOKEN_URL: `${SIM}/totvs.rac/connect/token`,
    SMARTLINK_CLIENT_ID: "sim-client",
    SMARTLINK_CLIENT_SECRET: "sim-secret",
    SMARTLINK_HANDLERS: handlers,
    SMARTLINK_DATA_DIR: dir,
  };
  const out: string[] = [];
  const options = {
    config: loadConfig(env),
    logger: createMemoryLogger(),
    env: (n: string) => env[n as keyof typeof env],
    print: (l: string) => out.push(l),
    fetch: sim.fetch,
  };
  try {
    assert.equal(await captureCommand({ ...options, args: ["--ticks", "x", "--out", `${dir}/c.jsonl`] }), 2);
    assert.match(out.pop()!, /Usage: .*got --ticks "x"/);
    assert.equal(await captureCommand({ ...options, args: ["--ticks", "2"] }), 2);
    assert.match(out.pop()!, /--out is missing/);
    const code = await captureCommand({ ...options, args: ["--ticks", "2", "--out", `${dir}/c.jsonl`] });
    assert.equal(code, 0, out.join("\n"));
    assert.equal(out.filter((l) => /^Tick \d\/2 ok/.test(l)).length, 2);
    assert.ok(out.some((l) => /get answer: array of 2; item keys data, id, type/.test(l)), out.join("\n"));
    const lines = readLines(`${dir}/c.jsonl`);
    assert.equal(lines.filter((l) => l.op === "ack").length, 2);
    assert.equal(sim.state.queue.length, 0);
    assert.deepEqual(leaks(Deno.readTextFileSync(`${dir}/c.jsonl`), "sim-secret"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  void db;
});

Deno.test("deno task cli capture is wired: without --out it prints the usage and exits 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smartlink-capture-main-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../src/main.ts", import.meta.url).pathname, "capture", "--ticks", "1"],
      env: { SMARTLINK_DATA_DIR: dir },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2, new TextDecoder().decode(out.stderr));
    assert.match(
      new TextDecoder().decode(out.stdout),
      /Usage: deno task cli capture --ticks N --out FILE.*--out is missing/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
