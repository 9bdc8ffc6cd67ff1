/**
 * `serve`: migrate, start the HTTP server, schedule the tick with `Deno.cron`,
 * and stop cleanly on SIGTERM/SIGINT (stop claiming, let handlers finish up
 * to 10 s, leave unfinished rows due again, close, exit 0).
 */
import { assertServeSafe, type Config } from "../config.ts";
import { parseCron } from "../cron.ts";
import { errorFields, type Logger } from "../log.ts";
import { createRuntime, type Runtime, runtimeAppDeps } from "../runtime.ts";
import { createApp } from "../web/app.tsx";
import { runChecks } from "./doctor_checks.ts";
import { CliError } from "./exit_codes.ts";
import { acquireServerLock, ServerLockError } from "./server_lock.ts";
import { lockProof, newLockNonce } from "../secrets/lock_proof.ts";

export interface Service {
  url: string;
  runtime: Runtime;
  /** Graceful stop; resolves when everything is closed. */
  stop(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

export interface ServeOptions {
  config: Config;
  logger: Logger;
  env: (name: string) => string | undefined;
  fetch?: typeof fetch;
  /** Schedule ticks with Deno.cron (default true). */
  cron?: boolean;
  shutdownGraceMs?: number;
}

/** Starts the service. @throws ConfigError, ServerLockError, DatabaseError, HandlersConfigError */
export async function startService(options: ServeOptions): Promise<Service> {
  const { config } = options;
  let logger = options.logger;
  if (options.cron !== false && typeof Deno.cron !== "function") {
    throw new CliError(
      "CLI_USAGE",
      "Deno.cron is not available: start with the --unstable-cron flag (deno run -A --unstable-cron smartlink-client.js)",
    );
  }
  assertServeSafe(config);
  const schedule = parseCron(config.schedule);
  const displayHost = config.host.includes(":") && !config.host.startsWith("[") ? `[${config.host}]` : config.host;
  // The CLI sends the admin token only to a server that proves it knows this lock's nonce.
  const nonce = newLockNonce();
  const lock = config.databaseUrl ? undefined : takeLock(config.dataDir, `http://${displayHost}:${config.port}`, nonce);
  let runtime: Runtime;
  try {
    runtime = await createRuntime({ config, logger, env: options.env, fetch: options.fetch });
  } catch (err) {
    lock?.release();
    throw err;
  }
  logger = runtime.logger; // behind the redactor from here on
  const app = createApp({
    ...runtimeAppDeps(runtime, () => schedule.next(runtime.now())),
    lockProof: (challenge) => lockProof(nonce, challenge),
    doctor: () => runChecks(runtime, options.env),
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname: config.host, port: config.port, onListen: () => {} }, app.fetch);
  } catch (err) {
    lock?.release();
    await runtime.close();
    throw listenError(err, config);
  }
  const url = `http://${displayHost}:${server.addr.port}`;
  // A lock file written before the port was known: rewrite it with the real one.
  lock?.release();
  const realLock = config.databaseUrl ? undefined : takeLock(config.dataDir, url, nonce);

  const cronCtl = new AbortController();
  if (options.cron !== false) {
    Deno.cron("smartlink-sync-tick", config.schedule, { signal: cronCtl.signal }, async () => {
      await runtime.runner.run("cron");
    });
  }
  const activation = runtime.activation();
  logger.info("Smart Link Client started", {
    url,
    database: runtime.db.kind,
    activated: activation.activated,
    subscriptions: activation.subscriptions,
    schedule: config.schedule,
    nextTick: schedule.next(runtime.now()).toISOString(),
  });
  if (!activation.activated) {
    logger.warn(`Not activated: open ${url}/activation (or run "deno task cli activate") to sync`, {
      problem: activation.credentialsProblem,
    });
  } else {
    runtime.setup!.ensure().catch((err) =>
      logger.warn("Setup failed at start; retried by the next tick", errorFields(err))
    );
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("Stopping: no new claims; running handlers get up to 10 s");
      cronCtl.abort();
      await runtime.runner.stop(options.shutdownGraceMs ?? 10_000);
      await server.shutdown();
      await runtime.close();
      realLock?.release();
      logger.info("Stopped");
    })();
    return stopping;
  };
  return { url, runtime, stop, finished: server.finished };
}

/** The lock of the embedded database; a folder that cannot be written says which variable to change. */
function takeLock(dataDir: string, url: string, nonce: string): { release(): void } {
  try {
    return acquireServerLock(dataDir, url, nonce);
  } catch (err) {
    if (err instanceof ServerLockError) throw new CliError("CLI_UNAVAILABLE", err.message, { cause: err });
    throw new CliError(
      "CLI_UNAVAILABLE",
      `The data folder "${dataDir}" cannot be written (${
        (err as Error).message
      }): fix its permissions or set SMARTLINK_DATA_DIR to a writable folder`,
      { cause: err },
    );
  }
}

function listenError(err: unknown, config: Config): CliError {
  const where = `${config.host}:${config.port}`;
  if (err instanceof Deno.errors.AddrInUse) {
    return new CliError(
      "CLI_UNAVAILABLE",
      `Port ${config.port} on ${config.host} is already in use: stop the program that holds it or set PORT to a free port`,
      { cause: err },
    );
  }
  if (err instanceof Deno.errors.AddrNotAvailable) {
    return new CliError(
      "CLI_UNAVAILABLE",
      `Cannot listen on ${where}: the address "${config.host}" is not on this machine: set HOST to one of its addresses`,
      { cause: err },
    );
  }
  return new CliError(
    "CLI_UNAVAILABLE",
    `Cannot listen on ${where} (${(err as Error).message}): set HOST and PORT to an address this process may bind`,
    { cause: err },
  );
}

/**
 * The signals that stop the service. Windows has no SIGTERM (Deno throws on it): a service manager there
 * (WinSW, `sc stop` through it) sends Ctrl+C (SIGINT) or Ctrl+Break (SIGBREAK).
 */
export function shutdownSignals(os: typeof Deno.build.os): Deno.Signal[] {
  return os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGTERM", "SIGINT"];
}

/** Runs `serve` until SIGTERM/SIGINT (Windows: Ctrl+C/Ctrl+Break); returns the exit code. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const service = await startService(options);
  await new Promise<void>((resolve) => {
    const onSignal = () => resolve();
    for (const signal of shutdownSignals(Deno.build.os)) Deno.addSignalListener(signal, onSignal);
  });
  await service.stop();
  return 0;
}
