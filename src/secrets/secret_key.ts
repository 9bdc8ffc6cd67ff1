/**
 * The key that encrypts credentials at rest (`SMARTLINK_SECRET_KEY` or
 * `SMARTLINK_SECRET_KEY_FILE`): 32 random bytes written as base64 or hex. Its
 * id, stored beside every ciphertext, is a fingerprint that never reveals it.
 */
import { decodeBase64Url } from "hono/utils/encode";

export const SECRET_KEY_BYTES = 32;

export const SECRET_KEY_HOWTO =
  "32 random bytes as base64 (44 characters) or hex (64 characters); generate one with: openssl rand -base64 32";

/** The key bytes of `text` (base64, base64url or hex), or undefined when it is not 32 bytes. */
export function parseSecretKey(text: string): Uint8Array<ArrayBuffer> | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) {
    return Uint8Array.from(t.match(/../g)!, (h) => parseInt(h, 16));
  }
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return undefined;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = decodeBase64Url(t);
  } catch {
    return undefined; // not base64 after all
  }
  return bytes.length === SECRET_KEY_BYTES ? bytes : undefined;
}

export interface SecretKey {
  /** Fingerprint of the key, stored beside the ciphertext: `k1-` + 12 hex digits of SHA-256. */
  id: string;
  key: CryptoKey;
}

/** Imports raw key bytes for AES-256-GCM (not extractable) and computes the key id. */
export async function importSecretKey(raw: Uint8Array<ArrayBuffer>): Promise<SecretKey> {
  if (raw.length !== SECRET_KEY_BYTES) throw new RangeError(`A secret key is ${SECRET_KEY_BYTES} bytes`);
  const label = new TextEncoder().encode("smartlink-secret-key-id:");
  const material = new Uint8Array(label.length + raw.length);
  material.set(label);
  material.set(raw, label.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", material));
  const id = "k1-" + [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  return { id, key };
}
