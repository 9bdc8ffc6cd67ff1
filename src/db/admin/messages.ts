/** The admin view's messages: the filtered, keyset-paged list, and one message with its EXEC and LOG rows. */
import { and, desc, eq, getTableColumns, like, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import {
  type Direction,
  type ExecRow,
  log,
  type LogRow,
  message,
  messageExec,
  type MessageRow,
  type Status,
} from "../schema.ts";
import { before, type Keyset, keyText, type Page, page } from "./keyset.ts";

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
