/**
 * The one composition root. Builds the running client from a validated
 * `Config`: database (migrated), credentials (environment or stored, read
 * again before every tick), RAC token provider, Smart Link client, setup
 * tracker, handlers, remote config and the tick runner. `serve`, `sync` and
 * `doctor` share it; the pieces it wires are built in `runtime/`.
 */
import { createCredentialsSource } from "./activation/credentials_source.ts";
import { createAppConfigSource } from "./app_config.ts";
import { resolveRetry } from "./config.ts";
import type { Connection } from "./capture/connection.ts";
import { readGetShape } from "./db/connection_store.ts";
import { redactingRegistry } from "./handlers/redacting.ts";
import { buildRegistry, readHandlersFile } from "./handlers/registry.ts";
import { redactingLogger } from "./secrets/redacting_logger.ts";
import { createInstallationGuard } from "./sync/installation_guard.ts";
import { createSyncMetrics } from "./sync/metrics.ts";
import { publishMessage } from "./sync/publish.ts";
import { runtimeActivationControl } from "./runtime/activation_control.ts";
import { activationState } from "./runtime/activation_state.ts";
import { runtimeAlertWatch } from "./runtime/alert_watch.ts";
import { openRuntimeDatabase } from "./runtime/database.ts";
import { openConnection } from "./runtime/open_connection.ts";
import { runtimeRedactor } from "./runtime/redaction.ts";
import { runtimeTickRunner } from "./runtime/tick_runner.ts";
import type { Runtime, RuntimeOptions } from "./runtime/types.ts";
import { wireCredentials, type Wiring } from "./runtime/wire_credentials.ts";

export { runtimeAppDeps } from "./runtime/app_deps.ts";
export type { Runtime, RuntimeOptions } from "./runtime/types.ts";

/** Opens and wires everything. @throws ConfigError, HandlersConfigError, AppConfigError, DatabaseError */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const now = options.now ?? (() => new Date());
  const doFetch = options.fetch ?? fetch;
  const handlerDeps = {
    fetch: doFetch,
    env: options.env,
    defaultTimeoutMs: config.handlerTimeoutMs,
    maxReplyBytes: config.maxMessageBytes,
  };
  const handlersFile = await readHandlersFile(config.handlersPath, handlerDeps);
  let wired: Wiring | undefined;
  const current = () => wired;
  const { redactor, known } = runtimeRedactor({ config, handlersFile, env: options.env, current });
  const redact = redactor.redact;
  const logger = redactingLogger(options.logger, redactor);
  const handlers = redactingRegistry(buildRegistry(handlersFile, handlerDeps), redact);
  const appConfig = config.configSource
    ? await createAppConfigSource({
      source: config.configSource,
      fetch: doFetch,
      logger,
      timeoutMs: config.httpTimeoutMs,
    })
    : undefined;
  const db = await openRuntimeDatabase(config, logger, options.db);

  const subscriptions = config.subscriptions ?? [...handlers.keys()];
  let connection: Connection;
  try {
    connection = openConnection(config, db, logger, now, known, () => wired?.creds);
  } catch (err) {
    if (!options.db) await db.close().catch(() => {});
    throw err;
  }
  const linkFetch = connection.wrap(doFetch);
  // Every secret typed in or loaded joins the redactor of captured exchanges.
  const credentials = createCredentialsSource({ config, db, logger, onSecret: known.add });
  // A copy of the production database with the same credentials must not drain production's queue.
  const installation = createInstallationGuard({
    db,
    tenantId: async () => {
      const w = wired;
      if (!w) throw new Error("not activated: no client credentials");
      await w.tokens.getToken();
      return w.tokens.state().tenantId ?? `client:${w.creds.clientId}`;
    },
    now,
    logger,
  });
  /** A token provider, client and setup tracker for the credentials in effect, rebuilt when they change. */
  const rewire = () => {
    const creds = credentials.current();
    if (creds === wired?.creds) return;
    if (!creds) {
      wired = undefined;
      return;
    }
    wired = wireCredentials(creds, { config, fetch: linkFetch, now, logger, redact, installation, subscriptions });
  };
  const refreshCredentials = async () => {
    await credentials.refresh();
    rewire();
  };
  await refreshCredentials();
  const retryParams = () => resolveRetry(config.retryOverrides, appConfig?.current());
  const tenantId = () => wired?.tokens.state().tenantId;
  const executor = options.executor ?? `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;

  const alerts = runtimeAlertWatch({ config, fetch: doFetch, db, now, logger, tenantId, redact, current });
  const metrics = createSyncMetrics();
  const runner = runtimeTickRunner({
    config,
    db,
    logger,
    now,
    executor,
    handlers,
    handlersFile,
    appConfig,
    tenantId,
    redact,
    metrics,
    alerts,
    current,
    refreshCredentials,
  });
  const activationControl = runtimeActivationControl({
    config,
    db,
    fetch: doFetch,
    now,
    logger,
    credentials,
    subscriptions,
    learnSecret: known.add,
    current,
    refreshCredentials,
  });

  return {
    config,
    db,
    logger,
    redactor,
    handlers,
    get tokens() {
      return wired?.tokens;
    },
    get client() {
      return wired?.client;
    },
    get setup() {
      return wired?.setup;
    },
    appConfig,
    credentials,
    refreshCredentials,
    activationControl,
    runner,
    metrics,
    alerts,
    now,
    retryParams,
    activation: () => activationState(wired, credentials, subscriptions),
    async publish(input) {
      const result = await publishMessage(db, input, { now, tenantId });
      runner.requestFlush();
      return result;
    },
    installation,
    async connection() {
      const report = connection.stats.report();
      if (report.lastGetShape) return report;
      const stored = await readGetShape(db);
      return stored ? { ...report, lastGetShape: stored } : report;
    },
    async close() {
      // Alerts still in flight get a few seconds; a webhook that hangs never holds the shutdown.
      if (alerts) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([alerts.idle(), new Promise((r) => timer = setTimeout(r, 3000))]);
        clearTimeout(timer);
      }
      connection.close();
      if (!options.db) await db.close();
    },
  };
}
