/** The outbox: `UP` rows waiting to be sent, and storing a published message as one. */
import { and, asc, eq, inArray, lte, notInArray } from "drizzle-orm";
import type { Orm } from "../client.ts";
import { insertLogRows, logRow } from "../history/log_rows.ts";
import { LOG_TYPES, message, type MessageRow } from "../schema.ts";

/** Due UP rows, oldest first (upstream runs under the tick guard, so no claim is needed). */
export async function dueUpstream(
  ex: Orm,
  now: Date,
  limit: number,
  exclude: readonly string[],
): Promise<MessageRow[]> {
  return await ex.select().from(message)
    .where(and(
      eq(message.direcao, "UP"),
      inArray(message.status, ["PENDING", "RETRY"]),
      lte(message.dataTentativaExec, now),
      exclude.length > 0 ? notInArray(message.id, [...exclude]) : undefined,
    ))
    .orderBy(asc(message.dataCriacao), asc(message.id))
    .limit(limit);
}

/** Stores a published message as an UP row with its LOG row; returns its id. */
export async function insertUpstream(
  ex: Orm,
  input: { type: string; audience: string; envelope: string; correlationId?: string },
  now: Date,
): Promise<string> {
  return await ex.transaction(async (tx) => {
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
    await insertLogRows(tx, [
      logRow(row.id, {
        type: LOG_TYPES.info,
        text: "Message published",
        tipo: input.type,
        at: now,
        debug: { audience: input.audience },
      }),
    ]);
    return row.id;
  });
}
