import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { freshPostgres, TEST_DATABASE_URL } from "./helpers/db.ts";

const REQUIRED: Record<string, Record<string, string>> = {
  gtotvslinkmessage: {
    id: "uuid",
    idexterno: "text",
    direcao: "text",
    tipo: "text",
    audiencia: "text",
    idcorrelacao: "text",
    conteudo: "text",
    status: "text",
    qtdetentativaexec: "integer",
    datatentativaexec: "timestamp with time zone",
    ultimoerro: "text",
    datacriacao: "timestamp with time zone",
    dataalteracao: "timestamp with time zone",
  },
  gtotvslinkmessageexec: {
    id: "uuid",
    idmensagem: "uuid",
    idexterno: "text",
    direcao: "text",
    tipo: "text",
    audiencia: "text",
    idcorrelacao: "text",
    conteudo: "text",
    tentativa: "integer",
    sucesso: "boolean",
    erro: "text",
    datainicio: "timestamp with time zone",
    datafim: "timestamp with time zone",
  },
  gtotvslinklog: {
    id: "uuid",
    idmensagem: "uuid",
    logtype: "integer",
    logmensagem: "text",
    logdate: "timestamp with time zone",
    datadebug: "text",
  },
};

async function checkSchema(db: Awaited<ReturnType<typeof openDatabase>>) {
  assert.deepEqual(await migrate(db), ["0000_init", "0001_setting", "0002_due_index", "0003_outbox_index"]);
  assert.deepEqual(await migrate(db), [], "second run applies nothing");
  const cols = await db.rows<{ table_name: string; column_name: string; data_type: string; column_default: string }>(
    sql`select table_name, column_name, data_type, column_default from information_schema.columns
        where table_schema = current_schema() and table_name like 'gtotvslink%'`,
  );
  for (const [table, columns] of Object.entries(REQUIRED)) {
    for (const [column, type] of Object.entries(columns)) {
      const found = cols.find((c) => c.table_name === table && c.column_name === column);
      assert.ok(found, `${table}.${column} exists`);
      assert.equal(found.data_type, type, `${table}.${column} is ${type}`);
    }
    const id = cols.find((c) => c.table_name === table && c.column_name === "id")!;
    assert.match(id.column_default, /gen_random_uuid\(\)/);
  }
  // An RM DBA's unquoted upper-case query works.
  await db.orm.execute(sql`INSERT INTO GTOTVSLINKMESSAGE (DIRECAO, TIPO, CONTEUDO) VALUES ('UP', 'T', '{}')`);
  const rows = await db.rows(sql`SELECT * FROM GTOTVSLINKMESSAGE`);
  assert.equal(rows.length, 1);
  const indexes = await db.rows<{ indexname: string }>(
    sql`select indexname from pg_indexes where schemaname = current_schema() and tablename like 'gtotvslink%'`,
  );
  for (const name of ["gtotvslinkmessage_due_ix", "gtotvslinkmessageexec_idexterno_ix", "gtotvslinklog_logdate_ix"]) {
    assert.ok(indexes.some((i) => i.indexname === name), `index ${name}`);
  }
  await assert.rejects(
    db.orm.execute(sql`insert into gtotvslinkmessage (direcao, tipo, conteudo) values ('SIDEWAYS', 'T', '{}')`),
  );
}

Deno.test({
  name: "migrate() creates the RM tables on a fresh PGlite, idempotently",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const db = await openDatabase({ dataDir: `${dir}/nested/data` });
    try {
      await checkSchema(db);
    } finally {
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "migrate() creates the RM tables on a fresh PostgreSQL, idempotently",
  ignore: !TEST_DATABASE_URL,
  fn: async () => {
    const fresh = await freshPostgres({ migrate: false });
    try {
      await checkSchema(fresh.db);
    } finally {
      await fresh.drop();
    }
  },
});
