/**
 * Stores one downloaded batch in one transaction: new `DOWN` rows `PENDING`
 * (or `DEAD` for bad content), deduplicated on IDEXTERNO against the message
 * table and successful EXEC history, with their LOG rows. Everything it
 * returns is committed, so it may be acked.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { recordset } from "../bulk.ts";
import { type Orm, queryRows } from "../client.ts";
import { insertLogRows, logRow } from "../history/log_rows.ts";
import { LOG_TYPES, message, messageExec, type NewLogRow } from "../schema.ts";

/** A downstream item ready to be stored. */
export interface IncomingRow {
  idExterno: string;
  tipo: string;
  audiencia?: string;
  idCorrelacao?: string;
  conteudo: string;
  /** Set for items stored DEAD at once (bad content). */
  deadReason?: string;
  /** The id to ack when it differs from IDEXTERNO (an unusable server id, or the profile's `fields.ackId`). */
  ackId?: string;
  /** IDEXTERNO is a stand-in for an unusable server id (`ackId` is that id). */
  badId?: boolean;
}

export interface StoreBatchResult {
  /** External ids committed now as new rows (PENDING or DEAD). */
  inserted: Map<string, { id: string; dead: boolean }>;
  /** External ids already present as a message row (redelivery before success). */
  alreadyStored: Set<string>;
  /** External ids that already succeeded (EXEC history): not stored, not executed. */
  alreadySucceeded: Set<string>;
}

const INCOMING_COLUMNS =
  "idexterno text, tipo text, audiencia text, idcorrelacao text, conteudo text, status text, ultimoerro text";

/** Stores `rows` in one transaction of `ex`. @throws the driver's error; nothing is stored then */
export async function storeIncoming(ex: Orm, rows: IncomingRow[], now: Date): Promise<StoreBatchResult> {
  return await ex.transaction(async (tx) => {
    const ids = rows.map((r) => r.idExterno);
    const succeeded = ids.length === 0
      ? []
      : await tx.select({ idExterno: messageExec.idExterno, idMensagem: messageExec.idMensagem })
        .from(messageExec)
        .where(and(inArray(messageExec.idExterno, ids), eq(messageExec.sucesso, true)));
    const alreadySucceeded = new Set(succeeded.map((r) => r.idExterno!));
    const fresh = rows.filter((r) => !alreadySucceeded.has(r.idExterno));
    const values = fresh.map((r) => ({
      idexterno: r.idExterno,
      tipo: r.tipo,
      audiencia: r.audiencia ?? null,
      idcorrelacao: r.idCorrelacao ?? null,
      conteudo: r.conteudo,
      status: r.deadReason ? "DEAD" : "PENDING",
      ultimoerro: r.deadReason ?? null,
    }));
    const at = sql`${now.toISOString()}::timestamptz`;
    // Raw SQL: Drizzle's insert cannot select from json_to_recordset (one bind parameter for the whole batch).
    const insertedRows = values.length === 0 ? [] : await queryRows<{ id: string; idexterno: string; status: string }>(
      tx,
      sql`insert into gtotvslinkmessage
            (idexterno, direcao, tipo, audiencia, idcorrelacao, conteudo, status, ultimoerro,
             datatentativaexec, datacriacao, dataalteracao)
          select idexterno, 'DOWN', tipo, audiencia, idcorrelacao, conteudo, status, ultimoerro, ${at}, ${at}, ${at}
          from ${recordset(values, INCOMING_COLUMNS)}
          on conflict (idexterno) do nothing
          returning id, idexterno, status`,
    );
    const inserted = new Map(insertedRows.map((r) => [r.idexterno, { id: String(r.id), dead: r.status === "DEAD" }]));
    const alreadyStored = new Set(fresh.map((r) => r.idExterno).filter((id) => !inserted.has(id)));

    const logs: NewLogRow[] = [];
    for (const r of fresh) {
      const row = inserted.get(r.idExterno);
      if (!row) continue;
      const debug = { idExterno: r.idExterno };
      logs.push(
        row.dead
          ? logRow(row.id, {
            type: LOG_TYPES.error,
            text: `Message stored DEAD on receipt: ${r.deadReason}`,
            tipo: r.tipo,
            at: now,
            debug,
          })
          : logRow(row.id, { type: LOG_TYPES.info, text: "Message received", tipo: r.tipo, at: now, debug }),
      );
    }
    const byId = new Map(rows.map((r) => [r.idExterno, r]));
    for (const s of succeeded) {
      logs.push(logRow(s.idMensagem, {
        type: LOG_TYPES.info,
        text: "Redelivered message already succeeded: acked, not executed",
        tipo: byId.get(s.idExterno!)!.tipo,
        at: now,
        debug: { idExterno: s.idExterno },
      }));
    }
    if (alreadyStored.size > 0) {
      // A redelivery of a message still waiting here (its ack was lost): say so on its row, and
      // warn when the server sent different content under the same id (the first copy is kept).
      const existing = await tx.select({ id: message.id, idExterno: message.idExterno, conteudo: message.conteudo })
        .from(message).where(inArray(message.idExterno, [...alreadyStored]));
      for (const e of existing) {
        const r = byId.get(e.idExterno!)!;
        const differs = r.deadReason === undefined && r.conteudo !== e.conteudo;
        logs.push(
          differs
            ? logRow(e.id, {
              type: LOG_TYPES.warning,
              text: "Redelivered with different content under the same id: the first copy is kept",
              tipo: r.tipo,
              at: now,
              debug: { idExterno: e.idExterno, redeliveredContent: r.conteudo.slice(0, 2000) },
            })
            : logRow(e.id, {
              type: LOG_TYPES.info,
              text: "Redelivered message already stored: acked again, not stored twice",
              tipo: r.tipo,
              at: now,
              debug: { idExterno: e.idExterno },
            }),
        );
      }
    }
    await insertLogRows(tx, logs);
    return { inserted, alreadyStored, alreadySucceeded };
  });
}
