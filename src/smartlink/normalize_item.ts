/**
 * `normalizeItem`: one transport item of a `get` turned into an
 * `InboundMessage`, or into a specific `ItemError` (no id, a bad id or type,
 * too large, NUL characters, lone surrogates, not JSON, a bad shape). Every
 * input is treated as untrusted; nothing here throws or does I/O.
 */
import * as v from "valibot";
import { MESSAGE_TYPE_RULE, messageTypeProblem } from "../message_type.ts";
import { resolvePointer } from "../profile/json_pointer.ts";
import type { ItemFields } from "../profile/wire_profile.ts";
import { isEnvelope } from "./envelope.ts";
import type { InboundMessage, ItemError, ParsedItem } from "./inbound.ts";
import { getKey, hasKey, isRecord, type JsonObject } from "./json_keys.ts";
import { containsNul, cutUtf8, describe, storable, utf8Length } from "./text.ts";

const TransportIdSchema = v.union([
  v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1),
    v.maxLength(1000),
    v.regex(/^\P{Cc}+$/u),
    v.check((s) => s.isWellFormed()),
  ),
  v.pipe(v.number(), v.integer(), v.transform(String)),
]);

/** Audience, correlation and tenant: informational, so a lone surrogate becomes U+FFFD rather than a refusal. */
const ShortStringSchema = v.union([
  v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(1000), v.transform((s) => s.toWellFormed())),
  v.pipe(v.number(), v.finite(), v.transform(String)),
]);

const TRANSPORT_ID_KEYS = ["id", "messageId", "deliveryTag", "receiptHandle"];

const encoder = new TextEncoder();

function getPath(obj: JsonObject | undefined, ...path: string[]): unknown {
  let current: unknown = obj;
  for (const name of path) {
    if (!isRecord(current)) return undefined;
    current = getKey(current, name);
  }
  return current;
}

function shortString(value: unknown): string | undefined {
  // Most candidates are absent: refusing them here spares the schema's failure report (issues built, then dropped).
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const result = v.safeParse(ShortStringSchema, value);
  return result.success ? result.output : undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) {
    const s = shortString(value);
    if (s !== undefined) return s;
  }
  return undefined;
}

/** FNV-1a, 64 bits, hex: a stable stand-in for an id that cannot be stored as it is. */
function fnv1a(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of encoder.encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

type TypeResult = { type: string } | { error: ItemError };

function resolveType(
  id: string,
  transportType: unknown,
  envelope: JsonObject | undefined,
  content: string,
  maxBytes: number,
): TypeResult {
  const candidate = transportType ?? getKey(envelope ?? {}, "type") ?? getPath(envelope, "header", "type");
  if (candidate === undefined || candidate === null) {
    return {
      error: {
        ok: false,
        id,
        code: "MSG_NO_TYPE",
        error: `Message "${id}" has no type`,
        content: storable(content, maxBytes),
      },
    };
  }
  const problem = messageTypeProblem(candidate);
  if (problem !== undefined) {
    const shown = typeof candidate === "string"
      ? JSON.stringify(storable(cutUtf8(candidate, 200), 400))
      : describe(candidate);
    return {
      error: {
        ok: false,
        id,
        code: "MSG_BAD_TYPE",
        error: `Message "${id}" has an invalid type ${shown}: ${problem} (expected ${MESSAGE_TYPE_RULE})`,
        content: storable(content, maxBytes),
      },
    };
  }
  return { type: candidate as string };
}

/**
 * Turns one transport item into a message, or into a specific item error.
 * The item is `{id, type, audience?, data}`, or an envelope itself (then the
 * whole item is the content). Never throws.
 */
export function normalizeItem(raw: unknown, maxMessageBytes: number, fields: ItemFields = {}): ParsedItem {
  const item = readItem(raw, maxMessageBytes, fields);
  if (fields.ackId === undefined) return item;
  // The profile's ack id (a delivery tag, a receipt) acks good and bad items alike.
  const ackId = v.safeParse(TransportIdSchema, resolvePointer(raw, fields.ackId));
  if (!ackId.success) return item;
  if (item.ok) {
    if (ackId.output !== item.message.id) item.message.ackId = ackId.output;
  } else if (item.id !== undefined && item.ackId === undefined && ackId.output !== item.id) {
    item.ackId = ackId.output;
  }
  return item;
}

function readItem(raw: unknown, maxMessageBytes: number, fields: ItemFields): ParsedItem {
  if (!isRecord(raw)) {
    return { ok: false, code: "MSG_NO_ID", error: `Item is not a JSON object (got ${describe(raw)})` };
  }
  // A field the profile names is read at its pointer, exactly; the others are detected tolerantly.
  const at = (pointer: string) => resolvePointer(raw, pointer) ?? undefined;
  let id: string | undefined;
  for (const candidate of fields.id !== undefined ? [at(fields.id)] : TRANSPORT_ID_KEYS.map((k) => getKey(raw, k))) {
    const result = v.safeParse(TransportIdSchema, candidate);
    if (result.success) {
      id = result.output;
      break;
    }
  }
  const itemIsEnvelope = isEnvelope(raw);
  const transportType = fields.type !== undefined
    ? at(fields.type)
    : itemIsEnvelope
    ? undefined
    : getKey(raw, "type") ?? undefined;
  if (id === undefined) {
    const type = typeof transportType === "string" ? cutUtf8(transportType, 200) : undefined;
    const rawId = fields.id !== undefined ? at(fields.id) : getKey(raw, "id");
    if ((typeof rawId === "string" && rawId.trim() !== "") || (typeof rawId === "number" && Number.isFinite(rawId))) {
      // An id the client cannot keep (blank, too long, control characters, a fraction). Skipping it
      // would leave it at the head of the queue forever; it is stored DEAD under a stand-in id and
      // acked with the id as sent.
      const ackId = String(rawId);
      return {
        ok: false,
        id: `bad-id:${fnv1a(ackId)}`,
        ackId,
        code: "MSG_BAD_ID",
        error: `Item id ${
          JSON.stringify(storable(cutUtf8(ackId, 200), 400))
        } is not usable: expected 1 to 1000 characters without control characters, or an integer`,
        type,
        content: storable(JSON.stringify(raw), maxMessageBytes),
      };
    }
    return { ok: false, code: "MSG_NO_ID", error: "Item has no id", type };
  }

  const data = fields.data !== undefined
    ? at(fields.data) ?? null
    : itemIsEnvelope || !hasKey(raw, "data")
    ? raw
    : getKey(raw, "data");
  let content: string;
  let value: unknown; // the data as a JSON value, when it is (or parses as) JSON
  if (typeof data === "string") {
    content = data;
  } else if (typeof data === "object" && data !== null) {
    content = JSON.stringify(data);
    value = data;
  } else {
    return {
      ok: false,
      id,
      code: "MSG_BAD_SHAPE",
      error: `Message "${id}" has data of type ${describe(data)}: expected an object or a string`,
      type: typeof transportType === "string" ? cutUtf8(transportType, 200) : undefined,
      content: storable(String(data), maxMessageBytes),
    };
  }

  const size = utf8Length(content);
  if (size > maxMessageBytes) {
    const envelope = isRecord(value) ? value : undefined;
    const typed = resolveType(id, transportType, envelope, "", maxMessageBytes);
    return {
      ok: false,
      id,
      code: "MSG_TOO_LARGE",
      error: `Message "${id}" is ${size} bytes: larger than the limit of ${maxMessageBytes} bytes`,
      type: "type" in typed ? typed.type : undefined,
      content: storable(content, maxMessageBytes),
    };
  }

  let jsonError: string | undefined;
  if (typeof data === "string") {
    try {
      value = JSON.parse(data);
    } catch (err) {
      jsonError = err instanceof Error ? err.message : String(err);
    }
  }
  const envelope = isRecord(value) ? value : undefined;
  const typed = resolveType(id, transportType, envelope, content, maxMessageBytes);
  const knownType = "type" in typed ? typed.type : undefined;

  if (content.includes("\0") || (value !== undefined && containsNul(value))) {
    return {
      ok: false,
      id,
      code: "MSG_NUL_BYTES",
      error: `Message "${id}" contains NUL characters (U+0000)`,
      type: knownType,
      content: storable(content, maxMessageBytes),
    };
  }
  if (typeof data === "string" && !data.isWellFormed()) {
    // A lone UTF-16 surrogate cannot be stored or sent as UTF-8 without changing the text.
    return {
      ok: false,
      id,
      code: "MSG_BAD_TEXT",
      error: `Message "${id}" contains a lone UTF-16 surrogate: its text cannot be stored or sent as UTF-8`,
      type: knownType,
      content: storable(content, maxMessageBytes),
    };
  }
  if (transportType == null && jsonError !== undefined) {
    return {
      ok: false,
      id,
      code: "MSG_INVALID_JSON",
      error: `Message "${id}" has no transport type and its data is not JSON: ${jsonError}`,
      content: storable(content, maxMessageBytes),
    };
  }
  if ("error" in typed) return typed.error;

  const transport = itemIsEnvelope ? undefined : raw;
  const message: InboundMessage = { id, type: typed.type, content };
  const audience = firstString(
    fields.audience !== undefined ? at(fields.audience) : transport && getKey(transport, "audience"),
  );
  const correlationId = firstString(
    fields.correlationId !== undefined ? at(fields.correlationId) : transport && getKey(transport, "correlationId"),
    envelope && getKey(envelope, "correlationId"),
    getPath(envelope, "content", "requestID"),
    envelope && getKey(envelope, "id"),
  );
  const tenantId = firstString(
    transport && getKey(transport, "tenantId"),
    envelope && getKey(envelope, "tenantId"),
    getPath(envelope, "header", "tenantId"),
  );
  if (audience !== undefined) message.audience = audience;
  if (correlationId !== undefined) message.correlationId = correlationId;
  if (tenantId !== undefined) message.tenantId = tenantId;
  return { ok: true, message };
}
