/**
 * Operator actions on one message: retry (a fresh attempt budget, due now) and
 * discard (row deleted, an EXEC row records it). Each is one conditional
 * statement that refuses a RUNNING row, plus its GTOTVSLINKLOG row (LOGTYPE
 * info: an operator action is news, not trouble, unless it fails), in one
 * transaction: applied entirely or not at all.
 */
import { and, eq, ne } from "drizzle-orm";
import type { Database, Orm } from "./client.ts";
import { type ExecRow, log, LOG_TYPES, message, messageExec, type MessageRow } from "./schema.ts";

/** Who acted, recorded in DATADEBUG. */
export interface Actor {
  via: "api" | "admin" | "cli";
  /** Client address, or "unknown". */
  address: string;
}

export interface ActionOptions {
  now: Date;
  actor: Actor;
}

export type ActionFailure = { ok: false; code: "MESSAGE_NOT_FOUND" | "MESSAGE_RUNNING"; message: string };
export type RetryResult = { ok: true; message: MessageRow } | ActionFailure;
export type DiscardResult = { ok: true; message: MessageRow; execution: ExecRow } | ActionFailure;

export const DISCARD_ERROR = "discarded by operator";

async function failure(tx: Orm, id: string): Promise<ActionFailure> {
  const [row] = await tx.select({ status: message.status }).from(message).where(eq(message.id, id));
  return row
    ? { ok: false, code: "MESSAGE_RUNNING", message: `Message "${id}" is running; try again when its attempt ends` }
    : { ok: false, code: "MESSAGE_NOT_FOUND", message: `Message "${id}" not found` };
}

/** The LOG row of an operator action on `row`. */
async function writeActionLog(
  tx: Orm,
  row: MessageRow,
  options: ActionOptions & { action: string; text: string },
) {
  const { action, text } = options;
  await tx.insert(log).values({
    idMensagem: row.id,
    logType: LOG_TYPES.info,
    logMensagem: text,
    logDate: options.now,
    tipo: row.tipo,
    dataDebug: JSON.stringify({
      action,
      messageId: row.id,
      via: options.actor.via,
      client: options.actor.address,
      status: row.status,
      attempts: row.qtdeTentativaExec,
    }),
  });
}

/**
 * Makes a PENDING, RETRY or DEAD message due now with a fresh attempt budget
 * (QTDETENTATIVAEXEC 0, ULTIMOERRO kept). Does not run it. Refuses a RUNNING row.
 */
export async function retryMessage(db: Database, id: string, options: ActionOptions): Promise<RetryResult> {
  return await db.orm.transaction(async (tx) => {
    const [before] = await tx.select({ status: message.status }).from(message).where(eq(message.id, id));
    const [row] = await tx.update(message)
      .set({
        status: "PENDING",
        dataTentativaExec: options.now,
        qtdeTentativaExec: 0,
        dataAlteracao: options.now,
        executor: null,
        dataInicioExec: null,
      })
      .where(and(eq(message.id, id), ne(message.status, "RUNNING")))
      .returning();
    if (!row) return await failure(tx, id);
    await writeActionLog(tx, row, {
      ...options,
      action: "retry",
      text: `Operator retry: message set PENDING with a fresh attempt budget (was ${before?.status ?? "unknown"})`,
    });
    return { ok: true, message: row };
  });
}

/**
 * Deletes a message that is not RUNNING and records the discard as an EXEC
 * row (`resultado` DISCARDED, ERRO "discarded by operator").
 */
export async function discardMessage(db: Database, id: string, options: ActionOptions): Promise<DiscardResult> {
  return await db.orm.transaction(async (tx) => {
    const [row] = await tx.delete(message)
      .where(and(eq(message.id, id), ne(message.status, "RUNNING")))
      .returning();
    if (!row) return await failure(tx, id);
    const [execution] = await tx.insert(messageExec).values({
      idMensagem: row.id,
      idExterno: row.idExterno,
      direcao: row.direcao,
      tipo: row.tipo,
      audiencia: row.audiencia,
      idCorrelacao: row.idCorrelacao,
      conteudo: row.conteudo,
      tentativa: row.qtdeTentativaExec,
      sucesso: false,
      erro: DISCARD_ERROR,
      dataInicio: options.now,
      dataFim: options.now,
      resultado: "DISCARDED",
    }).returning();
    await writeActionLog(tx, row, {
      ...options,
      action: "discard",
      text: `Operator discard: message deleted while ${row.status}`,
    });
    return { ok: true, message: row, execution };
  });
}

/**
 * Records an operator action that concerns no single message (e.g. "Sync now"), who in DATADEBUG:
 * LOGTYPE info, or warning when `failed` (the tick failed or did not run).
 * Returns false when the row could not be written (the database is down); it never throws.
 */
export async function logOperatorAction(
  db: Database,
  options: ActionOptions & { action: string; text: string; detail?: Record<string, unknown>; failed?: boolean },
): Promise<boolean> {
  const { action, text } = options;
  try {
    await db.orm.insert(log).values({
      idMensagem: null,
      logType: options.failed ? LOG_TYPES.warning : LOG_TYPES.info,
      logMensagem: text,
      logDate: options.now,
      dataDebug: JSON.stringify({ action, via: options.actor.via, client: options.actor.address, ...options.detail }),
    });
    return true;
  } catch {
    // The database is down: the action's own answer (a failed tick's summary) already says so,
    // and losing this audit row must not turn that answer into a 500.
    return false;
  }
}
