/**
 * Named prepared statements on PostgreSQL (src/db/prepared.ts): a statement
 * Drizzle runs again is prepared on its connection from its second run, at
 * most `maxPrepared` texts are, transactions and savepoints keep working
 * (and prepare too), and `?prepare=false` in DATABASE_URL turns it all off.
 * What is prepared is read from the server (`pg_prepared_statements` of the
 * one connection), not from the wrapper.
 */
import assert from "node:assert/strict";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { openDatabase, type Orm, queryRows } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { preparePolicy, withPreparedStatements } from "../src/db/prepared.ts";
import { schema } from "../src/db/schema.ts";
import { freshPostgres, TEST_DATABASE_URL, withSearchPath } from "./helpers/db.ts";

const pgTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `${name} [postgres]`, ignore: !TEST_DATABASE_URL, fn });

/** Texts of the statements prepared on the connection that runs this query (pool of one). */
async function preparedTexts(orm: Orm): Promise<string[]> {
  const rows = await queryRows<{ statement: string }>(
    orm,
    sql`select statement from pg_prepared_statements where statement not like '%pg_prepared_statements%'`,
  );
  return rows.map((r) => r.statement);
}

const byId = (orm: Orm, idExterno: string) =>
  orm.select({ id: schema.message.id }).from(schema.message).where(eq(schema.message.idExterno, idExterno));

Deno.test("preparePolicy: a text is prepared from its second run, and only up to the cap", () => {
  const policy = preparePolicy(2);
  assert.equal(policy("a"), false, "first run of a: unnamed");
  assert.equal(policy("a"), true, "second run of a: prepared");
  assert.equal(policy("a"), true, "a stays prepared");
  assert.equal(policy("b"), false);
  assert.equal(policy("b"), true);
  assert.equal(policy("c"), false, "cap reached");
  assert.equal(policy("c"), false, "cap reached: c never prepared");
  assert.equal(policy("a"), true, "already prepared texts keep their slot");
});

pgTest("prepared statements: a repeated Drizzle statement is prepared once on its connection", async () => {
  const pg = await freshPostgres({ maxConnections: 1 });
  try {
    await byId(pg.db.orm, "m-1");
    assert.deepEqual((await preparedTexts(pg.db.orm)).filter((t) => t.includes("gtotvslinkmessage")), []);
    await byId(pg.db.orm, "m-2");
    await byId(pg.db.orm, "m-3");
    const texts = (await preparedTexts(pg.db.orm)).filter((t) => t.includes("gtotvslinkmessage"));
    assert.equal(texts.length, 1, `one prepared statement for the repeated select, got ${JSON.stringify(texts)}`);
    assert.match(texts[0], /where "gtotvslinkmessage"\."idexterno" = \$1/);
  } finally {
    await pg.drop();
  }
});

pgTest("prepared statements: past the cap a text runs unnamed, and still answers", async () => {
  const pg = await freshPostgres({ maxConnections: 1 });
  const client = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    const orm = drizzle({ client: withPreparedStatements(client, 2), schema }) as unknown as Orm;
    for (let round = 0; round < 3; round++) {
      for (const n of [1, 2, 3]) {
        const rows = await queryRows<{ v: number }>(orm, sql.raw(`select ${n}::int + 1 as v`));
        assert.equal(rows[0].v, n + 1);
        const withParam = await queryRows<{ v: number }>(orm, sql`select ${n}::int + ${n * 10}::int as v`);
        assert.equal(withParam[0].v, n * 11);
      }
    }
    const texts = await preparedTexts(orm);
    assert.equal(texts.length, 2, `the cap of 2 holds, got ${JSON.stringify(texts)}`);
  } finally {
    await client.end({ timeout: 1 });
    await pg.drop();
  }
});

pgTest("prepared statements: transactions and savepoints prepare too, and still roll back", async () => {
  const pg = await freshPostgres({ maxConnections: 1 });
  const orm = pg.db.orm;
  try {
    const row = (idExterno: string) => ({ idExterno, direcao: "DOWN" as const, tipo: "Test", conteudo: "{}" });
    await assert.rejects(
      orm.transaction(async (tx) => {
        await tx.insert(schema.message).values(row("tx-1"));
        await byId(tx as unknown as Orm, "tx-1");
        await byId(tx as unknown as Orm, "tx-1");
        await tx.transaction(async (sp) => {
          await byId(sp as unknown as Orm, "tx-1");
        });
        await assert.rejects(
          tx.transaction(async (sp) => {
            await sp.insert(schema.message).values(row("sp-1"));
            throw new Error("savepoint rolled back");
          }),
          /savepoint rolled back/,
        );
        assert.equal((await byId(tx as unknown as Orm, "sp-1")).length, 0, "the savepoint's insert is undone");
        assert.equal((await byId(tx as unknown as Orm, "tx-1")).length, 1);
        throw new Error("transaction rolled back");
      }),
      /transaction rolled back/,
    );
    assert.equal((await byId(orm, "tx-1")).length, 0, "the transaction's insert is undone");
    const texts = (await preparedTexts(orm)).filter((t) => t.includes("gtotvslinkmessage"));
    assert.ok(
      texts.some((t) => /^select .* where "gtotvslinkmessage"\."idexterno" = \$1/.test(t)),
      `the select run in the transaction is prepared: ${JSON.stringify(texts)}`,
    );
  } finally {
    await pg.drop();
  }
});

pgTest("prepared statements: ?prepare=false in DATABASE_URL prepares nothing", async () => {
  const pg = await freshPostgres({ migrate: false });
  await pg.db.close();
  const url = new URL(withSearchPath(TEST_DATABASE_URL!, pg.schemaName));
  url.searchParams.set("prepare", "false");
  const db = await openDatabase({ databaseUrl: url.toString(), maxConnections: 1 });
  try {
    await migrate(db);
    for (let i = 0; i < 4; i++) await byId(db.orm, `m-${i}`);
    assert.deepEqual(await preparedTexts(db.orm), []);
  } finally {
    await db.close();
    await pg.drop();
  }
});
