/**
 * The CLI commands `migrate`, `status`, `retry <id>` and `discard <id>`
 * (`sync`, `purge`, `doctor` and `serve` have their own files). While a server
 * holds the embedded database they act through its API, with the same output
 * and exit codes.
 */
import { countMessages, oldestDue } from "../db/admin_queries.ts";
import { openDatabase } from "../db/client.ts";
import { discardMessage, retryMessage } from "../db/message_actions.ts";
import { migrate } from "../db/migrate.ts";
import { resolveMessageId } from "../db/resolve_id.ts";
import { errorText } from "../errors.ts";
import { callServer } from "./call_server.ts";
import { apiErrorText, type CommandOptions, errorCode, heldByServer, withDb } from "./command_options.ts";
import { EXIT } from "./exit_codes.ts";

/** `migrate`: applies pending migrations. */
export async function migrateCommand(o: CommandOptions): Promise<number> {
  const held = heldByServer(o);
  if (held) {
    o.print(`The running server (pid ${held.lock.pid}) applied the migrations when it started; nothing to do`);
    return EXIT.OK;
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
  const held = heldByServer(o);
  let counts: { direction: string; status: string; type: string; count: number }[];
  let oldest: string | undefined;
  if (held) {
    const res = await callServer(held.lock, "/api/status", { token: o.config.adminToken, fetch: o.fetch });
    if (res.status !== 200) {
      o.print(`Status not available from ${held.lock.url}: ${apiErrorText(res.body)}`);
      return EXIT.FAILED;
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
  const held = heldByServer(o);
  let id: string;
  if (held) {
    const res = await callServer(held.lock, `/api/messages/${encodeURIComponent(given)}/${action}`, {
      method: "POST",
      token: o.config.adminToken,
      fetch: o.fetch,
    });
    if (res.status !== 200) {
      o.print(`${action} failed: ${apiErrorText(res.body)}`);
      return errorCode(res.body) === "INVALID_ID" ? EXIT.USAGE : EXIT.FAILED;
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
      o.print(`${action} failed: ${errorText(result.code, result.message)}`);
      return result.code === "INVALID_ID" ? EXIT.USAGE : EXIT.FAILED;
    }
    id = result.message.id;
  }
  o.print(action === "retry" ? `Message ${id} is due now (fresh attempt budget)` : `Message ${id} discarded`);
  return 0;
}
