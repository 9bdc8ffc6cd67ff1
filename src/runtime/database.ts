/** `openRuntimeDatabase`: the database of the configuration (or the one given), migrated. */
import type { Config } from "../config.ts";
import { type Database, openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import type { Logger } from "../log.ts";

/** Opens (unless given) and migrates; a database opened here is closed again when migrating fails. @throws DatabaseError */
export async function openRuntimeDatabase(config: Config, logger: Logger, given?: Database): Promise<Database> {
  const db = given ?? await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info("Database migrated", { applied, database: db.kind });
  } catch (err) {
    if (!given) await db.close().catch(() => {});
    throw err;
  }
  return db;
}
