/**
 * `runtimeAlertWatch`: the alert conditions and their webhook, wired to the
 * database, the schedule and the token provider in effect; undefined when
 * SMARTLINK_ALERT_WEBHOOK is not set.
 */
import type { Config } from "../config.ts";
import { parseCron } from "../cron.ts";
import type { Database } from "../db/client.ts";
import type { Logger } from "../log.ts";
import { createAlerter } from "../sync/alerts/alerter.ts";
import { type AlertWatch, createAlertWatch } from "../sync/alerts/alert_watch.ts";
import type { Wiring } from "./wire_credentials.ts";

export interface RuntimeAlertOptions {
  config: Config;
  fetch: typeof fetch;
  db: Database;
  now: () => Date;
  logger: Logger;
  tenantId: () => string | undefined;
  redact: (text: string) => string;
  /** The wiring of the credentials in effect, if any. */
  current: () => Wiring | undefined;
}

/** The alert watch of this process, or undefined without a webhook. */
export function runtimeAlertWatch(options: RuntimeAlertOptions): AlertWatch | undefined {
  const { config, db, now, logger, tenantId, redact } = options;
  return config.alertWebhook
    ? createAlertWatch({
      alerter: createAlerter({ url: config.alertWebhook, fetch: options.fetch, now, logger, tenantId, redact }),
      db,
      now,
      logger,
      failedTicks: config.alertFailedTicks,
      periodMs: (at) => parseCron(config.schedule).periodMs(at),
      tokenFailure: () => {
        const t = options.current()?.tokens.state();
        const failing = t?.lastErrorAt && (!t.lastSuccessAt || t.lastErrorAt > t.lastSuccessAt);
        return failing ? { code: t?.lastErrorCode ?? "RAC_ERROR" } : undefined;
      },
    })
    : undefined;
}
