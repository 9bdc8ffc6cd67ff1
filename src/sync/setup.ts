/**
 * Keeps the subscription set registered with the Smart Link Server: setup is
 * called at start, before the first `get` of the process, and again when the
 * set changes or the last setup failed.
 */
import type { Logger } from "../log.ts";
import type { SetupPort } from "./deps.ts";

export interface SetupState {
  subscriptions: readonly string[];
  doneAt?: Date;
  error?: string;
  errorAt?: Date;
}

export interface SetupTracker extends SetupPort {
  state(): SetupState;
}

/** Creates the tracker over `setup(types)` of the Smart Link client. */
export function createSetupTracker(deps: {
  setup(types: string[]): Promise<void>;
  subscriptions: readonly string[];
  now: () => Date;
  logger: Logger;
}): SetupTracker {
  const subscriptions = [...new Set(deps.subscriptions)].sort();
  let registered: string | undefined;
  let inFlight: { key: string; promise: Promise<void> } | undefined;
  const state: SetupState = { subscriptions };
  const register = async (key: string, types: string[]) => {
    try {
      await deps.setup(types);
    } catch (err) {
      state.error = (err as Error).message;
      state.errorAt = deps.now();
      throw err;
    }
    registered = key;
    state.doneAt = deps.now();
    state.error = undefined;
    state.errorAt = undefined;
    deps.logger.info("Setup accepted", { subscriptions: types });
  };
  return {
    ensure() {
      const key = subscriptions.join(",");
      if (registered === key) return Promise.resolve();
      // Callers at the same time (start-up and the first tick) share one request.
      if (inFlight?.key !== key) {
        const promise = register(key, [...subscriptions]).finally(() => {
          if (inFlight?.promise === promise) inFlight = undefined;
        });
        inFlight = { key, promise };
      }
      return inFlight.promise;
    },
    state: () => ({ ...state, subscriptions }),
  };
}
