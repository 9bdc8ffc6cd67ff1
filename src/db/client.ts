/**
 * Opens the database: PostgreSQL through postgres.js when `DATABASE_URL` is
 * set, otherwise the embedded PGlite, file-backed under the data directory.
 * Both expose the same Drizzle API; `rows()` hides their result shapes.
 */
import type { SQL } from "drizzle-orm";
import { deadline, isTimeoutError } from "../async/deadline.ts";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { AppError, type DatabaseErrorCode } from "../errors.ts";
import type { Logger } from "../log.ts";
import { denoSocketOption } from "./deno_socket.ts";
import { withPreparedStatements } from "./prepared.ts";
import { schema } from "./schema.ts";

/** A Drizzle database or transaction over the RM schema. */
// deno-lint-ignore no-explicit-any
export type Orm = PgDatabase<PgQueryResultHKT, typeof schema, any>;

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  readonly kind: DatabaseKind;
  /** PGlite only: the data folder (`SMARTLINK_DATA_DIR`); undefined in memory and on PostgreSQL. */
  readonly dataDir?: string;
  readonly orm: Orm;
  /** Runs raw SQL and returns its rows, on either backend. */
  rows<T = Record<string, unknown>>(query: SQL, executor?: Orm): Promise<T[]>;
  /** Throws when the database does not answer within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<void>;
  /**
   * Runs `fn` holding the cross-process lock `key` (PostgreSQL advisory lock on a
   * dedicated connection; PGlite is single-process so it always acquires).
   * Returns `{ acquired: false }` at once when another process holds it.
   */
  tryWithLock<T>(key: number, fn: () => Promise<T>): Promise<{ acquired: true; value: T } | { acquired: false }>;
  close(): Promise<void>;
}

export class DatabaseError extends AppError<DatabaseErrorCode> {
  override name = "DatabaseError";
}

/** The rows of a Drizzle `execute()` result on either driver. */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** Runs raw SQL on `ex` (the database or a transaction) and returns its rows, on either driver. */
export async function queryRows<T = Record<string, unknown>>(ex: Orm, query: SQL): Promise<T[]> {
  return resultRows<T>(await ex.execute(query));
}

export interface OpenOptions {
  databaseUrl?: string;
  /** PGlite data folder; undefined with no URL = in memory. */
  dataDir?: string;
  /** PostgreSQL only: schema to use as search_path (tests isolate with it). */
  searchPath?: string;
  /** Told when the embedded database could not be created in a child process. */
  logger?: Logger;
  /** PostgreSQL pool size. */
  maxConnections?: number;
  /** The environment postgres.js reads (PGHOST, PGSSLMODE…); the process's own by default. */
  env?: (name: string) => string | undefined;
}

/** `p`, or a DatabaseError DB_TIMEOUT naming `what` after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return deadline(p, ms).catch((err) => {
    throw isTimeoutError(err) ? new DatabaseError("DB_TIMEOUT", `${what} timed out after ${ms} ms`) : err;
  });
}

/** Opens the database chosen by the options. @throws DatabaseError when it cannot be opened */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.databaseUrl ? await openPostgres(options) : await openEmbedded(options.dataDir, options.logger);
}

async function openPostgres(options: OpenOptions): Promise<Database> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const socket = denoSocketOption(options.databaseUrl!, options.env ?? ((name) => Deno.env.get(name)));
  const client = postgres(options.databaseUrl!, {
    max: options.maxConnections ?? 8,
    onnotice: () => {},
    connect_timeout: 10,
    // postgres.js waits up to 20 s (3^retries / 100 s) before reconnecting after failed connections, so
    // after an outage the pool stayed away for seconds once the database was back, and /healthz with it.
    // A refused connection costs nothing: retry within a second at most.
    backoff: reconnectDelaySeconds,
    // Plain TCP through Deno.connect (see deno_socket.ts); TLS and other setups keep node:net.
    ...(socket ? ({ socket } as unknown as Record<string, never>) : {}),
    ...(options.searchPath ? { connection: { search_path: options.searchPath } } : {}),
  });
  const orm = drizzle({ client: withPreparedStatements(client), schema }) as unknown as Orm;
  const db: Database = {
    kind: "postgres",
    orm,
    rows: async (query, executor) => resultRows(await (executor ?? orm).execute(query)),
    ping: async (timeoutMs = 3000) => {
      await withTimeout(client`select 1`.execute(), timeoutMs, "Database ping");
    },
    async tryWithLock(key, fn) {
      const conn = await client.reserve();
      try {
        const [{ locked }] = await conn`select pg_try_advisory_lock(${key}) as locked`;
        if (!locked) return { acquired: false };
        try {
          return { acquired: true, value: await fn() };
        } finally {
          await conn`select pg_advisory_unlock(${key})`.catch(() => {
            // The connection is gone; PostgreSQL released the lock with it.
          });
        }
      } finally {
        conn.release();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
  try {
    await db.ping(10_000);
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw new DatabaseError(
      "DB_UNREACHABLE",
      `Cannot connect to PostgreSQL at DATABASE_URL (${describeUrl(options.databaseUrl!)}): ${(err as Error).message}`,
      { cause: err },
    );
  }
  return db;
}

async function openEmbedded(dataDir: string | undefined, logger?: Logger): Promise<Database> {
  const { openPglite } = await import("./pglite.ts");
  const { initdbInChild, needsInitdb } = await import("./pglite_initdb.ts");
  const { drizzle } = await import("drizzle-orm/pglite");
  let path: string | undefined;
  if (dataDir !== undefined) {
    path = `${dataDir.replace(/\/+$/, "")}/pglite`;
    try {
      Deno.mkdirSync(path, { recursive: true });
    } catch (err) {
      throw new DatabaseError(
        "DB_DATA_DIR",
        `Cannot create SMARTLINK_DATA_DIR "${dataDir}": ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  if (path !== undefined && needsInitdb(path)) {
    try {
      await initdbInChild(path);
    } catch (err) {
      // Not fatal: the database is created in this process below, at the cost of its memory.
      logger?.warn(`${(err as Error).message}; creating it in this process`, { dataDir });
    }
  }
  let client;
  try {
    client = await openPglite(path, { initdb: path === undefined || needsInitdb(path) });
  } catch (err) {
    throw new DatabaseError(
      "DB_OPEN",
      `Cannot open the embedded database in "${path ?? "memory"}": ${(err as Error).message}`,
      { cause: err },
    );
  }
  const orm = drizzle({ client, schema }) as unknown as Orm;
  let closed = false;
  return {
    kind: "pglite",
    dataDir,
    orm,
    rows: async (query, executor) => resultRows(await (executor ?? orm).execute(query)),
    ping: async (timeoutMs = 3000) => {
      if (closed || client.closed) throw new DatabaseError("DB_CLOSED", "The embedded database is closed");
      await withTimeout(client.query("select 1"), timeoutMs, "Database ping");
    },
    tryWithLock: async (_key, fn) => ({ acquired: true, value: await fn() }),
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

/** Seconds before a pool connection tries again after `retries` failed connections: 5-10 ms, … at most 0.5-1 s. */
export function reconnectDelaySeconds(retries: number): number {
  return (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1);
}

/** host:port/db of a database URL, never its password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? ":" + u.port : ""}${u.pathname}`;
  } catch {
    return "unparseable URL";
  }
}
