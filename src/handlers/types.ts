/**
 * What a handler receives and returns, and the two error types it throws.
 * A handler executes one downstream message (one attempt); retries happen
 * only through the RM formula in the tick.
 */
import { AppError, type HandlerErrorCode } from "../errors.ts";
import type { Logger } from "../log.ts";

/** The message as stored in `GTOTVSLINKMESSAGE`. */
export interface HandlerMessage {
  /** Local `ID`, stable across attempts (`X-Smartlink-Message-Id`). */
  id: string;
  /** Server message id (`IDEXTERNO`). */
  externalId?: string;
  type: string;
  correlationId?: string;
  /** `CONTEUDO`: the business message as text (JSON text for objects). */
  content: string;
}

export interface HandlerContext {
  /** 1, 2, 3 … (`QTDETENTATIVAEXEC` after the increment; `X-Smartlink-Attempt`). */
  attempt: number;
  /** Aborted on handler timeout or shutdown. */
  signal: AbortSignal;
  /** Tenant id from the RAC token, when known. */
  tenantId?: string;
  now: () => Date;
  logger: Logger;
}

/** The reply to publish upstream (an `UP` row), already a full envelope. */
export interface HandlerReply {
  type: string;
  audience: string;
  /** The envelope to send, as JSON text. */
  envelope: string;
}

export interface HandlerResult {
  reply?: HandlerReply;
  /** Notes recorded as warning LOG rows (e.g. "empty reply body"). */
  warnings?: string[];
  /** Notes recorded as info LOG rows. */
  info?: string[];
}

export type Handler = (message: HandlerMessage, ctx: HandlerContext) => Promise<HandlerResult>;

/** A failure worth another attempt (408, 429, 5xx, timeout, connection refused). */
export class RetryableHandlerError extends AppError<HandlerErrorCode> {
  override name = "RetryableHandlerError";
}

/** A failure that no retry will fix: the message goes `DEAD` at once. */
export class FatalHandlerError extends AppError<HandlerErrorCode> {
  override name = "FatalHandlerError";
}

/** The handlers by message type. */
export type HandlerRegistry = ReadonlyMap<string, Handler>;
