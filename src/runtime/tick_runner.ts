/**
 * `runtimeTickRunner`: the tick runner over the wiring in effect, with the
 * handlers traced into the metrics, every tick observed by the metrics and the
 * alerts, and the credentials read again before each tick.
 */
import type { AppConfigSource } from "../app_config.ts";
import { type Config, resolveRetry } from "../config.ts";
import type { Database } from "../db/client.ts";
import { instrumentHandlers } from "../handlers/instrument.ts";
import { errorReplyTargets, type HandlersFile } from "../handlers/registry.ts";
import type { HandlerRegistry } from "../handlers/types.ts";
import { errorFields, type Logger } from "../log.ts";
import type { AlertWatch } from "../sync/alerts/alert_watch.ts";
import type { SyncMetrics } from "../sync/metrics.ts";
import { createTickRunner, type TickRunner } from "../sync/runner.ts";
import { createMaintenanceSchedule } from "../sync/maintenance_schedule.ts";
import type { Wiring } from "./wire_credentials.ts";

export interface RuntimeTickRunnerOptions {
  config: Config;
  db: Database;
  logger: Logger;
  now: () => Date;
  executor: string;
  handlers: HandlerRegistry;
  handlersFile: HandlersFile;
  appConfig?: AppConfigSource;
  tenantId: () => string | undefined;
  redact: (text: string) => string;
  metrics: SyncMetrics;
  alerts?: AlertWatch;
  /** The wiring of the credentials in effect, if any. */
  current: () => Wiring | undefined;
  refreshCredentials: () => Promise<void>;
}

/** The runner that `serve` and `sync` run; it refreshes the credentials before every tick. */
export function runtimeTickRunner(options: RuntimeTickRunnerOptions): TickRunner {
  const { config, db, logger, now, executor, appConfig, tenantId, redact, metrics, alerts, current } = options;
  const tracedHandlers = instrumentHandlers(options.handlers, metrics.observeHandler);
  const maintenance = db.kind === "pglite" ? createMaintenanceSchedule() : undefined;
  const inner = createTickRunner({
    db,
    logger,
    activated: () => current() !== undefined,
    onTick: (summary) => {
      metrics.observeTick(summary);
      alerts?.onTick(summary);
    },
    deps: () => ({
      db,
      client: current()!.client,
      setup: current()!.setup,
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
      errorReplies: errorReplyTargets(options.handlersFile),
      redact,
      maintenance,
    }),
  });

  return {
    ...inner,
    async run(trigger, tickOptions) {
      // Credentials activated, changed or removed elsewhere (page, CLI, the other process) apply from here.
      await options.refreshCredentials().catch((err) =>
        logger.warn("Credentials not refreshed before the tick", errorFields(err))
      );
      return inner.run(trigger, tickOptions);
    },
  };
}
