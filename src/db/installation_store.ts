/**
 * The installation identity: which database this is, so a copy of the
 * production database (a restored backup, a test base) running with the same
 * credentials is recognised and does not drain production's queue (every
 * consumer with the same credentials competes for the same messages).
 * PostgreSQL: the cluster's `system_identifier` and the database name (and
 * oid); PGlite: an id created with its data folder, and that folder's path.
 * The identity recorded for the tenant lives in `smartlink_setting` under
 * `installation`.
 */
import { sql } from "drizzle-orm";
import * as v from "valibot";
import { AppError } from "../errors.ts";
import type { Database } from "./client.ts";
import { readSettingJson, writeSettingJson } from "./setting_json.ts";

export const INSTALLATION_KEY = "installation";

const IdentitySchema = v.union([
  v.object({
    kind: v.literal("postgres"),
    /** `pg_control_system().system_identifier`; null when the role may not read it. */
    systemIdentifier: v.nullable(v.string()),
    database: v.string(),
    databaseOid: v.string(),
  }),
  v.object({
    kind: v.literal("pglite"),
    id: v.string(),
    /** The data folder's absolute path; null in memory. */
    path: v.nullable(v.string()),
    /** The machine: a copied folder restored at the same path elsewhere is a copy too. */
    host: v.string(),
  }),
]);
export type InstallationIdentity = v.InferOutput<typeof IdentitySchema>;

const RecordSchema = v.object({
  v: v.literal(1),
  tenantId: v.string(),
  identity: IdentitySchema,
  recordedAt: v.string(),
  /** "first token", or the operator who confirmed: "cli", "admin 127.0.0.1". */
  recordedBy: v.string(),
});
export type InstallationRecord = v.InferOutput<typeof RecordSchema>;

export class InstallationStoreError extends AppError<"INSTALLATION_UNREADABLE"> {
  override name = "InstallationStoreError";
}

const memoryIds = new WeakMap<Database, string>();

/** This database's identity. @throws DatabaseError-like errors when the database does not answer */
export async function liveIdentity(db: Database): Promise<InstallationIdentity> {
  if (db.kind === "pglite") {
    if (db.dataDir === undefined) {
      let id = memoryIds.get(db);
      if (id === undefined) memoryIds.set(db, id = crypto.randomUUID());
      return { kind: "pglite", id, path: null, host: Deno.hostname() };
    }
    return {
      kind: "pglite",
      id: await dataFolderId(db.dataDir),
      path: await Deno.realPath(db.dataDir),
      host: Deno.hostname(),
    };
  }
  const [row] = await db.rows<{ database: string; oid: string }>(
    sql`select current_database() as database, (select oid::text from pg_database where datname = current_database()) as oid`,
  );
  let systemIdentifier: string | null = null;
  try {
    const [control] = await db.rows<{ id: string }>(sql`select system_identifier::text as id from pg_control_system()`);
    systemIdentifier = control?.id ?? null;
  } catch (err) {
    // Without the right to read pg_control_system() the database name and oid still tell a copy apart.
    if (!/permission denied/i.test((err as Error).message)) throw err;
  }
  return { kind: "postgres", systemIdentifier, database: row.database, databaseOid: row.oid };
}

/** The id created with the data folder (`installation-id` in it), created now if missing. */
async function dataFolderId(dataDir: string): Promise<string> {
  const path = `${dataDir.replace(/\/+$/, "")}/installation-id`;
  try {
    const text = (await Deno.readTextFile(path)).trim();
    if (/^[0-9a-f-]{36}$/.test(text)) return text;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const id = crypto.randomUUID();
  await Deno.writeTextFile(path, `${id}\n`);
  return id;
}

/** Equal identities: the same database. */
export function sameIdentity(a: InstallationIdentity, b: InstallationIdentity): boolean {
  if (a.kind === "postgres" && b.kind === "postgres") {
    return a.systemIdentifier === b.systemIdentifier && a.database === b.database && a.databaseOid === b.databaseOid;
  }
  if (a.kind === "pglite" && b.kind === "pglite") return a.id === b.id && a.path === b.path && a.host === b.host;
  return false;
}

/** One line for messages and pages: `PostgreSQL cluster 7301… database "erp"`. */
export function describeIdentity(i: InstallationIdentity): string {
  if (i.kind === "postgres") {
    return `PostgreSQL cluster ${
      i.systemIdentifier ?? "(system identifier not readable)"
    } database "${i.database}" (oid ${i.databaseOid})`;
  }
  return i.path === null
    ? `embedded database in memory (${i.id})`
    : `embedded database in "${i.path}" on ${i.host} (id ${i.id})`;
}

/** The recorded identity, or undefined when none. @throws InstallationStoreError when the row is not valid */
export async function readInstallation(db: Database): Promise<InstallationRecord | undefined> {
  const read = await readSettingJson(db, { key: INSTALLATION_KEY, schema: RecordSchema });
  if (!read.found) return undefined;
  if (read.ok) return read.value;
  throw new InstallationStoreError(
    "INSTALLATION_UNREADABLE",
    `Setting "${INSTALLATION_KEY}" is invalid (${read.problem}): run "deno task cli activate --confirm" to record this installation`,
  );
}

/** Records (or replaces) the identity for a tenant. */
export async function writeInstallation(db: Database, record: InstallationRecord, now: Date): Promise<void> {
  await writeSettingJson(db, { key: INSTALLATION_KEY, schema: RecordSchema }, { value: record, now });
}
