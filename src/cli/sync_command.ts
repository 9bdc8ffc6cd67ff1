/** `sync [--json]`: one tick, here or in the running server; the same exit code either way. */
import { createRuntime } from "../runtime.ts";
import type { TickSummary } from "../sync/summary.ts";
import type { SyncRunResult } from "../web/deps.ts";
import { callApi } from "./api_client.ts";
import { errorText } from "../errors.ts";
import { callServer } from "./call_server.ts";
import { apiErrorText, type CommandOptions, errorCode, heldByServer } from "./command_options.ts";
import { EXIT } from "./exit_codes.ts";

export const NOT_ACTIVATED_TEXT =
  'Not activated: run "deno task cli activate" (or use the /activation page, or set SMARTLINK_CLIENT_ID and ' +
  "SMARTLINK_CLIENT_SECRET or SMARTLINK_CLIENT_SECRET_FILE) to sync";
export const BUSY_TEXT = "A tick is already running on this database; try again when it ends";

/** Runs one tick; exit 0 when it ran without error, 1 when it failed or another ran, 3 when not activated. */
export async function syncCommand(o: CommandOptions): Promise<number> {
  const held = heldByServer(o);
  let result: SyncRunResult;
  if (held) {
    const url = held.lock.url;
    const token = o.config.adminToken;
    // A quick question first, so a frozen server is reported in seconds; the tick itself may take minutes.
    await callServer(held.lock, "/api/status", { token, fetch: o.fetch });
    const res = await callApi(url, "/api/sync", {
      method: "POST",
      token,
      fetch: o.fetch,
      timeoutMs: o.config.handlerTimeoutMs + 6 * o.config.httpTimeoutMs + 60_000,
    });
    if (res.status === 200) result = { ran: true, summary: res.body as TickSummary };
    else if (errorCode(res.body) === "NOT_ACTIVATED") result = { ran: false, reason: "not_activated" };
    else if (errorCode(res.body) === "SYNC_RUNNING") result = { ran: false, reason: "busy" };
    else {
      o.print(`Sync not run by the server at ${url}: ${apiErrorText(res.body)}`);
      return EXIT.FAILED;
    }
  } else {
    const runtime = await createRuntime({ config: o.config, logger: o.logger, env: o.env, fetch: o.fetch });
    try {
      result = await runtime.runner.run("cli");
    } finally {
      await runtime.close();
    }
  }
  if (!result.ran) {
    o.print(result.reason === "not_activated" ? NOT_ACTIVATED_TEXT : BUSY_TEXT);
    return result.reason === "not_activated" ? EXIT.NOT_ACTIVATED : EXIT.FAILED;
  }
  const summary = result.summary;
  if (o.args.includes("--json")) o.print(JSON.stringify(summary));
  else {
    o.print(
      `Tick ${
        summary.error ? "FAILED" : "ok"
      } in ${summary.durationMs} ms: sent ${summary.sent}, downloaded ${summary.downloaded} (stored ${summary.stored}, duplicates ${summary.duplicates}, invalid ${summary.invalid}), acked ${summary.acked}, executed ${summary.executed} (succeeded ${summary.succeeded}, retried ${summary.retried}, dead ${summary.dead}), purged ${
        summary.purgedExec + summary.purgedLog
      }`,
    );
    if (summary.error) {
      o.print(`Error in phase ${summary.error.phase}: ${errorText(summary.error.code, summary.error.message)}`);
    }
  }
  return summary.error ? EXIT.FAILED : EXIT.OK;
}
