/**
 * The reply envelope rule of SPEC 7: a reply body that is already an envelope
 * (TOTVS `header`/`content` or CloudEvents `specversion`) is sent as it is;
 * anything else is wrapped in the TOTVS envelope, with `content.requestID`
 * copied from the command when the body lacks it. Pure: no I/O, no clock.
 */
import { getKey, isRecord, type JsonObject } from "../smartlink/json_keys.ts";
import { isEnvelope } from "../smartlink/wire.ts";
import type { HandlerMessage } from "./types.ts";

export { isEnvelope };

/** The locale of TOTVS envelopes built here, unless the caller names another. */
export const DEFAULT_LOCALE = "pt_BR";

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (_err) {
    // Not JSON: the command carries no envelope to read from.
    return undefined;
  }
}

function asId(value: unknown): string | number | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return undefined;
}

/** The command's request id: TOTVS `content.requestID`, else CloudEvents `correlationid`, else `message.correlationId`. */
export function commandRequestId(message: HandlerMessage): string | number | undefined {
  const parsed = parseJson(message.content);
  if (isRecord(parsed)) {
    const header = getKey(parsed, "header");
    const content = getKey(parsed, "content");
    if (isRecord(header) && isRecord(content)) {
      const id = asId(getKey(content, "requestID"));
      if (id !== undefined) return id;
    }
    if (getKey(parsed, "specversion") !== undefined) {
      const id = asId(getKey(parsed, "correlationid"));
      if (id !== undefined) return id;
    }
  }
  return asId(message.correlationId);
}

/** The command's tenant: `tenantid`/`tenantId` at the top, else `header.tenantId`. */
export function commandTenantId(message: HandlerMessage): string | undefined {
  const parsed = parseJson(message.content);
  if (!isRecord(parsed)) return undefined;
  const top = getKey(parsed, "tenantId");
  if (typeof top === "string" && top !== "") return top;
  const header = getKey(parsed, "header");
  if (isRecord(header)) {
    const inHeader = getKey(header, "tenantId");
    if (typeof inHeader === "string" && inHeader !== "") return inHeader;
  }
  return undefined;
}

export interface ReplyEnvelopeInput {
  /** Message type of the reply (`header.type`). */
  type: string;
  /** Tenant from the RAC token; falls back to the command's tenant when unknown. */
  tenantId?: string;
  /** The parsed reply body. */
  body: unknown;
  /** The command being answered (source of `requestID` and of the fallback tenant). */
  command: HandlerMessage;
  now: Date;
  locale?: string;
}

/** Builds the reply envelope as JSON text: an envelope body as-is, anything else wrapped in the TOTVS envelope. */
export function toReplyEnvelope(input: ReplyEnvelopeInput): string {
  const { body, command } = input;
  if (isEnvelope(body)) return JSON.stringify(body);
  let content = body;
  if (isRecord(body)) {
    const requestKey = Object.keys(body).find((k) => k.toLowerCase() === "requestid");
    const present = requestKey !== undefined && body[requestKey] !== null && body[requestKey] !== undefined;
    const requestId = present ? undefined : commandRequestId(command);
    if (requestId !== undefined) {
      const copy: JsonObject = { requestID: requestId };
      for (const [k, v] of Object.entries(body)) {
        if (k !== requestKey) copy[k] = v;
      }
      content = copy;
    }
  }
  const tenantId = input.tenantId ?? commandTenantId(command);
  const header: JsonObject = { type: input.type };
  if (tenantId !== undefined) header.tenantId = tenantId;
  header.generatedOn = input.now.toISOString();
  header.locale = input.locale ?? DEFAULT_LOCALE;
  return JSON.stringify({ header, content });
}
