/**
 * The tick record: one GTOTVSLINKLOG row per finished tick (IDMENSAGEM null,
 * the TickSummary in DATADEBUG). Writer and reader live here together, so the
 * text the reader looks for is the text the writer writes, for a finished and
 * for a failed tick alike.
 */
import { and, desc, eq, isNull, like, or } from "drizzle-orm";
import type { TickSummary } from "./summary.ts";
import type { Database } from "../db/client.ts";
import { log, LOG_TYPES, type NewLogRow } from "../db/schema.ts";

export interface LoggedTick {
  at: Date;
  summary: TickSummary;
}

const FINISHED = "Tick finished";
const FAILED = "Tick failed in phase ";

/** LOGMENSAGEM of a tick record (also the stdout line): "Tick finished" or "Tick failed in phase …: …". */
export function tickRecordText(summary: TickSummary): string {
  return summary.error ? `${FAILED}${summary.error.phase}: ${summary.error.message}` : FINISHED;
}

/** The LOG row of a tick record: LOGTYPE error when the tick failed, else info. */
export function tickRecordRow(summary: TickSummary, at: Date): NewLogRow {
  return {
    idMensagem: null,
    logType: summary.error ? LOG_TYPES.error : LOG_TYPES.info,
    logMensagem: tickRecordText(summary),
    tipo: null,
    logDate: at,
    dataDebug: JSON.stringify(summary),
  };
}

/** Writes the tick record of `summary`. */
export async function writeTickRecord(db: Database, summary: TickSummary, at: Date): Promise<void> {
  await db.orm.insert(log).values(tickRecordRow(summary, at));
}

function parseSummary(text: string | null): TickSummary | undefined {
  if (!text) return undefined;
  try {
    const s = JSON.parse(text);
    if (s && typeof s.startedAt === "string" && typeof s.finishedAt === "string" && typeof s.durationMs === "number") {
      return s as TickSummary;
    }
  } catch {
    return undefined; // not JSON: a foreign row, not a summary
  }
  return undefined;
}

/**
 * The newest tick record, finished or failed; with `successful`, the newest
 * one of a tick without error. For when this process has not ticked yet.
 */
export async function lastLoggedTick(db: Database, options: { successful?: boolean } = {}): Promise<
  LoggedTick | undefined
> {
  const rows = await db.orm
    .select({ at: log.logDate, dataDebug: log.dataDebug })
    .from(log)
    .where(and(
      isNull(log.idMensagem),
      options.successful
        ? and(eq(log.logType, LOG_TYPES.info), eq(log.logMensagem, FINISHED))
        : or(eq(log.logMensagem, FINISHED), like(log.logMensagem, `${FAILED}%`)),
    ))
    .orderBy(desc(log.logDate))
    .limit(1);
  const summary = parseSummary(rows[0]?.dataDebug ?? null);
  return summary ? { at: rows[0].at, summary } : undefined;
}
