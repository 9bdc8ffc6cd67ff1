/**
 * `rotate-key`: decrypts the stored secret with the current key and stores
 * it encrypted under a new one (a new key id). Processes still holding the
 * old key keep the credentials they loaded until restarted with the new key.
 */
import type { Database } from "../db/client.ts";
import { readStoredCredentials, writeStoredCredentials } from "../db/credentials_store.ts";
import { type Actor, logOperatorAction } from "../db/message_actions.ts";
import { openSecret, sealSecret } from "../secrets/cipher.ts";
import type { SecretKey } from "../secrets/secret_key.ts";

export type RotateResult =
  | { ok: true; fromKeyId: string; toKeyId: string; clientId: string }
  | { ok: false; code: "NOTHING_STORED" | "SAME_KEY"; message: string };

/** @throws CipherError when the current key does not open the stored secret */
export async function rotateKey(
  db: Database,
  keys: { current: SecretKey; next: SecretKey },
  deps: { now: () => Date; actor: Actor },
): Promise<RotateResult> {
  const row = await readStoredCredentials(db);
  if (!row) return { ok: false, code: "NOTHING_STORED", message: "No credentials are stored: nothing to re-encrypt" };
  if (keys.current.id === keys.next.id) {
    return { ok: false, code: "SAME_KEY", message: `The new key is the current key (id "${keys.next.id}")` };
  }
  const r = row.value;
  const secret = await openSecret(keys.current, r, r.clientId);
  const sealed = await sealSecret(keys.next, secret, r.clientId);
  const now = deps.now();
  await writeStoredCredentials(db, { ...r, ...sealed }, now);
  await logOperatorAction(db, {
    action: "rotate-key",
    text: `Stored credentials re-encrypted under key id "${sealed.keyId}"`,
    now,
    actor: deps.actor,
    detail: { clientId: r.clientId, fromKeyId: r.keyId, toKeyId: sealed.keyId },
  });
  return { ok: true, fromKeyId: r.keyId, toKeyId: sealed.keyId, clientId: r.clientId };
}
