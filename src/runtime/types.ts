/** `Runtime` and `RuntimeOptions`: what `createRuntime` takes and what the commands get from it. */
import type { CredentialsSource } from "../activation/credentials_source.ts";
import type { AppConfigSource } from "../app_config.ts";
import type { ConnectionReport } from "../capture/connection_stats.ts";
import type { Config, RetryParams } from "../config.ts";
import type { Database } from "../db/client.ts";
import type { HandlerRegistry } from "../handlers/types.ts";
import type { Logger } from "../log.ts";
import type { TokenProvider } from "../rac/token_provider.ts";
import type { Redactor } from "../secrets/redactor.ts";
import type { SmartLinkClient } from "../smartlink/client.ts";
import type { AlertWatch } from "../sync/alerts/alert_watch.ts";
import type { PublishInput } from "../sync/deps.ts";
import type { InstallationGuard } from "../sync/installation_guard.ts";
import type { SyncMetrics } from "../sync/metrics.ts";
import type { TickRunner } from "../sync/runner.ts";
import type { SetupTracker } from "../sync/setup.ts";
import type { Activation, ActivationControl } from "../web/deps.ts";

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
