/**
 * `runtimeActivationControl`: the activation page's port (test, activate,
 * deactivate) over the credentials source, the operator log and the rewiring
 * of this process.
 */
import { activateCredentials } from "../activation/activate.ts";
import type { CredentialsSource } from "../activation/credentials_source.ts";
import { deactivateCredentials } from "../activation/deactivate.ts";
import { testCredentials, type TestDeps } from "../activation/test_credentials.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/client.ts";
import { logOperatorAction } from "../db/message_actions.ts";
import type { Logger } from "../log.ts";
import type { ActivationControl } from "../web/deps.ts";
import type { Wiring } from "./wire_credentials.ts";

export interface RuntimeActivationOptions {
  config: Config;
  db: Database;
  fetch: typeof fetch;
  now: () => Date;
  logger: Logger;
  credentials: CredentialsSource;
  /** The subscriptions asked for when no setup has run yet. */
  subscriptions: string[];
  /** Adds a secret typed in to the redactor. */
  learnSecret: (secret: string | undefined) => void;
  /** The wiring of the credentials in effect, if any. */
  current: () => Wiring | undefined;
  refreshCredentials: () => Promise<void>;
}

/** The activation page's operations; none returns or logs the secret. */
export function runtimeActivationControl(options: RuntimeActivationOptions): ActivationControl {
  const { config, db, now, logger, credentials, subscriptions, refreshCredentials } = options;
  const known = { add: options.learnSecret };
  const testDeps = (): TestDeps => ({
    fetch: options.fetch,
    now,
    timeoutMs: config.httpTimeoutMs,
    profile: config.profile,
    subscriptions: options.current()?.setup.state().subscriptions ?? subscriptions,
    maxMessageBytes: config.maxMessageBytes,
    logger,
  });
  return {
    view: () => credentials.view(),
    async test(input, actor) {
      known.add(input.clientSecret);
      const result = await testCredentials(input, testDeps());
      await logOperatorAction(db, {
        action: "activation-test",
        text: result.ok
          ? `Credentials test passed for client id "${input.clientId}"`
          : `Credentials test failed: ${result.message}`,
        now: now(),
        actor,
        failed: !result.ok,
        detail: { clientId: input.clientId, env: input.env, ok: result.ok },
      });
      return result;
    },
    async activate(input, actor) {
      known.add(input.clientSecret);
      const result = await activateCredentials(db, input, { ...testDeps(), key: await credentials.key(), actor });
      if (result.ok) await refreshCredentials();
      return result;
    },
    async deactivate(actor) {
      const removed = await deactivateCredentials(db, { now, actor });
      await refreshCredentials();
      return removed;
    },
  };
}
