/**
 * Composition root: reads the configuration once, builds the logger and runs
 * one command. Nothing else reads the environment or touches the process.
 *
 *   serve · sync [--json] · migrate · doctor · status [--json] · retry <id> ·
 *   discard <id> · purge · capture · activate · deactivate · rotate-key ·
 *   healthcheck; no command prints the usage.
 */
import { activateCommand, deactivateCommand } from "./cli/activate_command.ts";
import { activateConfirmCommand } from "./cli/activate_confirm.ts";
import { captureCommand } from "./cli/capture.ts";
import { actionCommand, migrateCommand, statusCommand } from "./cli/commands.ts";
import { purgeCommand } from "./cli/purge_command.ts";
import { rotateKeyCommand } from "./cli/rotate_key_command.ts";
import { terminalPrompter } from "./cli/terminal_prompt.ts";
import { syncCommand } from "./cli/sync_command.ts";
import { INITDB_COMMAND, initdbHere } from "./db/pglite_initdb.ts";
import { doctorCommand } from "./cli/doctor.ts";
import { selftestCommand } from "./cli/selftest.ts";
import { serveCommand } from "./cli/serve.ts";
import { EXIT } from "./cli/exit_codes.ts";
import { invocation } from "./cli/invocation.ts";
import { startupFailure } from "./cli/startup_failure.ts";
import { type Config, loadConfig } from "./config.ts";
import { withEnvFile } from "./env_file.ts";
import { createLogger, errorFields } from "./log.ts";
import { describeFetchError } from "./net/fetch_error.ts";

const usage = (name: string) =>
  `Usage: ${name} <command>
  serve              start the HTTP server and the scheduled sync tick (deno task start)
  sync [--json]      run one sync tick and print its summary
  migrate            apply database migrations
  doctor             check configuration, database, handlers, credentials, token and setup
  doctor --selftest  run a short crash-and-fault scenario against the built-in simulator
  status [--json]    message counts by direction, status and type
  retry <id>         make a message due now with a fresh attempt budget (ID or a unique 8+ character prefix)
  discard <id>       delete a message (its EXEC row records the discard)
  purge              delete EXEC and LOG rows older than SMARTLINK_RETENTION_DAYS
  activate [--client-id ID] [--client-secret-file F] [--env prod|staging|dev] [--link-url U --rac-token-url U]
                     test the tenant credentials (asked for when not given; the secret not echoed) and store
                     them encrypted: every client on the database syncs from its next tick
  activate --confirm adopt this database as the tenant's installation (after a copy was detected)
  deactivate [--yes] remove the stored credentials: syncing stops at the next tick, messages stay
  rotate-key --new-key-file F
                     re-encrypt the stored secret under the key in F (SMARTLINK_SECRET_KEY is the current one)
  capture --ticks N --out FILE
                     run N ticks writing every exchange with RAC and Smart Link to FILE (redacted)
  healthcheck [--allow-not-activated]
                     exit 0 when the local server's /healthz answers 200 (container HEALTHCHECK)
  help               this text

Exit codes: 0 done · 1 failed · 2 usage or configuration error · 3 not activated ·
4 unavailable (port in use, data folder, database, server not answering).`;

const print = (line: string) => console.log(line);

const COMMANDS = new Set([
  "serve",
  "sync",
  "migrate",
  "doctor",
  "status",
  "retry",
  "discard",
  "purge",
  "capture",
  "activate",
  "deactivate",
  "rotate-key",
  "healthcheck",
]);

async function main(args: string[]): Promise<number> {
  const name = invocation({
    standalone: Deno.build.standalone ?? false,
    mainModule: Deno.mainModule,
    execPath: Deno.execPath(),
  });
  const [command, ...rest] = args;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    print(usage(name));
    return EXIT.OK;
  }
  if (command === INITDB_COMMAND) {
    // The child of the embedded database's first start (src/db/pglite_initdb.ts); not for people.
    await initdbHere(rest[0]);
    return EXIT.OK;
  }
  if (!COMMANDS.has(command)) {
    console.error(`Unknown command "${command}"\n${usage(name)}`);
    return EXIT.USAGE;
  }
  let config: Config;
  let vars: Record<string, string>;
  try {
    vars = withEnvFile(Deno.env.toObject());
    config = loadConfig(vars);
  } catch (err) {
    const f = startupFailure(err);
    console.error(f.text);
    return f.code;
  }
  // CLI commands keep stdout for their own output; the log goes to stderr below warn.
  const logger = createLogger({
    level: command === "serve" ? config.logLevel : "warn",
    write: command === "serve" ? undefined : (line) => console.error(line),
  });
  const env = (name: string) => vars[name];
  const options = { config, logger, env, args: rest, print };
  try {
    switch (command) {
      case "serve":
        return await serveCommand({ config, logger, env });
      case "sync":
        return await syncCommand(options);
      case "migrate":
        return await migrateCommand(options);
      case "doctor":
        return rest.includes("--selftest")
          ? await selftestCommand({ print, logger })
          : await doctorCommand({ config, logger, env, print });
      case "status":
        return await statusCommand(options);
      case "retry":
      case "discard":
        return await actionCommand(command, options);
      case "purge":
        return await purgeCommand(options);
      case "capture":
        return await captureCommand(options);
      case "activate":
        if (rest.includes("--confirm")) return await activateConfirmCommand(options);
        return await activateCommand(options, terminalPrompter());
      case "deactivate":
        return await deactivateCommand(options, terminalPrompter());
      case "rotate-key":
        return await rotateKeyCommand(options);
      default:
        return await healthcheckCommand(config, rest);
    }
  } catch (err) {
    const f = startupFailure(err);
    console.error(f.text);
    if (f.code === EXIT.FAILED) logger.error(`${command} failed: ${errorFields(err).error}`, errorFields(err));
    return f.code;
  }
}

/**
 * Probes the local server's /healthz; for a container HEALTHCHECK without curl.
 * Exit 0 on 200 (and on `not_activated` with `--allow-not-activated`), else 1, with one line saying why.
 */
async function healthcheckCommand(config: Config, args: string[]): Promise<number> {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${config.port}/healthz`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  } catch (err) {
    console.error(`Unhealthy: no server answered at ${url}: ${describeFetchError(err, 4000)} (check HOST and PORT)`);
    return 1;
  }
  const body = await res.json().catch(() => null) as { status?: string; reasons?: string[] } | null;
  const status = body?.status ?? `HTTP ${res.status}`;
  if (res.status === 200 || (status === "not_activated" && args.includes("--allow-not-activated"))) {
    console.log(`Healthy: ${status}`);
    return 0;
  }
  console.error(`Unhealthy: ${status}${body?.reasons?.length ? `: ${body.reasons.join("; ")}` : ""}`);
  return 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
