/** The `noop` handler: for types that only need recording (and benchmarks). */
import type { Handler } from "./types.ts";

/** Succeeds at once with no reply. */
export const noopHandler: Handler = () => Promise.resolve({});
