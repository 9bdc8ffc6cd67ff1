/**
 * Builds the running client from a validated `Config`: database (migrated),
 * RAC token provider, Smart Link client, setup tracker, handlers, remote
 * config and the tick runner. `serve`, `sync` and `doctor` share it.
 */
import { type AppConfigSource, createAppConfigSource } from "./app_config.ts";
import { type Config, ConfigError, isActivated, resolveRetry, type RetryParams } from "./config.ts";
import { type Database, openDatabase } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { instrumentHandlers } from "./handlers/instrument.ts";
import { loadHandlers } from "./handlers/registry.ts";
import type { HandlerRegistry } from "./handlers/types.ts";
import { type Connection, createConnection } from "./capture/connection.ts";
import type { ConnectionReport } from "./capture/connection_stats.ts";
import { createKnownSecretRedactor } from "./capture/known_secrets.ts";
import { readGetShape, writeGetShape } from "./db/connection_store.ts";
import { errorFields, type Logger } from "./log.ts";
import { createTokenProvider, type TokenProvider } from "./rac/token_provider.ts";
import { createSmartLinkClient, type SmartLinkClient } from "./smartlink/client.ts";
import { createSyncMetrics, type SyncMetrics } from "./sync/metrics.ts";
import { createAlerter } from "./sync/alerts/alerter.ts";
import { type AlertWatch, createAlertWatch } from "./sync/alerts/alert_watch.ts";
import { parseCron } from "./cron.ts";
import { publishMessage } from "./sync/publish.ts";
import { createTickRunner, type TickRunner } from "./sync/runner.ts";
import { createSetupTracker, type SetupTracker } from "./sync/setup.ts";
import type { PublishInput } from "./sync/deps.ts";
import type { Activation } from "./web/deps.ts";

export interface Runtime {
  config: Config;
  db: Database;
  logger: Logger;
  handlers: HandlerRegistry;
  tokens?: TokenProvider;
  client?: SmartLinkClient;
  setup?: SetupTracker;
  appConfig?: AppConfigSource;
  runner: TickRunner;
  /** Counters and histograms of this process, for `/metrics`. */
  metrics: SyncMetrics;
  /** The alert conditions and their webhook, when SMARTLINK_ALERT_WEBHOOK is set. */
  alerts?: AlertWatch;
  now: () => Date;
  retryParams(): RetryParams;
  activation(): Activation;
  /** Per-operation figures of the exchanges with RAC and the Smart Link Server (the Connection page). */
  connection(): Promise<ConnectionReport>;
  publish(input: PublishInput): Promise<{ id: string }>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  env: (name: string) => string | undefined;
  fetch?: typeof fetch;
  now?: () => Date;
  /** An already open database (tests); otherwise opened from the config. */
  db?: Database;
  /** This process's name in `EXECUTOR`. */
  executor?: string;
}

/** Opens and wires everything. @throws ConfigError, HandlersConfigError, AppConfigError, DatabaseError */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  const now = options.now ?? (() => new Date());
  const doFetch = options.fetch ?? fetch;
  const handlers = await loadHandlers(config.handlersPath, {
    fetch: doFetch,
    env: options.env,
    defaultTimeoutMs: config.handlerTimeoutMs,
    maxReplyBytes: config.maxMessageBytes,
  });
  const appConfig = config.configSource
    ? await createAppConfigSource({
      source: config.configSource,
      fetch: doFetch,
      logger,
      timeoutMs: config.httpTimeoutMs,
    })
    : undefined;
  const db = options.db ?? await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info("Database migrated", { applied, database: db.kind });
  } catch (err) {
    if (!options.db) await db.close().catch(() => {});
    throw err;
  }

  const subscriptions = config.subscriptions ?? [...handlers.keys()];
  let tokens: TokenProvider | undefined;
  let client: SmartLinkClient | undefined;
  let setup: SetupTracker | undefined;
  let connection: Connection;
  try {
    connection = openConnection(config, db, logger, now);
  } catch (err) {
    if (!options.db) await db.close().catch(() => {});
    throw err;
  }
  const linkFetch = connection.wrap(doFetch);
  if (isActivated(config)) {
    tokens = createTokenProvider({
      tokenUrl: config.racTokenUrl,
      clientId: config.clientId!,
      clientSecret: config.clientSecret!,
      fetch: linkFetch,
      now: () => now().getTime(),
      timeoutMs: config.httpTimeoutMs,
      logger,
    });
    client = createSmartLinkClient({
      baseUrl: config.linkUrl,
      profile: config.profile,
      fetch: linkFetch,
      tokens,
      timeoutMs: config.httpTimeoutMs,
      maxMessageBytes: config.maxMessageBytes,
      logger,
      now: () => now().getTime(),
    });
    setup = createSetupTracker({ setup: (t) => client!.setup(t), subscriptions, now, logger });
  }
  const retryParams = () => resolveRetry(config.retryOverrides, appConfig?.current());
  const tenantId = () => tokens?.state().tenantId;
  const executor = options.executor ?? `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;

  const alerts = config.alertWebhook
    ? createAlertWatch({
      alerter: createAlerter({ url: config.alertWebhook, fetch: doFetch, now, logger, tenantId }),
      db,
      now,
      logger,
      failedTicks: config.alertFailedTicks,
      periodMs: (at) => parseCron(config.schedule).periodMs(at),
      tokenFailure: () => {
        const t = tokens?.state();
        const failing = t?.lastErrorAt && (!t.lastSuccessAt || t.lastErrorAt > t.lastSuccessAt);
        return failing ? { code: t?.lastErrorCode ?? "RAC_ERROR" } : undefined;
      },
    })
    : undefined;

  const metrics = createSyncMetrics();
  const tracedHandlers = instrumentHandlers(handlers, metrics.observeHandler);
  const runner = createTickRunner({
    db,
    logger,
    activated: () => client !== undefined,
    onTick: (summary) => {
      metrics.observeTick(summary);
      alerts?.onTick(summary);
    },
    deps: () => ({
      db,
      client: client!,
      setup: setup!,
      handlers: tracedHandlers,
      now,
      logger,
      executor,
      retryParams: async () => resolveRetry(config.retryOverrides, await appConfig?.refresh()),
      tenantId,
      concurrency: config.concurrency,
      ackConcurrency: config.ackConcurrency,
      maxPerTick: config.maxPerTick,
      handlerTimeoutMs: config.handlerTimeoutMs,
      retentionDays: config.retentionDays,
    }),
  });

  return {
    config,
    db,
    logger,
    handlers,
    tokens,
    client,
    setup,
    appConfig,
    runner,
    metrics,
    alerts,
    now,
    retryParams,
    activation(): Activation {
      const t = tokens?.state();
      const s = setup?.state();
      const tokenFailed = t?.lastErrorAt && (!t.lastSuccessAt || t.lastErrorAt > t.lastSuccessAt);
      return {
        activated: client !== undefined,
        tenantId: t?.tenantId,
        tokenValidUntil: t?.validUntil,
        tokenError: tokenFailed ? t?.lastError : undefined,
        tokenErrorCode: tokenFailed ? t?.lastErrorCode : undefined,
        tokenErrorStatus: tokenFailed ? t?.lastErrorStatus : undefined,
        tokenOauthError: tokenFailed ? t?.lastOauthError : undefined,
        setupError: s?.error,
        setupAt: s?.doneAt,
        subscriptions: s?.subscriptions ?? subscriptions,
      };
    },
    async publish(input) {
      const result = await publishMessage(db, input, { now, tenantId });
      runner.requestFlush();
      return result;
    },
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

/**
 * Observes every exchange with RAC and the Smart Link Server (Connection page, `SMARTLINK_CAPTURE`), redacted;
 * stores each new `get` shape for `doctor`. @throws ConfigError when the capture file cannot be opened
 */
function openConnection(config: Config, db: Database, logger: Logger, now: () => Date): Connection {
  const redactor = createKnownSecretRedactor([config.clientSecret, config.adminToken]);
  try {
    return createConnection({
      tokenUrl: config.racTokenUrl,
      linkUrl: config.linkUrl,
      profile: config.profile,
      redact: redactor.redact,
      learnSecret: redactor.add,
      capturePath: config.capturePath,
      now,
      onGetShape: (shape) => {
        writeGetShape(db, shape, now()).catch((err) =>
          logger.warn("Shape of the get answer not stored for doctor", errorFields(err))
        );
      },
      onError: (err) => logger.warn("Exchange with the Smart Link Server not recorded", errorFields(err)),
    });
  } catch (err) {
    throw new ConfigError("SMARTLINK_CAPTURE", `a file that can be created or appended to (${(err as Error).message})`);
  }
}
