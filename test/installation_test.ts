/**
 * Installation identity: the first successful token records this database
 * for the tenant; the same tenant on a database whose identity differs (a
 * restored copy, a test base) does not setup, get or send until an operator
 * adopts it (`cli activate --confirm` or the dashboard form, logged).
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { activateConfirmCommand } from "../src/cli/activate_confirm.ts";
import { doctorCommand } from "../src/cli/doctor.ts";
import { loadConfig } from "../src/config.ts";
import type { Database } from "../src/db/client.ts";
import {
  type InstallationRecord,
  liveIdentity,
  readInstallation,
  sameIdentity,
  writeInstallation,
} from "../src/db/installation_store.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createRuntime } from "../src/runtime.ts";
import { createSimulator, DEFAULT_SIM_TENANT_ID } from "../src/simulator/app.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { createFlow, runTick, SIM } from "./helpers/flow.ts";
import { ADMIN_TOKEN, basic, CSRF, fakeDeps, formPost } from "./helpers/web_deps.ts";

/** The record a copy carries: the same tenant, the identity of the database it was copied from. */
async function recordElsewhere(db: Database): Promise<InstallationRecord> {
  const live = await liveIdentity(db);
  const identity = live.kind === "postgres"
    ? { ...live, systemIdentifier: "7000000000000000001", database: "erp_production" }
    : { ...live, id: crypto.randomUUID(), path: "/var/lib/smartlink-production" };
  const record: InstallationRecord = {
    v: 1,
    tenantId: DEFAULT_SIM_TENANT_ID,
    identity,
    recordedAt: "2026-01-01T00:00:00.000Z",
    recordedBy: "first token",
  };
  await writeInstallation(db, record, new Date());
  return record;
}

dbTest("the first token records the installation; the same database keeps syncing", async (db, backend) => {
  const flow = await createFlow(db);
  try {
    flow.sim.generate("SGDPMaskCommand", 2);
    const s = await runTick(flow);
    assert.equal(s.error, undefined, JSON.stringify(s.error));
    const record = await readInstallation(db);
    assert.equal(record?.tenantId, DEFAULT_SIM_TENANT_ID);
    assert.equal(record?.identity.kind, backend);
    assert.equal(record?.recordedBy, "first token");
    if (record?.identity.kind === "postgres") {
      assert.match(record.identity.systemIdentifier ?? "", /^\d+$/, "system_identifier of pg_control_system()");
      assert.equal(record.identity.database, (await db.rows<{ d: string }>(sql`select current_database() as d`))[0].d);
    }
    assert.ok(sameIdentity(record!.identity, await liveIdentity(db)));
    assert.equal(flow.runtime.installation?.state().status, "ok");
    assert.equal(flow.sim.state.queue.length, 0);
  } finally {
    await flow.cleanup();
  }
});

dbTest("a copy with the same tenant does not setup, get or send until the installation is confirmed", async (db) => {
  const flow = await createFlow(db);
  try {
    await recordElsewhere(db);
    const cmd = generateCommand("SGDPMaskCommand", 1, DEFAULT_SIM_TENANT_ID, flow.clock.now());
    flow.sim.enqueue(cmd);
    await flow.runtime.publish({ type: "SGDPDataResponse", audience: "SGDP", data: { requestID: "r-up" } });
    await flow.runtime.runner.idle(); // the flush after a publish: refused too
    const s = await runTick(flow);
    assert.equal(s.error?.code, "SL_INSTALLATION", JSON.stringify(s.error));
    assert.match(s.error!.message, /not the installation recorded for tenant/);
    assert.match(s.error!.message, /activate --confirm/);
    assert.deepEqual([flow.sim.state.gets, flow.sim.state.setups.length, flow.sim.state.sent.length], [0, 0, 0]);
    assert.equal(flow.sim.state.queue.length, 1, "production's message stays on the server");
    const up = await db.rows<{ status: string; qtdetentativaexec: number }>(
      sql`select status, qtdetentativaexec from gtotvslinkmessage where direcao = 'UP'`,
    );
    assert.deepEqual(up.map((r) => [r.status, r.qtdetentativaexec]), [["PENDING", 0]], "no attempt is burned");
    assert.equal(flow.runtime.installation?.state().status, "mismatch");

    // The operator adopts this database: the next tick syncs everything.
    await flow.runtime.installation.confirm("cli");
    flow.clock.advance(10_000);
    const after = await runTick(flow);
    assert.equal(after.error, undefined, JSON.stringify(after.error));
    assert.deepEqual(flow.sim.state.acked, [cmd.id]);
    assert.equal(flow.sim.state.sent.length, 2, "the published message and the reply");
    const record = await readInstallation(db);
    assert.equal(record?.recordedBy, "cli");
    assert.ok(sameIdentity(record!.identity, await liveIdentity(db)));
  } finally {
    await flow.cleanup();
  }
});

dbTest("credentials of another tenant on a database re-record the installation instead of pausing", async (db) => {
  const flow = await createFlow(db);
  try {
    const other = await recordElsewhere(db);
    await writeInstallation(db, { ...other, tenantId: "some-other-tenant" }, new Date());
    flow.sim.generate("SGDPDataCommand", 1);
    const s = await runTick(flow);
    assert.equal(s.error, undefined, JSON.stringify(s.error));
    assert.equal((await readInstallation(db))?.tenantId, DEFAULT_SIM_TENANT_ID);
  } finally {
    await flow.cleanup();
  }
});

dbTest(
  "a mismatch degrades /healthz, shows the dashboard banner, and the form adopts it with a log row",
  async (db) => {
    const f = fakeDeps(db);
    const live = await liveIdentity(db);
    let status: "ok" | "mismatch" = "mismatch";
    const actors: string[] = [];
    f.deps.installation = () => ({ status, tenantId: "t-1", live, message: "This database is not the installation" });
    f.deps.confirmInstallation = (actor) => {
      actors.push(actor);
      status = "ok";
      return Promise.resolve({ status, tenantId: "t-1", live });
    };
    const app = createApp(f.deps);
    const health = await (await app.request("/healthz")).json();
    assert.equal(health.status, "degraded");
    assert.equal(health.checks.installation, "mismatch");
    assert.ok(health.reasons.some((r: string) => /copy of the installation/.test(r)));
    const page = await (await app.request("/", { headers: basic() })).text();
    assert.match(page, /Sync paused: this database is a copy/);
    assert.match(page, /action="\/installation\/confirm"/);
    // Without the box ticked, or without the CSRF token, nothing changes.
    assert.equal((await app.request("/installation/confirm", formPost({}, CSRF))).status, 303);
    assert.deepEqual(actors, []);
    const forged = await app.request(
      "/installation/confirm",
      formPost({ confirm: "yes" }, CSRF, { Origin: "http://evil" }),
    );
    assert.equal(forged.status, 403);
    assert.deepEqual(actors, []);
    const ok = await app.request("/installation/confirm", formPost({ confirm: "yes" }, CSRF));
    assert.equal(ok.status, 303);
    assert.equal(actors.length, 1);
    assert.match(actors[0], /^admin /);
    const logs = await db.rows<{ datadebug: string }>(sql`select datadebug from gtotvslinklog`);
    assert.ok(logs.some((l) => JSON.parse(l.datadebug).action === "installation.confirm"));
    assert.equal((await (await app.request("/healthz")).json()).checks.installation, "ok");
    const api = await app.request("/api/installation/confirm", {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(api.status, 200);
    assert.equal((await api.json()).tenantId, "t-1");
  },
);

Deno.test("liveIdentity() of an embedded database: an id created with its data folder; a copied folder differs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smartlink-identity-" });
  try {
    const db = { kind: "pglite", dataDir: `${dir}/prod` } as unknown as Database;
    await Deno.mkdir(`${dir}/prod`);
    const first = await liveIdentity(db);
    assert.equal(first.kind, "pglite");
    assert.equal((await Deno.readTextFile(`${dir}/prod/installation-id`)).trim(), (first as { id: string }).id);
    assert.ok(sameIdentity(first, await liveIdentity(db)), "stable across opens");
    await Deno.mkdir(`${dir}/copy`);
    await Deno.copyFile(`${dir}/prod/installation-id`, `${dir}/copy/installation-id`);
    const copy = await liveIdentity({ kind: "pglite", dataDir: `${dir}/copy` } as unknown as Database);
    assert.ok(!sameIdentity(first, copy), "the same id in another folder is a copy");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli activate --confirm adopts a copied embedded database and logs it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "smartlink-activate-confirm-" });
  const sim = createSimulator({ issuer: `${SIM}/totvs.rac` });
  const env = {
    SMARTLINK_LINK_URL: SIM,
    SMARTLINK_RAC_TOKEN_URL: `${SIM}/totvs.rac/connect/token`,
    SMARTLINK_CLIENT_ID: "sim-client",
    SMARTLINK_CLIENT_SECRET: "sim-secret",
    SMARTLINK_DATA_DIR: dir,
  };
  const config = loadConfig(env);
  const logger = createMemoryLogger();
  const out: string[] = [];
  const o = {
    config,
    logger,
    env: (n: string) => env[n as keyof typeof env],
    args: ["--confirm"],
    print: (l: string) => out.push(l),
    fetch: sim.fetch,
  };
  try {
    const runtime = await createRuntime({ config, logger, env: o.env, fetch: sim.fetch });
    try {
      await recordElsewhere(runtime.db);
      const s = await runtime.runner.run("cli");
      assert.ok(s.ran && s.summary.error?.code === "SL_INSTALLATION");
    } finally {
      await runtime.close();
    }
    const doctorLines: string[] = [];
    const doctorCode = await doctorCommand({
      config,
      logger,
      env: o.env,
      fetch: sim.fetch,
      print: (l) => doctorLines.push(l),
    });
    assert.equal(doctorCode, 1, doctorLines.join("\n"));
    assert.ok(
      doctorLines.some((l) => /^FAIL\s+installation: This database is not the installation/.test(l)),
      doctorLines.join("\n"),
    );
    assert.equal(await activateConfirmCommand(o), 0, out.join("\n"));
    assert.match(out[0], /^Was: embedded database in "\/var\/lib\/smartlink-production"/);
    assert.match(out[1], /^This database is now the installation of tenant "b6572633/);
    const again = await createRuntime({ config, logger, env: o.env, fetch: sim.fetch });
    try {
      const s = await again.runner.run("cli");
      assert.ok(s.ran && s.summary.error === undefined, JSON.stringify(s));
      const logs = await again.db.rows<{ datadebug: string }>(sql`select datadebug from gtotvslinklog`);
      assert.ok(logs.some((l) => JSON.parse(l.datadebug).action === "installation.confirm"));
    } finally {
      await again.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

dbTest("a copy is paused whatever the wire profile: the post-single variant", async (db) => {
  const profile = new URL("../profiles/post-single.json", import.meta.url).pathname;
  const flow = await createFlow(db, { variant: "post-single", env: { SMARTLINK_PROFILE: profile } });
  try {
    await recordElsewhere(db);
    flow.sim.generate("SGDPMaskCommand", 2);
    const s = await runTick(flow);
    assert.equal(s.error?.code, "SL_INSTALLATION");
    assert.deepEqual([flow.sim.state.gets, flow.sim.state.setups.length], [0, 0]);
    await flow.runtime.installation.confirm("cli");
    flow.clock.advance(10_000);
    for (let i = 0; i < 4 && flow.sim.state.queue.length > 0; i++) await runTick(flow);
    assert.equal(flow.sim.state.queue.length, 0);
    assert.equal(flow.sim.state.sent.length, 2);
  } finally {
    await flow.cleanup();
  }
});
