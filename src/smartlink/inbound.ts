/** What one transport item of a `get` becomes: an `InboundMessage`, or an `ItemError` with its code. */

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

export type ItemErrorCode =
  | "MSG_NO_ID"
  | "MSG_BAD_ID"
  | "MSG_NO_TYPE"
  | "MSG_BAD_TYPE"
  | "MSG_TOO_LARGE"
  | "MSG_NUL_BYTES"
  | "MSG_BAD_TEXT"
  | "MSG_INVALID_JSON"
  | "MSG_BAD_SHAPE";

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
