/**
 * Stores one downloaded batch in one statement: new `DOWN` rows `PENDING`
 * (or `DEAD` for bad content), deduplicated on IDEXTERNO against the message
 * table and successful EXEC history, with their LOG rows. Everything it
 * returns is committed, so it may be acked.
 */
import { sql } from "drizzle-orm";
import { recordset } from "../bulk.ts";
import { type Orm, queryRows } from "../client.ts";
import { LOG_TYPES } from "../schema.ts";

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

// Only what the server sent travels to the database: the status, the LOG texts and the DATADEBUG JSON
// follow from it and are built by the statement (the same text JSON.stringify gives), so a batch's content
// crosses the wire once. A missing key is null.
const INCOMING_COLUMNS = "idexterno text, tipo text, audiencia text, idcorrelacao text, conteudo text, ultimoerro text";

const TEXT = {
  received: "Message received",
  dead: "Message stored DEAD on receipt: ",
  succeeded: "Redelivered message already succeeded: acked, not executed",
  stored: "Redelivered message already stored: acked again, not stored twice",
  differs: "Redelivered with different content under the same id: the first copy is kept",
};

/**
 * Stores `rows` in ONE statement (atomic like a transaction, one round trip:
 * this is on the download's critical path, between `get` and `ack`).
 * @throws the driver's error; nothing is stored then
 */
export async function storeIncoming(ex: Orm, rows: IncomingRow[], now: Date): Promise<StoreBatchResult> {
  const result: StoreBatchResult = { inserted: new Map(), alreadyStored: new Set(), alreadySucceeded: new Set() };
  if (rows.length === 0) return result;
  // One row per id: the first copy of an id the batch holds twice is the one stored (and logged once).
  const unique = new Map<string, IncomingRow>();
  for (const r of rows) if (!unique.has(r.idExterno)) unique.set(r.idExterno, r);
  const values = [...unique.values()].map((r) => ({
    idexterno: r.idExterno,
    tipo: r.tipo,
    audiencia: r.audiencia,
    idcorrelacao: r.idCorrelacao,
    conteudo: r.conteudo,
    ultimoerro: r.deadReason || undefined,
  }));
  const at = sql`${now.toISOString()}::timestamptz`;
  // Raw SQL: data-modifying CTEs over one json_to_recordset are not in Drizzle's builder. `existing`
  // reads the snapshot before the statement, so it never sees the rows `ins` inserts.
  // `ins` skips the ids `existing` found, not only those its own conflict check finds: a row in the
  // snapshot may be deleted by its success committing while this statement runs, and the insert, which
  // waits for that commit, would then find no conflict and queue a second copy that `done` (read before
  // the commit) did not stop.
  // `done` and `existing` look each id up through its index (a lateral `limit 1` is never turned into a
  // join): with the planner's statistics behind a growing backlog it chose a hash join over a full scan of
  // the message table, 1.5 of the statement's 2.5 ms with 15,000 rows queued, growing with the backlog.
  const out = await queryRows<{ kind: "ins" | "done" | "existing"; idexterno: string; id: string; status: string }>(
    ex,
    sql`with v as (
        select r.*, case when r.ultimoerro is null then 'PENDING' else 'DEAD' end as status,
               '{"idExterno":' || to_json(r.idexterno)::text || '}' as debug_id
        from ${recordset(values, INCOMING_COLUMNS, "r")}),
      u as (select distinct idexterno from v),
      done as (
        select u.idexterno, e.idmensagem from u
        cross join lateral (
          select e.idmensagem from gtotvslinkmessageexec e where e.sucesso and e.idexterno = u.idexterno limit 1) e),
      existing as (
        select m.id, m.idexterno, m.conteudo from u
        cross join lateral (
          select m.id, m.idexterno, m.conteudo from gtotvslinkmessage m where m.idexterno = u.idexterno limit 1) m
        where u.idexterno not in (select idexterno from done)),
      ins as (
        insert into gtotvslinkmessage
          (idexterno, direcao, tipo, audiencia, idcorrelacao, conteudo, status, ultimoerro,
           datatentativaexec, datacriacao, dataalteracao)
        select idexterno, 'DOWN', tipo, audiencia, idcorrelacao, conteudo, status, ultimoerro, ${at}, ${at}, ${at}
        from v where idexterno not in (select idexterno from done) and idexterno not in (select idexterno from existing)
        on conflict (idexterno) do nothing
        returning id, idexterno, status),
      logs as (
        insert into gtotvslinklog (idmensagem, logtype, logmensagem, logdate, datadebug, tipo)
        select ins.id, case when ins.status = 'DEAD' then ${LOG_TYPES.error}::int else ${LOG_TYPES.info}::int end,
               case when v.ultimoerro is null then ${TEXT.received}::text else ${TEXT.dead}::text || v.ultimoerro end,
               ${at}, v.debug_id, v.tipo
        from ins join v on v.idexterno = ins.idexterno
        union all
        select done.idmensagem, ${LOG_TYPES.info}::int, ${TEXT.succeeded}::text, ${at}, v.debug_id, v.tipo
        from done join v on v.idexterno = done.idexterno
        union all
        select existing.id,
               case when differs then ${LOG_TYPES.warning}::int else ${LOG_TYPES.info}::int end,
               case when differs then ${TEXT.differs}::text else ${TEXT.stored}::text end,
               ${at},
               case when differs
                 then '{"idExterno":' || to_json(v.idexterno)::text || ',"redeliveredContent":' ||
                      to_json(left(v.conteudo, 2000))::text || '}'
                 else v.debug_id end,
               v.tipo
        from existing join v on v.idexterno = existing.idexterno,
             lateral (select v.ultimoerro is null and v.conteudo is distinct from existing.conteudo as differs) d
        returning 1)
      select 'ins' as kind, idexterno, id::text as id, status from ins
      union all select 'done', idexterno, idmensagem::text, null::text from done
      union all select 'existing', idexterno, id::text, null::text from existing`,
  );
  for (const r of out) {
    if (r.kind === "ins") result.inserted.set(r.idexterno, { id: r.id, dead: r.status === "DEAD" });
    else if (r.kind === "done") result.alreadySucceeded.add(r.idexterno);
    else result.alreadyStored.add(r.idexterno);
  }
  // Inserted by someone else between the snapshot and the insert: present, so stored already.
  for (const r of rows) {
    const known = result.inserted.has(r.idExterno) || result.alreadySucceeded.has(r.idExterno);
    if (!known) result.alreadyStored.add(r.idExterno);
  }
  return result;
}
