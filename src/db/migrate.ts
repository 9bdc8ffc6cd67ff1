/**
 * Applies the embedded Drizzle migrations in order, once each, recorded in
 * `smartlink_migrations`. On PostgreSQL a transaction-scoped advisory lock
 * serialises processes that start together.
 */
import { sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { MIGRATIONS } from "./migrations.ts";

const MIGRATION_LOCK = 0x534c4d47; // "SLMG"

/** Applies pending migrations; returns the tags applied now. */
export async function migrate(db: Database, migrations = MIGRATIONS): Promise<string[]> {
  return await db.orm.transaction(async (tx) => {
    if (db.kind === "postgres") await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.execute(sql`create table if not exists smartlink_migrations (
      tag text primary key,
      applied_at timestamptz not null default now()
    )`);
    const applied = new Set(
      (await db.rows<{ tag: string }>(sql`select tag from smartlink_migrations`, tx)).map((r) => r.tag),
    );
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.tag)) continue;
      for (const statement of m.sql.split("--> statement-breakpoint")) {
        if (statement.trim() !== "") await tx.execute(sql.raw(statement));
      }
      await tx.execute(sql`insert into smartlink_migrations (tag) values (${m.tag})`);
      done.push(m.tag);
    }
    return done;
  });
}
