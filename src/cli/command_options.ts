/** What every CLI command gets, and the two ways it reaches the data: the running server's API or the database. */
import type { Config } from "../config.ts";
import { type Database, openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { errorText } from "../errors.ts";
import type { Logger } from "../log.ts";
import { findServer, type FoundServer } from "./find_server.ts";

export interface CommandOptions {
  config: Config;
  logger: Logger;
  env: (name: string) => string | undefined;
  args: string[];
  print: (line: string) => void;
  fetch?: typeof fetch;
}

/** The running server holding the embedded database (or dev's), when there is one. */
export function heldByServer(o: CommandOptions): FoundServer | undefined {
  return findServer(o.config, o.env);
}

/** Opens the database (migrated), runs `fn`, closes it. */
export async function withDb<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** `CODE: message` of an API error body. */
export function apiErrorText(body: unknown): string {
  const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return e ? errorText(String(e.code), String(e.message)) : JSON.stringify(body);
}

/** The API error code of a body, if any. */
export function errorCode(body: unknown): string | undefined {
  return (body as { error?: { code?: string } } | null)?.error?.code;
}
