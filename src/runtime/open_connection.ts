/**
 * `openConnection`: the observer of every exchange with RAC and the Smart Link
 * Server (the Connection page, `SMARTLINK_CAPTURE`), redacted, that stores each
 * new `get` shape for `doctor`.
 */
import { type Connection, createConnection } from "../capture/connection.ts";
import { type Config, invalidConfig } from "../config.ts";
import type { Database } from "../db/client.ts";
import { writeGetShape } from "../db/connection_store.ts";
import { errorFields, type Logger } from "../log.ts";

/**
 * Observes every exchange with RAC and the Smart Link Server (Connection page, `SMARTLINK_CAPTURE`), redacted;
 * stores each new `get` shape for `doctor`. @throws ConfigError when the capture file cannot be opened
 */
export function openConnection(
  config: Config,
  db: Database,
  logger: Logger,
  now: () => Date,
  redactor: { redact: (text: string) => string; add(secret: string): void },
  current: () => { racTokenUrl: string; linkUrl: string } | undefined,
): Connection {
  try {
    return createConnection({
      urls: () => {
        const c = current();
        return { tokenUrl: c?.racTokenUrl ?? config.racTokenUrl, linkUrl: c?.linkUrl ?? config.linkUrl };
      },
      profile: config.profile,
      redact: redactor.redact,
      learnSecret: redactor.add,
      capturePath: config.capturePath,
      now,
      onGetShape: (shape) => {
        writeGetShape(db, shape, now()).catch((err) =>
          logger.warn("Shape of the get answer not stored for doctor", errorFields(err))
        );
      },
      onError: (err) => logger.warn("Exchange with the Smart Link Server not recorded", errorFields(err)),
    });
  } catch (err) {
    throw invalidConfig("SMARTLINK_CAPTURE", `a file that can be created or appended to (${(err as Error).message})`);
  }
}
