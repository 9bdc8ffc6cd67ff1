/**
 * `capture --ticks N --out FILE`: runs N sync ticks with every exchange with
 * RAC and the Smart Link Server written to FILE as JSON lines (redacted), then
 * prints what the Connection page would show: calls and answers per
 * operation and the shape of the last `get` answer.
 */
import { createRuntime } from "../runtime.ts";
import type { CommandOptions } from "./command_options.ts";
import { getShapeText } from "./doctor_checks.ts";
import { errorText } from "../errors.ts";
import { EXIT } from "./exit_codes.ts";
import { readServerLock } from "./server_lock.ts";
import { BUSY_TEXT } from "./sync_command.ts";

const USAGE = "Usage: deno task cli capture --ticks N --out FILE  (N from 1 to 1000; FILE receives JSON lines)";

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Runs the capture; exit 0 when every tick ran without error, 1 when one failed, 2 bad usage, 3 not activated. */
export async function captureCommand(o: CommandOptions): Promise<number> {
  const ticksText = option(o.args, "--ticks") ?? "1";
  const out = option(o.args, "--out");
  const ticks = Number(ticksText);
  if (!out || out.startsWith("--") || !/^\d+$/.test(ticksText) || ticks < 1 || ticks > 1000) {
    o.print(
      `${USAGE}${out ? "" : "; --out is missing"}${/^\d+$/.test(ticksText) ? "" : `; got --ticks "${ticksText}"`}`,
    );
    return EXIT.USAGE;
  }
  const held = o.config.databaseUrl ? undefined : readServerLock(o.config.dataDir);
  if (held) {
    o.print(
      `The running server (pid ${held.pid}) holds the embedded database: stop it, or restart it with SMARTLINK_CAPTURE="${out}"`,
    );
    return EXIT.UNAVAILABLE;
  }
  const runtime = await createRuntime({
    config: { ...o.config, capturePath: out },
    logger: o.logger,
    env: o.env,
    fetch: o.fetch,
  });
  let failed = false;
  try {
    for (let i = 1; i <= ticks; i++) {
      const result = await runtime.runner.run("cli");
      if (!result.ran) {
        o.print(
          result.reason === "not_activated"
            ? "Not activated: set SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET (or SMARTLINK_CLIENT_SECRET_FILE) to capture"
            : BUSY_TEXT,
        );
        return result.reason === "not_activated" ? EXIT.NOT_ACTIVATED : EXIT.FAILED;
      }
      const s = result.summary;
      failed ||= s.error !== undefined;
      o.print(
        `Tick ${i}/${ticks} ${
          s.error ? `FAILED in phase ${s.error.phase}: ${errorText(s.error.code, s.error.message)}` : "ok"
        }` +
          `: sent ${s.sent}, downloaded ${s.downloaded}, acked ${s.acked}, nacked ${s.nacked}, executed ${s.executed}`,
      );
    }
    const report = await runtime.connection();
    for (const op of report.operations) {
      const statuses = Object.entries(op.byStatus).map(([k, n]) => `${k}×${n}`).join(" ");
      o.print(`  ${op.op.padEnd(6)} ${String(op.calls).padStart(4)} call(s): ${statuses}; p50 ${op.p50Ms} ms`);
    }
    o.print(`  get answer: ${getShapeText(report.lastGetShape)}`);
  } finally {
    await runtime.close();
  }
  o.print(`Exchanges written to "${out}" (one JSON line each, redacted)`);
  return failed ? EXIT.FAILED : EXIT.OK;
}
