/**
 * Recording attempt outcomes, many in ONE transaction (graphile's
 * `completeJobs`/`failJobs`, River's completer): successes delete their row
 * and add the EXEC row, LOG rows and reply UP row; failures update the row.
 * Each row changes only if it is still in the state the attempt started from
 * (same status, executor and counter), so a late finisher never overwrites a
 * newer state; such outcomes come back as `stale` with a warning LOG row.
 */
import { type SQL, sql } from "drizzle-orm";
import { insertExecRows, recordset } from "../bulk.ts";
import { type Orm, queryRows } from "../client.ts";
import { insertLogRows, LOG_RECORD_COLUMNS, type LogEntry, logRecord, logRow } from "../history/log_rows.ts";
import { type ExecResult, LOG_TYPES, message, type MessageRow, type NewLogRow } from "../schema.ts";

/** The outcome of one attempt, ready to be recorded; built by `sync/outcome.ts`. */
export interface Outcome {
  row: MessageRow;
  /** The attempt number this outcome belongs to (QTDETENTATIVAEXEC after the claim). */
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  result: ExecResult;
  /** Only for RETRY/ABANDONED/DEAD: new status and next attempt time. */
  nextStatus?: "PENDING" | "RETRY" | "DEAD";
  nextAttemptAt?: Date;
  error?: string;
  /** A message to publish: becomes an UP row in the same transaction. */
  reply?: { type: string; audience: string; envelope: string; correlationId?: string };
  /** LOG rows of the attempt (their time is `finishedAt`, their type the row's). */
  logs: Omit<LogEntry, "at" | "tipo">[];
}

export interface RecordResult {
  /** Outcomes whose row was still in the expected state and were recorded. */
  recorded: Outcome[];
  /** Outcomes ignored because the row had changed (a late finisher). */
  stale: Outcome[];
}

/** Records `outcomes` in one transaction of `ex`. @throws the driver's error; nothing is recorded then */
export async function recordOutcomes(ex: Orm, outcomes: Outcome[], now: Date): Promise<RecordResult> {
  if (outcomes.length === 0) return { recorded: [], stale: [] };
  // The common batch (successes without a reply) is one statement: atomic without a transaction's round trips.
  if (outcomes.every((o) => o.result === "SUCCESS" && !o.reply)) return await recordPlainSuccesses(ex, outcomes, now);
  return await ex.transaction(async (tx) => {
    const okIds = new Set<string>();
    const successes = outcomes.filter((o) => o.result === "SUCCESS");
    const failures = outcomes.filter((o) => o.result !== "SUCCESS");
    if (successes.length > 0) {
      for (const id of await completeSuccesses(tx, successes)) okIds.add(id);
    }
    if (failures.length > 0) {
      for (const id of await conditionalUpdate(tx, failures)) okIds.add(id);
    }
    const recorded = outcomes.filter((o) => okIds.has(o.row.id));
    const stale = outcomes.filter((o) => !okIds.has(o.row.id));
    // The EXEC rows of successes were written with their delete; those of failures are written here.
    await insertExecRows(
      tx,
      recorded.filter((o) => o.result !== "SUCCESS").map((o) => ({
        idMensagem: o.row.id,
        idExterno: o.row.idExterno,
        direcao: o.row.direcao,
        tipo: o.row.tipo,
        audiencia: o.row.audiencia,
        idCorrelacao: o.row.idCorrelacao,
        conteudo: o.row.conteudo,
        tentativa: o.attempt,
        sucesso: o.result === "SUCCESS",
        erro: o.error ?? null,
        dataInicio: o.startedAt,
        dataFim: o.finishedAt,
        resultado: o.result,
      })),
    );
    const replies = recorded.filter((o) => o.reply).map((o) => ({ o, id: crypto.randomUUID() }));
    if (replies.length > 0) {
      await tx.insert(message).values(replies.map(({ o, id }) => ({
        id,
        direcao: "UP" as const,
        tipo: o.reply!.type,
        audiencia: o.reply!.audience,
        idCorrelacao: o.reply!.correlationId ?? o.row.idCorrelacao,
        conteudo: o.reply!.envelope,
        status: "PENDING" as const,
        dataTentativaExec: now,
        dataCriacao: now,
        dataAlteracao: now,
      })));
    }
    const logs: NewLogRow[] = [];
    for (const o of recorded) {
      for (const l of o.logs) logs.push(logRow(o.row.id, { ...l, tipo: o.row.tipo, at: o.finishedAt }));
    }
    // The link both ways between a command and its reply (the admin view follows `replyId` / `commandId`).
    for (const { o, id } of replies) {
      const text = `Reply is message ${id}`;
      logs.push(
        logRow(o.row.id, { type: LOG_TYPES.info, text, tipo: o.row.tipo, at: o.finishedAt, debug: { replyId: id } }),
      );
      logs.push(logRow(id, {
        type: LOG_TYPES.info,
        text: `Reply to command ${o.row.id}`,
        tipo: o.reply!.type,
        at: now,
        debug: { commandId: o.row.id },
      }));
    }
    for (const o of stale) logs.push(staleLog(o, now));
    await insertLogRows(tx, logs);
    return { recorded, stale };
  });
}

/** The text of a late result's warning, around its attempt number. */
const LATE = ["Late result of attempt ", " ignored: the message changed meanwhile"] as const;

/** The warning LOG row of an outcome that came too late (its row changed meanwhile). */
function staleLog(o: Outcome, now: Date): NewLogRow {
  return logRow(o.row.id, {
    type: LOG_TYPES.warning,
    text: `${LATE[0]}${o.attempt}${LATE[1]}`,
    tipo: o.row.tipo,
    at: now,
    debug: { result: o.result, error: o.error },
  });
}

/**
 * Successes without a reply in ONE statement: rows still as claimed are deleted, their EXEC rows written
 * from the deleted rows, and each outcome's LOG rows written (its attempt's when its row was deleted, the
 * late-result warning when not).
 */
async function recordPlainSuccesses(ex: Orm, outcomes: Outcome[], now: Date): Promise<RecordResult> {
  const logs: ReturnType<typeof logRecord>[] = [];
  for (const o of outcomes) {
    for (const l of o.logs) logs.push(logRecord(logRow(o.row.id, { ...l, tipo: o.row.tipo, at: o.finishedAt })));
  }
  // The warning of a late result is built here only for the rows that turn out stale (rare), as `staleLog`
  // writes it, instead of travelling with every outcome of every batch.
  const stale = staleLog({ ...outcomes[0], attempt: 0 }, now);
  const ids = await completeSuccesses(
    ex,
    outcomes,
    sql`, l as (select * from ${recordset(logs, LOG_RECORD_COLUMNS, "l")}),
      w as (
        insert into gtotvslinklog (idmensagem, logtype, logmensagem, logdate, datadebug, tipo)
        select l.idmensagem, l.logtype, l.logmensagem, l.logdate, l.datadebug, l.tipo from l
        where exists (select 1 from d where d.id = l.idmensagem)
        union all
        select v.id, ${stale.logType}::int, ${LATE[0]}::text || v.attempt::text || ${LATE[1]}::text,
               ${now.toISOString()}::timestamptz, ${stale.dataDebug}::text, v.tipo
        from v where not exists (select 1 from d where d.id = v.id))`,
  );
  const ok = new Set(ids);
  return { recorded: outcomes.filter((o) => ok.has(o.row.id)), stale: outcomes.filter((o) => !ok.has(o.row.id)) };
}

/** The state each row must still be in: same id, counter, status and executor. */
function expected(o: Outcome) {
  return {
    id: o.row.id,
    counter: o.row.qtdeTentativaExec,
    status_before: o.row.status,
    executor_before: o.row.executor,
  };
}
const EXPECTED_COLUMNS = "id uuid, counter int, status_before text, executor_before text";

// Raw SQL below: a conditional delete/update joined to a json_to_recordset of expected states is
// one statement for the whole batch; Drizzle's builder has no `using`/`from` over a recordset.
const STILL_EXPECTED = sql`m.id = v.id and m.qtdetentativaexec = v.counter and m.status = v.status_before
  and m.executor is not distinct from v.executor_before`;

/**
 * Deletes the rows of successful attempts that are still as claimed and writes their EXEC rows from the
 * deleted rows themselves, in one statement: the content never travels back to the database.
 */
async function completeSuccesses(tx: Orm, outcomes: Outcome[], more: SQL = sql``): Promise<string[]> {
  const data = outcomes.map((o) => ({
    ...expected(o),
    attempt: o.attempt,
    started_at: o.startedAt.toISOString(),
    finished_at: o.finishedAt.toISOString(),
    tipo: o.row.tipo,
  }));
  const columns = `${EXPECTED_COLUMNS}, attempt int, started_at timestamptz, finished_at timestamptz, tipo text`;
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`with v as (select * from ${recordset(data, columns, "v")}),
      d as (
        delete from gtotvslinkmessage m using v
        where ${STILL_EXPECTED}
        returning m.id, m.idexterno, m.direcao, m.tipo, m.audiencia, m.idcorrelacao, m.conteudo),
      e as (
        insert into gtotvslinkmessageexec
          (idmensagem, idexterno, direcao, tipo, audiencia, idcorrelacao, conteudo, tentativa, sucesso, erro,
           datainicio, datafim, resultado)
        select d.id, d.idexterno, d.direcao, d.tipo, d.audiencia, d.idcorrelacao, d.conteudo, v.attempt, true, null,
               v.started_at, v.finished_at, 'SUCCESS'
        from d join v on v.id = d.id)${more}
      select id from d`,
  );
  return rows.map((r) => String(r.id));
}

async function conditionalUpdate(tx: Orm, outcomes: Outcome[]): Promise<string[]> {
  const data = outcomes.map((o) => ({
    ...expected(o),
    attempt: o.attempt,
    status: o.nextStatus ?? "RETRY",
    next_at: (o.nextAttemptAt ?? o.finishedAt).toISOString(),
    err: o.error ?? null,
    changed_at: o.finishedAt.toISOString(),
  }));
  const columns =
    `${EXPECTED_COLUMNS}, attempt int, status text, next_at timestamptz, err text, changed_at timestamptz`;
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`update gtotvslinkmessage m set
          status = v.status,
          qtdetentativaexec = v.attempt,
          datatentativaexec = v.next_at,
          ultimoerro = v.err,
          dataalteracao = v.changed_at,
          executor = null,
          datainicioexec = null
        from ${recordset(data, columns, "v")}
        where ${STILL_EXPECTED}
        returning m.id`,
  );
  return rows.map((r) => String(r.id));
}
