/**
 * "Test": takes a RAC token with credentials as typed (nothing is stored) and
 * asks the Smart Link Server's setup whether it answers with that token. The
 * answer names the tenant and the token's lifetime, or the exact failure and
 * what to check. Never holds the secret past the call.
 */
import type { Logger } from "../log.ts";
import type { WireProfile } from "../profile/wire_profile.ts";
import { createTokenProvider, RacError } from "../rac/token_provider.ts";
import { createSmartLinkClient } from "../smartlink/client.ts";
import { SmartLinkError } from "../smartlink/errors.ts";
import type { CredentialsInput } from "./credentials.ts";

export interface TestDeps {
  fetch: typeof fetch;
  now: () => Date;
  timeoutMs: number;
  profile: WireProfile;
  /** The types setup registers (the same the running client would). */
  subscriptions: readonly string[];
  maxMessageBytes: number;
  logger: Logger;
}

export type SetupOutcome =
  | { ok: true; subscriptions: string[] }
  | { ok: false; code: string; status?: number; message: string; check: string };

export type TestResult =
  | { ok: true; tenantId?: string; validUntil: Date; lifetimeS: number; setup: SetupOutcome }
  | { ok: false; code: string; status?: number; message: string; check: string };

/** What to check after RAC refused or failed a token request. */
export function racCheck(err: RacError, racTokenUrl: string): string {
  if (err.code === "RAC_NETWORK") {
    return `RAC could not be reached: check the RAC token URL "${racTokenUrl}", DNS, the proxy (HTTPS_PROXY, NO_PROXY) and DENO_CERT`;
  }
  if (err.code === "RAC_TIMEOUT") {
    return `RAC did not answer in time: check the network path to "${racTokenUrl}" or raise SMARTLINK_HTTP_TIMEOUT_S`;
  }
  if (err.code === "RAC_INVALID_RESPONSE") {
    return `The answer is not a RAC token: check that "${racTokenUrl}" is the token endpoint (…/totvs.rac/connect/token)`;
  }
  const s = err.status ?? 0;
  if (s === 400 || s === 401 || s === 403) {
    return "RAC refused the credentials: check the client id and the client secret (copy them again from the " +
      "activation e-mail, without spaces) and that the environment (prod, staging, dev) is the tenant's";
  }
  if (s === 404) return `No token endpoint at "${racTokenUrl}": check the environment or the RAC token URL`;
  if (s >= 500) return "RAC itself is failing: try again in a few minutes; the credentials were not judged";
  return `RAC answered HTTP ${s}: check the RAC token URL "${racTokenUrl}" and the credentials`;
}

/** What to check after setup failed with a valid token. */
export function setupCheck(err: SmartLinkError, linkUrl: string): string {
  switch (err.code) {
    case "SL_NETWORK":
    case "SL_TIMEOUT":
      return `The Smart Link Server could not be reached: check the Smart Link URL "${linkUrl}", DNS and the proxy`;
    case "SL_UNAUTHORIZED":
    case "SL_FORBIDDEN":
      return "The Smart Link Server refused this tenant's token: check that the environment is the tenant's and " +
        "that Smart Link is enabled for it";
    case "SL_NOT_FOUND":
      return `No setup route at "${linkUrl}": check the Smart Link URL (and SMARTLINK_ROUTES when set)`;
    case "SL_HTTP_5XX":
    case "SL_RATE_LIMITED":
      return "The Smart Link Server is failing or busy: try again in a few minutes";
    default:
      return `The Smart Link Server answered unexpectedly: check the Smart Link URL "${linkUrl}"`;
  }
}

/** Takes a token with `input` and calls setup; stores nothing. */
export async function testCredentials(input: CredentialsInput, deps: TestDeps): Promise<TestResult> {
  const logger = deps.logger.child({ test: "credentials" });
  const now = () => deps.now().getTime();
  const tokens = createTokenProvider({
    tokenUrl: input.racTokenUrl,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    fetch: deps.fetch,
    now,
    timeoutMs: deps.timeoutMs,
    logger,
    retryFailedAfterMs: 0,
  });
  const startedAt = now();
  try {
    await tokens.getToken();
  } catch (err) {
    if (!(err instanceof RacError)) throw err;
    return {
      ok: false,
      code: err.code,
      status: err.status,
      message: err.message,
      check: racCheck(err, input.racTokenUrl),
    };
  }
  const state = tokens.state();
  const validUntil = state.validUntil!;
  const lifetimeS = Math.round((validUntil.getTime() - startedAt) / 1000);
  const client = createSmartLinkClient({
    baseUrl: input.linkUrl,
    profile: deps.profile,
    fetch: deps.fetch,
    tokens,
    timeoutMs: deps.timeoutMs,
    maxMessageBytes: deps.maxMessageBytes,
    logger,
    now,
  });
  const subscriptions = [...deps.subscriptions].sort();
  let setup: SetupOutcome;
  try {
    await client.setup(subscriptions);
    setup = { ok: true, subscriptions };
  } catch (err) {
    if (!(err instanceof SmartLinkError)) throw err;
    setup = {
      ok: false,
      code: err.code,
      status: err.status,
      message: err.message,
      check: setupCheck(err, input.linkUrl),
    };
  }
  return { ok: true, tenantId: state.tenantId, validUntil, lifetimeS, setup };
}
