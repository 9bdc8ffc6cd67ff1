/**
 * Every example in `profiles/` loads, and drains a queue of the simulator
 * variant that speaks it: commands executed once, replies sent in the
 * server's shape, every item removed; a bad item is nacked where the profile
 * has a nack route and acked DEAD where it has none.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { loadConfig } from "../src/config.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import type { SimVariant } from "../src/simulator/variants.ts";
import { dbTest } from "./helpers/db.ts";
import { createFlow, runTick, TPD_HANDLERS } from "./helpers/flow.ts";

const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";
const PROFILES = new URL("../profiles/", import.meta.url);
const profilePath = (name: string) => new URL(`${name}.json`, PROFILES).pathname;

Deno.test("profiles/ holds the default profile and each example loads through SMARTLINK_PROFILE", () => {
  const names = [...Deno.readDirSync(PROFILES)].map((e) => e.name).sort();
  assert.deepEqual(names, ["default.json", "delivery-tag.json", "post-single.json"]);
  const fromFile = loadConfig({ SMARTLINK_PROFILE: profilePath("default") }).profile;
  assert.deepEqual(fromFile, loadConfig({}).profile, "profiles/default.json is the built-in default");
  assert.equal(loadConfig({ SMARTLINK_PROFILE: profilePath("delivery-tag") }).profile.nack?.method, "POST");
  assert.equal(loadConfig({ SMARTLINK_PROFILE: profilePath("post-single") }).profile.get.items, "/result/message");
});

const cases: { variant: SimVariant; nacks: boolean }[] = [
  { variant: "default", nacks: false },
  { variant: "delivery-tag", nacks: true },
  { variant: "post-single", nacks: false },
];

for (const { variant, nacks } of cases) {
  dbTest(`profiles/${variant}.json drains the "${variant}" simulator queue`, async (db) => {
    const handlers = {
      ...TPD_HANDLERS,
      SGDPDataCommand: { ...TPD_HANDLERS.SGDPDataCommand, errorReply: TPD_HANDLERS.SGDPDataCommand.reply },
      SGDPMaskCommand: { ...TPD_HANDLERS.SGDPMaskCommand, errorReply: TPD_HANDLERS.SGDPMaskCommand.reply },
    };
    const flow = await createFlow(db, { variant, handlers, env: { SMARTLINK_PROFILE: profilePath(variant) } });
    try {
      const commands = Array.from(
        { length: 7 },
        (_, i) => generateCommand(i % 2 ? "SGDPMaskCommand" : "SGDPDataCommand", i + 1, TENANT, flow.clock.now()),
      );
      flow.sim.enqueue(commands);
      flow.sim.enqueue({ id: "no-handler-1", type: "UnknownCommand", data: { x: 1 } });
      flow.sim.enqueue({ id: "bad-json-1", data: "not json {" });
      flow.erp.failNext(1, 400, "CPF inválido"); // one command fails for good: its error reply goes up instead
      for (let i = 0; i < 20 && flow.sim.state.queue.length > 0; i++) await runTick(flow);
      const last = await runTick(flow);
      assert.equal(last.error, undefined, JSON.stringify(last.error));

      assert.deepEqual(flow.sim.state.queue.map((e) => e.id), [], "the server queue is drained");
      assert.deepEqual(flow.sim.state.subscriptions.sort(), ["SGDPDataCommand", "SGDPLogsCommand", "SGDPMaskCommand"]);
      // Each command reached the ERP once and its reply went back in the TOTVS envelope.
      assert.equal(flow.erp.calls.length, commands.length);
      assert.deepEqual(
        flow.sim.state.sent.map((s) => JSON.parse(s.body).content.requestID).sort(),
        commands.map((c) => c.data.content.requestID).sort(),
      );
      for (const sent of flow.sim.state.sent) {
        assert.equal(sent.audience, "SGDP");
        assert.equal(JSON.parse(sent.body).header.type, sent.type);
      }
      const errors = flow.sim.state.sent.map((s) => JSON.parse(s.body).content.error).filter((e) => e);
      assert.deepEqual(errors.map((e) => e.code), ["HTTP_400"], "one error reply, in the variant's send shape");
      const ids = commands.map((c) => c.id);
      if (nacks) {
        assert.deepEqual(flow.sim.state.acked.sort(), ids.sort());
        const reasons = Object.fromEntries(flow.sim.state.nacked.map((n) => [n.id, n.reason]));
        assert.match(reasons["no-handler-1"], /^HANDLER_MISSING: No handler for type "UnknownCommand"/);
        assert.match(reasons["bad-json-1"], /^MSG_INVALID_JSON: /);
      } else {
        assert.deepEqual(flow.sim.state.acked.sort(), [...ids, "bad-json-1", "no-handler-1"].sort());
        assert.equal(flow.sim.state.nacked.length, 0);
      }
      const dead = await db.rows<{ idexterno: string; ultimoerro: string }>(
        sql`select idexterno, ultimoerro from gtotvslinkmessage where status = 'DEAD' order by idexterno`,
      );
      assert.deepEqual(dead.filter((d) => !d.ultimoerro.startsWith("HTTP_400")).map((d) => d.idexterno), [
        "bad-json-1",
        "no-handler-1",
      ]);
      assert.equal(dead.length, 3);
      const left = await db.rows(sql`select 1 from gtotvslinkmessage where status <> 'DEAD'`);
      assert.equal(left.length, 0, "nothing else is left to run or send");
    } finally {
      await flow.cleanup();
    }
  });
}

dbTest("a stale delivery tag is not accepted: the client acks with the tag of the delivery it stored", async (db) => {
  const flow = await createFlow(db, {
    variant: "delivery-tag",
    env: { SMARTLINK_PROFILE: profilePath("delivery-tag") },
  });
  try {
    const cmd = generateCommand("SGDPMaskCommand", 1, TENANT, flow.clock.now());
    flow.sim.enqueue(cmd);
    flow.sim.fault({ op: "ack", status: 503, count: 1 });
    const first = await runTick(flow);
    assert.equal(first.error?.phase, "downstream", "the ack failed: the message stays queued");
    assert.equal(flow.sim.state.queue.length, 1);
    const second = await runTick(flow);
    assert.equal(second.error, undefined, JSON.stringify(second.error));
    assert.equal(second.duplicates, 1, "the redelivery is recognised by its id, not its tag");
    assert.deepEqual(flow.sim.state.acked, [cmd.id]);
    assert.equal(flow.erp.calls.length, 1);
  } finally {
    await flow.cleanup();
  }
});
