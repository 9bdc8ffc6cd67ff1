/**
 * Hardening of the tick (issue 9, findings 1, 2, 12, 13): a value walking the
 * send URL, an undeliverable UP message, the tick record read back after a
 * restart, and downstream text the database refuses.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { createMemoryLogger } from "../src/log.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { createSmartLinkClient } from "../src/smartlink/client.ts";
import { SmartLinkError } from "../src/smartlink/errors.ts";
import { publishMessage } from "../src/sync/publish.ts";
import { tick } from "../src/sync/tick.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { FakeLink } from "./helpers/fake_link.ts";
import { createFlow, runTick } from "./helpers/flow.ts";
import { testTickDeps } from "./helpers/tick_deps.ts";
import { basic, fakeDeps } from "./helpers/web_deps.ts";

const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";
const NOOP_HANDLERS = { SGDPMaskCommand: { kind: "noop" } };

async function upRows(db: Parameters<typeof publishMessage>[0]) {
  return await db.rows<{ tipo: string; status: string; qtdetentativaexec: number; ultimoerro: string | null }>(
    sql`select tipo, status, qtdetentativaexec, ultimoerro from gtotvslinkmessage where direcao = 'UP' order by tipo`,
  );
}

dbTest("tick() counts a send answered 404 or 410 as a rejected attempt (RM formula, then DEAD)", async (db) => {
  const flow = await createFlow(db, { handlers: NOOP_HANDLERS });
  try {
    const deps = { now: flow.clock.now, tenantId: () => TENANT };
    await publishMessage(db, { type: "GoneA", audience: "SGDP", data: { n: 1 } }, deps);
    await publishMessage(db, { type: "GoneB", audience: "SGDP", data: { n: 2 } }, deps);
    flow.sim.fault({ op: "send", status: 404, count: 3 });
    flow.sim.fault({ op: "send", status: 410, count: 3 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      flow.sim.enqueue(generateCommand("SGDPMaskCommand", attempt, TENANT, flow.clock.now()));
      const s = await runTick(flow);
      assert.equal(s.error, undefined, `tick ${attempt}: ${JSON.stringify(s.error)}`);
      assert.equal(s.sendRejected, 2, `tick ${attempt}`);
      assert.deepEqual([s.downloaded, s.executed, s.succeeded], [1, 1, 1], `tick ${attempt}: commands still come down`);
      const rows = await upRows(db);
      assert.deepEqual(rows.map((r) => r.qtdetentativaexec), [attempt, attempt]);
      assert.deepEqual(rows.map((r) => r.status), attempt < 3 ? ["RETRY", "RETRY"] : ["DEAD", "DEAD"]);
      assert.match(rows[0].ultimoerro!, /^SL_(NOT_FOUND|REJECTED): .*HTTP 4(04|10)/);
      // RM formula: MinutesInterval 1 × Fator 1 × Qtde 3 × attempt minutes.
      delays.push(3 * attempt);
      flow.clock.advance(3 * attempt * 60_000);
    }
    assert.deepEqual(delays, [3, 6, 9]);
  } finally {
    await flow.cleanup();
  }
});

dbTest(
  "tick() keeps downloading and executing while sending fails, and sending while the download fails",
  async (db) => {
    const flow = await createFlow(db, { handlers: NOOP_HANDLERS });
    try {
      const deps = { now: flow.clock.now, tenantId: () => TENANT };
      await publishMessage(db, { type: "Reply", audience: "SGDP", data: { n: 1 } }, deps);
      flow.sim.enqueue(generateCommand("SGDPMaskCommand", 1, TENANT, flow.clock.now()));
      flow.sim.fault({ op: "send", status: 503, count: 1 });
      const down = await runTick(flow);
      assert.equal(down.error?.phase, "upstream");
      assert.deepEqual([down.downloaded, down.executed, down.sent], [1, 1, 0]);
      assert.equal((await upRows(db))[0].qtdetentativaexec, 0, "a transient failure burns no attempt");

      flow.sim.enqueue(generateCommand("SGDPMaskCommand", 2, TENANT, flow.clock.now()));
      flow.sim.fault({ op: "get", status: 503, count: 1 });
      const up = await runTick(flow);
      assert.equal(up.error?.phase, "downstream");
      assert.deepEqual([up.sent, up.downloaded], [1, 0]);
      const next = await runTick(flow);
      assert.equal(next.error, undefined);
      assert.equal(next.executed, 1);
    } finally {
      await flow.cleanup();
    }
  },
);

dbTest("Smart Link send never places '.', '..' or an empty value in a path segment; the rest is encoded", async () => {
  const urls: string[] = [];
  const client = createSmartLinkClient({
    baseUrl: "http://sim.test",
    fetch: (input) => {
      urls.push(new Request(input).url);
      return Promise.resolve(new Response(null, { status: 202 }));
    },
    tokens: { getToken: () => Promise.resolve("t"), invalidate: () => {} },
    timeoutMs: 1000,
    maxMessageBytes: 1000,
    logger: createMemoryLogger(),
  });
  for (const [type, audience] of [["..", "ack"], [".", "setup"], ["T", ""], ["T", ".."]]) {
    await assert.rejects(
      client.send(type, audience, "{}"),
      (err: unknown) => err instanceof SmartLinkError && err.code === "SL_BAD_PATH" && err.kind === "rejected",
      `${type}/${audience}`,
    );
  }
  assert.deepEqual(urls, [], "nothing was sent");
  await client.send("a/../b", "%2e%2e", "{}");
  await client.send("T?x#y", "a b", "{}");
  assert.deepEqual(urls, [
    "http://sim.test/api/v1/link/send/a%2F..%2Fb/%252e%252e",
    "http://sim.test/api/v1/link/send/T%3Fx%23y/a%20b",
  ]);
});

dbTest("tick() records an UP row whose type cannot be a path segment as a rejected attempt, never acks", async (db) => {
  const flow = await createFlow(db, { handlers: NOOP_HANDLERS });
  try {
    // A row written before publish validated types (the writer is the same insert).
    const { insertUpstream } = await import("../src/db/queue/outbox.ts");
    await insertUpstream(db.orm, { type: "..", audience: "ack", envelope: '{"id":"x"}' }, flow.clock.now());
    const s = await runTick(flow);
    assert.equal(s.error, undefined);
    assert.equal(s.sendRejected, 1);
    assert.deepEqual(flow.sim.state.acked, []);
    const [row] = await upRows(db);
    assert.match(row.ultimoerro!, /^SL_BAD_PATH: /);
  } finally {
    await flow.cleanup();
  }
});

dbTest("the dashboard and /healthz read back a failed tick after a restart (one tick-record writer)", async (db) => {
  const flow = await createFlow(db, { handlers: NOOP_HANDLERS });
  try {
    assert.equal((await runTick(flow)).error, undefined);
    flow.clock.advance(60_000);
    flow.sim.fault({ op: "get", status: 503, count: 1 });
    const failed = await runTick(flow);
    assert.equal(failed.error?.phase, "downstream");
  } finally {
    await flow.cleanup();
  }
  // A new process: nothing ticked here yet, so both read GTOTVSLINKLOG.
  const f = fakeDeps(db);
  f.state.last = undefined;
  const app = createApp(f.deps);
  const health = await (await app.request("/healthz")).json();
  assert.equal(health.status, "degraded");
  assert.equal(health.checks.lastTick.error.phase, "downstream");
  const html = await (await app.request("/", { headers: basic() })).text();
  assert.match(html, /downstream/);
  assert.match(html, /SL_HTTP_5XX|HTTP 503/);
});

dbTest("tick() stores and acks every item with an id, whatever text it carries", async (db, backend) => {
  const link = new FakeLink();
  const items = [
    '{"id":"s1","type":"T","data":"lone \\ud800 surrogate"}',
    '{"id":"s2","type":"T","data":{"a":"lone \\ud800 surrogate"}}',
    '{"id":"s3\\udfff","type":"T","data":{}}',
    '{"id":"s4","type":"T\\udc00","data":{}}',
    '{"id":"s5","type":"T","audience":"a\\udc00","correlationId":"c\\ud800","data":{}}',
    '{"id":"s6","type":"T","audience":"refused-by-db","data":{}}',
  ].map((t) => JSON.parse(t));
  link.enqueue(...items);
  const deps = testTickDeps(db, link, {});
  // A text the database refuses for a reason of its own (here a constraint): stored DEAD with a copy it accepts.
  await db.orm.execute(sql.raw(
    "alter table gtotvslinkmessage add constraint hardening_refuse_ck check (audiencia is distinct from 'refused-by-db')",
  ));
  try {
    const s = await tick(deps, "test");
    assert.equal(s.error, undefined, JSON.stringify(s.error));
    assert.equal(link.acked.length, items.length, `${backend}: every item acked`);
    assert.equal(link.queue.length, 0);
    const rows = await db.rows<{ idexterno: string; status: string; ultimoerro: string }>(
      sql`select idexterno, status, ultimoerro from gtotvslinkmessage order by idexterno`,
    );
    assert.equal(rows.length, items.length, "every item stored");
    const code = (id: string) => rows.find((r) => r.idexterno === id)?.ultimoerro?.split(":")[0];
    assert.equal(code("s1"), "MSG_BAD_TEXT");
    assert.equal(code("s2"), "HANDLER_MISSING", "an escaped surrogate in JSON is valid JSON text");
    assert.equal(code("s4"), "MSG_BAD_TYPE");
    assert.equal(code("s5"), "HANDLER_MISSING");
    assert.equal(code("s6"), "STORE_REFUSED");
    assert.ok(rows.some((r) => r.idexterno.startsWith("bad-id:") && r.ultimoerro.startsWith("MSG_BAD_ID")));
    assert.ok(rows.every((r) => r.status === "DEAD"));
  } finally {
    await db.orm.execute(sql.raw("alter table gtotvslinkmessage drop constraint hardening_refuse_ck"));
  }
});
