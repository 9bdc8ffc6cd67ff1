/**
 * A bounded worker pool. Not `@std/async/pooledMap`: it can stop starting new
 * items (`stop()`, checked before each one, for shutdown) and rejects with the
 * first error as it is (the tick tells a phase error from others by its
 * class), where pooledMap wraps errors in an AggregateError.
 */
/** Runs `fn` over `items` with at most `limit` in flight; stops starting new ones once `stop()` is true. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
