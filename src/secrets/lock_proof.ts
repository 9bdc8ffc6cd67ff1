/**
 * Proof that a server holds a given lock file: the lock carries a random
 * nonce only the server (and whoever can read the data folder) knows; the
 * server answers a fresh challenge with HMAC-SHA256(nonce, challenge), which
 * the CLI checks in constant time before it sends the admin token anywhere.
 */

const encoder = new TextEncoder();

/** A new random nonce for a lock file. */
export function newLockNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** HMAC-SHA256 of `challenge` under `nonce`, hex. */
export async function lockProof(nonce: string, challenge: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(nonce), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(challenge)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares two strings in constant time for their length. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
