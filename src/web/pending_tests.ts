/**
 * Credentials that passed "Test" on the page, held in this process's memory
 * for a few minutes under a random id so "Activate" does not need the secret
 * typed again — the secret itself never goes back to the browser. Taken
 * once; the oldest is dropped beyond `max`.
 */
import { encodeBase64Url } from "hono/utils/encode";
import type { CredentialsInput } from "../activation/credentials.ts";

export interface PendingTests {
  /** Holds `input`; returns the id the form carries. */
  put(input: CredentialsInput): string;
  /** The held input for `id` (removed), or undefined when unknown or expired. */
  take(id: string): CredentialsInput | undefined;
}

export function createPendingTests(
  options: { now: () => Date; ttlMs?: number; max?: number },
): PendingTests {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const max = options.max ?? 8;
  const held = new Map<string, { input: CredentialsInput; until: number }>();
  const sweep = (t: number) => {
    for (const [id, h] of held) if (h.until <= t) held.delete(id);
  };
  return {
    put(input) {
      const t = options.now().getTime();
      sweep(t);
      while (held.size >= max) held.delete(held.keys().next().value!);
      const bytes = crypto.getRandomValues(new Uint8Array(24));
      const id = encodeBase64Url(bytes.buffer);
      held.set(id, { input, until: t + ttlMs });
      return id;
    },
    take(id) {
      sweep(options.now().getTime());
      const h = held.get(id);
      held.delete(id);
      return h?.input;
    },
  };
}
