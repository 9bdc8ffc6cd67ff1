/**
 * The CLI commands other than `serve` and `doctor`: `sync`, `migrate`,
 * `status`, `retry <id>`, `discard <id>`, `purge`. With the embedded
 * database held by a running server they act through its API.
 */
import { countMessages, oldestDue } from "../db/admin_queries.ts";
import { type Database, openDatabase } from "../db/client.ts";
import { discardMessage, retryMessage } from "../db/message_actions.ts";
import { migrate } from "../db/migrate.ts";
import { resolveMessageId } from "../db/resolve_id.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { createRuntime } from "../runtime.ts";
import { purgeHistory } from "../sync/store.ts";
import type { TickSummary } from "../sync/summary.ts";
import { callApi } from "./api_client.ts";
import { type LockInfo, readServerLock } from "./server_lock.ts";

export interface CommandOptions {
  config: Config;
  logger: Logger;
  env: (name: string) => string | undefined;
  args: string[];
  print: (line: string) => void;
  fetch?: typeof fetch;
}

function heldByServer(config: Config): LockInfo | undefined {
  return config.databaseUrl ? undefined : readServerLock(config.dataDir);
}

async function withDb<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

function errorText(body: unknown): string {
  const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return e ? `${e.code}: ${e.message}` : JSON.stringify(body);
}

/** `sync [--json]`: one tick; exit 0 when it ran without error. */
export async function syncCommand(o: CommandOptions): Promise<number> {
  const json = o.args.includes("--json");
  const held = heldByServer(o.config);
  let summary: TickSummary;
  if (held) {
    const res = await callApi(held.url, "/api/sync", { method: "POST", token: o.config.adminToken, fetch: o.fetch });
    if (res.status !== 200) {
      o.print(`Sync not run by the server at ${held.url}: ${errorText(res.body)}`);
      return 1;
    }
    summary = res.body as TickSummary;
  } else {
    const runtime = await createRuntime({ config: o.config, logger: o.logger, env: o.env, fetch: o.fetch });
    try {
      const result = await runtime.runner.run("cli");
      if (!result.ran) {
        o.print(
          result.reason === "not_activated"
            ? "Not activated: set SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET to sync"
            : "Another process is running a tick on this database; try again in a moment",
        );
        return result.reason === "not_activated" ? 2 : 1;
      }
      summary = result.summary;
    } finally {
      await runtime.close();
    }
  }
  if (json) o.print(JSON.stringify(summary));
  else {
    o.print(
      `Tick ${
        summary.error ? "FAILED" : "ok"
      } in ${summary.durationMs} ms: sent ${summary.sent}, downloaded ${summary.downloaded} (stored ${summary.stored}, duplicates ${summary.duplicates}, invalid ${summary.invalid}), acked ${summary.acked}, executed ${summary.executed} (succeeded ${summary.succeeded}, retried ${summary.retried}, dead ${summary.dead}), purged ${
        summary.purgedExec + summary.purgedLog
      }`,
    );
    if (summary.error) {
      o.print(`Error in phase ${summary.error.phase}: ${summary.error.code}: ${summary.error.message}`);
    }
  }
  return summary.error ? 1 : 0;
}

/** `migrate`: applies pending migrations. */
export async function migrateCommand(o: CommandOptions): Promise<number> {
  const held = heldByServer(o.config);
  if (held) {
    o.print(`The running server (pid ${held.pid}) applied the migrations when it started; nothing to do`);
    return 0;
  }
  const db = await openDatabase({ databaseUrl: o.config.databaseUrl, dataDir: o.config.dataDir });
  try {
    const applied = await migrate(db);
    o.print(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date");
    return 0;
  } finally {
    await db.close();
  }
}

/** `status`: message counts by direction/status/type and the oldest due message. */
export async function statusCommand(o: CommandOptions): Promise<number> {
  const held = heldByServer(o.config);
  let counts: { direction: string; status: string; type: string; count: number }[];
  let oldest: string | undefined;
  if (held) {
    const res = await callApi(held.url, "/api/status", { token: o.config.adminToken, fetch: o.fetch });
    if (res.status !== 200) {
      o.print(`Status not available from ${held.url}: ${errorText(res.body)}`);
      return 1;
    }
    const body = res.body as { counts: { rows: typeof counts }; oldestPendingSeconds?: number | null };
    counts = body.counts.rows;
    oldest = body.oldestPendingSeconds == null ? undefined : `${body.oldestPendingSeconds} s`;
  } else {
    [counts, oldest] = await withDb(o.config, async (db) => {
      const now = new Date();
      const due = await oldestDue(db, now);
      return [await countMessages(db), due ? `${Math.round((now.getTime() - due.getTime()) / 1000)} s` : undefined];
    });
  }
  if (o.args.includes("--json")) {
    o.print(JSON.stringify({ counts, oldestDue: oldest ?? null }));
    return 0;
  }
  if (counts.length === 0) o.print("No messages waiting (GTOTVSLINKMESSAGE is empty)");
  for (const c of counts) {
    o.print(`${c.direction.padEnd(4)} ${c.status.padEnd(7)} ${String(c.count).padStart(7)}  ${c.type}`);
  }
  o.print(`Oldest due message waiting: ${oldest ?? "none"}`);
  return 0;
}

/** `retry <id>` and `discard <id>`: the whole ID or a unique prefix of 8+ characters. */
export async function actionCommand(action: "retry" | "discard", o: CommandOptions): Promise<number> {
  const given = o.args[0];
  if (!given) {
    o.print(`Usage: deno task cli ${action} <id>  (the local ID, or a unique prefix of at least 8 characters)`);
    return 2;
  }
  const held = heldByServer(o.config);
  let id: string;
  if (held) {
    const res = await callApi(held.url, `/api/messages/${encodeURIComponent(given)}/${action}`, {
      method: "POST",
      token: o.config.adminToken,
      fetch: o.fetch,
    });
    if (res.status !== 200) {
      o.print(`${action} failed: ${errorText(res.body)}`);
      return res.status === 400 ? 2 : 1;
    }
    id = (res.body as { message: { id: string } }).message.id;
  } else {
    const result = await withDb(o.config, async (db) => {
      const resolved = await resolveMessageId(db, given, "queue");
      if (!resolved.ok) return resolved;
      const options = { now: new Date(), actor: { via: "cli" as const, address: "local" } };
      return action === "retry" ? retryMessage(db, resolved.id, options) : discardMessage(db, resolved.id, options);
    });
    if (!result.ok) {
      o.print(`${action} failed: ${result.code}: ${result.message}`);
      return result.code === "INVALID_ID" ? 2 : 1;
    }
    id = result.message.id;
  }
  o.print(action === "retry" ? `Message ${id} is due now (fresh attempt budget)` : `Message ${id} discarded`);
  return 0;
}

/** `purge`: deletes EXEC and LOG rows older than the retention. */
export async function purgeCommand(o: CommandOptions): Promise<number> {
  const held = heldByServer(o.config);
  if (held) {
    o.print(`The running server (pid ${held.pid}) purges at every tick; run "deno task sync" to tick now`);
    return 0;
  }
  const cutoff = new Date(Date.now() - o.config.retentionDays * 86_400_000);
  const total = { exec: 0, log: 0 };
  await withDb(o.config, async (db) => {
    for (;;) {
      const n = await purgeHistory(db, cutoff);
      total.exec += n.exec;
      total.log += n.log;
      if (n.exec === 0 && n.log === 0) break;
    }
  });
  o.print(
    `Purged ${total.exec} GTOTVSLINKMESSAGEEXEC and ${total.log} GTOTVSLINKLOG rows older than ${o.config.retentionDays} days`,
  );
  return 0;
}
