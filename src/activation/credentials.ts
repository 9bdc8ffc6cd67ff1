/** Credentials as the running client uses them, and what may be shown of them. */
import type { Environment } from "../config.ts";

export type CredentialsEnv = Environment | "custom";

/** What the operator types (page) or gives (CLI). */
export interface CredentialsInput {
  clientId: string;
  clientSecret: string;
  env: CredentialsEnv;
  linkUrl: string;
  racTokenUrl: string;
}

/** The credentials in effect. Holds the secret: never rendered, logged or returned. */
export interface Credentials extends CredentialsInput {
  source: "env" | "stored";
}

/** What the page and the API may show: never the secret, at most its last 2 characters. */
export interface CredentialsView {
  /** Where the credentials in effect come from. */
  source: "env" | "stored" | "none";
  clientId?: string;
  env?: CredentialsEnv;
  linkUrl?: string;
  racTokenUrl?: string;
  /** The secret's last 2 characters, only for a stored secret of 8 characters or more. */
  secretEnding?: string;
  storedAt?: Date;
  storedBy?: string;
  /** Credentials stored in the database while the environment's win. */
  storedOverridden?: { clientId: string; storedAt: Date };
  /** Id of this process's SMARTLINK_SECRET_KEY; undefined when no key is set. */
  keyId?: string;
  /** Id of the key the stored secret is encrypted under. */
  storedKeyId?: string;
  /** Why stored credentials cannot be used (no key, other key, damaged row). */
  problem?: string;
}

/** The last 2 characters of a secret long enough that they say little. */
export function secretEnding(secret: string): string | undefined {
  return secret.length >= 8 ? secret.slice(-2) : undefined;
}
