/**
 * Activation as an operator reads it, from what the runtime knows: one of
 * four states, a sentence saying what is wrong and what to do. Shared by the
 * dashboard, `GET /api/status`, `/healthz` and `doctor`. Pure; never holds a
 * secret.
 */
import type { Activation } from "./deps.ts";

/**
 * - `not_configured`: no client id and secret.
 * - `configured`: credentials set, no token asked for yet (the first tick asks).
 * - `token_failing`: credentials set, the last token request failed.
 * - `active`: a token was obtained and the last request did not fail.
 */
export type ActivationStateName = "not_configured" | "configured" | "token_failing" | "active";

export interface ActivationState {
  state: ActivationStateName;
  /** The badge text. */
  label: string;
  /** The badge colour class. */
  kind: "ok" | "warning" | "error";
  /** What is wrong and what to do; absent when active. */
  hint?: string;
  /** True when RAC refused the credentials themselves (401, `invalid_client`, …). */
  credentialsRejected: boolean;
}

const LABELS: Record<ActivationStateName, string> = {
  not_configured: "Not configured",
  configured: "Configured, no token yet",
  token_failing: "Configured, token failing",
  active: "Active",
};

const CREDENTIAL_ERRORS = new Set(["invalid_client", "unauthorized_client", "invalid_grant", "access_denied"]);

/** True when RAC answered that the client id or secret is wrong (not a network or server fault). */
export function credentialsRejected(a: Pick<Activation, "tokenErrorCode" | "tokenErrorStatus" | "tokenOauthError">) {
  if (a.tokenErrorCode !== "RAC_HTTP") return false;
  if (a.tokenOauthError && CREDENTIAL_ERRORS.has(a.tokenOauthError)) return true;
  return a.tokenErrorStatus === 401 || a.tokenErrorStatus === 403;
}

export const CHECK_CREDENTIALS =
  "RAC refused the credentials: check SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET (or SMARTLINK_CLIENT_SECRET_FILE), then restart";

export const CHECK_STORED_CREDENTIALS =
  "RAC refused the stored credentials: on the Activation page, test and activate the right client id and secret";

/** The state of `a` and what to do about it. */
export function activationState(a: Activation): ActivationState {
  if (!a.activated) {
    return {
      state: "not_configured",
      label: LABELS.not_configured,
      kind: "error",
      hint: a.credentialsProblem ??
        "Enter the client id and secret on the Activation page, or set SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET (or SMARTLINK_CLIENT_SECRET_FILE) and restart",
      credentialsRejected: false,
    };
  }
  if (a.tokenError) {
    const rejected = credentialsRejected(a);
    return {
      state: "token_failing",
      label: LABELS.token_failing,
      kind: "error",
      hint: rejected
        ? (a.source === "stored" ? CHECK_STORED_CREDENTIALS : CHECK_CREDENTIALS)
        : tokenFailureHint(a.tokenErrorCode),
      credentialsRejected: rejected,
    };
  }
  if (!a.tokenValidUntil) {
    return {
      state: "configured",
      label: LABELS.configured,
      kind: "warning",
      hint: "The next tick asks RAC for a token; press Sync now to ask at once",
      credentialsRejected: false,
    };
  }
  return { state: "active", label: LABELS.active, kind: "ok", credentialsRejected: false };
}

function tokenFailureHint(code: string | undefined): string {
  switch (code) {
    case "RAC_NETWORK":
      return "RAC could not be reached: check SMARTLINK_RAC_TOKEN_URL, DNS, the proxy (HTTPS_PROXY) and DENO_CERT";
    case "RAC_TIMEOUT":
      return "RAC did not answer in time: check the network path to SMARTLINK_RAC_TOKEN_URL or raise SMARTLINK_HTTP_TIMEOUT_S";
    case "RAC_INVALID_RESPONSE":
      return "RAC answered something that is not a token: check SMARTLINK_RAC_TOKEN_URL points at the token endpoint";
    default:
      return "RAC did not issue a token: check SMARTLINK_RAC_TOKEN_URL and the credentials; the next tick tries again";
  }
}
