/** What the HTTP surface needs from the rest of the program; the composition root (`runtime.ts`) provides it. */
import type { ConnectionReport } from "../capture/connection_stats.ts";
import type { ActivateResult } from "../activation/activate.ts";
import type { CredentialsInput, CredentialsView } from "../activation/credentials.ts";
import type { TestResult } from "../activation/test_credentials.ts";
import type { Config, RetryParams } from "../config.ts";
import type { Actor } from "../db/message_actions.ts";
import type { InstallationState } from "../sync/installation_guard.ts";
import type { Database } from "../db/client.ts";
import type { Logger } from "../log.ts";
import type { DrainState, PublishInput, SyncRunResult } from "../sync/deps.ts";
import type { TickSummary } from "../sync/summary.ts";

export type { DrainState, PublishInput, SyncRunResult };

export interface SyncControl {
  /** Runs one tick now under the tick guard; `{ran:false}` while one runs. */
  run(trigger: "api" | "admin"): Promise<SyncRunResult>;
  running(): boolean;
  /** The last finished tick of this process. */
  last(): TickSummary | undefined;
  /** The backlog being drained (ticks following each other at once), if any. */
  draining?(): DrainState | undefined;
  /** When the schedule runs the next tick. */
  nextAt(): Date | undefined;
}

/** What the dashboard shows of alerting: never the webhook's path, never a secret. */
export interface AlertsView {
  /** Scheme and host of SMARTLINK_ALERT_WEBHOOK. */
  target: string;
  lastSent?: { at: string; condition: string; event: string; count: number; text: string };
  lastError?: { at: string; message: string };
  waiting: number;
  /** Conditions raised and not cleared. */
  active: string[];
}

/** One line of `doctor`: `OK    database: …`. */
export interface DoctorCheck {
  status: "OK" | "WARN" | "FAIL" | "SKIP" | "INFO";
  name: string;
  detail: string;
}

export interface Activation {
  /** Client id and secret configured (environment, or stored and readable). */
  activated: boolean;
  /** Where the credentials in effect come from. */
  source?: "env" | "stored";
  /** Why stored credentials cannot be used (no key, another key, a damaged row). */
  credentialsProblem?: string;
  tenantId?: string;
  tokenValidUntil?: Date;
  tokenError?: string;
  /** Of the failing token request: `RAC_HTTP`, `RAC_NETWORK`, … with its HTTP status and OAuth2 `error`. */
  tokenErrorCode?: string;
  tokenErrorStatus?: number;
  tokenOauthError?: string;
  setupError?: string;
  setupAt?: Date;
  subscriptions: readonly string[];
}

/** The activation page's operations (runtime.ts); none returns or logs the secret. */
export interface ActivationControl {
  view(): CredentialsView;
  /** Takes a token and calls setup with `input`; stores nothing. */
  test(input: CredentialsInput, actor: Actor): Promise<TestResult>;
  /** Tests, then stores encrypted; this process rewires at once, the others at their next tick. */
  activate(input: CredentialsInput, actor: Actor): Promise<ActivateResult>;
  /** Removes the stored credentials; false when none were stored. Messages stay. */
  deactivate(actor: Actor): Promise<boolean>;
}

export interface AppDeps {
  /** Answers the CLI's challenge with the proof that this server holds the lock file (`serve` on PGlite). */
  lockProof?: (challenge: string) => Promise<string>;
  /** The process's redactor, the last line before a response leaves (absent: nothing to mask, as in tests). */
  redact?: (text: string) => string;
  db: Database;
  config: Config;
  logger: Logger;
  now: () => Date;
  sync: SyncControl;
  /** Stores an UP row and asks for an immediate flush; returns the local id. */
  publish(input: PublishInput): Promise<{ id: string }>;
  activation(): Activation;
  activationControl: ActivationControl;
  retryParams(): RetryParams;
  /** Alert delivery as the dashboard shows it; absent when SMARTLINK_ALERT_WEBHOOK is not set. */
  alerts?: () => AlertsView;
  /** Runs `doctor`'s checks in this process (`GET /api/doctor`); absent where there is no runtime. */
  doctor?: () => Promise<DoctorCheck[]>;
  /** The process's counters and histograms (Prometheus text), appended to `/metrics`. */
  metrics?: { render(): string };
  /** The exchanges with RAC and the Smart Link Server, per operation (the Connection page). */
  connection?(): Promise<ConnectionReport>;
  /** Whether this database is the installation recorded for the tenant (a copy does not sync). */
  installation?(): InstallationState;
  /** Adopts this database as the tenant's installation; `actor` says who. */
  confirmInstallation?(actor: string): Promise<InstallationState>;
}
