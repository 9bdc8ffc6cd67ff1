/**
 * The two business envelopes of the wire: recognising a TOTVS (`header`) or
 * CloudEvents (`specversion`) envelope, and wrapping a payload in the TOTVS one.
 */
import { getKey, hasKey, isRecord } from "./json_keys.ts";

export interface TotvsEnvelope {
  header: { type: string; tenantId?: string; generatedOn: string; locale: string };
  content: unknown;
}

/** True for a TOTVS (`header`) or CloudEvents (`specversion`) envelope. */
export function isEnvelope(value: unknown): boolean {
  if (!isRecord(value)) return false;
  return isRecord(getKey(value, "header")) || (hasKey(value, "specversion") && getKey(value, "specversion") != null);
}

/**
 * Wraps a business payload in the TOTVS envelope `{header, content}`; with
 * `requestId`, copies it into `content.requestID` when that is missing or null.
 */
export function wrapTotvsEnvelope(args: {
  type: string;
  tenantId?: string;
  content: unknown;
  locale?: string;
  now: Date;
  requestId?: string;
}): TotvsEnvelope {
  let content = args.content;
  if (args.requestId !== undefined && isRecord(content) && content.requestID == null) {
    content = { ...content, requestID: args.requestId };
  }
  const header: TotvsEnvelope["header"] = {
    type: args.type,
    ...(args.tenantId === undefined ? {} : { tenantId: args.tenantId }),
    generatedOn: args.now.toISOString(),
    locale: args.locale ?? "pt_BR",
  };
  return { header, content };
}
