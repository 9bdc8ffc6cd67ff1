/**
 * Step 3 of the tick: `get` a batch → store it in one transaction → commit →
 * only then `ack` it (many acks in flight) → `get` the next. The execute
 * phase runs beside it: each commit wakes it. The next `get` waits for the
 * acks of the last batch, since a server delivers un-acked items again.
 */
import { DEFAULT_ACK_CONCURRENCY } from "../config.ts";
import { type IncomingRow, storeIncoming } from "../db/queue/store_incoming.ts";
import type { HandlerRegistry } from "../handlers/types.ts";
import { errorText } from "../errors.ts";
import { errorFields } from "../log.ts";
import { SmartLinkError } from "../smartlink/errors.ts";
import { cutUtf8, type ParsedItem, storable } from "../smartlink/wire.ts";
import type { TickDeps } from "./deps.ts";
import { pool } from "../async/pool.ts";
import { PhaseError } from "./phase.ts";
import type { TickSummary } from "./summary.ts";

/**
 * Downloads until the server is empty, `maxPerTick` items came, or the tick
 * stops; `onCommitted` runs after each stored batch.
 * @throws PhaseError (server) or the database's error
 */
export async function downstreamPhase(deps: TickDeps, summary: TickSummary, onCommitted: () => void): Promise<void> {
  const seen = new Set<string>();
  const ackConcurrency = deps.ackConcurrency ?? DEFAULT_ACK_CONCURRENCY;
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
    onCommitted();
    // Only what is committed is acked.
    let ackError: SmartLinkError | undefined;
    await pool(committed, ackConcurrency, async (id) => {
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
      throw new PhaseError(ackError.code, ackError.message, { phase: "downstream", cause: ackError });
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
    if (handlers && !handlers.has(m.type)) {
      row.deadReason = errorText("HANDLER_MISSING", `No handler for type "${m.type}"`);
    }
    return row;
  }
  if (item.id === undefined || item.id === "") return undefined;
  return {
    idExterno: item.id,
    tipo: item.type ?? "(unknown)",
    conteudo: item.content ?? "",
    deadReason: errorText(item.code, item.error),
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
    return count(await storeIncoming(deps.db.orm, rows, deps.now()));
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
      return await storeIncoming(deps.db.orm, [row], deps.now());
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
    deadReason: errorText("STORE_REFUSED", `The database refused the message as received: ${storable(reason, 400)}`),
    ackId: row.ackId,
  };
  let result;
  try {
    result = await storeIncoming(deps.db.orm, [safe], deps.now());
  } catch (_unavailable) {
    throw refusal; // the database is not answering: the first error says why
  }
  deps.logger.warn("Downstream message refused by the database: stored DEAD with a copy it accepts", {
    idExterno: row.idExterno,
    type: safe.tipo,
    reason,
  });
  return result;
}
