/**
 * The queue's statements on the download's and the executor's paths:
 * `storeIncoming` sorts a batch into new rows, rows already queued and
 * messages that already succeeded, each with its LOG row; it, `claimDue`
 * and the outbox's `dueUpstream` read only the rows of their batch, however
 * long the backlog.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import type { Database } from "../src/db/client.ts";
import { claimDue } from "../src/db/queue/claim.ts";
import { dueUpstream, insertUpstream } from "../src/db/queue/outbox.ts";
import { recordOutcomes } from "../src/db/queue/record_outcomes.ts";
import { storeIncoming } from "../src/db/queue/store_incoming.ts";
import { LOG_TYPES } from "../src/db/schema.ts";
import { succeeded } from "../src/sync/outcome.ts";
import { dbTest, freshPostgres, TEST_DATABASE_URL } from "./helpers/db.ts";

const now = new Date("2026-12-03T10:00:00.000Z");

/** `batches` × 100 queued DOWN rows `q-<batch>-<i>`, written by the real writer, all stored at `now`. */
async function queueBacklog(db: Database, batches: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    await storeIncoming(
      db.orm,
      Array.from({ length: 100 }, (_, i) => ({ idExterno: `q-${b}-${i}`, tipo: "T", conteudo: "{}" })),
      now,
    );
  }
}

/** Registers `name` on a fresh PostgreSQL schema only (the reads are counted by PostgreSQL's statistics). */
function pgTest(name: string, fn: (db: Database) => Promise<void>): void {
  Deno.test({
    name: `${name} [postgres]`,
    ignore: !TEST_DATABASE_URL,
    fn: async () => {
      const { db, drop } = await freshPostgres();
      try {
        await fn(db);
      } finally {
        await drop();
      }
    },
  });
}

/** Rows of the message table read so far by scans and through indexes (PostgreSQL's statistics). */
async function rowsRead(db: Database): Promise<number> {
  await db.rows(sql`select pg_stat_force_next_flush()`);
  const [r] = await db.rows<{ n: string }>(
    sql`select (seq_tup_read + coalesce(idx_tup_fetch, 0))::text as n from pg_stat_user_tables
        where relname = 'gtotvslinkmessage' and schemaname = current_schema()`,
  );
  return Number(r.n);
}

dbTest("storeIncoming sorts a batch into new, already queued and already succeeded, once per id", async (db) => {
  await storeIncoming(db.orm, [
    { idExterno: "queued", tipo: "T", conteudo: '{"n":1}' },
    { idExterno: "done", tipo: "T", conteudo: '{"n":2}' },
  ], now);
  // "done" succeeds through the real writers: claimed, then recorded (its row moves to EXEC).
  const claimed = (await claimDue(db.orm, { limit: 10, now, executor: "a" })).rows.filter((r) =>
    r.idExterno === "done"
  );
  const at = { attempt: 1, startedAt: now, finishedAt: now };
  await recordOutcomes(db.orm, claimed.map((row) => succeeded(row, at, { logs: [] })), now);

  // The server sends a batch holding both again, a new id twice, and a changed copy of "queued".
  const later = new Date(now.getTime() + 60_000);
  const result = await storeIncoming(db.orm, [
    { idExterno: "fresh", tipo: "T", conteudo: '{"n":3}' },
    { idExterno: "fresh", tipo: "T", conteudo: '{"n":3}' },
    { idExterno: "done", tipo: "T", conteudo: '{"n":2}' },
    { idExterno: "queued", tipo: "T", conteudo: '{"n":99}' },
  ], later);
  assert.deepEqual([...result.inserted.keys()], ["fresh"]);
  assert.deepEqual([...result.alreadySucceeded], ["done"]);
  assert.deepEqual([...result.alreadyStored], ["queued"]);

  const rows = [
    ...await db.rows<{ idexterno: string; conteudo: string }>(
      sql`select idexterno, conteudo from gtotvslinkmessage order by idexterno`,
    ),
  ];
  assert.deepEqual(rows, [{ idexterno: "fresh", conteudo: '{"n":3}' }, { idexterno: "queued", conteudo: '{"n":1}' }]);
  const logs = [
    ...await db.rows<{ logmensagem: string; logtype: number }>(
      sql`select logmensagem, logtype from gtotvslinklog where logdate = ${later.toISOString()}::timestamptz
          order by logmensagem`,
    ),
  ];
  assert.deepEqual(logs, [
    { logmensagem: "Message received", logtype: LOG_TYPES.info },
    { logmensagem: "Redelivered message already succeeded: acked, not executed", logtype: LOG_TYPES.info },
    {
      logmensagem: "Redelivered with different content under the same id: the first copy is kept",
      logtype: LOG_TYPES.warning,
    },
  ]);
});

pgTest("storeIncoming reads no more of the message table than the ids of its batch", async (db) => {
  await queueBacklog(db, 30);
  const before = await rowsRead(db);
  const batch = Array.from({ length: 100 }, (_, i) => ({
    idExterno: i < 50 ? `q-0-${i}` : `new-${i}`,
    tipo: "T",
    conteudo: "{}",
  }));
  const result = await storeIncoming(db.orm, batch, now);
  assert.equal(result.inserted.size, 50);
  assert.equal(result.alreadyStored.size, 50);
  const read = (await rowsRead(db)) - before;
  // The 50 queued ids found through the index, not a scan of the 3,000 queued rows.
  assert.ok(read <= 300, `the statement read ${read} rows of the message table`);
});

pgTest("claimDue reads the due rows it takes, not the whole backlog", async (db) => {
  // All of one time (a batch's rows share it), so the order falls to the id.
  await queueBacklog(db, 30);
  const before = await rowsRead(db);
  const claimed = (await claimDue(db.orm, { limit: 100, now, executor: "a" })).rows;
  assert.equal(claimed.length, 100);
  const read = (await rowsRead(db)) - before;
  // 100 rows found in order through the due index and 100 updated: not a sort of the 3,000 due.
  assert.ok(read <= 400, `the claim read ${read} rows of the message table`);
});

pgTest("dueUpstream reads the oldest due UP rows it returns, not every waiting reply", async (db) => {
  // 1,000 published messages waiting (the server was down), written by the real writer, plus DOWN rows.
  for (let i = 0; i < 1000; i++) {
    await insertUpstream(db.orm, { type: "T", audience: "app", envelope: "{}" }, new Date(now.getTime() + i));
  }
  await storeIncoming(
    db.orm,
    Array.from({ length: 100 }, (_, i) => ({ idExterno: `d-${i}`, tipo: "T", conteudo: "{}" })),
    now,
  );
  const before = await rowsRead(db);
  const due = await dueUpstream(db.orm, new Date(now.getTime() + 10_000), 100, []);
  const read = (await rowsRead(db)) - before;
  assert.equal(due.length, 100);
  const created = due.map((r) => r.dataCriacao.getTime());
  assert.deepEqual(created, [...created].sort((a, b) => a - b), "oldest first");
  assert.equal(created[0], now.getTime());
  assert.ok(read <= 300, `the outbox read ${read} rows of the message table`);
});
