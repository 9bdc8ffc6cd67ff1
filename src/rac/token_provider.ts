/**
 * RAC token cache: OAuth2 client credentials against TOTVS RAC, the JWT kept
 * until shortly before it expires, one refresh in flight shared by every
 * caller. Neither the client secret nor a token ever appears in an error or a
 * log line.
 */
import { decodeJwt } from "jose";
import * as v from "valibot";
import { AppError, type AppErrorOptions, type RacErrorCode } from "../errors.ts";
import { errorFields, type Logger } from "../log.ts";
import { describeFetchError } from "../net/fetch_error.ts";

export const TENANT_CLAIM = "http://www.tnf.com/identity/claims/tenantId";

/** A token that could not be had; `code` says which step failed. */
export class RacError extends AppError<RacErrorCode> {
  override name = "RacError";
  readonly status?: number;
  /** The OAuth2 `error` of a refused request (`invalid_client`, …). */
  readonly oauthError?: string;

  constructor(
    code: RacErrorCode,
    message: string,
    options: AppErrorOptions & { status?: number; oauthError?: string } = {},
  ) {
    super(code, message, options);
    this.status = options.status;
    this.oauthError = options.oauthError;
  }
}

export interface TokenProviderState {
  /** When the cached token expires (not when it will be refreshed). */
  validUntil?: Date;
  tenantId?: string;
  /** The last failure, kept after a later success: compare `lastErrorAt` with `lastSuccessAt`. */
  lastError?: string;
  lastErrorAt?: Date;
  /** `RacErrorCode`, HTTP status and OAuth2 `error` of that failure. */
  lastErrorCode?: RacErrorCode;
  lastErrorStatus?: number;
  lastOauthError?: string;
  lastSuccessAt?: Date;
}

export interface TokenProvider {
  /** A valid access token, cached. @throws RacError when none can be had */
  getToken(): Promise<string>;
  /** Drops the cached token (the server answered 401). */
  invalidate(): void;
  state(): TokenProviderState;
  /** The current and recent tokens (for the redactor). */
  recentTokens(): string[];
}

export interface TokenProviderOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. */
  now?: () => number;
  timeoutMs: number;
  logger: Logger;
  /** After a failed refresh, no new request for this long. Default 30 000. */
  retryFailedAfterMs?: number;
  /** The shared redactor, applied to every text from RAC on top of this provider's own masking. */
  redact?: (text: string) => string;
}

const TokenResponseSchema = v.object({
  access_token: v.pipe(v.string(), v.minLength(1)),
  expires_in: v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+(\.\d+)?$/), v.transform(Number))]),
    v.number(),
    v.gtValue(0),
  ),
  token_type: v.optional(v.nullable(v.string())),
});

const ErrorBodySchema = v.object({
  error: v.optional(v.string()),
  error_description: v.optional(v.string()),
});

interface CachedToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
  tenantId?: string;
}

/** Refresh ahead by max(60 s, 10 % of the lifetime), never more than half the lifetime. */
export function refreshSkewMs(lifetimeMs: number): number {
  return Math.min(Math.max(60_000, lifetimeMs * 0.1), lifetimeMs / 2);
}

/** Creates the RAC token cache. Does no I/O until the first `getToken()`. */
export function createTokenProvider(opts: TokenProviderOptions): TokenProvider {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const retryFailedAfterMs = opts.retryFailedAfterMs ?? 30_000;
  const log = opts.logger.child({ component: "rac" });
  const url = opts.tokenUrl;

  let cached: CachedToken | undefined;
  let inflight: Promise<CachedToken> | undefined;
  /** The last failed refresh while it still blocks new requests. */
  let failure: { error: RacError; at: number } | undefined;
  let lastFailure: { error: RacError; at: number } | undefined;
  let lastSuccessAt: number | undefined;

  /** Tokens obtained lately, newest last: an echo of an older one is masked too. */
  const recent: string[] = [];
  /** Removes the secret and any token from text that came from outside. */
  const redact = (text: string, token?: string): string => {
    let out = text;
    for (const s of [opts.clientSecret, token, cached?.token]) {
      if (s && s.length >= 4) out = out.replaceAll(s, "***");
    }
    return opts.redact ? opts.redact(out) : out;
  };

  async function request(): Promise<CachedToken> {
    const startedAt = now();
    const signal = AbortSignal.timeout(opts.timeoutMs);
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      scope: "authorization_api",
    });
    let status: number;
    let text: string;
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
          Accept: "application/json",
        },
        body: form.toString(),
        signal,
        // The form carries the client secret: a redirect is reported, never followed.
        redirect: "manual",
      });
      status = res.status;
      text = await res.text();
      if (status >= 300 && status <= 399) {
        const location = res.headers.get("location") ?? "(no Location header)";
        throw new RacError(
          "RAC_REDIRECT",
          `RAC token request failed: HTTP ${status} from "${url}" redirects to "${redact(location)}": ` +
            `not followed, since the request carries the client secret; set SMARTLINK_RAC_TOKEN_URL to the final URL`,
          { status },
        );
      }
    } catch (err) {
      if (err instanceof RacError) throw err;
      if (signal.aborted) {
        throw new RacError("RAC_TIMEOUT", `RAC token request timed out after ${opts.timeoutMs} ms: "${url}"`, {
          cause: err,
        });
      }
      const reason = redact(describeFetchError(err));
      throw new RacError("RAC_NETWORK", `RAC token request failed: network error reaching "${url}": ${reason}`);
    }

    if (status < 200 || status > 299) {
      let detail = "";
      let oauthError: string | undefined;
      try {
        const body = v.safeParse(ErrorBodySchema, JSON.parse(text));
        if (body.success) oauthError = body.output.error?.slice(0, 64);
        if (body.success && (body.output.error || body.output.error_description)) {
          detail = [body.output.error, body.output.error_description && `(${body.output.error_description})`]
            .filter(Boolean)
            .join(" ");
        }
      } catch {
        // Not JSON: the status alone describes the failure.
        detail = "";
      }
      const suffix = detail ? `: ${redact(detail).slice(0, 300)}` : "";
      throw new RacError("RAC_HTTP", `RAC token request failed: HTTP ${status} from "${url}"${suffix}`, {
        status,
        oauthError: oauthError && redact(oauthError),
      });
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RacError("RAC_INVALID_RESPONSE", `RAC token response from "${url}" is not JSON`, { status });
    }
    const parsed = v.safeParse(TokenResponseSchema, json);
    if (!parsed.success) {
      // Name the fields, never their values: one of them may be the token.
      const fields = parsed.issues.map((i) => v.getDotPath(i) ?? "body").join(", ");
      throw new RacError(
        "RAC_INVALID_RESPONSE",
        `RAC token response from "${url}" is invalid: bad or missing ${fields}`,
        { status },
      );
    }
    const token = parsed.output.access_token;
    let expiresAt = startedAt + parsed.output.expires_in * 1000;
    let tenantId: string | undefined;
    try {
      const claims = decodeJwt(token);
      const claim = claims[TENANT_CLAIM];
      if (typeof claim === "string" && claim !== "") tenantId = claim;
      if (typeof claims.exp === "number") {
        const jwtExpiresAt = claims.exp * 1000;
        if (jwtExpiresAt > startedAt) {
          expiresAt = Math.min(expiresAt, jwtExpiresAt);
        } else {
          log.warn("RAC token has an exp in the past: check the system clock; using expires_in", {
            exp: new Date(jwtExpiresAt).toISOString(),
          });
        }
      }
    } catch (err) {
      log.debug("RAC token is not a JWT: its lifetime comes from expires_in", errorFields(err));
    }
    const lifetime = expiresAt - startedAt;
    return { token, expiresAt, refreshAt: expiresAt - refreshSkewMs(lifetime), tenantId };
  }

  function startRefresh(): Promise<CachedToken> {
    inflight ??= request().then(
      (fresh) => {
        cached = fresh;
        recent.push(fresh.token);
        if (recent.length > 5) recent.shift();
        failure = undefined;
        lastSuccessAt = now();
        inflight = undefined;
        log.info("RAC token obtained", {
          validUntil: new Date(fresh.expiresAt).toISOString(),
          tenantId: fresh.tenantId,
        });
        return fresh;
      },
      (err: unknown) => {
        const error = err instanceof RacError
          ? err
          : new RacError("RAC_INVALID_RESPONSE", `RAC token request failed: ${redact(String(err))}`);
        failure = lastFailure = { error, at: now() };
        inflight = undefined;
        log.warn("RAC token refresh failed", { code: error.code, error: error.message, status: error.status });
        throw error;
      },
    );
    return inflight;
  }

  return {
    async getToken() {
      const t = now();
      if (cached && t < cached.refreshAt) return cached.token;
      const usable = cached && t < cached.expiresAt ? cached : undefined;
      if (failure && t < failure.at + retryFailedAfterMs && !inflight) {
        if (usable) return usable.token;
        throw failure.error;
      }
      try {
        return (await startRefresh()).token;
      } catch (err) {
        // A failed refresh keeps a still-valid token.
        if (usable && now() < usable.expiresAt && cached === usable) return usable.token;
        throw err;
      }
    },
    invalidate() {
      if (cached) log.info("RAC token dropped after the server rejected it");
      cached = undefined;
    },
    recentTokens: () => [...recent],
    state() {
      return {
        validUntil: cached ? new Date(cached.expiresAt) : undefined,
        tenantId: cached?.tenantId,
        lastError: lastFailure?.error.message,
        lastErrorAt: lastFailure ? new Date(lastFailure.at) : undefined,
        lastErrorCode: lastFailure?.error.code,
        lastErrorStatus: lastFailure?.error.status,
        lastOauthError: lastFailure?.error.oauthError,
        lastSuccessAt: lastSuccessAt === undefined ? undefined : new Date(lastSuccessAt),
      };
    },
  };
}
