/** Shared pieces of the tick phases: the phase error and a bounded worker pool. */
import type { TickPhase } from "./summary.ts";

/** A phase stopped by an error that is the server's or the database's, not a message's. */
export class PhaseError extends Error {
  override name = "PhaseError";
  constructor(readonly phase: TickPhase, readonly code: string, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

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
