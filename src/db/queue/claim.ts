/**
 * Claiming due `DOWN` rows for execution, and giving back claimed rows that
 * never started (shutdown).
 */
import { getTableColumns, sql } from "drizzle-orm";
import { type Orm, queryRows } from "../client.ts";
import { LOG_TYPES, message, type MessageRow } from "../schema.ts";

export interface ClaimResult {
  /** The rows claimed: RUNNING under the executor, attempt counter incremented. */
  rows: MessageRow[];
  /**
   * Due rows removed instead of claimed because their IDEXTERNO already has a
   * success EXEC row: a redelivered copy stored in the instant the first
   * copy's success committed (the store read the history before that commit).
   */
  alreadySucceeded: number;
}

/** The LOG text of a copy removed by the claim (in the first copy's history). */
export const REMOVED_COPY_TEXT = "Redelivered message already succeeded: its second copy removed, not executed";

const COLUMNS = Object.entries(getTableColumns(message));

/** A row of the message table as the driver returned it, decoded the way Drizzle decodes its own reads. */
function decodeRow(raw: Record<string, unknown>): MessageRow {
  const row: Record<string, unknown> = {};
  for (const [key, column] of COLUMNS) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as MessageRow;
}

/**
 * Claims up to `limit` due DOWN rows atomically in one statement: RUNNING,
 * attempt counter incremented, executor and start time set. `SKIP LOCKED`
 * lets several processes claim side by side without waiting on each other.
 *
 * The claim is the last gate before a handler runs, so it never starts a
 * command that already succeeded: a due row whose IDEXTERNO has a success
 * EXEC row is deleted instead, with a LOG row in the first copy's history.
 * Its statement sees every success committed before the copy was (the copy's
 * insert waited for the first copy's row to be gone), so no interleaving of
 * store and success lets a copy through.
 */
export async function claimDue(
  ex: Orm,
  opts: { limit: number; now: Date; executor: string },
): Promise<ClaimResult> {
  const at = sql`${opts.now.toISOString()}::timestamptz`;
  // Raw SQL: a delete and an update over one locked selection, in one statement, are not in Drizzle's
  // builder. The due rows are read in the due index's order; `done` looks each one's id up through
  // the EXEC history's partial index (successes only).
  const out = await queryRows<Record<string, unknown> & { removed_count: number; id: string | null }>(
    ex,
    sql`with due as (
        select m.id, m.idexterno, m.tipo, d.idmensagem as done
        from gtotvslinkmessage m
        left join lateral (
          select e.idmensagem from gtotvslinkmessageexec e
          where e.sucesso and e.idexterno = m.idexterno limit 1) d on true
        where m.direcao = 'DOWN' and m.status in ('PENDING', 'RETRY') and m.datatentativaexec <= ${at}
        order by m.datatentativaexec, m.id
        limit ${opts.limit}
        for update of m skip locked),
      removed as (
        delete from gtotvslinkmessage m using due where m.id = due.id and due.done is not null
        returning m.id),
      logs as (
        insert into gtotvslinklog (idmensagem, logtype, logmensagem, logdate, datadebug, tipo)
        select due.done, ${LOG_TYPES.info}::int, ${REMOVED_COPY_TEXT}::text, ${at},
               '{"idExterno":' || to_json(due.idexterno)::text || ',"copy":' || to_json(due.id::text)::text || '}',
               due.tipo
        from due join removed on removed.id = due.id
        returning 1),
      claimed as (
        update gtotvslinkmessage m set
          status = 'RUNNING', qtdetentativaexec = m.qtdetentativaexec + 1, executor = ${opts.executor},
          datainicioexec = ${at}, dataalteracao = ${at}
        from due where m.id = due.id and due.done is null
        returning m.*)
      select r.n as removed_count, claimed.*
      from (select count(*)::int as n from removed) r left join claimed on true`,
  );
  const rows = out.filter((r) => r.id !== null).map(decodeRow);
  return { rows, alreadySucceeded: Number(out[0]?.removed_count ?? 0) };
}

/**
 * Gives claimed rows that never started back, as they were before the claim
 * (shutdown): the attempt did not happen, so it does not count. Only rows
 * still RUNNING under `executor` at the claimed counter change.
 */
export async function releaseUnstarted(ex: Orm, rows: MessageRow[], executor: string, now: Date): Promise<number> {
  if (rows.length === 0) return 0;
  // Raw SQL: an update from a VALUES list of (id, counter) pairs is not in Drizzle's builder.
  const values = sql.join(rows.map((r) => sql`(${r.id}::uuid, ${r.qtdeTentativaExec}::int)`), sql`, `);
  const released = await queryRows(
    ex,
    sql`update gtotvslinkmessage m set
      status = case when m.qtdetentativaexec > 1 then 'RETRY' else 'PENDING' end,
      qtdetentativaexec = m.qtdetentativaexec - 1,
      executor = null, datainicioexec = null, dataalteracao = ${now.toISOString()}::timestamptz
    from (values ${values}) as v(id, attempt)
    where m.id = v.id and m.qtdetentativaexec = v.attempt and m.status = 'RUNNING' and m.executor = ${executor}
    returning m.id`,
  );
  return released.length;
}
