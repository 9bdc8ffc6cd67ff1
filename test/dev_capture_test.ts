/**
 * A capture of a real `deno task dev` run (simulator, ERP stand-in and client
 * as one process) holds every kind of exchange and no secret: not the client
 * secret, no RAC token, not the handler header value.
 */
import assert from "node:assert/strict";

const SECRET = "sim-secret";
const ERP_TOKEN = `dev-erp-${crypto.randomUUID()}`;
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./;

function port(): number {
  return 20_000 + Math.floor(Math.random() * 40_000);
}

Deno.test({
  name: "a capture of a deno task dev run contains every operation and no secret, token or handler header value",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "smartlink-dev-capture-" });
    const capture = `${dir}/capture.jsonl`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../src/dev.ts", import.meta.url).pathname],
      env: {
        SIM_PORT: String(port()),
        ERP_PORT: String(port()),
        PORT: String(port()),
        HOST: "127.0.0.1",
        SMARTLINK_DATA_DIR: `${dir}/data`,
        SMARTLINK_CAPTURE: capture,
        DEV_TICK_EVERY_S: "1",
        SIM_GENERATE_EVERY_S: "1",
        DEV_ERP_FAIL_EVERY_S: "0",
        DEV_ERP_TOKEN: ERP_TOKEN,
        SMARTLINK_LOG_LEVEL: "warn",
      },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let errText = "";
    const reading = (async () => {
      for (;;) {
        const { value, done } = await stderr.read();
        if (done) return;
        errText += value;
      }
    })();
    try {
      const deadline = Date.now() + 90_000;
      const needed = ["token", "setup", "get", "ack", "send"];
      let ops = new Set<string>();
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        const text = await Deno.readTextFile(capture).catch(() => "");
        ops = new Set(text.trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l).op));
        if (needed.every((op) => ops.has(op))) break;
      }
      assert.deepEqual(needed.filter((op) => !ops.has(op)), [], `every operation captured; stderr: ${errText}`);
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await reading;
    }
    const text = await Deno.readTextFile(capture);
    for (const secret of [SECRET, ERP_TOKEN]) {
      for (const form of [secret, encodeURIComponent(secret), btoa(secret)]) {
        assert.ok(!text.includes(form), `the capture holds ${JSON.stringify(form)}`);
      }
    }
    assert.ok(!JWT.test(text), "the capture holds a RAC token");
    assert.ok(!/"authorization"/i.test(text), "the capture holds an Authorization header");
    await Deno.remove(dir, { recursive: true });
  },
});
