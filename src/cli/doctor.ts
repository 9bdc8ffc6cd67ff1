/**
 * `doctor`: checks configuration, database, handlers, credentials, RAC token
 * and setup, one line per check, and exits non-zero when a check fails.
 * Never prints a secret or a token.
 */
import { type Config, isActivated } from "../config.ts";
import { describeUrl } from "../db/client.ts";
import type { Logger } from "../log.ts";
import { findMissingVariables, parseHandlersFile } from "../handlers/registry.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import { callApi } from "./api_client.ts";
import { readServerLock } from "./server_lock.ts";

export type CheckStatus = "OK" | "WARN" | "FAIL" | "SKIP" | "INFO";
export interface CheckLine {
  status: CheckStatus;
  name: string;
  detail: string;
}

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
  const lines: CheckLine[] = [];
  const add = (status: CheckStatus, name: string, detail: string) => {
    const line = { status, name, detail };
    lines.push(line);
    options.print(formatCheck(line));
  };
  add(
    "OK",
    "config",
    `env=${config.env}, link=${config.linkUrl}, rac=${config.racTokenUrl}, schedule="${config.schedule}"`,
  );
  const proxy = env("HTTPS_PROXY") ?? env("https_proxy");
  add(
    "INFO",
    "network",
    `HTTPS_PROXY ${proxy ? `set (${describeProxy(proxy)})` : "not set"}, NO_PROXY ${
      env("NO_PROXY") ?? env("no_proxy") ?? "not set"
    }, DENO_CERT ${env("DENO_CERT") ? `"${env("DENO_CERT")}"` : "not set"}`,
  );

  if (!config.databaseUrl) {
    const held = readServerLock(config.dataDir);
    if (held) {
      try {
        const res = await callApi(held.url, "/healthz", { fetch: options.fetch, timeoutMs: 5000 });
        const body = res.body as { status?: string; checks?: Record<string, unknown> } | null;
        add(
          res.status === 200 ? "OK" : "FAIL",
          "database",
          `embedded database held by the running server (pid ${held.pid}, ${held.url}): /healthz answered ${res.status} ${
            body?.status ?? ""
          }`,
        );
      } catch (err) {
        add(
          "FAIL",
          "database",
          `the server holding "${config.dataDir}" (pid ${held.pid}) does not answer: ${(err as Error).message}`,
        );
      }
      add("SKIP", "token", "checked by the running server; see its dashboard or /healthz");
      return exitCode(lines);
    }
  }

  let runtime: Runtime;
  try {
    runtime = await createRuntime({ config, logger: options.logger, env, fetch: options.fetch });
  } catch (err) {
    const e = err as Error & { code?: string };
    const name = e.name === "HandlersConfigError"
      ? "handlers"
      : e.name === "AppConfigError"
      ? "remote config"
      : "database";
    add("FAIL", name, e.message);
    return exitCode(lines);
  }
  try {
    await runtime.db.ping();
    add(
      "OK",
      "database",
      runtime.db.kind === "postgres"
        ? `PostgreSQL ${describeUrl(config.databaseUrl!)}, migrations applied`
        : `embedded PGlite in "${config.dataDir}", migrations applied`,
    );
    add(
      runtime.handlers.size > 0 ? "OK" : "WARN",
      "handlers",
      runtime.handlers.size > 0
        ? `${runtime.handlers.size} handler(s): ${[...runtime.handlers.keys()].join(", ")}`
        : "no handlers configured (SMARTLINK_HANDLERS): every command would go DEAD",
    );
    if (config.handlersPath) {
      const file = parseHandlersFile(await Deno.readTextFile(config.handlersPath), config.handlersPath);
      for (const m of findMissingVariables(file, env)) {
        add("WARN", "handlers", `handler "${m.type}" header "${m.header}" uses \${${m.variable}}, which is not set`);
      }
    }
    if (runtime.appConfig) {
      const error = runtime.appConfig.lastError();
      add(error ? "WARN" : "OK", "remote config", error ?? `retry parameters ${JSON.stringify(runtime.retryParams())}`);
    }
    if (!isActivated(config)) {
      add(
        "FAIL",
        "activation",
        "not activated: set SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET (or their _FILE variants)",
      );
      add("SKIP", "token", "no credentials");
      add("SKIP", "setup", "no credentials");
      return exitCode(lines);
    }
    add("OK", "activation", "client id and secret configured");
    try {
      await runtime.tokens!.getToken();
      const s = runtime.tokens!.state();
      add(
        "OK",
        "token",
        `obtained from ${config.racTokenUrl}; valid until ${s.validUntil?.toISOString()}; tenant ${
          s.tenantId ?? "(no tenant claim)"
        }`,
      );
    } catch (err) {
      add("FAIL", "token", (err as Error).message);
      add("SKIP", "setup", "no token");
      return exitCode(lines);
    }
    try {
      await runtime.setup!.ensure();
      add(
        "OK",
        "setup",
        `accepted by ${config.linkUrl}; subscriptions: ${runtime.activation().subscriptions.join(", ") || "(none)"}`,
      );
    } catch (err) {
      add("FAIL", "setup", (err as Error).message);
    }
  } finally {
    await runtime.close();
  }
  return exitCode(lines);
}

function exitCode(lines: CheckLine[]): number {
  return lines.some((l) => l.status === "FAIL") ? 1 : 0;
}

function describeProxy(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "unparseable";
  }
}
