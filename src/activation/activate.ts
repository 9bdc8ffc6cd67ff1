/**
 * "Activate": tests the credentials (a token must be issued), encrypts the
 * secret under SMARTLINK_SECRET_KEY and stores them; every process on the
 * database uses them from its next tick. Logged as an operator action,
 * without the secret.
 */
import type { Database } from "../db/client.ts";
import { writeStoredCredentials } from "../db/credentials_store.ts";
import { type Actor, logOperatorAction } from "../db/message_actions.ts";
import { sealSecret } from "../secrets/cipher.ts";
import type { SecretKey } from "../secrets/secret_key.ts";
import type { CredentialsInput } from "./credentials.ts";
import { testCredentials, type TestDeps, type TestResult } from "./test_credentials.ts";

export type ActivateResult =
  | { ok: true; test: Extract<TestResult, { ok: true }>; keyId: string }
  | { ok: false; code: "NO_SECRET_KEY"; message: string }
  | { ok: false; code: "TEST_FAILED"; test: Extract<TestResult, { ok: false }>; message: string };

export const NO_KEY_MESSAGE =
  "Credentials cannot be stored: SMARTLINK_SECRET_KEY (or SMARTLINK_SECRET_KEY_FILE) is not set; " +
  "set it to 32 random bytes (openssl rand -base64 32) and restart";

export async function activateCredentials(
  db: Database,
  input: CredentialsInput,
  deps: TestDeps & { key: SecretKey | undefined; actor: Actor },
): Promise<ActivateResult> {
  if (!deps.key) return { ok: false, code: "NO_SECRET_KEY", message: NO_KEY_MESSAGE };
  const test = await testCredentials(input, deps);
  if (!test.ok) {
    await logOperatorAction(db, {
      action: "activate",
      text: `Activation refused: ${test.message}`,
      now: deps.now(),
      actor: deps.actor,
      failed: true,
      detail: { clientId: input.clientId, env: input.env, ok: false, code: test.code },
    });
    return { ok: false, code: "TEST_FAILED", test, message: `Nothing was stored: ${test.message}` };
  }
  const sealed = await sealSecret(deps.key, input.clientSecret, input.clientId);
  const now = deps.now();
  await writeStoredCredentials(db, {
    v: 1,
    clientId: input.clientId,
    env: input.env,
    linkUrl: input.linkUrl,
    racTokenUrl: input.racTokenUrl,
    ...sealed,
    storedBy: `${deps.actor.via} ${deps.actor.address}`,
  }, now);
  await logOperatorAction(db, {
    action: "activate",
    text: `Activated client id "${input.clientId}" (${input.env})`,
    now,
    actor: deps.actor,
    detail: {
      clientId: input.clientId,
      env: input.env,
      linkUrl: input.linkUrl,
      racTokenUrl: input.racTokenUrl,
      keyId: sealed.keyId,
      tenantId: test.tenantId ?? null,
      ok: true,
    },
  });
  return { ok: true, test, keyId: sealed.keyId };
}
