/**
 * Error replies (`errorReply` in the handlers file): when a DOWN message whose
 * handler declares one ends DEAD (fatal error, attempts exhausted, abandoned
 * past the maximum), an UP message reporting the failure is stored with the
 * DEAD outcome — in the same transaction — and sent like any reply, so the
 * cloud app learns of the failure instead of waiting forever (as the Datasul
 * client reports errors to the server, PROTOCOL.md §8a).
 */
import { LOG_TYPES } from "../db/schema.ts";
import { type ErrorCode, parseErrorText } from "../errors.ts";
import type { ReplyTarget } from "../handlers/http.ts";
import { getKey, isRecord } from "../smartlink/json_keys.ts";
import { isEnvelope, wrapTotvsEnvelope } from "../smartlink/wire.ts";
import type { Outcome } from "./outcome.ts";

export interface ErrorReplyDeps {
  /** `errorReply` by message type. */
  errorReplies?: ReadonlyMap<string, ReplyTarget>;
  tenantId: () => string | undefined;
  now: () => Date;
  redact?: (text: string) => string;
}

const MESSAGE_CHARS = 2000;

/** `CODE: text` → `{code, message}`; a text without a code gets `HANDLER_FAILED`. */
function splitError(error: string): { code: string; message: string } {
  return parseErrorText(error) ?? { code: "HANDLER_FAILED" satisfies ErrorCode, message: error };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // a command that is not JSON: the reply is built from the row alone
  }
}

/**
 * The envelope reporting `outcome`'s failure: TOTVS `{header, content: {requestID, error}}`, or CloudEvents
 * `{specversion, id, type, source, time, tenantid, correlationid, data: {requestID, error}}` when the command came
 * as CloudEvents.
 */
export function errorReplyEnvelope(outcome: Outcome, target: ReplyTarget, deps: ErrorReplyDeps): string {
  const redact = deps.redact ?? ((t: string) => t);
  const { code, message } = splitError(redact(outcome.error ?? "DEAD: the message failed"));
  const error = { code, message: message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS)}…` : message };
  const command = parse(outcome.row.conteudo);
  const now = deps.now();
  if (isRecord(command) && isEnvelope(command) && getKey(command, "specversion") != null) {
    const correlation = outcome.row.idCorrelacao ?? String(getKey(command, "id") ?? outcome.row.id);
    return JSON.stringify({
      specversion: "1.0",
      id: crypto.randomUUID(),
      type: target.type,
      source: "smartlink-client",
      time: now.toISOString(),
      ...(deps.tenantId() === undefined ? {} : { tenantid: deps.tenantId() }),
      correlationid: correlation,
      datacontenttype: "application/json",
      data: { requestID: correlation, error },
    });
  }
  const content = isRecord(command) ? getKey(command, "content") : undefined;
  const requestId = isRecord(content) && typeof getKey(content, "requestID") === "string"
    ? getKey(content, "requestID") as string
    : outcome.row.idCorrelacao ?? undefined;
  return JSON.stringify(wrapTotvsEnvelope({
    type: target.type,
    tenantId: deps.tenantId(),
    content: { requestID: requestId ?? null, error },
    now,
  }));
}

/** `outcome` with its error reply attached when it makes a DOWN message DEAD and its handler declares one. */
export function withErrorReply(outcome: Outcome, deps: ErrorReplyDeps): Outcome {
  if (outcome.row.direcao !== "DOWN" || outcome.nextStatus !== "DEAD" || outcome.reply) return outcome;
  const target = deps.errorReplies?.get(outcome.row.tipo);
  if (!target) return outcome;
  return {
    ...outcome,
    reply: {
      type: target.type,
      audience: target.audience,
      envelope: errorReplyEnvelope(outcome, target, deps),
      correlationId: outcome.row.idCorrelacao ?? undefined,
    },
    logs: [...outcome.logs, {
      type: LOG_TYPES.info,
      text: `Error reply ${target.type} to audience "${target.audience}" stored with the DEAD outcome`,
    }],
  };
}
