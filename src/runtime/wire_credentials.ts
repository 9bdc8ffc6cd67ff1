/**
 * `wireCredentials`: the RAC token provider, the Smart Link client (behind the
 * installation guard) and the setup tracker for one set of credentials; the
 * runtime builds them again whenever the credentials in effect change.
 */
import type { Credentials } from "../activation/credentials.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { createTokenProvider, type TokenProvider } from "../rac/token_provider.ts";
import { createSmartLinkClient, type SmartLinkClient } from "../smartlink/client.ts";
import { guardClient, type InstallationGuard } from "../sync/installation_guard.ts";
import { createSetupTracker, type SetupTracker } from "../sync/setup.ts";

/** What the runtime holds for the credentials in effect. */
export interface Wiring {
  creds: Credentials;
  tokens: TokenProvider;
  client: SmartLinkClient;
  setup: SetupTracker;
}

export interface WireCredentialsOptions {
  config: Config;
  /** The fetch that the connection observes. */
  fetch: typeof fetch;
  now: () => Date;
  logger: Logger;
  redact: (text: string) => string;
  installation: InstallationGuard;
  subscriptions: string[];
}

/** A token provider, client and setup tracker for `creds`. */
export function wireCredentials(creds: Credentials, options: WireCredentialsOptions): Wiring {
  const { config, now, logger, redact } = options;
  const tokens = createTokenProvider({
    tokenUrl: creds.racTokenUrl,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    fetch: options.fetch,
    now: () => now().getTime(),
    timeoutMs: config.httpTimeoutMs,
    logger,
    redact,
  });
  const client = guardClient(
    createSmartLinkClient({
      baseUrl: creds.linkUrl,
      profile: config.profile,
      fetch: options.fetch,
      tokens,
      timeoutMs: config.httpTimeoutMs,
      maxMessageBytes: config.maxMessageBytes,
      logger,
      now: () => now().getTime(),
      redact,
    }),
    options.installation,
  );
  const setup = createSetupTracker({
    setup: (t) => client.setup(t),
    subscriptions: options.subscriptions,
    now,
    logger,
  });
  return { creds, tokens, client, setup };
}
