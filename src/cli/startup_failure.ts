/**
 * Every way a command can end with an error, as one plain sentence on stderr
 * and one exit code per class (`exit_codes.ts`): configuration → 2, the
 * surroundings (port, data folder, database, a frozen server) → 4, anything
 * else → 1. Never a stack, never a JSON line: an operator reads this.
 */
import { AppConfigError } from "../app_config.ts";
import { ConfigError } from "../config.ts";
import { CronError } from "../cron.ts";
import { DatabaseError } from "../db/client.ts";
import { HandlersConfigError } from "../handlers/registry.ts";
import { ApiCallError } from "./api_client.ts";
import { CliError, EXIT, type ExitCode } from "./exit_codes.ts";
import { ServerLockError } from "./server_lock.ts";

export function startupFailure(err: unknown): { code: ExitCode; text: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CliError) return { code: err.exitCode, text: message };
  if (err instanceof HandlersConfigError) {
    const fix = message.includes("SMARTLINK_HANDLERS") ? "" : ": fix the file SMARTLINK_HANDLERS names";
    return { code: EXIT.USAGE, text: `Configuration error: ${message}${fix}` };
  }
  if (err instanceof AppConfigError) {
    const fix = message.includes("SMARTLINK_CONFIG") ? "" : ": fix the file or URL SMARTLINK_CONFIG names";
    return { code: EXIT.USAGE, text: `Configuration error: ${message}${fix}` };
  }
  if (err instanceof ConfigError || err instanceof CronError) {
    return { code: EXIT.USAGE, text: `Configuration error: ${message}` };
  }
  if (err instanceof ServerLockError || err instanceof ApiCallError) return { code: EXIT.UNAVAILABLE, text: message };
  if (err instanceof DatabaseError) {
    return { code: EXIT.UNAVAILABLE, text: `Database error: ${message} (check DATABASE_URL or SMARTLINK_DATA_DIR)` };
  }
  return { code: EXIT.FAILED, text: `Error: ${message}` };
}
