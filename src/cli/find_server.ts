/**
 * The running server the CLI should act through: the one holding
 * SMARTLINK_DATA_DIR's embedded database, or, when SMARTLINK_DATA_DIR is not
 * set and none holds `./data`, the one `deno task dev` runs in `./data/dev`.
 */
import type { Config } from "../config.ts";
import { type LockInfo, readServerLock } from "./server_lock.ts";

/** Where `deno task dev` keeps its embedded database unless SMARTLINK_DATA_DIR says otherwise. */
export const DEV_DATA_DIR = "./data/dev";

export interface FoundServer {
  lock: LockInfo;
  dataDir: string;
  /** Found in DEV_DATA_DIR, not in the configured folder. */
  dev: boolean;
}

export function findServer(
  config: Config,
  env: (name: string) => string | undefined,
  note: (line: string) => void = (line) => console.error(line),
): FoundServer | undefined {
  if (config.databaseUrl) return undefined;
  const held = readServerLock(config.dataDir);
  if (held) return { lock: held, dataDir: config.dataDir, dev: false };
  if (env("SMARTLINK_DATA_DIR") !== undefined) return undefined;
  const dev = readServerLock(DEV_DATA_DIR);
  if (!dev) return undefined;
  note(
    `Using the dev instance (deno task dev, pid ${dev.pid}, ${dev.url}) in "${DEV_DATA_DIR}": ` +
      `nothing runs in "${config.dataDir}"; set SMARTLINK_DATA_DIR to choose`,
  );
  return { lock: dev, dataDir: DEV_DATA_DIR, dev: true };
}
