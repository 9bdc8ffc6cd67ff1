/**
 * The activation form's fields → `CredentialsInput`, or field errors that
 * never repeat the secret. URLs set in the environment win over the
 * environment chosen on the page.
 */
import type { CredentialsEnv, CredentialsInput } from "../activation/credentials.ts";
import { type Config, DEFAULT_URLS, type Environment, ENVIRONMENTS } from "../config.ts";
import type { FieldErrors } from "./filters.ts";

/** What the form shows again after a failed POST (never the secret). */
export interface ActivationFormValues {
  clientId: string;
  env: CredentialsEnv;
  linkUrl: string;
  racTokenUrl: string;
}

export type ParsedActivation =
  | { ok: true; input: CredentialsInput; values: ActivationFormValues }
  | { ok: false; errors: FieldErrors; values: ActivationFormValues };

const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");

function httpUrl(raw: string): string | undefined {
  try {
    const u = new URL(raw);
    return /^https?:$/.test(u.protocol) && u.hostname !== "" ? raw.replace(/\/+$/, "") : undefined;
  } catch {
    return undefined; // not a URL: reported as a field error
  }
}

/** The URLs the environment sets, which the page cannot change. */
export function lockedUrls(config: Config): { linkUrl?: string; racTokenUrl?: string } {
  const all = config.urlsFromEnv.env;
  return {
    linkUrl: all || config.urlsFromEnv.link ? config.linkUrl : undefined,
    racTokenUrl: all || config.urlsFromEnv.rac ? config.racTokenUrl : undefined,
  };
}

/** Parses the POSTed fields; `secretRequired` false when a tested secret is held for this form. */
export function parseActivationForm(
  body: Record<string, unknown>,
  config: Config,
  secretRequired = true,
): ParsedActivation {
  const errors: FieldErrors = {};
  const clientId = text(body.clientId);
  const clientSecret = text(body.clientSecret);
  const envRaw = text(body.env) || "prod";
  const env: CredentialsEnv = envRaw === "custom" || (ENVIRONMENTS as string[]).includes(envRaw)
    ? envRaw as CredentialsEnv
    : "prod";
  if (env !== envRaw) errors.env = [`Expected one of prod, staging, dev, custom; got "${envRaw.slice(0, 40)}"`];
  if (!/^[\x21-\x7e]{1,200}$/.test(clientId)) {
    errors.clientId = ["Expected the client id: 1 to 200 printable characters, no spaces"];
  }
  if (clientSecret === "" ? secretRequired : (clientSecret.length > 1000 || /\p{Cc}/u.test(clientSecret))) {
    errors.clientSecret = [
      clientSecret === "" ? "Expected the client secret" : "Expected the client secret without control characters",
    ];
  }
  const preset = env === "custom" ? undefined : DEFAULT_URLS[env as Environment];
  const locked = lockedUrls(config);
  let linkUrl = locked.linkUrl ?? preset?.link ?? text(body.linkUrl);
  let racTokenUrl = locked.racTokenUrl ?? preset?.rac ?? text(body.racTokenUrl);
  if (env === "custom") {
    if (!locked.linkUrl) {
      const u = httpUrl(linkUrl);
      if (!u) errors.linkUrl = ["Expected the Smart Link URL as an http(s) URL, e.g. https://link.totvs.app"];
      linkUrl = u ?? linkUrl;
    }
    if (!locked.racTokenUrl) {
      const u = httpUrl(racTokenUrl);
      if (!u) {
        errors.racTokenUrl = [
          "Expected the RAC token URL as an http(s) URL, e.g. https://admin.rac.totvs.app/totvs.rac/connect/token",
        ];
      }
      racTokenUrl = u ?? racTokenUrl;
    }
  }
  const values: ActivationFormValues = { clientId: clientId.slice(0, 200), env, linkUrl, racTokenUrl };
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, input: { clientId, clientSecret, env, linkUrl, racTokenUrl }, values };
}
