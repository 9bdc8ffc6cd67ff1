/**
 * `deadline` as `@std/async/deadline` has it: settles with `p`, or rejects
 * with a `TimeoutError` DOMException after `ms` (the timer is cleared as soon
 * as `p` settles, so no timer outlives the work).
 */
export function deadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DOMException("Signal timed out.", "TimeoutError")), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** True for the rejection of `deadline` (and of `AbortSignal.timeout`). */
export function isTimeoutError(err: unknown): boolean {
  return err instanceof DOMException && err.name === "TimeoutError";
}
