/**
 * Code handlers: TypeScript functions compiled into the binary, referred to
 * from the handlers file as `{ "kind": "code", "name": "echo", "reply": {…} }`.
 * A code handler returns the reply body (or nothing); the reply target comes
 * from the handlers file, and the body is wrapped by the same envelope rule
 * as an `http` reply.
 */
import { toReplyEnvelope } from "./envelope.ts";
import type { ReplyTarget } from "./http.ts";
import { FatalHandlerError, type Handler, type HandlerContext, type HandlerMessage } from "./types.ts";

/**
 * A handler compiled into the binary. Resolves to the reply body (any JSON
 * value; an envelope is sent as it is), or `undefined`/`null` for no reply.
 * Throws `RetryableHandlerError` or `FatalHandlerError` to fail the attempt.
 */
export type CodeHandler = (message: HandlerMessage, ctx: HandlerContext) => Promise<unknown>;

/** A `code` entry of the handlers file. */
export interface CodeHandlerSpec {
  kind: "code";
  name: string;
  reply?: ReplyTarget;
  /** Where a message that ends DEAD is reported (`sync/error_reply.ts`). */
  errorReply?: ReplyTarget;
}

/**
 * Adapts a code handler to a `Handler`, publishing its result to `spec.reply`.
 * @throws {FatalHandlerError} (from the handler) code `REPLY_NOT_JSON` when the result cannot be serialised.
 */
export function createCodeHandler(spec: CodeHandlerSpec, impl: CodeHandler): Handler {
  return async (message, ctx) => {
    const body = await impl(message, ctx);
    if (body === undefined || body === null) return {};
    const reply = spec.reply;
    if (reply === undefined) {
      return { warnings: [`code handler "${spec.name}" returned a reply but none is configured: no reply sent`] };
    }
    let envelope: string;
    try {
      envelope = toReplyEnvelope({ type: reply.type, tenantId: ctx.tenantId, body, command: message, now: ctx.now() });
    } catch (err) {
      throw new FatalHandlerError(
        "REPLY_NOT_JSON",
        `Reply of code handler "${spec.name}" cannot be serialised as JSON`,
        {
          cause: err,
        },
      );
    }
    return { reply: { type: reply.type, audience: reply.audience, envelope } };
  };
}
