/** The admin view's execution history: GTOTVSLINKMESSAGEEXEC newest first, filtered, one keyset page. */
import { and, desc, eq, getTableColumns, gte, lte } from "drizzle-orm";
import type { Database } from "../client.ts";
import { type ExecResult, type ExecRow, messageExec } from "../schema.ts";
import { before, type Keyset, keyText, type Page, page } from "./keyset.ts";

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
