/**
 * The wire formats of the Smart Link Server. Parses the `get` body into items
 * (`normalizeItem` reads each one); the items, the envelopes and the text
 * helpers live beside it (`inbound.ts`, `normalize_item.ts`, `envelope.ts`,
 * `text.ts`) and are exported from here too. Nothing here does I/O; every
 * input is treated as untrusted.
 */
import * as v from "valibot";
import { resolvePointer } from "../profile/json_pointer.ts";
import type { ItemFields } from "../profile/wire_profile.ts";
import { SmartLinkError } from "./errors.ts";
import type { ParsedItem } from "./inbound.ts";
import { getKey, hasKey, isRecord } from "./json_keys.ts";
import { normalizeItem } from "./normalize_item.ts";
import { cutUtf8, describe } from "./text.ts";

export { isEnvelope, type TotvsEnvelope, wrapTotvsEnvelope } from "./envelope.ts";
export type { InboundMessage, ItemError, ItemErrorCode, ParsedItem } from "./inbound.ts";
export { normalizeItem } from "./normalize_item.ts";
export { cutUtf8, storable } from "./text.ts";

/** Raw bodies quoted in logs and errors are cut to this many bytes. */
export const RAW_BODY_LOG_BYTES = 4096;

const GetBodySchema = v.union([v.null(), v.array(v.unknown()), v.record(v.string(), v.unknown())]);

function badBody(message: string, text: string, cause?: unknown): SmartLinkError {
  return new SmartLinkError("SL_BAD_RESPONSE", message, {
    kind: "transient",
    op: "get",
    rawBody: cutUtf8(text, RAW_BODY_LOG_BYTES),
    cause,
  });
}

/** Where the profile says the items and their fields are (`get.items`, `get.fields`). */
export interface GetBodyLayout {
  items?: string;
  fields?: ItemFields;
}

/**
 * Parses a `get` response: a JSON array, one message object or `{messages:[…]}`
 * (or, with `layout.items`, the array or single item at that JSON pointer);
 * 204, an empty body, `null`, `{}`, `[]` and nothing at the pointer mean the queue is empty.
 * @throws SmartLinkError `SL_BAD_RESPONSE` (transient) when the body cannot be parsed at all
 */
export function parseGetBody(
  status: number,
  text: string,
  maxMessageBytes: number,
  layout: GetBodyLayout = {},
): ParsedItem[] {
  if (status === 204 || text.trim() === "") return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw badBody(`Smart Link get returned a body that is not JSON: ${reason}`, text, err);
  }
  const body = v.safeParse(GetBodySchema, json);
  if (!body.success) {
    throw badBody(`Smart Link get returned JSON of type ${describe(json)}: expected an array or an object`, text);
  }
  const normalize = (item: unknown) => normalizeItem(item, maxMessageBytes, layout.fields);
  if (layout.items !== undefined) {
    const found = resolvePointer(body.output, layout.items);
    if (found === undefined || found === null) return [];
    if (Array.isArray(found)) return found.map(normalize);
    if (!isRecord(found)) {
      throw badBody(
        `Smart Link get returned ${describe(found)} at "${layout.items}": expected an array of items or one item`,
        text,
      );
    }
    return Object.keys(found).length === 0 ? [] : [normalize(found)];
  }
  const output = body.output;
  if (output === null) return [];
  if (Array.isArray(output)) return output.map(normalize);
  if (Object.keys(output).length === 0) return [];
  if (hasKey(output, "messages")) {
    const messages = getKey(output, "messages");
    if (messages === null) return [];
    if (!Array.isArray(messages)) {
      throw badBody(`Smart Link get returned "messages" of type ${describe(messages)}: expected an array`, text);
    }
    return messages.map(normalize);
  }
  return [normalize(output)];
}
