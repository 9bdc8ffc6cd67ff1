/**
 * Where the running client gets its credentials, read again before every
 * tick: the environment (`SMARTLINK_CLIENT_ID`/`_SECRET`) when set, else the
 * encrypted row of `smartlink_setting`. A change made by the page, the CLI or
 * the other process of an active/passive pair is seen at the next refresh;
 * an unchanged row is not decrypted again.
 */
import { type Config, DEFAULT_URLS } from "../config.ts";
import type { Database } from "../db/client.ts";
import { readStoredCredentials, type StoredCredentialsRow } from "../db/credentials_store.ts";
import { errorFields, type Logger } from "../log.ts";
import { openSecret } from "../secrets/cipher.ts";
import { importSecretKey, type SecretKey } from "../secrets/secret_key.ts";
import { type Credentials, type CredentialsView, secretEnding } from "./credentials.ts";

export interface CredentialsSource {
  /** Reads the stored row again (a primary-key select) and decrypts it when it changed. */
  refresh(): Promise<void>;
  /** The credentials in effect after the last refresh. */
  current(): Credentials | undefined;
  view(): CredentialsView;
  /** This process's secret key, when `SMARTLINK_SECRET_KEY` is set. */
  key(): Promise<SecretKey | undefined>;
}

export interface CredentialsSourceOptions {
  config: Config;
  db: Database;
  logger: Logger;
  /** Called with every secret loaded, for the log redactor. */
  onSecret?: (secret: string) => void;
}

/** The URLs in effect for stored credentials: the environment's, when set there, win. */
export function effectiveUrls(config: Config, stored: { linkUrl: string; racTokenUrl: string }) {
  const envWins = config.urlsFromEnv.env;
  return {
    linkUrl: config.urlsFromEnv.link || envWins ? config.linkUrl : stored.linkUrl,
    racTokenUrl: config.urlsFromEnv.rac || envWins ? config.racTokenUrl : stored.racTokenUrl,
  };
}

export function createCredentialsSource(options: CredentialsSourceOptions): CredentialsSource {
  const { config, db } = options;
  const log = options.logger.child({ component: "credentials" });
  let keyPromise: Promise<SecretKey | undefined> | undefined;
  const key = () => keyPromise ??= config.secretKey ? importSecretKey(config.secretKey) : Promise.resolve(undefined);

  const fromEnv: Credentials | undefined = config.clientId && config.clientSecret
    ? {
      source: "env",
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      env: config.env,
      linkUrl: config.linkUrl,
      racTokenUrl: config.racTokenUrl,
    }
    : undefined;
  if (fromEnv) options.onSecret?.(fromEnv.clientSecret);

  let current: Credentials | undefined = fromEnv;
  let stored: StoredCredentialsRow | undefined;
  let seen: string | undefined;
  let problem: string | undefined;
  let keyId: string | undefined;

  async function load(row: StoredCredentialsRow): Promise<void> {
    const k = await key();
    const r = row.value;
    if (!k) {
      problem =
        `Credentials for client id "${r.clientId}" are stored encrypted, but SMARTLINK_SECRET_KEY is not set: ` +
        "set SMARTLINK_SECRET_KEY (or SMARTLINK_SECRET_KEY_FILE) to the key they were stored with and restart";
      return;
    }
    try {
      const secret = await openSecret(k, r, r.clientId);
      options.onSecret?.(secret);
      current = {
        source: "stored",
        clientId: r.clientId,
        clientSecret: secret,
        env: r.env,
        ...effectiveUrls(config, r),
      };
      problem = undefined;
      log.info("Stored credentials loaded", { clientId: r.clientId, env: r.env, keyId: r.keyId });
    } catch (err) {
      // A rotation done by another process: keep what this process already decrypted.
      problem = (err as Error).message + (current ? "; this process keeps the credentials it loaded before" : "");
      log.warn("Stored credentials cannot be used", { ...errorFields(err), clientId: r.clientId });
    }
  }

  return {
    key,
    async refresh() {
      keyId ??= (await key())?.id;
      let row: StoredCredentialsRow | undefined;
      try {
        row = await readStoredCredentials(db);
      } catch (err) {
        const e = err as Error & { code?: string };
        if (e.code === "CREDENTIALS_UNREADABLE") {
          stored = undefined;
          seen = undefined;
          problem = e.message;
          if (!fromEnv) current = undefined;
          return;
        }
        log.warn(
          "Stored credentials not read: the database did not answer; keeping the current ones",
          errorFields(err),
        );
        return;
      }
      stored = row;
      if (fromEnv) return;
      if (!row) {
        if (current) log.info("Stored credentials removed: not activated", { clientId: current.clientId });
        current = undefined;
        seen = undefined;
        problem = undefined;
        return;
      }
      const fingerprint = `${row.updatedAt.getTime()}|${row.value.keyId}|${row.value.iv}`;
      if (fingerprint === seen) return;
      seen = fingerprint;
      await load(row);
    },
    current: () => current,
    view(): CredentialsView {
      const s = stored?.value;
      const base: CredentialsView = {
        source: current?.source ?? "none",
        keyId,
        storedKeyId: s?.keyId,
        problem,
      };
      if (current) {
        Object.assign(base, {
          clientId: current.clientId,
          env: current.env,
          linkUrl: current.linkUrl,
          racTokenUrl: current.racTokenUrl,
          secretEnding: current.source === "stored" ? secretEnding(current.clientSecret) : undefined,
        });
      } else if (s) {
        Object.assign(base, { clientId: s.clientId, env: s.env, ...effectiveUrls(config, s) });
      }
      if (s && current?.source === "stored") {
        base.storedAt = stored!.updatedAt;
        base.storedBy = s.storedBy;
      }
      if (s && fromEnv) base.storedOverridden = { clientId: s.clientId, storedAt: stored!.updatedAt };
      return base;
    },
  };
}

/** The preset URLs of an environment name. */
export function presetUrls(env: keyof typeof DEFAULT_URLS) {
  return { linkUrl: DEFAULT_URLS[env].link, racTokenUrl: DEFAULT_URLS[env].rac };
}
