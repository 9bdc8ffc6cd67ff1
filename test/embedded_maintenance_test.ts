import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import type { Database, Orm } from "../src/db/client.ts";
import { maintainEmbedded } from "../src/db/maintenance/maintain_embedded.ts";
import { noopHandler } from "../src/handlers/noop.ts";
import { purgeAll } from "../src/sync/purge_all.ts";
import { tick } from "../src/sync/tick.ts";
import { createMaintenanceSchedule, MAINTAIN_EVERY_MS, MAINTAIN_EVERY_ROWS } from "../src/sync/maintenance_schedule.ts";
import { dbTest } from "./helpers/db.ts";
import { command, FakeLink } from "./helpers/fake_link.ts";
import { testTickDeps } from "./helpers/tick_deps.ts";

const TABLES = ["gtotvslinkmessage", "gtotvslinkmessageexec", "gtotvslinklog"];

/** Manual VACUUMs of each table so far (`vacuum_count`; autovacuum counts apart, and TRUNCATE keeps it). */
async function vacuums(db: Database): Promise<Map<string, number>> {
  const rows = await db.rows<{ relname: string; n: number }>(
    sql`select relname, vacuum_count::int as n from pg_stat_user_tables
        where relname in ('gtotvslinkmessage', 'gtotvslinkmessageexec', 'gtotvslinklog')
          and schemaname = current_schema()`,
  );
  return new Map(rows.map((r) => [r.relname, r.n]));
}

/** Tables vacuumed since `before`. */
async function vacuumedSince(db: Database, before: Map<string, number>): Promise<string[]> {
  const now = await vacuums(db);
  return TABLES.filter((t) => (now.get(t) ?? 0) > (before.get(t) ?? 0));
}

/** Where recovery would start replaying WAL: moves forward with each checkpoint. */
async function redoLsn(db: Database): Promise<string> {
  const [r] = await db.rows<{ lsn: string }>(sql`select redo_lsn::text as lsn from pg_control_checkpoint()`);
  return r.lsn;
}

async function queueBytes(db: Database): Promise<number> {
  const [r] = await db.rows<{ n: number }>(sql`select pg_relation_size('gtotvslinkmessage')::int as n`);
  return r.n;
}

/** A tick that downloads, executes and deletes `n` commands from the queue: n dead row versions and more. */
let churned = 0;
async function churn(db: Database, n: number, overrides: Parameters<typeof testTickDeps>[3] = {}) {
  const link = new FakeLink();
  for (let i = 0; i < n; i++) link.enqueue(command(`vac-${churned++}`));
  const deps = testTickDeps(db, link, { SGDPMaskCommand: noopHandler }, overrides);
  return { deps, summary: await tick(deps, "test") };
}

Deno.test("createMaintenanceSchedule(): first tick, then every MAINTAIN_EVERY_ROWS rows, or every MAINTAIN_EVERY_MS when any changed", () => {
  const s = createMaintenanceSchedule();
  const t0 = new Date("2026-01-05T10:00:00.000Z");
  const at = (ms: number) => new Date(t0.getTime() + ms);
  assert.equal(s.due(0, t0), true, "the first tick after the start vacuums");
  s.done(t0);
  assert.equal(s.due(MAINTAIN_EVERY_ROWS - 1, at(1000)), false);
  assert.equal(s.due(1, at(2000)), true, "the rows add up across ticks");
  s.done(at(2000));
  assert.equal(s.due(0, at(2000 + MAINTAIN_EVERY_MS)), false, "nothing changed: nothing to reclaim");
  assert.equal(s.due(1, at(2000 + MAINTAIN_EVERY_MS - 1)), false);
  assert.equal(s.due(0, at(2000 + MAINTAIN_EVERY_MS)), true, "a change and the interval passed");
  s.done(at(3000 + MAINTAIN_EVERY_MS));
  assert.equal(s.due(10, at(4000 + MAINTAIN_EVERY_MS)), false, "done() starts the count again");
});

dbTest("maintainEmbedded() vacuums and analyzes the queue, EXEC and LOG tables, then checkpoints", async (db) => {
  await churn(db, 30);
  const before = await vacuums(db);
  const redo = await redoLsn(db);
  await maintainEmbedded(db);
  assert.deepEqual(await vacuumedSince(db, before), TABLES);
  assert.notEqual(await redoLsn(db), redo, "a checkpoint was written: the WAL before it can be recycled");
});

dbTest(
  "a tick with a maintenance schedule reclaims the queue's dead rows; one without keeps them",
  async (db, backend) => {
    const before = await vacuums(db);
    const redo = await redoLsn(db);
    const without = await churn(db, 300);
    assert.equal(without.summary.succeeded, 300);
    const kept = await queueBytes(db);
    assert.ok(kept > 0, "300 rows inserted, claimed and deleted leave their dead versions in the heap");
    assert.deepEqual(await vacuumedSince(db, before), [], "no vacuum without a schedule");
    // PostgreSQL's own checkpointer may write one at any time; PGlite has none.
    if (backend === "pglite") assert.equal(await redoLsn(db), redo, "nor a checkpoint");

    const { summary } = await churn(db, 300, { maintenance: createMaintenanceSchedule() });
    assert.equal(summary.succeeded, 300);
    assert.equal(summary.error, undefined);
    assert.deepEqual(await vacuumedSince(db, before), TABLES, `vacuumed by the tick [${backend}]`);
    assert.equal(await queueBytes(db), 0, "the empty queue's heap is given back");
    assert.notEqual(await redoLsn(db), redo, "and checkpointed");
  },
);

dbTest("a failing upkeep is a warning, not the tick's error, and is not tried again on the next tick", async (db) => {
  let vacuums = 0;
  const orm = new Proxy(db.orm, {
    get(target, prop, receiver) {
      if (prop !== "execute") return Reflect.get(target, prop, receiver);
      return (q: Parameters<Orm["execute"]>[0]) => {
        const text = JSON.stringify(q);
        if (text.includes("vacuum (analyze)")) {
          vacuums++;
          return Promise.reject(new Error("disk full while vacuuming"));
        }
        return target.execute(q);
      };
    },
  });
  const failing: Database = { ...db, orm };
  const schedule = createMaintenanceSchedule();
  const { deps, summary } = await churn(failing, 20, { maintenance: schedule });
  assert.equal(summary.error, undefined);
  assert.equal(summary.succeeded, 20, "the commands were executed and recorded all the same");
  assert.equal(vacuums, 1);
  const warn = deps.logger.lines.find((l) =>
    l.msg === "Embedded database upkeep (VACUUM, CHECKPOINT) failed; tried again later"
  );
  assert.ok(warn, "the failure is told");
  assert.match(JSON.stringify(warn), /disk full while vacuuming/);
  await churn(failing, 20, { maintenance: schedule, clock: deps.clock });
  assert.equal(vacuums, 1, "the next tick, 20 rows later, does not vacuum again");
});

dbTest(
  "purgeAll() reclaims the purged rows' space on PGlite; PostgreSQL leaves it to autovacuum",
  async (db, backend) => {
    await churn(db, 50);
    const deps = testTickDeps(db, new FakeLink(), {});
    const future = new Date(deps.now().getTime() + 400 * 86_400_000);
    const before = await vacuums(db);
    const r = await purgeAll(db, future, 30);
    assert.ok(r.exec >= 50, `EXEC rows purged: ${r.exec}`);
    assert.deepEqual(await vacuumedSince(db, before), backend === "pglite" ? TABLES : []);
  },
);

dbTest("no upkeep starts once shutdown began: closing the database writes its own checkpoint", async (db) => {
  const stop = new AbortController();
  stop.abort();
  const before = await vacuums(db);
  const { summary } = await churn(db, 5, { maintenance: createMaintenanceSchedule(), stopSignal: stop.signal });
  assert.equal(summary.error, undefined);
  assert.deepEqual(await vacuumedSince(db, before), []);
});
