/**
 * The frozen configuration record that `loadConfig` returns: its fields, the
 * environments with their default URLs, and the RM retry defaults.
 */
import type { LogLevel } from "../log.ts";
import type { WireProfile } from "../profile/wire_profile.ts";

export type Environment = "dev" | "staging" | "prod";

/** The RM retry parameters of `totvsAppConfig_v2.json`. */
export interface RetryParams {
  /** `QtdeTentativasExec`: maximum execution attempts. */
  qtdeTentativasExec: number;
  /** `FatorTempoExecucao`. */
  fatorTempoExecucao: number;
  /** `MinutesInterval`. */
  minutesInterval: number;
}

export const DEFAULT_RETRY: RetryParams = Object.freeze({
  qtdeTentativasExec: 3,
  fatorTempoExecucao: 1,
  minutesInterval: 1,
});

/** Acks in flight at once unless `SMARTLINK_ACK_CONCURRENCY` says otherwise (see `deno task bench`). */
export const DEFAULT_ACK_CONCURRENCY = 32;

export const ENVIRONMENTS: readonly Environment[] = ["prod", "staging", "dev"];

export const DEFAULT_URLS: Readonly<Record<Environment, { link: string; rac: string }>> = Object.freeze({
  prod: { link: "https://link.totvs.app", rac: "https://admin.rac.totvs.app/totvs.rac/connect/token" },
  staging: {
    link: "https://link.staging.totvs.app",
    rac: "https://admin.rac.staging.totvs.app/totvs.rac/connect/token",
  },
  dev: { link: "https://link.dev.totvs.app", rac: "https://admin.rac.dev.totvs.app/totvs.rac/connect/token" },
});

export interface Config {
  env: Environment;
  linkUrl: string;
  racTokenUrl: string;
  /** Set in the environment (`SMARTLINK_ENV`, `SMARTLINK_LINK_URL`, `SMARTLINK_RAC_TOKEN_URL`): they win over stored credentials' URLs. */
  urlsFromEnv: { env: boolean; link: boolean; rac: boolean };
  clientId?: string;
  clientSecret?: string;
  /** `SMARTLINK_SECRET_KEY(_FILE)`: 32 bytes that encrypt stored credentials. */
  secretKey?: Uint8Array<ArrayBuffer>;
  /** Explicit `SMARTLINK_SUBSCRIPTIONS`; undefined means "the types that have a handler". */
  subscriptions?: string[];
  handlersPath?: string;
  /** `SMARTLINK_CONFIG`: a path or an http(s) URL of `totvsAppConfig_v2.json`. */
  configSource?: string;
  /** Retry parameters set in the environment (they win over the config file). */
  retryOverrides: Partial<RetryParams>;
  schedule: string;
  retentionDays: number;
  concurrency: number;
  /** Acks in flight at once (`SMARTLINK_ACK_CONCURRENCY`). */
  ackConcurrency: number;
  maxPerTick: number;
  httpTimeoutMs: number;
  maxMessageBytes: number;
  /** The wire profile: `SMARTLINK_PROFILE` over the defaults, then the `SMARTLINK_ROUTES` shorthand. */
  profile: WireProfile;
  /** `SMARTLINK_CAPTURE`: the file that receives every exchange with RAC and the Smart Link Server (JSON lines). */
  capturePath?: string;
  logLevel: LogLevel;
  handlerTimeoutMs: number;
  adminToken?: string;
  /** `SMARTLINK_ALERT_WEBHOOK` (or `_FILE`): where alerts are POSTed; a secret (Slack puts one in the path). */
  alertWebhook?: string;
  /** `SMARTLINK_ALERT_FAILED_TICKS`: consecutive failed ticks that raise an alert. */
  alertFailedTicks: number;
  databaseUrl?: string;
  dataDir: string;
  host: string;
  port: number;
}

/** Effective retry parameters: environment > config file > defaults. */
export function resolveRetry(overrides: Partial<RetryParams>, file: Partial<RetryParams> | undefined): RetryParams {
  return { ...DEFAULT_RETRY, ...file, ...overrides };
}
