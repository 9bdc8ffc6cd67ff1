/**
 * Builds the running client from a validated `Config`: database (migrated),
 * credentials (environment or stored, read again before every tick), RAC
 * token provider, Smart Link client, setup tracker, handlers, remote config
 * and the tick runner. `serve`, `sync` and `doctor` share it.
 */
import { activateCredentials } from "./activation/activate.ts";
import type { Credentials } from "./activation/credentials.ts";
import { createCredentialsSource, type CredentialsSource } from "./activation/credentials_source.ts";
import { deactivateCredentials } from "./activation/deactivate.ts";
import { testCredentials, type TestDeps } from "./activation/test_credentials.ts";
import { type AppConfigSource, createAppConfigSource } from "./app_config.ts";
import { type Config, ConfigError, resolveRetry, type RetryParams } from "./config.ts";
import { type Database, openDatabase } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { instrumentHandlers } from "./handlers/instrument.ts";
import { resolvedHeaderValues } from "./handlers/header_check.ts";
import { redactingRegistry } from "./handlers/redacting.ts";
import { buildRegistry, errorReplyTargets, readHandlersFile } from "./handlers/registry.ts";
import { createRedactor, type Redactor } from "./secrets/redactor.ts";
import { redactingLogger } from "./secrets/redacting_logger.ts";
import type { HandlerRegistry } from "./handlers/types.ts";
import { type Connection, createConnection } from "./capture/connection.ts";
import type { ConnectionReport } from "./capture/connection_stats.ts";
import { readGetShape, writeGetShape } from "./db/connection_store.ts";
import { logOperatorAction } from "./db/message_actions.ts";
import { errorFields, type Logger } from "./log.ts";
import { createInstallationGuard, guardClient, type InstallationGuard } from "./sync/installation_guard.ts";
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
import type { Activation, ActivationControl, AppDeps } from "./web/deps.ts";

export interface Runtime {
  config: Config;
  db: Database;
  /** The options' logger behind the redactor: use this one. */
  logger: Logger;
  /** The one redactor of this process. */
  redactor: Redactor;
  handlers: HandlerRegistry;
  tokens?: TokenProvider;
  client?: SmartLinkClient;
  setup?: SetupTracker;
  appConfig?: AppConfigSource;
  credentials: CredentialsSource;
  /** Reads the credentials again and rewires the token provider and client when they changed. */
  refreshCredentials(): Promise<void>;
  /** The activation page's port: test, activate, deactivate. */
  activationControl: ActivationControl;
  /** Runs `refreshCredentials()` before every tick. */
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
  /** Whether this database is the installation recorded for the tenant (its checks need credentials). */
  installation: InstallationGuard;
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

interface Wiring {
  creds: Credentials;
  tokens: TokenProvider;
  client: SmartLinkClient;
  setup: SetupTracker;
}

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
  // The one redactor. Its sources are asked at every use, so a secret that changes at run time (typed in on the
  // activation page, a fresh RAC token) is covered at once; `runtime.redactor.addSource` adds more.
  let wired: Wiring | undefined;
  const learned = new Set<string>();
  const redactor = createRedactor(
    () => [config.clientSecret, config.adminToken, wired?.creds.clientSecret],
    () => learned,
    () => wired?.tokens.recentTokens() ?? [],
    () => resolvedHeaderValues(handlersFile, options.env),
  );
  // The alert webhook's URL carries its own key (Slack, Teams): masked wherever it might be echoed.
  if (config.alertWebhook) redactor.addSource(() => [config.alertWebhook]);
  const redact = redactor.redact;
  const known = { redact, add: (secret: string | undefined) => void (secret && learned.add(secret)) };
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
  const db = options.db ?? await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info("Database migrated", { applied, database: db.kind });
  } catch (err) {
    if (!options.db) await db.close().catch(() => {});
    throw err;
  }

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
    const tokens = createTokenProvider({
      tokenUrl: creds.racTokenUrl,
      clientId: creds.clientId,
      clientSecret: creds.clientSecret,
      fetch: linkFetch,
      now: () => now().getTime(),
      timeoutMs: config.httpTimeoutMs,
      logger,
      redact,
    });
    const client = guardClient(
      createSmartLinkClient({
        baseUrl: creds.linkUrl,
        profile: config.profile,
        fetch: linkFetch,
        tokens,
        timeoutMs: config.httpTimeoutMs,
        maxMessageBytes: config.maxMessageBytes,
        logger,
        now: () => now().getTime(),
        redact,
      }),
      installation,
    );
    const setup = createSetupTracker({ setup: (t) => client.setup(t), subscriptions, now, logger });
    wired = { creds, tokens, client, setup };
  };
  const refreshCredentials = async () => {
    await credentials.refresh();
    rewire();
  };
  await refreshCredentials();
  const retryParams = () => resolveRetry(config.retryOverrides, appConfig?.current());
  const tenantId = () => wired?.tokens.state().tenantId;
  const executor = options.executor ?? `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;

  const alerts = config.alertWebhook
    ? createAlertWatch({
      alerter: createAlerter({ url: config.alertWebhook, fetch: doFetch, now, logger, tenantId, redact }),
      db,
      now,
      logger,
      failedTicks: config.alertFailedTicks,
      periodMs: (at) => parseCron(config.schedule).periodMs(at),
      tokenFailure: () => {
        const t = wired?.tokens.state();
        const failing = t?.lastErrorAt && (!t.lastSuccessAt || t.lastErrorAt > t.lastSuccessAt);
        return failing ? { code: t?.lastErrorCode ?? "RAC_ERROR" } : undefined;
      },
    })
    : undefined;

  const metrics = createSyncMetrics();
  const tracedHandlers = instrumentHandlers(handlers, metrics.observeHandler);
  const inner = createTickRunner({
    db,
    logger,
    activated: () => wired !== undefined,
    onTick: (summary) => {
      metrics.observeTick(summary);
      alerts?.onTick(summary);
    },
    deps: () => ({
      db,
      client: wired!.client,
      setup: wired!.setup,
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
      errorReplies: errorReplyTargets(handlersFile),
      redact,
    }),
  });

  const runner: TickRunner = {
    ...inner,
    async run(trigger, tickOptions) {
      // Credentials activated, changed or removed elsewhere (page, CLI, the other process) apply from here.
      await refreshCredentials().catch((err) =>
        logger.warn("Credentials not refreshed before the tick", errorFields(err))
      );
      return inner.run(trigger, tickOptions);
    },
  };

  const testDeps = (): TestDeps => ({
    fetch: doFetch,
    now,
    timeoutMs: config.httpTimeoutMs,
    profile: config.profile,
    subscriptions: wired?.setup.state().subscriptions ?? subscriptions,
    maxMessageBytes: config.maxMessageBytes,
    logger,
  });
  const activationControl: ActivationControl = {
    view: () => credentials.view(),
    async test(input, actor) {
      known.add(input.clientSecret);
      const result = await testCredentials(input, testDeps());
      await logOperatorAction(
        db,
        "activation-test",
        result.ok
          ? `Credentials test passed for client id "${input.clientId}"`
          : `Credentials test failed: ${result.message}`,
        { now: now(), actor, failed: !result.ok, detail: { clientId: input.clientId, env: input.env, ok: result.ok } },
      );
      return result;
    },
    async activate(input, actor) {
      known.add(input.clientSecret);
      const result = await activateCredentials(db, input, { ...testDeps(), key: await credentials.key(), actor });
      if (result.ok) await refreshCredentials();
      return result;
    },
    async deactivate(actor) {
      const removed = await deactivateCredentials(db, { now, actor });
      await refreshCredentials();
      return removed;
    },
  };

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
    activation(): Activation {
      const t = wired?.tokens.state();
      const s = wired?.setup.state();
      const tokenFailed = t?.lastErrorAt && (!t.lastSuccessAt || t.lastErrorAt > t.lastSuccessAt);
      return {
        activated: wired !== undefined,
        source: wired?.creds.source,
        credentialsProblem: credentials.view().problem,
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

/**
 * Observes every exchange with RAC and the Smart Link Server (Connection page, `SMARTLINK_CAPTURE`), redacted;
 * stores each new `get` shape for `doctor`. @throws ConfigError when the capture file cannot be opened
 */
function openConnection(
  config: Config,
  db: Database,
  logger: Logger,
  now: () => Date,
  redactor: { redact: (text: string) => string; add(secret: string): void },
  current: () => { racTokenUrl: string; linkUrl: string } | undefined,
): Connection {
  try {
    return createConnection({
      urls: () => {
        const c = current();
        return { tokenUrl: c?.racTokenUrl ?? config.racTokenUrl, linkUrl: c?.linkUrl ?? config.linkUrl };
      },
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

/** What the HTTP surface needs, from a runtime; `nextAt` is the schedule's next tick. */
export function runtimeAppDeps(runtime: Runtime, nextAt: () => Date | undefined): AppDeps {
  return {
    db: runtime.db,
    config: runtime.config,
    logger: runtime.logger,
    now: runtime.now,
    sync: {
      run: (trigger) => runtime.runner.run(trigger),
      running: () => runtime.runner.running(),
      last: () => runtime.runner.last(),
      draining: () => runtime.runner.draining(),
      nextAt,
    },
    publish: (input) => runtime.publish(input),
    activation: () => runtime.activation(),
    activationControl: runtime.activationControl,
    retryParams: () => runtime.retryParams(),
    connection: () => runtime.connection(),
    installation: () => runtime.installation.state(),
    confirmInstallation: (actor) => runtime.installation.confirm(actor),
    metrics: runtime.metrics,
    alerts: runtime.alerts ? () => runtime.alerts!.status() : undefined,
    redact: runtime.redactor.redact,
  };
}
