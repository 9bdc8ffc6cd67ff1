/** `activationState`: what the pages show of the activation, from the wiring in effect. */
import type { CredentialsSource } from "../activation/credentials_source.ts";
import type { Activation } from "../web/deps.ts";
import type { Wiring } from "./wire_credentials.ts";

/** The activation as the pages show it: credentials, token and setup of the wiring in effect. */
export function activationState(
  wired: Wiring | undefined,
  credentials: CredentialsSource,
  subscriptions: readonly string[],
): Activation {
  const t = wired?.tokens.state();
  const s = wired?.setup.state();
  const tokenFailed = t?.lastErrorAt && (!t.lastSuccessAt || t.lastErrorAt > t.lastSuccessAt);
  return {
    activated: wired !== undefined,
    source: wired?.creds.source,
    credentialsProblem: credentials.view().problem,
    tenantId: t?.tenantId,
    tokenValidUntil: t?.validUntil,
    tokenError: tokenFailed ? t?.lastError : undefined,
    tokenErrorCode: tokenFailed ? t?.lastErrorCode : undefined,
    tokenErrorStatus: tokenFailed ? t?.lastErrorStatus : undefined,
    tokenOauthError: tokenFailed ? t?.lastOauthError : undefined,
    setupError: s?.error,
    setupAt: s?.doneAt,
    subscriptions: s?.subscriptions ?? subscriptions,
  };
}
