/** `parseRetryAfter`: the wait a `Retry-After` header asks for (delta seconds or an HTTP date). */

/** Milliseconds to wait from a `Retry-After` value (delta seconds or HTTP date), or undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
