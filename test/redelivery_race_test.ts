/**
 * A redelivered command stored while its first copy succeeds. On PostgreSQL
 * the store's one statement reads the message table and the EXEC history in
 * the snapshot it starts with, then inserts; a success committing in between
 * deletes the first copy's row and writes its EXEC row where that snapshot
 * cannot see them. Two gates keep the command from running twice: the store
 * never inserts an id its snapshot found queued (the crash test caught a
 * second copy queued that way: a command with two success EXEC rows), and
 * the claim never starts a row whose IDEXTERNO already has a success EXEC
 * row; it removes that copy with a LOG row. PostgreSQL only: PGlite has one
 * connection, so nothing commits while a statement of the store runs.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import type { Database } from "../src/db/client.ts";
import { claimDue } from "../src/db/queue/claim.ts";
import { recordOutcomes } from "../src/db/queue/record_outcomes.ts";
import { storeIncoming } from "../src/db/queue/store_incoming.ts";
import { LOG_TYPES } from "../src/db/schema.ts";
import { succeeded } from "../src/sync/outcome.ts";
import { freshPostgres, TEST_DATABASE_URL } from "./helpers/db.ts";

const now = new Date("2026-12-04T10:00:00.000Z");
const later = new Date(now.getTime() + 1_000);
const command = { idExterno: "cmd-1", tipo: "T", conteudo: '{"n":1}' };
const at = { attempt: 1, startedAt: now, finishedAt: now };

/**
 * Waits until a backend of this database waits on a lock (the store behind another transaction), or
 * until `over()`.
 */
async function untilSomeoneWaitsOnALock(db: Database, over = () => false): Promise<void> {
  for (let i = 0; i < 500 && !over(); i++) {
    const [r] = await db.rows<{ n: number }>(
      sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query ilike '%gtotvslinkmessage%'`,
    );
    if (r.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (!over()) throw new Error("the store never waited on the other transaction");
}

/** A transaction of `db` that runs `work`, then stays open until `commit()`. */
function heldTransaction(db: Database, work: (tx: Database["orm"]) => Promise<void>) {
  let commit!: () => void;
  const committing = new Promise<void>((resolve) => commit = resolve);
  let ready!: () => void;
  const worked = new Promise<void>((resolve) => ready = resolve);
  const done = db.orm.transaction(async (tx) => {
    await work(tx);
    ready();
    await committing;
  });
  return { worked, commit: () => (commit(), done) };
}

async function execCount(db: Database): Promise<number> {
  const [r] = await db.rows<{ n: number }>(
    sql`select count(*)::int as n from gtotvslinkmessageexec where idexterno = ${command.idExterno}`,
  );
  return r.n;
}

function pgTest(name: string, fn: (db: Database) => Promise<void>): void {
  Deno.test({
    name: `${name} [postgres]`,
    ignore: !TEST_DATABASE_URL,
    fn: async () => {
      const { db, drop } = await freshPostgres({ maxConnections: 4 });
      try {
        await fn(db);
      } finally {
        await drop();
      }
    },
  });
}

pgTest("a redelivery stored while its first copy's success commits queues no second copy", async (db) => {
  await storeIncoming(db.orm, [command], now);
  const [first] = (await claimDue(db.orm, { limit: 10, now, executor: "a" })).rows;
  // The success of the first copy, held between its statement and its commit.
  const success = heldTransaction(db, async (tx) => {
    await recordOutcomes(tx, [succeeded(first, at, { logs: [] })], now);
  });
  await success.worked;
  // The server redelivers it (its ack was lost) before that commit. Without the rule the store read its
  // snapshot, then waited on the row and queued a second copy once the commit deleted the row.
  let settled = false;
  const storing = storeIncoming(db.orm, [command], later).finally(() => settled = true);
  try {
    await untilSomeoneWaitsOnALock(db, () => settled);
  } finally {
    await success.commit();
  }
  const stored = await storing;
  assert.deepEqual([...stored.inserted.keys()], [], "no second copy inserted");
  assert.deepEqual([...stored.alreadyStored], ["cmd-1"], "acked as the copy its snapshot held");
  assert.equal((await db.rows(sql`select id from gtotvslinkmessage`)).length, 0);
  assert.equal((await claimDue(db.orm, { limit: 10, now: later, executor: "b" })).rows.length, 0);
  assert.equal(await execCount(db), 1, "one EXEC row, the first copy's success");
});

pgTest("a second copy queued after its first copy succeeded is removed by the claim, not executed", async (db) => {
  // The first copy's whole life (stored, claimed, succeeded) falls between the redelivery's snapshot and
  // its insert: one transaction holds it while the redelivery's insert waits on its row.
  let first!: Awaited<ReturnType<typeof claimDue>>["rows"][number];
  const firstLife = heldTransaction(db, async (tx) => {
    await storeIncoming(tx, [command], now);
    [first] = (await claimDue(tx, { limit: 10, now, executor: "a" })).rows;
    await recordOutcomes(tx, [succeeded(first, at, { logs: [] })], now);
  });
  await firstLife.worked;
  const storing = storeIncoming(db.orm, [command], later);
  try {
    await untilSomeoneWaitsOnALock(db);
  } finally {
    await firstLife.commit();
  }
  const stored = await storing;
  // Neither the history nor the queue was in the redelivery's snapshot: a second copy is queued (and
  // acked, rightly: it is committed).
  const copy = stored.inserted.get("cmd-1");
  assert.ok(copy, "the second copy was queued");

  const claim = await claimDue(db.orm, { limit: 10, now: new Date(later.getTime() + 1_000), executor: "b" });
  assert.deepEqual(claim.rows, [], "nothing claimed: the command already succeeded");
  assert.equal(claim.alreadySucceeded, 1);
  assert.equal((await db.rows(sql`select id from gtotvslinkmessage`)).length, 0, "the second copy is removed");
  assert.equal(await execCount(db), 1, "one EXEC row, the first copy's success");
  const logs = await db.rows<{ idmensagem: string; logtype: number; logmensagem: string; datadebug: string }>(
    sql`select idmensagem::text, logtype, logmensagem, datadebug from gtotvslinklog
        where logmensagem like 'Redelivered%'`,
  );
  assert.deepEqual([...logs], [{
    idmensagem: first.id,
    logtype: LOG_TYPES.info,
    logmensagem: "Redelivered message already succeeded: its second copy removed, not executed",
    datadebug: JSON.stringify({ idExterno: "cmd-1", copy: copy.id }),
  }], "the removal is told in the first copy's history");
  // A further redelivery is recognised at the door.
  const again = await storeIncoming(db.orm, [command], later);
  assert.deepEqual([...again.alreadySucceeded], ["cmd-1"]);
});
