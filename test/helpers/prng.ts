/** A small seeded PRNG (mulberry32) so randomised tests can be replayed from their printed seed. */

export interface Prng {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** A fresh 32-bit seed from the system's randomness. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** Creates the generator for `seed`. */
export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed: seed >>> 0,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}

/** A positive integer from the environment variable `name` (run sizes), else `fallback`. */
export function intFromEnv(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Invalid ${name}: expected a positive integer, got "${raw}"`);
  return n;
}

/** The seed from `variable` when set (a replay), else a fresh one. */
export function seedFromEnv(variable: string): number {
  const raw = Deno.env.get(variable);
  if (raw === undefined || raw.trim() === "") return randomSeed();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new Error(`Invalid ${variable}: expected an integer from 0 to 4294967295, got ${JSON.stringify(raw)}`);
  }
  return n;
}
