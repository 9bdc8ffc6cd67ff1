/**
 * Hardening of the http handlers (issue 9, findings 8 and 10): a message
 * value that cannot be sent in a header as it is gets encoded, never a failed
 * attempt; a configured header that needs an unset variable (or cannot be
 * sent) stops start-up and fails `doctor`, naming handler, header, variable.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { doctorCommand } from "../src/cli/doctor.ts";
import { startService } from "../src/cli/serve.ts";
import { loadConfig } from "../src/config.ts";
import { decodeHeaderValue, encodeHeaderValue } from "../src/handlers/header_value.ts";
import { HandlersConfigError, loadHandlers } from "../src/handlers/registry.ts";
import { createMemoryLogger } from "../src/log.ts";
import { dbTest } from "./helpers/db.ts";
import { createFlow, ERP, runTick } from "./helpers/flow.ts";

Deno.test("encodeHeaderValue() keeps printable ASCII and encodes the rest so it decodes back", () => {
  const table: [string, string][] = [
    ["abc-123", "abc-123"],
    ["\u202Eabc", "UTF-8''%E2%80%AEabc"],
    ["a\r\nX-Evil: 1", "UTF-8''a%0D%0AX-Evil%3A%201"],
    ["café", "UTF-8''caf%C3%A9"],
    [" lead", "UTF-8''%20lead"],
    ["UTF-8''x", "UTF-8''UTF-8%27%27x"],
    ["a\u0000b", "UTF-8''a%00b"],
  ];
  for (const [raw, sent] of table) {
    const encoded = encodeHeaderValue(raw);
    assert.equal(encoded, sent, JSON.stringify(raw));
    assert.doesNotThrow(() => new Headers({ "X-Test": encoded }), JSON.stringify(raw));
    assert.equal(decodeHeaderValue(encoded), raw);
  }
  assert.equal(decodeHeaderValue(encodeHeaderValue("lone \ud800")), "lone \ufffd");
});

dbTest(
  "a correlation id or type outside printable ASCII reaches the handler encoded, on the first attempt",
  async (db) => {
    const type = "Ação\u202ECommand";
    const handlers = { [type]: { kind: "http", url: `${ERP}/sgdp/mask` } };
    const flow = await createFlow(db, { handlers });
    try {
      const ids = ["\u202Eabc", "a\r\nb", "é", "中文", "x".repeat(150)];
      flow.sim.enqueue(ids.map((correlationId, i) => ({ id: `h-${i}`, type, correlationId, data: { n: i } })));
      const s = await runTick(flow);
      assert.equal(s.error, undefined, JSON.stringify(s.error));
      assert.equal(s.succeeded, ids.length, "every one succeeded on its first attempt");
      const got = flow.erp.calls.map((c) => decodeHeaderValue(c.headers["x-smartlink-correlation-id"])).sort();
      assert.deepEqual(got, [...ids].sort());
      assert.ok(flow.erp.calls.every((c) => decodeHeaderValue(c.headers["x-smartlink-type"]) === type));
      const [{ n }] = await db.rows<{ n: number }>(sql`select count(*)::int as n from gtotvslinkmessage`);
      assert.equal(Number(n), 0, "nothing left DEAD");
    } finally {
      await flow.cleanup();
    }
  },
);

Deno.test("start-up and doctor refuse a handler header that needs an unset variable or cannot be sent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smartlink-hdr-" });
  try {
    const path = `${dir}/handlers.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        SGDPDataCommand: {
          kind: "http",
          url: "http://127.0.0.1:9/x",
          headers: { Authorization: "Bearer ${ERP_TOKEN}", "X-Tenant": "${TENANT_NAME}" },
        },
      }),
    );
    const env: Record<string, string> = {
      SMARTLINK_HANDLERS: path,
      SMARTLINK_DATA_DIR: `${dir}/data`,
      PORT: "0",
      TENANT_NAME: "Filial São Paulo",
    };
    const get = (n: string) => env[n];
    const err = await loadHandlers(path, { env: get, defaultTimeoutMs: 1000 }).then(() => undefined, (e) => e);
    assert.ok(err instanceof HandlersConfigError);
    assert.match(
      err.message,
      /handler "SGDPDataCommand" header "Authorization" needs environment variable "ERP_TOKEN"/,
    );
    assert.match(err.message, /header "X-Tenant" \(with "TENANT_NAME"\) has a value that cannot be sent/);
    assert.ok(!err.message.includes("São Paulo"), "the value is never shown");

    await assert.rejects(
      startService({ config: loadConfig(env), logger: createMemoryLogger(), env: get, cron: false }),
      /needs environment variable "ERP_TOKEN"/,
    );
    const printed: string[] = [];
    const code = await doctorCommand({
      config: loadConfig(env),
      logger: createMemoryLogger(),
      env: get,
      print: (l) => printed.push(l),
    });
    assert.notEqual(code, 0);
    assert.ok(printed.some((l) => /^FAIL\s+handlers: .*"ERP_TOKEN"/.test(l)), printed.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
