/**
 * The only reader of the process environment. Every variable of the
 * configuration table is validated here once, at start; an invalid value
 * stops the program with a `ConfigError` naming the variable and what was
 * expected. Secrets are kept in the frozen `Config` but never appear in an
 * error message. The record, its error, the field schemas and the wire
 * profile's variables live in `config/`; this module is their entry.
 */
import * as v from "valibot";
import { CronError, parseCron } from "./cron.ts";
import { LOG_LEVELS } from "./log.ts";
import { isMessageType, MESSAGE_TYPE_RULE } from "./message_type.ts";
import { parseSecretKey, SECRET_KEY_HOWTO } from "./secrets/secret_key.ts";
import { invalidConfig } from "./config/config_error.ts";
import { decimal, type Env, field, httpUrl, integer } from "./config/field.ts";
import { parseWireProfile } from "./config/parse_wire_profile.ts";
import {
  type Config,
  DEFAULT_ACK_CONCURRENCY,
  DEFAULT_URLS,
  type Environment,
  type RetryParams,
} from "./config/record.ts";
import { secret } from "./config/secret.ts";

export { ConfigError, invalidConfig } from "./config/config_error.ts";
export {
  type Config,
  DEFAULT_ACK_CONCURRENCY,
  DEFAULT_RETRY,
  DEFAULT_URLS,
  type Environment,
  ENVIRONMENTS,
  resolveRetry,
  type RetryParams,
} from "./config/record.ts";
export { assertServeSafe, isLoopbackHost } from "./config/serve_safe.ts";

export interface LoadConfigOptions {
  /** Reads the `*_FILE` secret variants; injected for tests. */
  readTextFile?: (path: string) => string;
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
      throw invalidConfig("SMARTLINK_SCHEDULE", `a 5-field cron expression (${err.message})`);
    }
    throw err;
  }

  const subscriptionsRaw = env.SMARTLINK_SUBSCRIPTIONS;
  let subscriptions: string[] | undefined;
  if (subscriptionsRaw !== undefined && subscriptionsRaw.trim() !== "") {
    subscriptions = [...new Set(subscriptionsRaw.split(",").map((s) => s.trim()).filter((s) => s !== ""))];
    if (subscriptions.length === 0) {
      throw invalidConfig(
        "SMARTLINK_SUBSCRIPTIONS",
        `comma-separated message types (${MESSAGE_TYPE_RULE})`,
        subscriptionsRaw,
      );
    }
    const bad = subscriptions.find((s) => !isMessageType(s));
    if (bad !== undefined) {
      throw invalidConfig("SMARTLINK_SUBSCRIPTIONS", `comma-separated message types (${MESSAGE_TYPE_RULE})`, bad);
    }
  }

  const configSource = env.SMARTLINK_CONFIG?.trim() || undefined;
  if (configSource && /^[a-z]+:\/\//i.test(configSource) && !/^https?:\/\//i.test(configSource)) {
    throw invalidConfig("SMARTLINK_CONFIG", "a file path or an http(s) URL", configSource);
  }

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw invalidConfig("DATABASE_URL", "a postgres:// or postgresql:// URL");
  }

  const clientId = secret(env, "SMARTLINK_CLIENT_ID", readTextFile);
  const clientSecret = secret(env, "SMARTLINK_CLIENT_SECRET", readTextFile);
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    const missing = clientId === undefined ? "SMARTLINK_CLIENT_ID" : "SMARTLINK_CLIENT_SECRET";
    throw invalidConfig(missing, "a value too (client id and secret go together)");
  }
  const secretKeyText = secret(env, "SMARTLINK_SECRET_KEY", readTextFile);
  const secretKey = secretKeyText === undefined ? undefined : parseSecretKey(secretKeyText);
  if (secretKeyText !== undefined && secretKey === undefined) {
    const name = env.SMARTLINK_SECRET_KEY_FILE ? "SMARTLINK_SECRET_KEY_FILE" : "SMARTLINK_SECRET_KEY";
    throw invalidConfig(name, SECRET_KEY_HOWTO);
  }
  const adminToken = secret(env, "SMARTLINK_ADMIN_TOKEN", readTextFile);
  if (adminToken !== undefined && adminToken.length < 12) {
    throw invalidConfig("SMARTLINK_ADMIN_TOKEN", "at least 12 characters");
  }
  // It travels as an HTTP Bearer token, whose syntax (RFC 6750) allows only these characters.
  if (adminToken !== undefined && !/^[A-Za-z0-9._~+/-]+=*$/.test(adminToken)) {
    throw invalidConfig(
      "SMARTLINK_ADMIN_TOKEN",
      "letters, digits and . _ ~ + / - only (it is sent as a Bearer token), e.g. the output of `openssl rand -hex 24`",
    );
  }

  const alertWebhook = secret(env, "SMARTLINK_ALERT_WEBHOOK", readTextFile);
  if (alertWebhook !== undefined && !/^https?:\/\/[^\s/]+/i.test(alertWebhook)) {
    // Never echo the value: a webhook URL carries its own secret.
    throw invalidConfig("SMARTLINK_ALERT_WEBHOOK", "an http(s) URL");
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
