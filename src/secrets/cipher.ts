/**
 * AES-256-GCM sealing of one secret under a `SecretKey` (WebCrypto): a fresh
 * 96-bit IV per seal, the key id and additional data bound to the ciphertext.
 * A wrong key, a changed id or tampered bytes fail to open with `CipherError`.
 */
import { AppError, type BaseErrorCode } from "../errors.ts";
import type { SecretKey } from "./secret_key.ts";

export interface SealedSecret {
  keyId: string;
  /** base64 */
  iv: string;
  /** base64; ciphertext and the 128-bit tag. */
  ciphertext: string;
}

export type CipherErrorCode = Extract<BaseErrorCode, "SECRET_KEY_MISMATCH" | "SECRET_UNREADABLE">;

export class CipherError extends AppError<CipherErrorCode> {
  override name = "CipherError";
}

const encoder = new TextEncoder();
const toBase64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** Encrypts `plaintext`; `context` (e.g. the client id) must be given again to open it. */
export async function sealSecret(key: SecretKey, plaintext: string, context: string): Promise<SealedSecret> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(`${key.id}\n${context}`) },
    key.key,
    encoder.encode(plaintext),
  );
  return { keyId: key.id, iv: toBase64(iv), ciphertext: toBase64(new Uint8Array(data)) };
}

/** Decrypts what `sealSecret` made. @throws CipherError */
export async function openSecret(key: SecretKey, sealed: SealedSecret, context: string): Promise<string> {
  if (sealed.keyId !== key.id) {
    throw new CipherError(
      "SECRET_KEY_MISMATCH",
      `Stored secret is encrypted under key id "${sealed.keyId}" but SMARTLINK_SECRET_KEY has id "${key.id}": ` +
        "set the key it was stored with, or activate again",
    );
  }
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(sealed.iv), additionalData: encoder.encode(`${key.id}\n${context}`) },
      key.key,
      fromBase64(sealed.ciphertext),
    );
    return new TextDecoder().decode(plain);
  } catch (err) {
    throw new CipherError(
      "SECRET_UNREADABLE",
      "Stored secret cannot be decrypted (altered or damaged): activate again",
      { cause: err },
    );
  }
}
