/**
 * The one redactor: every text that comes from outside (error bodies of the
 * Smart Link Server, RAC and the ERP) passes through it before it is stored,
 * logged, rendered or returned, and the log and the HTTP responses pass
 * through it once more as a last line. It masks the secrets its sources
 * give at the moment of each call (sources can be added and their values can
 * change: a secret entered on a page, a fresh RAC token), each in its raw,
 * URL-encoded (`%20` and `+` for spaces, either hex case), JSON-escaped and
 * base64 (standard and URL alphabet, at any byte offset) forms, plus anything
 * shaped like a JWT.
 */

export const MASK = "[redacted]";

/** Secrets shorter than this are not masked: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 4;
/** Base64 forms shorter than this are left out: too likely to occur by chance. */
const MIN_BASE64_LENGTH = 8;

/** Three dot-separated base64url parts starting like a JSON object header: a JWT. */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

export type SecretSource = () => Iterable<string | undefined | null>;

export interface Redactor {
  /** Adds a source of secrets; it is asked at every redaction, so it may return new values later. */
  addSource(source: SecretSource): void;
  /** `text` with every secret (in every form) and every JWT-shaped text masked. */
  redact(text: string): string;
  /** A copy of `value` with every string inside it redacted (objects and arrays walked). */
  redactValue<T>(value: T): T;
}

const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The base64 characters that depend only on `secret`, when it starts at byte offset 0, 1 or 2 of a blob. */
function base64Cores(secret: string): string[] {
  const bytes = encoder.encode(secret);
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const padded = new Uint8Array(k + bytes.length);
    padded.set(bytes, k);
    const full = base64(padded);
    const n = padded.length;
    const core = full.slice(Math.ceil((8 * k) / 6), Math.floor((8 * n) / 6));
    if (core.length >= MIN_BASE64_LENGTH) {
      out.push(core, core.replaceAll("+", "-").replaceAll("/", "_"));
    }
  }
  return out;
}

/** Every form in which `secret` may come back. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(encodeURIComponent(secret));
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  forms.add(encodeURI(secret));
  for (const core of base64Cores(secret)) forms.add(core);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A pattern for one form; percent escapes match in either hex case. */
function formPattern(form: string): string {
  return escapeRegExp(form).replace(/%([0-9A-F])([0-9A-F])/g, (_m, a: string, b: string) => {
    const cls = (ch: string) => (/[A-F]/.test(ch) ? `[${ch}${ch.toLowerCase()}]` : ch);
    return `%${cls(a)}${cls(b)}`;
  });
}

/** Creates a redactor with the given sources (more may be added). */
export function createRedactor(...sources: SecretSource[]): Redactor {
  const all = [...sources];
  let cachedKey = "";
  let cachedPattern: RegExp | undefined;

  // The secrets last seen, in source order: while they stay the same (nearly always) the pattern is reused
  // without sorting or joining anything (this runs for every text the program lets out).
  let lastSeen: string[] = [];

  function pattern(): RegExp | undefined {
    const seen: string[] = [];
    let same = true;
    for (const source of all) {
      for (const s of source()) {
        if (typeof s !== "string" || s.length < MIN_SECRET_LENGTH) continue;
        if (same && lastSeen[seen.length] !== s) same = false;
        seen.push(s);
      }
    }
    if (same && seen.length === lastSeen.length && (cachedPattern !== undefined || seen.length === 0)) {
      return cachedPattern;
    }
    lastSeen = seen;
    const secrets = new Set(seen);
    const key = [...secrets].sort().join("\u0000");
    if (key !== cachedKey || (cachedPattern === undefined && secrets.size > 0)) {
      cachedKey = key;
      const forms = [...new Set([...secrets].flatMap(secretForms))].sort((a, b) => b.length - a.length);
      cachedPattern = forms.length === 0 ? undefined : new RegExp(forms.map(formPattern).join("|"), "g");
    }
    return cachedPattern;
  }

  function redact(text: string): string {
    const p = pattern();
    const masked = p === undefined ? text : text.replace(p, MASK);
    return masked.replace(JWT_PATTERN, MASK);
  }

  function redactValue<T>(value: T): T {
    const seen = new WeakMap<object, unknown>();
    const walk = (v: unknown): unknown => {
      if (typeof v === "string") return redact(v);
      if (typeof v !== "object" || v === null) return v;
      if (v instanceof Date) return v;
      if (seen.has(v)) return seen.get(v);
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        seen.set(v, out);
        for (const item of v) out.push(walk(item));
        return out;
      }
      const out: Record<string, unknown> = {};
      seen.set(v, out);
      for (const [k, item] of Object.entries(v)) out[k] = walk(item);
      return out;
    };
    return walk(value) as T;
  }

  return {
    addSource: (source) => void all.push(source),
    redact,
    redactValue,
  };
}
