/**
 * The only reader of the process environment. Every variable of the
 * configuration table is validated here once, at start; an invalid value
 * stops the program with a `ConfigError` naming the variable and what was
 * expected. Secrets are kept in the frozen `Config` but never appear in an
 * error message.
 */
import * as v from "valibot";
import { CronError, parseCron } from "./cron.ts";
import { LOG_LEVELS, type LogLevel } from "./log.ts";
import {
  applyRoutes,
  DEFAULT_PROFILE,
  loadProfile,
  ProfileError,
  type RouteShorthand,
  type WireProfile,
} from "./profile/wire_profile.ts";
import { isMessageType, MESSAGE_TYPE_RULE } from "./message_type.ts";
import { parseSecretKey, SECRET_KEY_HOWTO } from "./secrets/secret_key.ts";

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

/** An invalid configuration value: names the variable and what was expected. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly code = "CONFIG_INVALID";
  constructor(readonly variable: string, readonly expected: string, received?: string) {
    super(
      `Invalid ${variable}: expected ${expected}` + (received === undefined ? "" : `, got ${JSON.stringify(received)}`),
    );
  }
}

type Env = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /** Reads the `*_FILE` secret variants; injected for tests. */
  readTextFile?: (path: string) => string;
}

const SECRET_VARIABLES = new Set([
  "SMARTLINK_CLIENT_SECRET",
  "SMARTLINK_ADMIN_TOKEN",
  "SMARTLINK_CLIENT_ID",
  "SMARTLINK_ALERT_WEBHOOK",
  "SMARTLINK_SECRET_KEY",
]);

function field<T>(env: Env, name: string, expected: string, schema: v.GenericSchema<string, T>, fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const result = v.safeParse(schema, raw.trim());
  if (!result.success) {
    throw new ConfigError(name, expected, SECRET_VARIABLES.has(name) ? undefined : raw);
  }
  return result.output;
}

const integer = (min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number), v.number(), v.minValue(min), v.maxValue(max));
const decimal = (min: number, max: number, exclusiveMin = false) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+(\.\d+)?$|^\.\d+$/),
    v.transform(Number),
    v.number(),
    v.check((n) => (exclusiveMin ? n > min : n >= min) && n <= max),
  );
const httpUrl = v.pipe(
  v.string(),
  v.url(),
  v.check((s) => /^https?:\/\//i.test(s)),
  v.transform((s) => s.replace(/\/+$/, "")),
);

const RouteSchema = v.pipe(
  v.string(),
  v.regex(/^(GET|POST|PUT|DELETE|PATCH)\s+\/\S*$/i),
  v.transform((s) => {
    const [method, path] = s.trim().split(/\s+/);
    return { method: method.toUpperCase(), path };
  }),
);
const RoutesOverrideSchema = v.strictObject({
  setup: v.optional(RouteSchema),
  get: v.optional(RouteSchema),
  ack: v.optional(RouteSchema),
  nack: v.optional(RouteSchema),
  send: v.optional(RouteSchema),
});

function parseRoutes(raw: string | undefined): RouteShorthand | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const expected = 'JSON like {"get":"GET /api/v1/link/get"} with keys setup, get, ack, nack, send';
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError("SMARTLINK_ROUTES", expected, raw);
  }
  const result = v.safeParse(RoutesOverrideSchema, json);
  if (!result.success) throw new ConfigError("SMARTLINK_ROUTES", expected, raw);
  return result.output;
}

function profileError(variable: string, err: unknown): never {
  if (!(err instanceof ProfileError)) throw err;
  const key = err.keyPath.startsWith("(") ? "" : `key "${err.keyPath}" to be `;
  throw new ConfigError(variable, `${key}${err.expected}${err.received === undefined ? "" : `, got ${err.received}`}`);
}

/** `SMARTLINK_PROFILE` (a file or the JSON itself) over the defaults, then `SMARTLINK_ROUTES` over that. */
function parseWireProfile(env: Env, readTextFile: (path: string) => string): WireProfile {
  const source = env.SMARTLINK_PROFILE?.trim();
  let profile = DEFAULT_PROFILE;
  try {
    if (source) profile = loadProfile(source, readTextFile);
  } catch (err) {
    profileError("SMARTLINK_PROFILE", err);
  }
  const routes = parseRoutes(env.SMARTLINK_ROUTES);
  try {
    return routes ? applyRoutes(profile, routes) : profile;
  } catch (err) {
    profileError("SMARTLINK_ROUTES", err);
  }
}

/** A secret from `NAME` or from the file named by `NAME_FILE` (one of them). */
function secret(env: Env, name: string, readTextFile: (path: string) => string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== "" && file !== undefined && file !== "") {
    throw new ConfigError(name, `either ${name} or ${name}_FILE, not both`);
  }
  if (file !== undefined && file !== "") {
    let text: string;
    try {
      text = readTextFile(file);
    } catch (err) {
      const reason = err instanceof Deno.errors.NotFound ? "file not found" : "file not readable";
      throw new ConfigError(`${name}_FILE`, `a readable file holding the value (${reason})`, file);
    }
    const value = text.replace(/\r?\n$/, "").trim();
    if (value === "") throw new ConfigError(`${name}_FILE`, "a file holding a non-empty value", file);
    return value;
  }
  return direct === undefined || direct.trim() === "" ? undefined : direct.trim();
}

/** Reads and validates the whole configuration. @throws ConfigError */
export function loadConfig(env: Env, options: LoadConfigOptions = {}): Config {
  const readTextFile = options.readTextFile ?? ((p: string) => Deno.readTextFileSync(p));
  const environment = field(
    env,
    "SMARTLINK_ENV",
    "one of dev, staging, prod",
    v.picklist(["dev", "staging", "prod"]),
    "prod",
  ) as Environment;
  const urls = DEFAULT_URLS[environment];

  const retryOverrides: Partial<RetryParams> = {};
  const qtde = field(env, "SMARTLINK_QTDE_TENTATIVAS_EXEC", "an integer from 1 to 1000", integer(1, 1000), undefined);
  if (qtde !== undefined) retryOverrides.qtdeTentativasExec = qtde;
  const fator = field(
    env,
    "SMARTLINK_FATOR_TEMPO_EXECUCAO",
    "a number from 0 to 10000 (decimals allowed)",
    decimal(0, 10000),
    undefined,
  );
  if (fator !== undefined) retryOverrides.fatorTempoExecucao = fator;
  const minutes = field(
    env,
    "SMARTLINK_MINUTES_INTERVAL",
    "a number of minutes greater than 0 (decimals allowed, e.g. 0.001)",
    decimal(0, 525600, true),
    undefined,
  );
  if (minutes !== undefined) retryOverrides.minutesInterval = minutes;

  const schedule = env.SMARTLINK_SCHEDULE?.trim() || "* * * * *";
  try {
    parseCron(schedule);
  } catch (err) {
    if (err instanceof CronError) {
      throw new ConfigError("SMARTLINK_SCHEDULE", `a 5-field cron expression (${err.message})`);
    }
    throw err;
  }

  const subscriptionsRaw = env.SMARTLINK_SUBSCRIPTIONS;
  let subscriptions: string[] | undefined;
  if (subscriptionsRaw !== undefined && subscriptionsRaw.trim() !== "") {
    subscriptions = [...new Set(subscriptionsRaw.split(",").map((s) => s.trim()).filter((s) => s !== ""))];
    if (subscriptions.length === 0) {
      throw new ConfigError(
        "SMARTLINK_SUBSCRIPTIONS",
        `comma-separated message types (${MESSAGE_TYPE_RULE})`,
        subscriptionsRaw,
      );
    }
    const bad = subscriptions.find((s) => !isMessageType(s));
    if (bad !== undefined) {
      throw new ConfigError("SMARTLINK_SUBSCRIPTIONS", `comma-separated message types (${MESSAGE_TYPE_RULE})`, bad);
    }
  }

  const configSource = env.SMARTLINK_CONFIG?.trim() || undefined;
  if (configSource && /^[a-z]+:\/\//i.test(configSource) && !/^https?:\/\//i.test(configSource)) {
    throw new ConfigError("SMARTLINK_CONFIG", "a file path or an http(s) URL", configSource);
  }

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL", "a postgres:// or postgresql:// URL");
  }

  const clientId = secret(env, "SMARTLINK_CLIENT_ID", readTextFile);
  const clientSecret = secret(env, "SMARTLINK_CLIENT_SECRET", readTextFile);
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    const missing = clientId === undefined ? "SMARTLINK_CLIENT_ID" : "SMARTLINK_CLIENT_SECRET";
    throw new ConfigError(missing, "a value too (client id and secret go together)");
  }
  const secretKeyText = secret(env, "SMARTLINK_SECRET_KEY", readTextFile);
  const secretKey = secretKeyText === undefined ? undefined : parseSecretKey(secretKeyText);
  if (secretKeyText !== undefined && secretKey === undefined) {
    const name = env.SMARTLINK_SECRET_KEY_FILE ? "SMARTLINK_SECRET_KEY_FILE" : "SMARTLINK_SECRET_KEY";
    throw new ConfigError(name, SECRET_KEY_HOWTO);
  }
  const adminToken = secret(env, "SMARTLINK_ADMIN_TOKEN", readTextFile);
  if (adminToken !== undefined && adminToken.length < 12) {
    throw new ConfigError("SMARTLINK_ADMIN_TOKEN", "at least 12 characters");
  }

  const alertWebhook = secret(env, "SMARTLINK_ALERT_WEBHOOK", readTextFile);
  if (alertWebhook !== undefined && !/^https?:\/\/[^\s/]+/i.test(alertWebhook)) {
    // Never echo the value: a webhook URL carries its own secret.
    throw new ConfigError("SMARTLINK_ALERT_WEBHOOK", "an http(s) URL");
  }

  const config: Config = {
    env: environment,
    linkUrl: field(env, "SMARTLINK_LINK_URL", "an http(s) URL", httpUrl, urls.link),
    racTokenUrl: field(env, "SMARTLINK_RAC_TOKEN_URL", "an http(s) URL", httpUrl, urls.rac),
    urlsFromEnv: {
      env: !!env.SMARTLINK_ENV?.trim(),
      link: !!env.SMARTLINK_LINK_URL?.trim(),
      rac: !!env.SMARTLINK_RAC_TOKEN_URL?.trim(),
    },
    clientId,
    clientSecret,
    secretKey,
    subscriptions,
    handlersPath: env.SMARTLINK_HANDLERS?.trim() || undefined,
    configSource,
    retryOverrides,
    schedule,
    retentionDays: field(env, "SMARTLINK_RETENTION_DAYS", "an integer from 1 to 3650", integer(1, 3650), 30),
    concurrency: field(env, "SMARTLINK_CONCURRENCY", "an integer from 1 to 256", integer(1, 256), 4),
    ackConcurrency: field(
      env,
      "SMARTLINK_ACK_CONCURRENCY",
      "an integer from 1 to 256",
      integer(1, 256),
      DEFAULT_ACK_CONCURRENCY,
    ),
    maxPerTick: field(env, "SMARTLINK_MAX_PER_TICK", "an integer from 1 to 1000000", integer(1, 1_000_000), 10_000),
    httpTimeoutMs: 1000 *
      field(env, "SMARTLINK_HTTP_TIMEOUT_S", "a number of seconds from 0.1 to 3600", decimal(0.1, 3600), 30),
    maxMessageBytes: field(
      env,
      "SMARTLINK_MAX_MESSAGE_BYTES",
      "an integer number of bytes from 1024 to 104857600",
      integer(1024, 104_857_600),
      1_048_576,
    ),
    profile: parseWireProfile(env, readTextFile),
    capturePath: env.SMARTLINK_CAPTURE?.trim() || undefined,
    logLevel: field(env, "SMARTLINK_LOG_LEVEL", "one of debug, info, warn, error", v.picklist(LOG_LEVELS), "info"),
    handlerTimeoutMs: 1000 *
      field(env, "SMARTLINK_HANDLER_TIMEOUT_S", "a number of seconds from 0.1 to 86400", decimal(0.1, 86400), 60),
    adminToken,
    alertWebhook,
    alertFailedTicks: field(env, "SMARTLINK_ALERT_FAILED_TICKS", "an integer from 1 to 1000", integer(1, 1000), 3),
    databaseUrl,
    dataDir: env.SMARTLINK_DATA_DIR?.trim() || "./data",
    host: field(
      env,
      "HOST",
      "a host name or IP address",
      v.pipe(v.string(), v.regex(/^[A-Za-z0-9.:\[\]-]+$/)),
      "127.0.0.1",
    ),
    port: field(env, "PORT", "a port number from 0 to 65535", integer(0, 65535), 8080),
  };
  return Object.freeze(config);
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * `serve` refuses to expose an unauthenticated admin surface.
 * @throws ConfigError naming SMARTLINK_ADMIN_TOKEN
 */
export function assertServeSafe(config: Config): void {
  if (!config.adminToken && !isLoopbackHost(config.host)) {
    throw new ConfigError(
      "SMARTLINK_ADMIN_TOKEN",
      `a value when HOST is not a loopback address (HOST is "${config.host}"): set SMARTLINK_ADMIN_TOKEN or use HOST=127.0.0.1`,
    );
  }
}

/** Effective retry parameters: environment > config file > defaults. */
export function resolveRetry(overrides: Partial<RetryParams>, file: Partial<RetryParams> | undefined): RetryParams {
  return { ...DEFAULT_RETRY, ...file, ...overrides };
}
