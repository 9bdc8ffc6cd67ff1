/**
 * GTOTVSLINKLOG rows: the one builder (`logRow`) and the one batch writer
 * (`insertLogRows`) every other module uses, so a LOG row has one shape.
 */
import { sql } from "drizzle-orm";
import { recordset } from "../bulk.ts";
import { type Orm, queryRows } from "../client.ts";
import type { LogType, NewLogRow } from "../schema.ts";

export interface LogEntry {
  type: LogType;
  text: string;
  /** The message type, when the entry is about one message. */
  tipo?: string | null;
  at: Date;
  /** Extra detail, stored as JSON text in `DATADEBUG`. */
  debug?: Record<string, unknown>;
}

/** A LOG row about message `idMensagem` (null for a tick-level entry). */
export function logRow(idMensagem: string | null, entry: LogEntry): NewLogRow {
  return {
    idMensagem,
    logType: entry.type,
    logMensagem: entry.text,
    tipo: entry.tipo ?? null,
    logDate: entry.at,
    dataDebug: entry.debug === undefined ? null : JSON.stringify(entry.debug),
  };
}

/** The columns of `logRecord`'s JSON, for `json_to_recordset`. */
export const LOG_RECORD_COLUMNS =
  "idmensagem uuid, logtype int, logmensagem text, logdate timestamptz, datadebug text, tipo text";

/** One LOG row as a `json_to_recordset` record (an absent key is null to it: nulls are left out). */
export function logRecord(r: NewLogRow) {
  return {
    idmensagem: r.idMensagem ?? undefined,
    logtype: r.logType,
    logmensagem: r.logMensagem,
    logdate: (r.logDate ?? new Date()).toISOString(),
    datadebug: r.dataDebug ?? undefined,
    tipo: r.tipo ?? undefined,
  };
}

/** Inserts LOG rows in one statement, whatever their number. */
export async function insertLogRows(ex: Orm, rows: readonly NewLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  // Raw SQL: Drizzle's insert cannot select from json_to_recordset (one bind parameter for the whole batch).
  await queryRows(
    ex,
    sql`insert into gtotvslinklog (idmensagem, logtype, logmensagem, logdate, datadebug, tipo)
        select idmensagem, logtype, logmensagem, logdate, datadebug, tipo
        from ${recordset(rows.map(logRecord), LOG_RECORD_COLUMNS)}`,
  );
}
