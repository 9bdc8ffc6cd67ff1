/** What one transport item of a `get` becomes: an `InboundMessage`, or an `ItemError` with its code. */
import type { MessageErrorCode } from "../errors.ts";

export interface InboundMessage {
  /** The transport id: stored as IDEXTERNO, and what `ack` takes unless `ackId` is set. */
  id: string;
  /** The ack id when the profile reads it from its own field (`get.fields.ackId`) and it differs from `id`. */
  ackId?: string;
  type: string;
  audience?: string;
  correlationId?: string;
  tenantId?: string;
  /** The business message: a string `data` verbatim, an object as JSON text. */
  content: string;
}

/** Why an item cannot be a message: `MessageErrorCode` of `errors.ts`, documented there. */
export type ItemErrorCode = MessageErrorCode;

/** An item that cannot become a message. With an `id` the caller stores it DEAD and acks it; without, it logs and skips. */
export interface ItemError {
  ok: false;
  id?: string;
  code: ItemErrorCode;
  error: string;
  type?: string;
  /** What could be read of the content, cut to the size limit, NUL characters escaped. */
  content?: string;
  /**
   * The id to ack when it differs from `id`: the profile's `fields.ackId`, or for
   * MSG_BAD_ID the id exactly as the server sent it (`id` is then a stand-in,
   * `bad-id:<hash>`, that can be stored and deduplicated).
   */
  ackId?: string;
}

export type ParsedItem = { ok: true; message: InboundMessage } | ItemError;
