/** The client's own RAC token provider and Smart Link client, pointed at a simulator at `base` with its test tenant. */
import type { Logger } from "../../src/log.ts";
import { createTokenProvider, type TokenProvider } from "../../src/rac/token_provider.ts";
import { createSmartLinkClient, type SmartLinkClient } from "../../src/smartlink/client.ts";

export function simClient(
  base: string,
  options: { timeoutMs: number; logger: Logger },
): { tokens: TokenProvider; client: SmartLinkClient } {
  const { timeoutMs, logger } = options;
  const tokens = createTokenProvider({
    tokenUrl: `${base}/totvs.rac/connect/token`,
    clientId: "sim-client",
    clientSecret: "sim-secret",
    timeoutMs,
    logger,
  });
  const client = createSmartLinkClient({ baseUrl: base, tokens, timeoutMs, maxMessageBytes: 1_048_576, logger });
  return { tokens, client };
}
