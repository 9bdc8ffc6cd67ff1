/** The admin view's log: GTOTVSLINKLOG newest first, filtered, one keyset page, and the newest errors. */
import { and, desc, eq, getTableColumns, gte, lte } from "drizzle-orm";
import type { Database } from "../client.ts";
import { log, LOG_TYPES, type LogRow, type LogType } from "../schema.ts";
import { before, type Keyset, keyText, type Page, page } from "./keyset.ts";

export interface LogFilter {
  messageId?: string;
  logType?: LogType;
  type?: string;
  from?: Date;
  to?: Date;
  after?: Keyset;
  limit: number;
}

/** GTOTVSLINKLOG newest first by LOGDATE, filtered, one keyset page. */
export async function listLogs(db: Database, filter: LogFilter): Promise<Page<LogRow>> {
  const rows = await db.orm
    .select({ ...getTableColumns(log), key: keyText(log.logDate) })
    .from(log)
    .where(and(
      filter.messageId ? eq(log.idMensagem, filter.messageId) : undefined,
      filter.logType !== undefined ? eq(log.logType, filter.logType) : undefined,
      filter.type ? eq(log.tipo, filter.type) : undefined,
      filter.from ? gte(log.logDate, filter.from) : undefined,
      filter.to ? lte(log.logDate, filter.to) : undefined,
      filter.after ? before(log.logDate, log.id, filter.after) : undefined,
    ))
    .orderBy(desc(log.logDate), desc(log.id))
    .limit(filter.limit + 1);
  return page(rows, filter.limit);
}

/** The newest error LOG rows (LOGTYPE error). */
export async function recentErrors(db: Database, limit = 10): Promise<LogRow[]> {
  return await db.orm.select().from(log).where(eq(log.logType, LOG_TYPES.error)).orderBy(
    desc(log.logDate),
    desc(log.id),
  )
    .limit(limit);
}
