/**
 * Redacts known secrets (client secret, admin token, the RAC tokens seen) in
 * the forms a remote party may echo them (raw, URL-encoded with `%20` or `+`,
 * JSON-escaped, base64) and anything shaped like a JWT. Used by the capture
 * until the program-wide redactor takes its place.
 */
import type { Redact } from "./exchange.ts";

const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const MARK = "[redacted]";

function forms(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const all = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    btoa(binary),
    btoa(binary).replace(/=+$/, ""),
  ];
  return [...new Set(all)].sort((a, b) => b.length - a.length);
}

export interface KnownSecretRedactor {
  redact: Redact;
  /** Adds a secret learned at run time (a RAC token). */
  add(secret: string): void;
}

/** A redactor over `secrets` (values shorter than 4 characters are ignored) and JWT-shaped text. */
export function createKnownSecretRedactor(secrets: (string | undefined)[]): KnownSecretRedactor {
  let patterns: string[] = [];
  const known = new Set<string>();
  const add = (secret: string | undefined) => {
    if (secret === undefined || secret.length < 4 || known.has(secret)) return;
    known.add(secret);
    patterns = [...new Set([...patterns, ...forms(secret)])].sort((a, b) => b.length - a.length);
  };
  for (const s of secrets) add(s);
  return {
    redact(text) {
      let out = text;
      for (const p of patterns) if (out.includes(p)) out = out.replaceAll(p, MARK);
      return out.replace(JWT, "[redacted-jwt]");
    },
    add,
  };
}
