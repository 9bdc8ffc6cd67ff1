/**
 * The tick's database work, batched: one statement per batch of rows, outcomes
 * of many messages in one transaction. Every state change checks the row's
 * current state (status, executor and attempt number), so a late finisher
 * never overwrites a newer state.
 */
import { and, asc, eq, inArray, lte, notInArray, sql } from "drizzle-orm";
import { insertExecRows, insertLogRows, recordset } from "../db/bulk.ts";
import type { Database, Orm } from "../db/client.ts";
import {
  type Direction,
  type ExecResult,
  log,
  type LogType,
  message,
  messageExec,
  type MessageRow,
  type NewLogRow,
} from "../db/schema.ts";

const iso = (d: Date) => sql`${d.toISOString()}::timestamptz`;

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

/**
 * Stores one downloaded batch in one transaction, deduplicated on IDEXTERNO
 * against the message table and successful EXEC history. Everything it
 * returns is committed, so it may be acked.
 */
export async function storeIncoming(db: Database, rows: IncomingRow[], now: Date): Promise<StoreBatchResult> {
  return await db.orm.transaction(async (tx) => {
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
    const insertedRows = values.length === 0 ? [] : await db.rows<{ id: string; idexterno: string; status: string }>(
      sql`insert into gtotvslinkmessage
            (idexterno, direcao, tipo, audiencia, idcorrelacao, conteudo, status, ultimoerro,
             datatentativaexec, datacriacao, dataalteracao)
          select idexterno, 'DOWN', tipo, audiencia, idcorrelacao, conteudo, status, ultimoerro,
                 ${iso(now)}, ${iso(now)}, ${iso(now)}
          from ${
        recordset(
          values,
          "idexterno text, tipo text, audiencia text, idcorrelacao text, conteudo text, status text, ultimoerro text",
        )
      }
          on conflict (idexterno) do nothing
          returning id, idexterno, status`,
      tx,
    );
    const inserted = new Map(insertedRows.map((r) => [r.idexterno, { id: String(r.id), dead: r.status === "DEAD" }]));
    const alreadyStored = new Set(fresh.map((r) => r.idExterno).filter((id) => !inserted.has(id)));

    const logs: NewLogRow[] = [];
    for (const r of fresh) {
      const row = inserted.get(r.idExterno);
      if (!row) continue;
      logs.push(
        row.dead
          ? entry(row.id, 2, `Message stored DEAD on receipt: ${r.deadReason}`, r.tipo, now, { idExterno: r.idExterno })
          : entry(row.id, 0, "Message received", r.tipo, now, { idExterno: r.idExterno }),
      );
    }
    for (const s of succeeded) {
      const r = rows.find((x) => x.idExterno === s.idExterno)!;
      logs.push(entry(s.idMensagem, 0, "Redelivered message already succeeded: acked, not executed", r.tipo, now, {
        idExterno: s.idExterno,
      }));
    }
    if (alreadyStored.size > 0) {
      // A redelivery of a message still waiting here (its ack was lost): say so on its row, and
      // warn when the server sent different content under the same id (the first copy is kept).
      const existing = await tx.select({ id: message.id, idExterno: message.idExterno, conteudo: message.conteudo })
        .from(message).where(inArray(message.idExterno, [...alreadyStored]));
      for (const e of existing) {
        const r = fresh.find((x) => x.idExterno === e.idExterno)!;
        const differs = r.deadReason === undefined && r.conteudo !== e.conteudo;
        logs.push(
          differs
            ? entry(
              e.id,
              1,
              "Redelivered with different content under the same id: the first copy is kept",
              r.tipo,
              now,
              {
                idExterno: e.idExterno,
                redeliveredContent: r.conteudo.slice(0, 2000),
              },
            )
            : entry(e.id, 0, "Redelivered message already stored: acked again, not stored twice", r.tipo, now, {
              idExterno: e.idExterno,
            }),
        );
      }
    }
    await insertLogRows(db, tx, logs);
    return { inserted, alreadyStored, alreadySucceeded };
  });
}

/** A LOG row. */
export function entry(
  idMensagem: string | null,
  logType: LogType,
  logMensagem: string,
  tipo: string | null,
  logDate: Date,
  debug?: Record<string, unknown>,
): NewLogRow {
  return {
    idMensagem,
    logType,
    logMensagem,
    tipo,
    logDate,
    dataDebug: debug === undefined ? null : JSON.stringify(debug),
  };
}

/** Writes LOG rows (tick-level or about messages) outside any batch. */
export async function writeLogs(db: Database, rows: NewLogRow[]): Promise<void> {
  if (rows.length > 0) await db.orm.insert(log).values(rows);
}

/**
 * Claims up to `limit` due DOWN rows atomically: RUNNING, attempt counter
 * incremented, executor and start time set. `SKIP LOCKED` lets several
 * processes claim side by side without waiting on each other.
 */
export async function claimDue(
  db: Database,
  opts: { limit: number; now: Date; executor: string; direction?: Direction },
): Promise<MessageRow[]> {
  const direction = opts.direction ?? "DOWN";
  const rows = await db.rows<Record<string, unknown>>(sql`
    update gtotvslinkmessage set
      status = 'RUNNING',
      qtdetentativaexec = qtdetentativaexec + 1,
      executor = ${opts.executor},
      datainicioexec = ${iso(opts.now)},
      dataalteracao = ${iso(opts.now)}
    where id in (
      select id from gtotvslinkmessage
      where direcao = ${direction} and status in ('PENDING', 'RETRY') and datatentativaexec <= ${iso(opts.now)}
      order by datatentativaexec, id
      limit ${opts.limit}
      for update skip locked
    )
    returning *`);
  return rows.map(toMessageRow);
}

/** Maps a raw `returning *` row (lower-case columns) to the Drizzle row shape. */
export function toMessageRow(r: Record<string, unknown>): MessageRow {
  const date = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
  return {
    id: String(r.id),
    idExterno: (r.idexterno as string | null) ?? null,
    direcao: r.direcao as Direction,
    tipo: String(r.tipo),
    audiencia: (r.audiencia as string | null) ?? null,
    idCorrelacao: (r.idcorrelacao as string | null) ?? null,
    conteudo: String(r.conteudo),
    status: r.status as MessageRow["status"],
    qtdeTentativaExec: Number(r.qtdetentativaexec),
    dataTentativaExec: date(r.datatentativaexec)!,
    ultimoErro: (r.ultimoerro as string | null) ?? null,
    dataCriacao: date(r.datacriacao)!,
    dataAlteracao: date(r.dataalteracao)!,
    executor: (r.executor as string | null) ?? null,
    dataInicioExec: date(r.datainicioexec),
  };
}

/** Due UP rows, oldest first (upstream runs under the tick guard, so no claim is needed). */
export async function dueUpstream(
  db: Database,
  now: Date,
  limit: number,
  exclude: readonly string[],
): Promise<MessageRow[]> {
  return await db.orm.select().from(message)
    .where(and(
      eq(message.direcao, "UP"),
      inArray(message.status, ["PENDING", "RETRY"]),
      lte(message.dataTentativaExec, now),
      exclude.length > 0 ? notInArray(message.id, [...exclude]) : undefined,
    ))
    .orderBy(asc(message.dataCriacao), asc(message.id))
    .limit(limit);
}

/** The outcome of one attempt, ready to be recorded. */
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
  /** Reply to publish (success only): becomes an UP row in the same transaction. */
  reply?: { type: string; audience: string; envelope: string; correlationId?: string };
  logs: { type: LogType; text: string; debug?: Record<string, unknown> }[];
}

export interface RecordResult {
  /** Outcomes whose row was still in the expected state and were recorded. */
  recorded: Outcome[];
  /** Outcomes ignored because the row had changed (a late finisher). */
  stale: Outcome[];
  /** Ids of the reply UP rows created. */
  replyIds: string[];
}

/**
 * Records many outcomes in ONE transaction: successes delete their row and
 * add the EXEC row, LOG rows and reply UP row; failures update the row. Each
 * row changes only if it is still in the state the attempt started from
 * (same status, executor and counter), so a late finisher never overwrites a
 * newer state; such outcomes come back as `stale` with a warning LOG row.
 */
export async function recordOutcomes(db: Database, outcomes: Outcome[], now: Date): Promise<RecordResult> {
  if (outcomes.length === 0) return { recorded: [], stale: [], replyIds: [] };
  return await db.orm.transaction(async (tx) => {
    const okIds = new Set<string>();
    const successes = outcomes.filter((o) => o.result === "SUCCESS");
    const failures = outcomes.filter((o) => o.result !== "SUCCESS");
    if (successes.length > 0) {
      for (const id of await conditionalDelete(db, tx, successes)) okIds.add(id);
    }
    if (failures.length > 0) {
      for (const id of await conditionalUpdate(db, tx, failures)) okIds.add(id);
    }
    const recorded = outcomes.filter((o) => okIds.has(o.row.id));
    const stale = outcomes.filter((o) => !okIds.has(o.row.id));
    if (recorded.length > 0) {
      await insertExecRows(
        db,
        tx,
        recorded.map((o) => ({
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
    }
    const replies = recorded.filter((o) => o.reply).map((o) => ({ o, id: crypto.randomUUID() }));
    let replyIds: string[] = [];
    if (replies.length > 0) {
      const inserted = await tx.insert(message).values(replies.map(({ o, id }) => ({
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
      }))).returning({ id: message.id });
      replyIds = inserted.map((r) => r.id);
    }
    const logs: NewLogRow[] = [];
    for (const o of recorded) {
      for (const l of o.logs) logs.push(entry(o.row.id, l.type, l.text, o.row.tipo, o.finishedAt, l.debug));
    }
    // The link both ways between a command and its reply (the admin view follows `replyId` / `commandId`).
    for (const { o, id } of replies) {
      logs.push(entry(o.row.id, 0, `Reply is message ${id}`, o.row.tipo, o.finishedAt, { replyId: id }));
      logs.push(entry(id, 0, `Reply to command ${o.row.id}`, o.reply!.type, now, { commandId: o.row.id }));
    }
    for (const o of stale) {
      logs.push(
        entry(
          o.row.id,
          1,
          `Late result of attempt ${o.attempt} ignored: the message changed meanwhile`,
          o.row.tipo,
          now,
          {
            result: o.result,
            error: o.error,
          },
        ),
      );
    }
    await insertLogRows(db, tx, logs);
    return { recorded, stale, replyIds };
  });
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

const STILL_EXPECTED = sql`m.id = v.id and m.qtdetentativaexec = v.counter and m.status = v.status_before
  and m.executor is not distinct from v.executor_before`;

async function conditionalDelete(db: Database, tx: Orm, outcomes: Outcome[]): Promise<string[]> {
  const rows = await db.rows<{ id: string }>(
    sql`delete from gtotvslinkmessage m using ${recordset(outcomes.map(expected), EXPECTED_COLUMNS, "v")}
        where ${STILL_EXPECTED}
        returning m.id`,
    tx,
  );
  return rows.map((r) => String(r.id));
}

async function conditionalUpdate(db: Database, tx: Orm, outcomes: Outcome[]): Promise<string[]> {
  const data = outcomes.map((o) => ({
    ...expected(o),
    attempt: o.attempt,
    status: o.nextStatus ?? "RETRY",
    next_at: (o.nextAttemptAt ?? o.finishedAt).toISOString(),
    err: o.error ?? null,
    changed_at: o.finishedAt.toISOString(),
  }));
  const rows = await db.rows<{ id: string }>(
    sql`update gtotvslinkmessage m set
          status = v.status,
          qtdetentativaexec = v.attempt,
          datatentativaexec = v.next_at,
          ultimoerro = v.err,
          dataalteracao = v.changed_at,
          executor = null,
          datainicioexec = null
        from ${
      recordset(
        data,
        `${EXPECTED_COLUMNS}, attempt int, status text, next_at timestamptz, err text, changed_at timestamptz`,
        "v",
      )
    }
        where ${STILL_EXPECTED}
        returning m.id`,
    tx,
  );
  return rows.map((r) => String(r.id));
}

/** RUNNING rows whose attempt started before `before` (left by a crashed process). */
export async function abandonedRunning(db: Database, before: Date, limit: number): Promise<MessageRow[]> {
  const rows = await db.rows<Record<string, unknown>>(sql`
    select * from gtotvslinkmessage
    where status = 'RUNNING' and datainicioexec < ${iso(before)}
    order by datainicioexec limit ${limit}`);
  return rows.map(toMessageRow);
}

/**
 * Gives claimed rows that never started back, as they were before the claim
 * (shutdown): the attempt did not happen, so it does not count.
 */
export async function releaseUnstarted(db: Database, rows: MessageRow[], executor: string, now: Date): Promise<number> {
  if (rows.length === 0) return 0;
  const values = sql.join(rows.map((r) => sql`(${r.id}::uuid, ${r.qtdeTentativaExec}::int)`), sql`, `);
  const released = await db.rows(sql`
    update gtotvslinkmessage m set
      status = case when m.qtdetentativaexec > 1 then 'RETRY' else 'PENDING' end,
      qtdetentativaexec = m.qtdetentativaexec - 1,
      executor = null, datainicioexec = null, dataalteracao = ${iso(now)}
    from (values ${values}) as v(id, attempt)
    where m.id = v.id and m.qtdetentativaexec = v.attempt and m.status = 'RUNNING' and m.executor = ${executor}
    returning m.id`);
  return released.length;
}

/** Deletes EXEC and LOG rows older than `cutoff`, at most `batch` rows per statement and `maxBatches` statements. */
export async function purgeHistory(
  db: Database,
  cutoff: Date,
  batch = 5000,
  maxBatches = 20,
): Promise<{ exec: number; log: number }> {
  const out = { exec: 0, log: 0 };
  for (let i = 0; i < maxBatches; i++) {
    const n = (await db.rows(sql`
      delete from gtotvslinkmessageexec where id in (
        select id from gtotvslinkmessageexec where datafim < ${iso(cutoff)} limit ${batch})
      returning 1`)).length;
    out.exec += n;
    if (n < batch) break;
  }
  for (let i = 0; i < maxBatches; i++) {
    const n = (await db.rows(sql`
      delete from gtotvslinklog where id in (
        select id from gtotvslinklog where logdate < ${iso(cutoff)} limit ${batch})
      returning 1`)).length;
    out.log += n;
    if (n < batch) break;
  }
  return out;
}

/** Stores a published message as an UP row; returns its id. */
export async function insertUpstream(
  db: Database,
  input: { type: string; audience: string; envelope: string; correlationId?: string },
  now: Date,
): Promise<string> {
  return await db.orm.transaction(async (tx) => {
    const [row] = await tx.insert(message).values({
      direcao: "UP",
      tipo: input.type,
      audiencia: input.audience,
      idCorrelacao: input.correlationId,
      conteudo: input.envelope,
      status: "PENDING",
      dataTentativaExec: now,
      dataCriacao: now,
      dataAlteracao: now,
    }).returning({ id: message.id });
    await tx.insert(log).values(entry(row.id, 0, "Message published", input.type, now, { audience: input.audience }));
    return row.id;
  });
}
