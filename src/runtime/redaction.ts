/**
 * `runtimeRedactor`: the one redactor of the process. Its sources are asked at
 * every use, so a secret that changes at run time (typed in on the activation
 * page, a fresh RAC token) is covered at once.
 */
import type { Config } from "../config.ts";
import { resolvedHeaderValues } from "../handlers/header_check.ts";
import type { HandlersFile } from "../handlers/registry.ts";
import { createRedactor, type Redactor } from "../secrets/redactor.ts";
import type { Wiring } from "./wire_credentials.ts";

/** The redactor, and the port through which a secret learned at run time joins it. */
export interface RuntimeRedaction {
  redactor: Redactor;
  known: { redact: (text: string) => string; add: (secret: string | undefined) => void };
}

export interface RuntimeRedactorOptions {
  config: Config;
  handlersFile: HandlersFile;
  env: (name: string) => string | undefined;
  /** The wiring of the credentials in effect, if any. */
  current: () => Wiring | undefined;
}

/** The redactor over the configured secrets, the credentials and tokens in effect, and the handlers' headers. */
export function runtimeRedactor(options: RuntimeRedactorOptions): RuntimeRedaction {
  const { config, handlersFile, current } = options;
  // The one redactor of the process; `runtime.redactor.addSource` adds more sources.
  const learned = new Set<string>();
  const redactor = createRedactor(
    () => [config.clientSecret, config.adminToken, current()?.creds.clientSecret],
    () => learned,
    () => current()?.tokens.recentTokens() ?? [],
    () => resolvedHeaderValues(handlersFile, options.env),
  );
  // The alert webhook's URL carries its own key (Slack, Teams): masked wherever it might be echoed.
  if (config.alertWebhook) redactor.addSource(() => [config.alertWebhook]);
  const redact = redactor.redact;
  const known = { redact, add: (secret: string | undefined) => void (secret && learned.add(secret)) };
  return { redactor, known };
}
