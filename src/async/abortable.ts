/**
 * `abortable` as `@std/async/abortable` has it for a promise: settles with
 * `p`, or rejects with the signal's reason when it aborts first (for work
 * that ignores its signal, such as a handler).
 */
export function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
