/**
 * Composition root: reads the configuration once, builds the logger and runs
 * one command. Nothing else reads the environment or touches the process.
 *
 *   serve (default) · sync [--json] · migrate · doctor · status [--json] ·
 *   retry <id> · discard <id> · purge
 */
import { actionCommand, migrateCommand, purgeCommand, statusCommand, syncCommand } from "./cli/commands.ts";
import { doctorCommand } from "./cli/doctor.ts";
import { selftestCommand } from "./cli/selftest.ts";
import { serveCommand } from "./cli/serve.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { createLogger, errorFields } from "./log.ts";

const USAGE = `Usage: deno task cli <command>
  serve            start the HTTP server and the scheduled sync tick (deno task start)
  sync [--json]    run one sync tick and print its summary
  migrate          apply database migrations
  doctor           check configuration, database, handlers, credentials, token and setup
  doctor --selftest  run a short crash-and-fault scenario against the built-in simulator
  status [--json]  message counts by direction, status and type
  retry <id>       make a message due now with a fresh attempt budget
  discard <id>     delete a message (its EXEC row records the discard)
  purge            delete EXEC and LOG rows older than SMARTLINK_RETENTION_DAYS
  healthcheck      exit 0 when the local server's /healthz answers 200 (container HEALTHCHECK)`;

const print = (line: string) => console.log(line);
const env = (name: string) => Deno.env.get(name);

async function main(args: string[]): Promise<number> {
  const [command = "serve", ...rest] = args;
  if (command === "help" || command === "--help" || command === "-h") {
    print(USAGE);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  // CLI commands keep stdout for their own output; the log goes to stderr below warn.
  const logger = createLogger({
    level: command === "serve" ? config.logLevel : "warn",
    write: command === "serve" ? undefined : (line) => console.error(line),
  });
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
      case "healthcheck":
        return await healthcheckCommand(config);
      default:
        console.error(`Unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    const fields = errorFields(err);
    logger.error(`${command} failed: ${fields.error}`, fields);
    if (command !== "serve") console.error(`Error: ${fields.error}`);
    return 1;
  }
}

/** Probes the local server's /healthz; for a container HEALTHCHECK without curl. */
async function healthcheckCommand(config: Config): Promise<number> {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  try {
    const res = await fetch(`http://${host.includes(":") ? `[${host}]` : host}:${config.port}/healthz`, {
      signal: AbortSignal.timeout(4000),
    });
    await res.body?.cancel();
    return res.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
