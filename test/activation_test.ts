/**
 * Activation without a restart: credentials stored encrypted in
 * smartlink_setting are picked up by the tick that follows, by this process
 * and by another one on the same database; deactivation stops syncing and
 * keeps every message; the secret never lands in clear in a table or a log.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { rotateKey } from "../src/activation/rotate_key.ts";
import { readStoredCredentials } from "../src/db/credentials_store.ts";
import { importSecretKey, parseSecretKey } from "../src/secrets/secret_key.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { everything, KEY_A, KEY_B, pageFlow, SECRET, simInput } from "./helpers/activation.ts";
import { dbTest } from "./helpers/db.ts";
import { createFlow, runTick } from "./helpers/flow.ts";

const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";
const actor = { via: "admin" as const, address: "127.0.0.1" };
import { insertMessage } from "./helpers/web_deps.ts";

dbTest(
  "activate() stores the secret encrypted and the next tick syncs; deactivate() stops it, messages stay",
  async (db) => {
    const flow = await pageFlow(db);
    try {
      assert.deepEqual(await flow.runtime.runner.run("test"), { ran: false, reason: "not_activated" });
      assert.equal(flow.runtime.activation().activated, false);
      const dead = await insertMessage(db, { status: "DEAD", ultimoErro: "kept" });

      const result = await flow.runtime.activationControl.activate(simInput(), actor);
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.test.tenantId, TENANT);
      assert.ok(result.test.setup.ok);
      const stored = await readStoredCredentials(db);
      assert.equal(stored?.value.clientId, "sim-client");
      assert.equal(stored?.value.keyId, result.keyId);
      const view = flow.runtime.activationControl.view();
      assert.deepEqual([view.source, view.clientId, view.secretEnding, view.keyId], [
        "stored",
        "sim-client",
        "7Q",
        result.keyId,
      ]);

      flow.sim.enqueue(generateCommand("SGDPMaskCommand", 1, TENANT, flow.clock.now()));
      const s = await runTick(flow);
      assert.equal(s.error, undefined, JSON.stringify(s.error));
      assert.deepEqual([s.stored, s.succeeded, s.sent], [1, 1, 1]);
      assert.equal(flow.runtime.activation().source, "stored");
      assert.equal(flow.runtime.activation().tenantId, TENANT);

      assert.equal(await flow.runtime.activationControl.deactivate(actor), true);
      assert.equal(await readStoredCredentials(db), undefined);
      assert.deepEqual(await flow.runtime.runner.run("test"), { ran: false, reason: "not_activated" });
      const [kept] = await db.rows<{ status: string }>(sql`select status from gtotvslinkmessage where id = ${dead.id}`);
      assert.equal(kept.status, "DEAD", "deactivation keeps every stored message");
      assert.equal(await flow.runtime.activationControl.deactivate(actor), false, "nothing left to remove");

      const actions = await db.rows<{ d: string }>(
        sql`select datadebug as d from gtotvslinklog where idmensagem is null and datadebug like '%"action"%'`,
      );
      const logged = actions.map((a) => JSON.parse(a.d)).filter((d) => d.action);
      assert.deepEqual(logged.map((d) => d.action), ["activate", "deactivate"]);
      assert.equal(logged[0].clientId, "sim-client");
      assert.equal(logged[0].client, "127.0.0.1");
      assert.ok(!(await everything(db, [flow])).includes(SECRET), "the secret is in no table and no log line");
    } finally {
      await flow.cleanup();
    }
  },
);

dbTest(
  "the other process of a pair on the same database sees an activation and a deactivation at its next tick",
  async (db) => {
    const a = await pageFlow(db, KEY_A, { executor: "a" });
    const b = await pageFlow(db, KEY_A, { executor: "b", sim: a.sim });
    try {
      assert.deepEqual(await b.runtime.runner.run("cron"), { ran: false, reason: "not_activated" });
      assert.ok((await a.runtime.activationControl.activate(simInput(), actor)).ok);
      a.sim.enqueue(generateCommand("SGDPDataCommand", 1, TENANT, a.clock.now()));
      const s = await runTick(b);
      assert.deepEqual([s.error, s.stored, s.succeeded], [undefined, 1, 1]);
      assert.equal(b.runtime.activation().tenantId, TENANT);
      assert.ok(await a.runtime.activationControl.deactivate(actor));
      assert.deepEqual(await b.runtime.runner.run("cron"), { ran: false, reason: "not_activated" });
      assert.ok(!(await everything(db, [a, b])).includes(SECRET));
    } finally {
      await b.cleanup();
      await a.cleanup();
    }
  },
);

dbTest("a wrong secret: test() shows RAC's answer and what to check; activate() stores nothing", async (db) => {
  const flow = await pageFlow(db);
  try {
    const wrong = simInput("Wrong-Secret-Typed-99");
    const t = await flow.runtime.activationControl.test(wrong, actor);
    assert.equal(t.ok, false);
    assert.ok(!t.ok);
    assert.equal(t.status, 401);
    assert.match(t.message, /HTTP 401 from "http:\/\/sim\.test\/totvs\.rac\/connect\/token": invalid_client/);
    assert.match(t.check, /check the client id and the client secret/);
    const r = await flow.runtime.activationControl.activate(wrong, actor);
    assert.ok(!r.ok && r.code === "TEST_FAILED");
    assert.match(r.message, /^Nothing was stored: /);
    assert.equal(await readStoredCredentials(db), undefined);
    assert.equal(flow.runtime.activation().activated, false);
    const all = await everything(db, [flow]);
    assert.ok(!all.includes("Wrong-Secret-Typed-99") && !all.includes(SECRET));
  } finally {
    await flow.cleanup();
  }
});

dbTest("without SMARTLINK_SECRET_KEY nothing is stored, and stored credentials explain what to set", async (db) => {
  const keyed = await pageFlow(db);
  const keyless = await pageFlow(db, null, { sim: keyed.sim });
  try {
    const refused = await keyless.runtime.activationControl.activate(simInput(), actor);
    assert.ok(!refused.ok && refused.code === "NO_SECRET_KEY");
    assert.match(refused.message, /SMARTLINK_SECRET_KEY \(or SMARTLINK_SECRET_KEY_FILE\) is not set/);
    assert.equal(await readStoredCredentials(db), undefined);

    assert.ok((await keyed.runtime.activationControl.activate(simInput(), actor)).ok);
    assert.deepEqual(await keyless.runtime.runner.run("cron"), { ran: false, reason: "not_activated" });
    const a = keyless.runtime.activation();
    assert.match(a.credentialsProblem ?? "", /stored encrypted, but SMARTLINK_SECRET_KEY is not set/);
    assert.equal(keyless.runtime.activationControl.view().secretEnding, undefined);
  } finally {
    await keyless.cleanup();
    await keyed.cleanup();
  }
});

dbTest("rotateKey() re-encrypts under the new key; a process with the old key keeps what it loaded", async (db) => {
  const old = await pageFlow(db, KEY_A);
  try {
    assert.ok((await old.runtime.activationControl.activate(simInput(), actor)).ok);
    const keys = {
      current: await importSecretKey(parseSecretKey(KEY_A)!),
      next: await importSecretKey(parseSecretKey(KEY_B)!),
    };
    const before = await readStoredCredentials(db);
    const r = await rotateKey(db, keys, { now: () => new Date(old.clock.now().getTime() + 1000), actor });
    assert.deepEqual(r, { ok: true, fromKeyId: keys.current.id, toKeyId: keys.next.id, clientId: "sim-client" });
    const after = await readStoredCredentials(db);
    assert.equal(after?.value.keyId, keys.next.id);
    assert.notEqual(after?.value.ciphertext, before?.value.ciphertext);
    assert.deepEqual(await rotateKey(db, { current: keys.next, next: keys.next }, { now: old.clock.now, actor }), {
      ok: false,
      code: "SAME_KEY",
      message: `The new key is the current key (id "${keys.next.id}")`,
    });

    // The running process with the old key keeps syncing and says why it should be restarted.
    old.sim.enqueue(generateCommand("SGDPMaskCommand", 1, TENANT, old.clock.now()));
    const s = await runTick(old);
    assert.deepEqual([s.error, s.succeeded], [undefined, 1]);
    assert.match(old.runtime.activation().credentialsProblem ?? "", /key id "k1-.*keeps the credentials it loaded/);

    const restarted = await pageFlow(db, KEY_B, { sim: old.sim });
    try {
      assert.equal(restarted.runtime.activation().activated, true);
      assert.equal(restarted.runtime.activation().credentialsProblem, undefined);
    } finally {
      await restarted.cleanup();
    }
    const stale = await pageFlow(db, KEY_A, { sim: old.sim });
    try {
      assert.equal(stale.runtime.activation().activated, false);
      assert.match(stale.runtime.activation().credentialsProblem ?? "", /set the key it was stored with/);
    } finally {
      await stale.cleanup();
    }
  } finally {
    await old.cleanup();
  }
});

dbTest("environment credentials win over stored ones, and the view says both", async (db) => {
  const stored = await pageFlow(db);
  const fromEnv = await createFlow(db, { sim: stored.sim, clientSecret: SECRET, env: { SMARTLINK_SECRET_KEY: KEY_A } });
  try {
    assert.ok((await stored.runtime.activationControl.activate(simInput(), actor)).ok);
    await fromEnv.runtime.refreshCredentials();
    const v = fromEnv.runtime.activationControl.view();
    assert.equal(v.source, "env");
    assert.equal(v.secretEnding, undefined, "nothing of an environment secret is shown");
    assert.equal(v.storedOverridden?.clientId, "sim-client");
    assert.equal(fromEnv.runtime.activation().source, "env");
  } finally {
    await fromEnv.cleanup();
    await stored.cleanup();
  }
});

dbTest("a damaged credentials row is reported, never crashes a tick", async (db) => {
  const flow = await pageFlow(db);
  try {
    await db.orm.execute(sql`insert into smartlink_setting (key, value) values ('credentials', '{"v":1}')`);
    assert.deepEqual(await flow.runtime.runner.run("cron"), { ran: false, reason: "not_activated" });
    assert.match(
      flow.runtime.activation().credentialsProblem ?? "",
      /Setting "credentials" is invalid \(bad or missing clientId.*\): deactivate and activate again/,
    );
  } finally {
    await flow.cleanup();
  }
});
