/**
 * The recorder batches outcomes while handlers keep finishing, and writes a
 * lone outcome without waiting for company. Writes are counted at the
 * database (every statement goes through `execute` or `transaction`).
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import type { Database } from "../src/db/client.ts";
import { claimDue } from "../src/db/queue/claim.ts";
import { storeIncoming } from "../src/db/queue/store_incoming.ts";
import { LOG_TYPES, type MessageRow } from "../src/db/schema.ts";
import { succeeded } from "../src/sync/outcome.ts";
import { createRecorder } from "../src/sync/recorder.ts";
import { emptySummary } from "../src/sync/summary.ts";
import { countingOrm } from "./helpers/counting_orm.ts";
import { dbTest } from "./helpers/db.ts";
import { FakeLink } from "./helpers/fake_link.ts";
import { testTickDeps } from "./helpers/tick_deps.ts";

/** `db` with its statements counted (every statement goes through `execute` or `transaction`). */
const counted = (db: Database) => {
  const { db: wrapped, calls } = countingOrm(db, ["execute", "transaction"]);
  return { db: wrapped, statements: calls };
};

async function claimed(db: Database, count: number): Promise<MessageRow[]> {
  const now = new Date();
  await storeIncoming(
    db.orm,
    Array.from({ length: count }, (_, i) => ({ idExterno: `r-${i}`, tipo: "T", conteudo: "{}" })),
    now,
  );
  return (await claimDue(db.orm, { limit: count, now, executor: "test" })).rows;
}

const outcome = (row: MessageRow) => {
  const at = { attempt: 1, startedAt: new Date(), finishedAt: new Date() };
  return succeeded(row, at, { logs: [{ type: LOG_TYPES.info, text: "Attempt 1 succeeded" }] });
};
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const execCount = async (db: Database) =>
  Number((await db.rows<{ n: string }>(sql`select count(*)::text as n from gtotvslinkmessageexec`))[0].n);

dbTest("recorder: outcomes that keep finishing, four a turn, go in one or two writes", async (base) => {
  const rows = await claimed(base, 60);
  const { db, statements } = counted(base);
  const summary = emptySummary("cli", new Date());
  const recorder = createRecorder(testTickDeps(db, new FakeLink(), {}), summary, () => {});
  // Four handlers finishing one outcome each per turn of the event loop, as fast handlers do.
  for (let i = 0; i < rows.length; i += 4) {
    for (const row of rows.slice(i, i + 4)) recorder.add(outcome(row));
    await turn();
  }
  await recorder.flush();
  assert.equal(recorder.error, undefined);
  assert.equal(summary.executed, 60);
  assert.equal(summary.succeeded, 60);
  assert.equal(await execCount(base), 60);
  assert.ok(statements() <= 2, `${statements()} writes for 60 outcomes`);
});

dbTest("recorder: a lone outcome is written without waiting for more", async (base) => {
  const [row] = await claimed(base, 1);
  const { db, statements } = counted(base);
  const summary = emptySummary("cli", new Date());
  const recorder = createRecorder(testTickDeps(db, new FakeLink(), {}), summary, () => {});
  recorder.add(outcome(row));
  // No flush and nothing else added: the write happens by itself.
  for (let i = 0; i < 500 && (await execCount(base)) === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await execCount(base), 1);
  assert.equal(statements(), 1);
  await recorder.flush();
  assert.equal(summary.succeeded, 1);
});
