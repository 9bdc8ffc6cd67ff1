/**
 * One helper gives every database test both backends: a shared in-memory
 * PGlite (migrated once per test process, tables truncated before each test)
 * and, when TEST_DATABASE_URL is set, real PostgreSQL in a fresh schema per
 * test. Without TEST_DATABASE_URL the PostgreSQL variant is skipped with a
 * printed notice. Both run with Deno's op and resource sanitizers on: a test
 * that leaves a connection, a timer, a server or a response body open fails.
 */
import { sql } from "drizzle-orm";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";

export const TEST_DATABASE_URL = Deno.env.get("TEST_DATABASE_URL") || undefined;

let shared: Promise<Database> | undefined;
let noticePrinted = false;

/** The process-wide in-memory PGlite, migrated. */
export function sharedPglite(): Promise<Database> {
  shared ??= (async () => {
    const db = await openDatabase({});
    await migrate(db);
    return db;
  })();
  return shared;
}

async function truncateAll(db: Database): Promise<void> {
  await db.orm.execute(sql`truncate gtotvslinkmessage, gtotvslinkmessageexec, gtotvslinklog, smartlink_setting`);
}

/** A fresh PostgreSQL schema with the migrations applied; `drop()` removes it. */
export async function freshPostgres(
  options: { migrate?: boolean; maxConnections?: number } = {},
): Promise<{ db: Database; schemaName: string; url: string; drop: () => Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const schemaName = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = await openDatabase({ databaseUrl: TEST_DATABASE_URL, maxConnections: 1 });
  await admin.orm.execute(sql.raw(`create schema ${schemaName}`));
  await admin.close();
  const db = await openDatabase({
    databaseUrl: TEST_DATABASE_URL,
    searchPath: schemaName,
    maxConnections: options.maxConnections,
  });
  if (options.migrate !== false) await migrate(db);
  const url = withSearchPath(TEST_DATABASE_URL, schemaName);
  return {
    db,
    schemaName,
    url,
    drop: async () => {
      await db.close().catch(() => {});
      const a = await openDatabase({ databaseUrl: TEST_DATABASE_URL, maxConnections: 1 });
      await a.orm.execute(sql.raw(`drop schema if exists ${schemaName} cascade`));
      await a.close();
    },
  };
}

/** A DATABASE_URL whose connections use `schemaName` (libpq `options`). */
export function withSearchPath(url: string, schemaName: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schemaName}`);
  return u.toString();
}

export type Backend = "pglite" | "postgres";

/** Registers `name` twice: on PGlite and on PostgreSQL. */
export function dbTest(name: string, fn: (db: Database, backend: Backend) => Promise<void>): void {
  Deno.test({
    name: `${name} [pglite]`,
    fn: async () => {
      const db = await sharedPglite();
      await truncateAll(db);
      await fn(db, "pglite");
    },
  });
  if (!TEST_DATABASE_URL && !noticePrinted) {
    noticePrinted = true;
    console.log("notice: TEST_DATABASE_URL is not set; PostgreSQL variants of database tests are skipped");
  }
  Deno.test({
    name: `${name} [postgres]`,
    ignore: !TEST_DATABASE_URL,
    fn: async () => {
      const fresh = await freshPostgres();
      try {
        await fn(fresh.db, "postgres");
      } finally {
        await fresh.drop();
      }
    },
  });
}
