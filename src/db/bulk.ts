/**
 * Bulk writes with one parameter whatever the row count: the rows travel as
 * one JSON text expanded by `json_to_recordset`. A batch of 500 rows is one
 * round trip and one bind parameter instead of thousands (the cost of
 * building and binding those dominated the tick's execute phase).
 */
import { type SQL, sql } from "drizzle-orm";
import { type Orm, queryRows } from "./client.ts";
import type { NewExecRow } from "./schema.ts";

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** `json_to_recordset(<rows>) as <alias>(<columns>)` for a batch. */
export function recordset(rows: readonly Record<string, unknown>[], columns: string, alias = "x"): SQL {
  return sql`json_to_recordset(${JSON.stringify(rows)}::json) as ${sql.raw(alias)}(${sql.raw(columns)})`;
}

/** Inserts EXEC rows in one statement. */
export async function insertExecRows(ex: Orm, rows: readonly NewExecRow[]): Promise<void> {
  if (rows.length === 0) return;
  const data = rows.map((r) => ({
    idmensagem: r.idMensagem,
    idexterno: r.idExterno ?? null,
    direcao: r.direcao,
    tipo: r.tipo,
    audiencia: r.audiencia ?? null,
    idcorrelacao: r.idCorrelacao ?? null,
    conteudo: r.conteudo ?? null,
    tentativa: r.tentativa,
    sucesso: r.sucesso,
    erro: r.erro ?? null,
    datainicio: iso(r.dataInicio),
    datafim: iso(r.dataFim),
    resultado: r.resultado,
  }));
  await queryRows(
    ex,
    sql`insert into gtotvslinkmessageexec
          (idmensagem, idexterno, direcao, tipo, audiencia, idcorrelacao, conteudo, tentativa, sucesso, erro, datainicio, datafim, resultado)
        select idmensagem, idexterno, direcao, tipo, audiencia, idcorrelacao, conteudo, tentativa, sucesso, erro, datainicio, datafim, resultado
        from ${
      recordset(
        data,
        "idmensagem uuid, idexterno text, direcao text, tipo text, audiencia text, idcorrelacao text, conteudo text, tentativa int, sucesso boolean, erro text, datainicio timestamptz, datafim timestamptz, resultado text",
      )
    }`,
  );
}
