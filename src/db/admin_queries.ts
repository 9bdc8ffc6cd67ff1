/**
 * The read queries of the admin view, the JSON API, `/healthz` and
 * `/metrics`. Each one is shaped for an index of `schema.ts` so its cost does
 * not grow with the EXEC and LOG history: keyset paging over
 * (date desc, ID desc), `LIMIT` everywhere, date ranges on indexed columns.
 */
import { and, desc, eq, getTableColumns, gte, like, lte, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import {
  type Direction,
  type ExecResult,
  type ExecRow,
  log,
  type LogRow,
  type LogType,
  message,
  messageExec,
  type MessageRow,
  type Status,
} from "./schema.ts";

/** A keyset position: the full-precision timestamp (ISO text, microseconds) and the ID of the last row seen. */
export interface Keyset {
  ts: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  /** Position after the last item; undefined on the last page. */
  next?: Keyset;
}

/** Renders a timestamptz column as UTC ISO text with microseconds (a JS Date keeps only milliseconds). */
const keyText = (column: unknown) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** `(col, id) < (ts, id)` written so the leading `col <= ts` can use a single-column index too. */
function before(col: unknown, idCol: unknown, at: Keyset): SQL {
  return sql`(${col} <= ${at.ts}::timestamptz and (${col} < ${at.ts}::timestamptz or ${idCol} < ${at.id}::uuid))`;
}

function page<T extends { key: string; id: string }>(rows: T[], limit: number): Page<Omit<T, "key">> {
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(({ key: _key, ...rest }) => rest);
  const last = more ? rows[limit - 1] : undefined;
  return { items, next: last ? { ts: last.key, id: last.id } : undefined };
}

const toDate = (v: unknown): Date | undefined => (v === null || v === undefined ? undefined : new Date(v as string));

// ---------------------------------------------------------------- counts

export interface MessageCount {
  direction: Direction;
  status: Status;
  type: string;
  count: number;
}

/** Rows of GTOTVSLINKMESSAGE by direction, status and type (the table holds only unfinished messages). */
export async function countMessages(db: Database): Promise<MessageCount[]> {
  return await db.orm
    .select({
      direction: message.direcao,
      status: message.status,
      type: message.tipo,
      count: sql<number>`count(*)::int`,
    })
    .from(message)
    .groupBy(message.direcao, message.status, message.tipo)
    .orderBy(message.direcao, message.status, message.tipo);
}

/**
 * The earliest `DATATENTATIVAEXEC` of a PENDING/RETRY row already due at `now`
 * (one index probe per direction on the due index), or undefined.
 */
export async function oldestDue(db: Database, now: Date): Promise<Date | undefined> {
  const probe = (direction: Direction) =>
    sql`(select min(datatentativaexec) from gtotvslinkmessage
         where direcao = ${direction} and status in ('PENDING', 'RETRY') and datatentativaexec <= ${now.toISOString()}::timestamptz)`;
  const [row] = await db.rows<{ at: unknown }>(sql`select least(${probe("DOWN")}, ${probe("UP")}) as at`);
  return toDate(row?.at);
}

// ---------------------------------------------------------------- messages

export interface MessageFilter {
  direction?: Direction;
  status?: Status;
  type?: string;
  /** IDEXTERNO or IDCORRELACAO exactly or by prefix, or ID exactly or by hex prefix. */
  text?: string;
  after?: Keyset;
  limit: number;
}

export type MessageListItem = Omit<MessageRow, "conteudo"> & { conteudoBytes: number };

const likePrefix = (text: string) => text.replace(/[\\%_]/g, (ch) => "\\" + ch) + "%";

/** The ID range whose textual form starts with `text` (hex digits and dashes), when it can be a uuid prefix. */
export function uuidPrefixRange(text: string): [string, string] | undefined {
  const hex = text.toLowerCase().replaceAll("-", "");
  if (!/^[0-9a-f]{1,32}$/.test(hex)) return undefined;
  const dashed = "00000000-0000-0000-0000-000000000000".split("");
  let i = 0;
  for (let p = 0; p < dashed.length && i < text.length; p++) {
    if (dashed[p] === "-") {
      if (text[i] === "-") i++;
      continue;
    }
    if (text[i] === "-") return undefined; // a dash where the uuid has a digit
    i++;
  }
  const fmt = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return [fmt(hex.padEnd(32, "0")), fmt(hex.padEnd(32, "f"))];
}

function messageTextFilter(text: string): SQL {
  const pattern = likePrefix(text);
  const parts: SQL[] = [like(message.idExterno, pattern), like(message.idCorrelacao, pattern)];
  const range = uuidPrefixRange(text);
  if (range) parts.push(sql`${message.id} between ${range[0]}::uuid and ${range[1]}::uuid`);
  return or(...parts)!;
}

/** GTOTVSLINKMESSAGE newest first (DATACRIACAO desc, ID desc), filtered, one keyset page; CONTEUDO left out. */
export async function listMessages(db: Database, filter: MessageFilter): Promise<Page<MessageListItem>> {
  const { conteudo: _conteudo, ...columns } = getTableColumns(message);
  const where = and(
    filter.direction ? eq(message.direcao, filter.direction) : undefined,
    filter.status ? eq(message.status, filter.status) : undefined,
    filter.type ? eq(message.tipo, filter.type) : undefined,
    filter.text ? messageTextFilter(filter.text) : undefined,
    filter.after ? before(message.dataCriacao, message.id, filter.after) : undefined,
  );
  const rows = await db.orm
    .select({
      ...columns,
      conteudoBytes: sql<number>`octet_length(${message.conteudo})`,
      key: keyText(message.dataCriacao),
    })
    .from(message)
    .where(where)
    .orderBy(desc(message.dataCriacao), desc(message.id))
    .limit(filter.limit + 1);
  return page(rows, filter.limit);
}

export type ExecSummary = Omit<ExecRow, "conteudo">;

export interface MessageDetail {
  /** Null when the message only exists in EXEC history (it succeeded or was discarded). */
  message: MessageRow | null;
  /** Newest first, CONTEUDO left out (it repeats the message's). */
  executions: ExecSummary[];
  logs: LogRow[];
  /** With `message` null: CONTEUDO of the newest EXEC row, the only copy left. */
  historyContent?: string | null;
}

/** One message with its EXEC and LOG rows, newest first; undefined when none of the three exists. */
export async function messageDetail(db: Database, id: string, limit = 200): Promise<MessageDetail | undefined> {
  const { conteudo: _conteudo, ...execColumns } = getTableColumns(messageExec);
  const [rows, executions, logs] = await Promise.all([
    db.orm.select().from(message).where(eq(message.id, id)),
    db.orm.select(execColumns).from(messageExec).where(eq(messageExec.idMensagem, id))
      .orderBy(desc(messageExec.dataInicio), desc(messageExec.id)).limit(limit),
    db.orm.select().from(log).where(eq(log.idMensagem, id)).orderBy(desc(log.logDate), desc(log.id)).limit(limit),
  ]);
  const row = rows[0] ?? null;
  if (!row && executions.length === 0 && logs.length === 0) return undefined;
  if (row || executions.length === 0) return { message: row, executions, logs };
  const [latest] = await db.orm.select({ conteudo: messageExec.conteudo }).from(messageExec)
    .where(eq(messageExec.id, executions[0].id));
  return { message: null, executions, logs, historyContent: latest?.conteudo ?? null };
}

// ---------------------------------------------------------------- history and logs

export interface ExecFilter {
  messageId?: string;
  type?: string;
  result?: ExecResult;
  from?: Date;
  to?: Date;
  after?: Keyset;
  limit: number;
}

/** GTOTVSLINKMESSAGEEXEC newest first by DATAFIM, filtered, one keyset page; CONTEUDO left out. */
export async function listExecutions(db: Database, filter: ExecFilter): Promise<Page<Omit<ExecRow, "conteudo">>> {
  const { conteudo: _conteudo, ...columns } = getTableColumns(messageExec);
  const rows = await db.orm
    .select({ ...columns, key: keyText(messageExec.dataFim) })
    .from(messageExec)
    .where(and(
      filter.messageId ? eq(messageExec.idMensagem, filter.messageId) : undefined,
      filter.type ? eq(messageExec.tipo, filter.type) : undefined,
      filter.result ? eq(messageExec.resultado, filter.result) : undefined,
      filter.from ? gte(messageExec.dataFim, filter.from) : undefined,
      filter.to ? lte(messageExec.dataFim, filter.to) : undefined,
      filter.after ? before(messageExec.dataFim, messageExec.id, filter.after) : undefined,
    ))
    .orderBy(desc(messageExec.dataFim), desc(messageExec.id))
    .limit(filter.limit + 1);
  return page(rows, filter.limit);
}

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

/** The newest error LOG rows (LOGTYPE 2). */
export async function recentErrors(db: Database, limit = 10): Promise<LogRow[]> {
  return await db.orm.select().from(log).where(eq(log.logType, 2)).orderBy(desc(log.logDate), desc(log.id))
    .limit(limit);
}

// ---------------------------------------------------------------- charts and metrics

export interface HourBucket {
  /** Start of the hour (UTC). */
  hour: Date;
  success: number;
  failure: number;
}

const HOUR_MS = 3_600_000;

/**
 * Executions of the last 24 hours per hour (the current hour last), success
 * against failure; discards are not executions and are left out.
 */
export async function executionsByHour(db: Database, now: Date): Promise<HourBucket[]> {
  const first = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const since = new Date(first);
  const rows = await db.rows<{ bucket: number; success: number; failure: number }>(sql`
    select floor(extract(epoch from date_trunc('hour', datafim at time zone 'UTC')
                 - (${since.toISOString()}::timestamptz at time zone 'UTC')) / 3600)::int as bucket,
           (count(*) filter (where sucesso))::int as success,
           (count(*) filter (where not sucesso))::int as failure
      from gtotvslinkmessageexec
     where datafim >= ${since.toISOString()}::timestamptz and resultado <> 'DISCARDED'
     group by 1`);
  const buckets: HourBucket[] = Array.from({ length: 24 }, (_, i) => ({
    hour: new Date(first + i * HOUR_MS),
    success: 0,
    failure: 0,
  }));
  for (const r of rows) {
    const b = buckets[Number(r.bucket)];
    if (b) {
      b.success += Number(r.success);
      b.failure += Number(r.failure);
    }
  }
  return buckets;
}

export interface ExecutionCount {
  type: string;
  result: ExecResult;
  count: number;
}

/** EXEC rows that finished in the 24 hours before `now`, by type and result. */
export async function executionCountsLast24h(db: Database, now: Date): Promise<ExecutionCount[]> {
  return await db.orm
    .select({ type: messageExec.tipo, result: messageExec.resultado, count: sql<number>`count(*)::int` })
    .from(messageExec)
    .where(gte(messageExec.dataFim, new Date(now.getTime() - 24 * HOUR_MS)))
    .groupBy(messageExec.tipo, messageExec.resultado)
    .orderBy(messageExec.tipo, messageExec.resultado);
}
