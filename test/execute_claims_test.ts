/**
 * The executor's claims: a claim that came back with fewer rows than it
 * asked for took every due row, so the next claim waits for the next
 * committed batch instead of asking the database for nothing.
 */
import assert from "node:assert/strict";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Database } from "../src/db/client.ts";
import { storeIncoming } from "../src/db/queue/store_incoming.ts";
import type { Handler } from "../src/handlers/types.ts";
import { executePhase, type Inflow } from "../src/sync/execute.ts";
import { createSignal } from "../src/sync/phase.ts";
import { emptySummary } from "../src/sync/summary.ts";
import { DEFAULT_RETRY } from "../src/config.ts";
import { countingOrm } from "./helpers/counting_orm.ts";
import { dbTest } from "./helpers/db.ts";
import { FakeLink } from "./helpers/fake_link.ts";
import { testTickDeps } from "./helpers/tick_deps.ts";

const dialect = new PgDialect();
/** The claim's statement: the one that sets rows RUNNING. */
const isClaim = (args: unknown[]) => / set\s+status = 'RUNNING'/.test(dialect.sqlToQuery(args[0] as SQL).sql);

/** `db` with its claims counted. */
const countingClaims = (db: Database) => {
  const { db: wrapped, calls } = countingOrm(db, ["execute"], isClaim);
  return { db: wrapped, claims: calls };
};

const ok: Handler = () => Promise.resolve({});

dbTest("executor: one claim per committed batch; a short claim waits for the next batch", async (base) => {
  const { db, claims } = countingClaims(base);
  const deps = testTickDeps(db, new FakeLink(), { T: ok });
  const summary = emptySummary("test", deps.now());
  let downloading = true;
  const inflow: Inflow = { done: () => !downloading, signal: createSignal() };
  const commit = async (prefix: string, n: number) => {
    await storeIncoming(
      base.orm,
      Array.from({ length: n }, (_, i) => ({ idExterno: `${prefix}-${i}`, tipo: "T", conteudo: "{}" })),
      deps.now(),
    );
    inflow.signal.notify();
  };
  const until = async (executed: number) => {
    for (let i = 0; i < 1000 && summary.executed < executed; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(summary.executed, executed);
  };
  await commit("a", 6); // fewer than the first claim asks for (8)
  const phase = executePhase(deps, DEFAULT_RETRY, summary, inflow);
  await until(6);
  assert.equal(claims(), 1, "the batch was claimed once and no empty claim followed");
  await commit("b", 5);
  await until(11);
  assert.equal(claims(), 2);
  downloading = false;
  inflow.signal.notify();
  await phase;
  // The download's end is checked by one last claim, which finds nothing.
  assert.equal(claims(), 3);
  assert.equal(summary.succeeded, 11);
});
