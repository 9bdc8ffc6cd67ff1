/**
 * Keeps the subscription set registered with the Smart Link Server: setup is
 * called at start, before the first `get` of the process, and again when the
 * set changes or the last setup failed.
 */
import type { Logger } from "../log.ts";
import type { SetupPort } from "./tick.ts";

export interface SetupState {
  subscriptions: readonly string[];
  doneAt?: Date;
  error?: string;
  errorAt?: Date;
}

export interface SetupTracker extends SetupPort {
  state(): SetupState;
  /** Replaces the subscription set; the next `ensure()` registers it. */
  setSubscriptions(types: readonly string[]): void;
}

/** Creates the tracker over `setup(types)` of the Smart Link client. */
export function createSetupTracker(deps: {
  setup(types: string[]): Promise<void>;
  subscriptions: readonly string[];
  now: () => Date;
  logger: Logger;
}): SetupTracker {
  let subscriptions = [...new Set(deps.subscriptions)].sort();
  let registered: string | undefined;
  const state: SetupState = { subscriptions };
  return {
    async ensure() {
      const key = subscriptions.join(",");
      if (registered === key) return;
      try {
        await deps.setup([...subscriptions]);
      } catch (err) {
        state.error = (err as Error).message;
        state.errorAt = deps.now();
        throw err;
      }
      registered = key;
      state.doneAt = deps.now();
      state.error = undefined;
      state.errorAt = undefined;
      deps.logger.info("Setup accepted", { subscriptions });
    },
    state: () => ({ ...state, subscriptions }),
    setSubscriptions(types) {
      subscriptions = [...new Set(types)].sort();
      state.subscriptions = subscriptions;
    },
  };
}
