/**
 * The simulator's RAC: issues RS256 JWTs shaped like RAC's (audience
 * `authorization_api`, `client_id`, the TNF tenant claim) and verifies them.
 * The key pair is generated on first use, never at import or construction.
 */
import { errors as joseErrors, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { TENANT_CLAIM } from "../rac/token_provider.ts";

export interface TokenIssuerOptions {
  issuer: string;
  tenantId: string;
  lifetimeS: number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

export interface TokenIssuer {
  issue(clientId: string): Promise<{ token: string; expiresIn: number }>;
  /** True when `token` is a JWT this issuer signed, not revoked, and it has not expired. */
  verify(token: string): Promise<boolean>;
  /** Revokes every token issued so far (a new signing key; the verified-token cache is emptied). */
  revokeAll(): void;
  jwks(): Promise<{ keys: Record<string, unknown>[] }>;
}

const KEY_ID = "sim-rs256";

/** Creates the simulator's token issuer. */
export function createTokenIssuer(opts: TokenIssuerOptions): TokenIssuer {
  let keys: ReturnType<typeof generateKeyPair> | undefined;
  const keyPair = () => keys ??= generateKeyPair("RS256");
  /** Tokens whose signature was already checked, with their `exp`. */
  const verified = new Map<string, number>();

  return {
    async issue(clientId) {
      const { privateKey } = await keyPair();
      const iat = Math.floor(opts.now() / 1000);
      const token = await new SignJWT({
        client_id: clientId,
        scope: "authorization_api",
        [TENANT_CLAIM]: opts.tenantId,
      })
        .setProtectedHeader({ alg: "RS256", kid: KEY_ID, typ: "JWT" })
        .setIssuer(opts.issuer)
        .setAudience("authorization_api")
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + opts.lifetimeS)
        .setJti(crypto.randomUUID())
        .sign(privateKey);
      return { token, expiresIn: opts.lifetimeS };
    },

    async verify(token) {
      // A resource server verifies a token's signature once and then only its expiry.
      const cachedExp = verified.get(token);
      if (cachedExp !== undefined) return opts.now() < cachedExp * 1000;
      const { publicKey } = await keyPair();
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          issuer: opts.issuer,
          audience: "authorization_api",
          algorithms: ["RS256"],
          currentDate: new Date(opts.now()),
        });
        if (verified.size > 1000) verified.clear();
        if (typeof payload.exp === "number") verified.set(token, payload.exp);
        return true;
      } catch (err) {
        // Expired, forged or malformed: all the same to a resource server.
        if (err instanceof joseErrors.JOSEError) return false;
        throw err;
      }
    },

    revokeAll() {
      keys = undefined;
      verified.clear();
    },

    async jwks() {
      const { publicKey } = await keyPair();
      const jwk = await exportJWK(publicKey);
      return { keys: [{ ...jwk, kid: KEY_ID, alg: "RS256", use: "sig" }] };
    },
  };
}
