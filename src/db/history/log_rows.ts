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

/** Inserts LOG rows in one statement, whatever their number. */
export async function insertLogRows(ex: Orm, rows: readonly NewLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  // An absent key is null to json_to_recordset: nulls are left out of the JSON.
  const data = rows.map((r) => ({
    idmensagem: r.idMensagem ?? undefined,
    logtype: r.logType,
    logmensagem: r.logMensagem,
    logdate: (r.logDate ?? new Date()).toISOString(),
    datadebug: r.dataDebug ?? undefined,
    tipo: r.tipo ?? undefined,
  }));
  // Raw SQL: Drizzle's insert cannot select from json_to_recordset (one bind parameter for the whole batch).
  await queryRows(
    ex,
    sql`insert into gtotvslinklog (idmensagem, logtype, logmensagem, logdate, datadebug, tipo)
        select idmensagem, logtype, logmensagem, logdate, datadebug, tipo
        from ${
      recordset(data, "idmensagem uuid, logtype int, logmensagem text, logdate timestamptz, datadebug text, tipo text")
    }`,
  );
}
