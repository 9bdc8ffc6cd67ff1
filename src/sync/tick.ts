/**
 * One sync tick — what RM's job `ConTotvsAppExecutorTLCProcess` does every
 * minute: refresh config and setup, send upstream, download (store, commit,
 * then ack), execute due messages through handlers, send the replies, purge.
 * No timers, no environment: everything arrives in `TickDeps`. The caller
 * (`runner.ts`) guarantees that two ticks never run at once.
 */
import type { RetryParams } from "../config.ts";
import type { Database } from "../db/client.ts";
import type { MessageRow } from "../db/schema.ts";
import type { HandlerRegistry } from "../handlers/types.ts";
import { errorFields, type Logger } from "../log.ts";
import { SmartLinkError } from "../smartlink/errors.ts";
import { cutUtf8, type ParsedItem, storable } from "../smartlink/wire.ts";
import { tickRecordText, writeTickRecord } from "../db/tick_log.ts";
import { executePhase } from "./execute.ts";
import { PhaseError, pool } from "./phase.ts";
import { decideRetry } from "./retry_policy.ts";
import { dueUpstream, type IncomingRow, type Outcome, purgeHistory, recordOutcomes, storeIncoming } from "./store.ts";
import { emptySummary, type TickPhase, type TickSummary, type TickTrigger } from "./summary.ts";

/** The part of the Smart Link client the tick uses. */
export interface SmartLinkPort {
  get(): Promise<ParsedItem[]>;
  /** `ackId` removes the message; `message` fills `$id`/`$type` of the profile. */
  ack(ackId: string, message?: { id: string; type: string }): Promise<void>;
  /** Set when the profile has a `nack` route: items stored DEAD on arrival are nacked instead of acked. */
  nack?(ackId: string, error: string, message?: { id: string; type: string }): Promise<void>;
  send(type: string, audience: string, envelope: string): Promise<void>;
}

/** Keeps the subscription set registered; `ensure()` calls setup when needed. */
export interface SetupPort {
  ensure(): Promise<void>;
}

export interface TickDeps {
  db: Database;
  client: SmartLinkPort;
  setup: SetupPort;
  handlers: HandlerRegistry;
  now: () => Date;
  logger: Logger;
  /** This process, written to `EXECUTOR` of claimed rows. */
  executor: string;
  /** Re-reads the remote config and returns the effective retry parameters. */
  retryParams: () => Promise<RetryParams>;
  tenantId: () => string | undefined;
  concurrency: number;
  maxPerTick: number;
  handlerTimeoutMs: number;
  retentionDays: number;
  /** Aborted at shutdown: stop claiming and downloading. */
  stopSignal?: AbortSignal;
  /** Aborted when running handlers must give up (shutdown grace over). */
  abortSignal?: AbortSignal;
}

export interface TickOptions {
  /** `upstream` only sends (the flush after a publish). */
  phases?: "all" | "upstream";
}

const UP_BATCH = 100;
const SEND_CONCURRENCY = 8;
const ACK_CONCURRENCY = 32;

/** Runs one tick and returns its summary; never throws for server or database failures. */
export async function tick(deps: TickDeps, trigger: TickTrigger, options: TickOptions = {}): Promise<TickSummary> {
  const started = deps.now();
  const summary = emptySummary(trigger, started);
  let phase: TickPhase = "config";
  const timed = async (name: keyof TickSummary["phaseMs"], fn: () => Promise<void>) => {
    phase = name;
    const t0 = performance.now();
    try {
      await fn();
    } catch (err) {
      // Server trouble stops only its own phase: sending never stops commands coming down, and the
      // reverse. A database failure stops the tick (no phase can work without it).
      if (!isServerTrouble(err)) throw err;
      fail(summary, name, err);
    } finally {
      summary.phaseMs[name] += Math.round(performance.now() - t0);
    }
  };
  try {
    const retry = await deps.retryParams();
    if (options.phases !== "upstream") {
      let setupOk = true;
      await timed("setup", async () => {
        try {
          await deps.setup.ensure();
        } catch (err) {
          setupOk = false;
          fail(summary, "setup", err);
        }
      });
      await timed("upstream", () => upstreamPhase(deps, retry, summary));
      const upstreamOk = summary.error?.phase !== "upstream";
      if (setupOk) await timed("downstream", () => downstreamPhase(deps, summary));
      await timed("execute", () => executePhase(deps, retry, summary));
      // Replies produced in this tick are sent in this tick, unless sending already failed.
      if (upstreamOk) await timed("upstream", () => upstreamPhase(deps, retry, summary));
      await timed("purge", async () => {
        const purged = await purgeHistory(deps.db, new Date(deps.now().getTime() - deps.retentionDays * 86_400_000));
        summary.purgedExec = purged.exec;
        summary.purgedLog = purged.log;
      });
    } else {
      await timed("upstream", () => upstreamPhase(deps, retry, summary));
    }
  } catch (err) {
    fail(summary, phase, err);
  }
  const finished = deps.now();
  summary.finishedAt = finished.toISOString();
  summary.durationMs = finished.getTime() - started.getTime();
  await finish(deps, summary);
  return summary;
}

/** An error of the Smart Link Server (or of reaching it), as opposed to one of the database. */
function isServerTrouble(err: unknown): boolean {
  return err instanceof SmartLinkError || (err instanceof PhaseError && err.cause instanceof SmartLinkError);
}

function fail(summary: TickSummary, phase: TickPhase, err: unknown): void {
  if (summary.error) return; // the first error explains the tick; later ones follow from it
  if (err instanceof PhaseError) {
    summary.error = { phase: err.phase, code: err.code, message: err.message };
  } else if (err instanceof SmartLinkError) {
    summary.error = { phase, code: err.code, message: err.message };
  } else {
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e?.code === "string" ? e.code : "DB_ERROR";
    const message = typeof e?.message === "string" ? e.message : String(err);
    summary.error = { phase: phase === "config" ? "config" : "database", code, message };
  }
}

async function finish(deps: TickDeps, summary: TickSummary): Promise<void> {
  const busy = summary.sent + summary.downloaded + summary.executed + summary.recovered + summary.purgedExec +
    summary.purgedLog;
  if (summary.error) {
    deps.logger.error(tickRecordText(summary), {
      code: summary.error.code,
      phase: summary.error.phase,
      trigger: summary.trigger,
    });
  } else if (busy > 0) {
    deps.logger.info("Tick finished", { ...summary });
  } else {
    deps.logger.debug("Tick finished", { ...summary });
  }
  try {
    await writeTickRecord(deps.db, summary, deps.now());
  } catch (err) {
    // The database may be the reason the tick failed; the stdout line above already says so.
    deps.logger.debug("Tick summary not written to GTOTVSLINKLOG", errorFields(err));
  }
}

// ---------------------------------------------------------------- upstream

async function upstreamPhase(deps: TickDeps, retry: RetryParams, summary: TickSummary): Promise<void> {
  // Sent rows are deleted; the rest (rejected, or changed meanwhile) must not be sent again in this
  // pass even when still due, so only those few are excluded from the next query.
  const notAgain: string[] = [];
  while (!deps.stopSignal?.aborted) {
    const rows = await dueUpstream(deps.db, deps.now(), UP_BATCH, notAgain);
    if (rows.length === 0) return;
    const outcomes: Outcome[] = [];
    let stopped: SmartLinkError | undefined;
    await pool(rows, SEND_CONCURRENCY, async (row) => {
      const outcome = await sendOne(deps, retry, row);
      if (outcome instanceof SmartLinkError) stopped ??= outcome;
      else outcomes.push(outcome);
    }, () => stopped !== undefined);
    const { recorded, stale } = await recordOutcomes(deps.db, outcomes, deps.now());
    for (const o of stale) notAgain.push(o.row.id);
    for (const o of recorded) {
      if (o.result === "SUCCESS") summary.sent++;
      else {
        summary.sendRejected++;
        notAgain.push(o.row.id);
      }
    }
    if (stopped) throw new PhaseError("upstream", stopped.code, stopped.message, { cause: stopped });
  }
}

/** Sends one UP row; a transient failure comes back as the error (no attempt counted). */
async function sendOne(deps: TickDeps, retry: RetryParams, row: MessageRow): Promise<Outcome | SmartLinkError> {
  const attempt = row.qtdeTentativaExec + 1;
  const startedAt = deps.now();
  if (!row.audiencia) {
    const finishedAt = deps.now();
    return {
      row,
      attempt,
      startedAt,
      finishedAt,
      result: "DEAD",
      nextStatus: "DEAD",
      error: "UP_NO_AUDIENCE: the message has no audience to send to",
      logs: [{ type: 2, text: "Message has no audience: DEAD" }],
    };
  }
  try {
    await deps.client.send(row.tipo, row.audiencia, row.conteudo);
    return {
      row,
      attempt,
      startedAt,
      finishedAt: deps.now(),
      result: "SUCCESS",
      logs: [{ type: 0, text: `Sent to audience "${row.audiencia}" (attempt ${attempt})` }],
    };
  } catch (err) {
    if (!(err instanceof SmartLinkError) || err.kind !== "rejected") {
      return err instanceof SmartLinkError
        ? err
        : new SmartLinkError(`Smart Link send failed: ${(err as Error).message}`, {
          code: "SL_NETWORK",
          kind: "transient",
          op: "send",
          cause: err,
        });
    }
    const finishedAt = deps.now();
    const decision = decideRetry(retry, attempt, finishedAt);
    const error = `${err.code}: ${err.message}`;
    return {
      row,
      attempt,
      startedAt,
      finishedAt,
      result: decision.status,
      nextStatus: decision.status,
      nextAttemptAt: decision.nextAttemptAt,
      error,
      logs: [{
        type: 2,
        text: decision.status === "DEAD"
          ? `Send rejected (attempt ${attempt} of ${retry.qtdeTentativasExec}): DEAD: ${error}`
          : `Send rejected (attempt ${attempt} of ${retry.qtdeTentativasExec}); next attempt at ${decision.nextAttemptAt.toISOString()}: ${error}`,
        debug: { status: err.status, body: err.rawBody },
      }],
    };
  }
}

// -------------------------------------------------------------- downstream

async function downstreamPhase(deps: TickDeps, summary: TickSummary): Promise<void> {
  const seen = new Set<string>();
  while (summary.downloaded < deps.maxPerTick && !deps.stopSignal?.aborted) {
    const items = await deps.client.get();
    if (items.length === 0) return;
    summary.downloaded += items.length;
    const rows = new Map<string, IncomingRow>();
    for (const item of items) {
      const row = toIncoming(item, deps.client.nack ? deps.handlers : undefined);
      if (row === undefined) {
        summary.skipped++;
        deps.logger.warn("Downstream item without an id skipped", {
          code: item.ok ? undefined : item.code,
          error: item.ok ? undefined : item.error,
        });
        continue;
      }
      if (!rows.has(row.idExterno)) rows.set(row.idExterno, row);
    }
    const fresh = [...rows.values()].filter((r) => !seen.has(r.idExterno));
    if (fresh.length === 0 && rows.size > 0) {
      // The server gave back only messages handled earlier in this tick: their acks did not take.
      deps.logger.warn("Server redelivered messages already acked in this tick; stopping the download", {
        count: rows.size,
      });
      return;
    }
    if (rows.size === 0) {
      // Only items without a usable id: they cannot be acked, so asking again returns them again.
      deps.logger.warn("Server returned only items without a usable id; stopping the download for this tick", {
        count: items.length,
      });
      return;
    }
    for (const r of rows.values()) seen.add(r.idExterno);
    const committed = await storeWithFallback(deps, [...rows.values()], summary);
    // Only what is committed is acked.
    let ackError: SmartLinkError | undefined;
    await pool(committed, ACK_CONCURRENCY, async (id) => {
      const row = rows.get(id);
      const ackId = row?.ackId;
      const ref = { id, type: row?.tipo ?? "" };
      try {
        if (deps.client.nack && row?.deadReason !== undefined) {
          await deps.client.nack(ackId ?? id, row.deadReason, ref);
          summary.nacked++;
        } else {
          await deps.client.ack(ackId ?? id, ref);
          summary.acked++;
        }
      } catch (err) {
        summary.ackFailed++;
        if (!(err instanceof SmartLinkError)) throw err;
        if (err.code === "SL_BAD_PATH" || err.code === "SL_BAD_REQUEST") {
          // The id cannot be placed in the profile's path; asking again would not help.
          deps.logger.warn("Ack not sent: the id cannot be placed in the profile's path", {
            idExterno: id,
            error: err.message,
          });
          return;
        }
        if (row?.badId && err.status !== undefined && err.status >= 400 && err.status < 500) {
          // The server refuses its own unusable id; the row is DEAD here, the rest of the batch goes on.
          deps.logger.warn("Ack of an unusable server id refused", { idExterno: id, status: err.status });
          return;
        }
        ackError ??= err;
      }
    }, () => ackError !== undefined);
    if (ackError) {
      throw new PhaseError("downstream", ackError.code, ackError.message, { cause: ackError });
    }
  }
}

/** With `handlers` (a nack route exists), a type without a handler is stored DEAD on arrival so it is nacked. */
function toIncoming(item: ParsedItem, handlers?: HandlerRegistry): IncomingRow | undefined {
  if (item.ok) {
    const m = item.message;
    const row: IncomingRow = {
      idExterno: m.id,
      tipo: m.type,
      audiencia: m.audience,
      idCorrelacao: m.correlationId,
      conteudo: m.content,
      ackId: m.ackId,
    };
    if (handlers && !handlers.has(m.type)) row.deadReason = `HANDLER_MISSING: No handler for type "${m.type}"`;
    return row;
  }
  if (item.id === undefined || item.id === "") return undefined;
  return {
    idExterno: item.id,
    tipo: item.type ?? "(unknown)",
    conteudo: item.content ?? "",
    deadReason: `${item.code}: ${item.error}`,
    ackId: item.ackId,
    badId: item.code === "MSG_BAD_ID",
  };
}

/** Stores a batch in one transaction; if that fails, row by row, so one bad item never stalls the queue. */
async function storeWithFallback(deps: TickDeps, rows: IncomingRow[], summary: TickSummary): Promise<string[]> {
  const count = (r: Awaited<ReturnType<typeof storeIncoming>>) => {
    for (const v of r.inserted.values()) {
      if (v.dead) summary.invalid++;
      else summary.stored++;
    }
    summary.duplicates += r.alreadyStored.size + r.alreadySucceeded.size;
    return [...r.inserted.keys(), ...r.alreadyStored, ...r.alreadySucceeded];
  };
  try {
    return count(await storeIncoming(deps.db, rows, deps.now()));
  } catch (batchError) {
    if (rows.length > 1) {
      deps.logger.warn("Batch insert failed; storing row by row", { rows: rows.length, ...errorFields(batchError) });
    }
    const committed: string[] = [];
    let lastError: unknown;
    for (const row of rows) {
      try {
        committed.push(...count(await storeOne(deps, row, rows.length === 1 ? batchError : undefined)));
      } catch (err) {
        lastError = err;
        deps.logger.error("Downstream message could not be stored; not acked, the server keeps it", {
          idExterno: row.idExterno,
          type: row.tipo,
          ...errorFields(err),
        });
      }
    }
    if (committed.length === 0) throw lastError ?? batchError;
    return committed;
  }
}

/**
 * Stores one row. When the database refuses its text, the row is stored DEAD
 * with a copy it accepts (STORE_REFUSED), so it can be acked; only when that
 * fails too (the database is unavailable) does the error leave.
 */
async function storeOne(deps: TickDeps, row: IncomingRow, failed?: unknown) {
  let refusal = failed;
  if (refusal === undefined) {
    try {
      return await storeIncoming(deps.db, [row], deps.now());
    } catch (err) {
      refusal = err;
    }
  }
  const cause = (refusal as { cause?: unknown })?.cause;
  const reason = cutUtf8(String((cause instanceof Error ? cause : refusal as Error)?.message ?? refusal), 300);
  const safe: IncomingRow = {
    idExterno: row.idExterno,
    tipo: storable(row.tipo, 400),
    conteudo: storable(row.conteudo, Infinity),
    deadReason: `STORE_REFUSED: The database refused the message as received: ${storable(reason, 400)}`,
    ackId: row.ackId,
  };
  let result;
  try {
    result = await storeIncoming(deps.db, [safe], deps.now());
  } catch {
    throw refusal; // the database is not answering: the first error says why
  }
  deps.logger.warn("Downstream message refused by the database: stored DEAD with a copy it accepts", {
    idExterno: row.idExterno,
    type: safe.tipo,
    reason,
  });
  return result;
}
