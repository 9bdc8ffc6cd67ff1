/**
 * The checks of `doctor` on an open runtime: configuration, network,
 * database, handlers, remote config, activation, RAC token and setup. The CLI
 * runs them on its own runtime; a running server runs them on its own for
 * `GET /api/doctor`, so both paths give the same lines and the same exit code.
 * Never a secret or a token.
 */
import { describeIdentity } from "../db/installation_store.ts";
import type { Config } from "../config.ts";
import { describeUrl } from "../db/client.ts";
import { findMissingVariables, parseHandlersFile } from "../handlers/registry.ts";
import type { Runtime } from "../runtime.ts";
import { activationState } from "../web/activation_state.ts";
import type { DoctorCheck } from "../web/deps.ts";

type Add = (status: DoctorCheck["status"], name: string, detail: string) => void;

/** The lines that need no runtime: the resolved configuration and the outbound network settings. */
export function configChecks(config: Config, env: (name: string) => string | undefined): DoctorCheck[] {
  const proxy = env("HTTPS_PROXY") ?? env("https_proxy");
  return [
    {
      status: "OK",
      name: "config",
      detail: `env=${config.env}, link=${config.linkUrl}, rac=${config.racTokenUrl}, schedule="${config.schedule}"`,
    },
    {
      status: "INFO",
      name: "network",
      detail: `HTTPS_PROXY ${proxy ? `set (${describeProxy(proxy)})` : "not set"}, NO_PROXY ${
        env("NO_PROXY") ?? env("no_proxy") ?? "not set"
      }, DENO_CERT ${env("DENO_CERT") ? `"${env("DENO_CERT")}"` : "not set"}`,
    },
  ];
}

/** Every check, the config lines first. */
export async function runChecks(
  runtime: Runtime,
  env: (name: string) => string | undefined,
): Promise<DoctorCheck[]> {
  const lines = configChecks(runtime.config, env);
  const add: Add = (status, name, detail) => void lines.push({ status, name, detail });
  await runtimeChecks(runtime, env, add);
  return lines;
}

async function runtimeChecks(runtime: Runtime, env: (name: string) => string | undefined, add: Add) {
  const config = runtime.config;
  try {
    await runtime.db.ping();
  } catch (err) {
    add("FAIL", "database", `the database does not answer: ${(err as Error).message}`);
    return;
  }
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
  await runtime.refreshCredentials();
  const creds = runtime.credentials.current();
  if (!runtime.tokens || !runtime.setup || !creds) {
    add(
      "FAIL",
      "activation",
      runtime.activation().credentialsProblem ??
        'not activated: run "deno task cli activate", open the admin page\'s /activation, or set SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET (or their _FILE variants)',
    );
    add("SKIP", "token", "no credentials");
    add("SKIP", "setup", "no credentials");
    return;
  }
  const view = runtime.credentials.view();
  add(
    "OK",
    "activation",
    creds.source === "env"
      ? `client id "${creds.clientId}" and secret from the environment`
      : `client id "${creds.clientId}" stored in the database (${creds.env}), secret encrypted under key id "${view.storedKeyId}"`,
  );
  try {
    await runtime.tokens.getToken();
    const s = runtime.tokens.state();
    add(
      "OK",
      "token",
      `obtained from ${creds.racTokenUrl}; valid until ${s.validUntil?.toISOString()}; tenant ${
        s.tenantId ?? "(no tenant claim)"
      }`,
    );
  } catch (err) {
    const hint = activationState(runtime.activation()).hint;
    add("FAIL", "token", `${(err as Error).message}${hint ? `. ${hint}` : ""}`);
    add("SKIP", "setup", "no token");
    return;
  }
  const installation = await runtime.installation?.check();
  if (installation?.status === "mismatch") add("FAIL", "installation", installation.message!);
  else if (installation?.live) {
    add(
      "OK",
      "installation",
      `the one recorded for tenant "${installation.tenantId}": ${describeIdentity(installation.live)}`,
    );
  }
  try {
    await runtime.setup.ensure();
    add(
      "OK",
      "setup",
      `accepted by ${creds.linkUrl}; subscriptions: ${runtime.activation().subscriptions.join(", ") || "(none)"}`,
    );
  } catch (err) {
    add("FAIL", "setup", (err as Error).message);
  }
  add("INFO", "get answer", getShapeText((await runtime.connection()).lastGetShape));
}

/** The doctor line for the shape of the last `get` answer (stored by whichever process did the get). */
export function getShapeText(shape: { time: string; status: number; shape: string } | undefined): string {
  if (!shape) {
    return 'no get answer recorded yet (run "deno task sync" or "deno task cli capture --ticks 1 --out FILE")';
  }
  return `${shape.shape} (HTTP ${shape.status} at ${shape.time}); compare with get.items and get.fields of the profile`;
}

/** 0 when no check failed, else 1. */
export function checksExitCode(lines: readonly DoctorCheck[]): number {
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
