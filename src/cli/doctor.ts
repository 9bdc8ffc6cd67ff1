/**
 * `doctor`: checks configuration, database, handlers, credentials, RAC token
 * and setup, one line per check, and exits 1 when a check fails. While a
 * server holds the embedded database the same checks run inside it
 * (`GET /api/doctor`): same lines, same exit code. Never prints a secret.
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import type { DoctorCheck } from "../web/deps.ts";
import { callServer } from "./call_server.ts";
import { checksExitCode, configChecks, runChecks } from "./doctor_checks.ts";
import { findServer } from "./find_server.ts";

export type CheckLine = DoctorCheck;
export type CheckStatus = DoctorCheck["status"];

export interface DoctorOptions {
  config: Config;
  logger: Logger;
  env: (name: string) => string | undefined;
  fetch?: typeof fetch;
  print: (line: string) => void;
}

/** Formats one check line: `OK    database: …`. */
export function formatCheck(c: CheckLine): string {
  return `${c.status.padEnd(5)} ${c.name}: ${c.detail}`;
}

/** Runs every check; returns the exit code (0 = all passed). */
export async function doctorCommand(options: DoctorOptions): Promise<number> {
  const { config, env } = options;
  const found = findServer(config, env);
  let lines: CheckLine[];
  if (found) {
    const held = found.lock;
    options.print(`INFO  server: checks run by the running server (pid ${held.pid}, ${held.url})`);
    await callServer(held, "/api/status", { token: config.adminToken, fetch: options.fetch }); // frozen? in seconds
    const res = await callServer(held, "/api/doctor", {
      token: config.adminToken,
      fetch: options.fetch,
      timeoutMs: 4 * config.httpTimeoutMs + 5_000,
    });
    const body = res.body as { checks?: CheckLine[] } | null;
    if (res.status !== 200 || !Array.isArray(body?.checks)) {
      options.print(formatCheck({
        status: "FAIL",
        name: "server",
        detail: `GET /api/doctor answered HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`,
      }));
      return 1;
    }
    lines = body.checks;
  } else {
    let runtime: Runtime;
    try {
      runtime = await createRuntime({ config, logger: options.logger, env, fetch: options.fetch });
    } catch (err) {
      const e = err as Error;
      const name = e.name === "HandlersConfigError"
        ? "handlers"
        : e.name === "AppConfigError"
        ? "remote config"
        : "database";
      lines = [...configChecks(config, env), { status: "FAIL", name, detail: e.message }];
      for (const l of lines) options.print(formatCheck(l));
      return 1;
    }
    try {
      lines = await runChecks(runtime, env);
    } finally {
      await runtime.close();
    }
  }
  for (const l of lines) options.print(formatCheck(l));
  return checksExitCode(lines);
}
