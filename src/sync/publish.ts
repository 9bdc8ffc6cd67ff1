/**
 * Publishing upstream (`POST /api/messages`): the message becomes an `UP` row
 * (the outbox) and is sent by the flush that follows or by the next tick.
 * `data` that is not already an envelope is wrapped in the TOTVS envelope.
 */
import type { Database } from "../db/client.ts";
import { isEnvelope, wrapTotvsEnvelope } from "../smartlink/wire.ts";
import { insertUpstream } from "../db/queue/outbox.ts";
import type { PublishInput } from "./deps.ts";

/** The envelope text to send for `data`. */
export function publishEnvelope(input: PublishInput, tenantId: string | undefined, now: Date): string {
  if (isEnvelope(input.data)) return JSON.stringify(input.data);
  return JSON.stringify(wrapTotvsEnvelope({
    type: input.type,
    tenantId,
    content: input.data,
    now,
    requestId: input.correlationId,
  }));
}

/** Stores the message as an UP row and returns its local id. */
export async function publishMessage(
  db: Database,
  input: PublishInput,
  deps: { now: () => Date; tenantId: () => string | undefined },
): Promise<{ id: string }> {
  const now = deps.now();
  const id = await insertUpstream(db.orm, {
    type: input.type,
    audience: input.audience,
    envelope: publishEnvelope(input, deps.tenantId(), now),
    correlationId: input.correlationId,
  }, now);
  return { id };
}
