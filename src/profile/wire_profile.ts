/**
 * The wire profile (`SMARTLINK_PROFILE`): for each Smart Link operation its
 * method, path, query and body template, where the items and their fields sit
 * in a `get` answer, and an optional `nack`. TOTVS does not publish these
 * (PROTOCOL.md §3.2), so every part is configuration; omitted keys keep the
 * defaults below. Pure: parsing only, no I/O.
 */
import * as v from "valibot";
import { AppError, type AppErrorOptions } from "../errors.ts";
import { pointerProblem } from "./json_pointer.ts";

export type ProfileOpName = "setup" | "get" | "ack" | "nack" | "send";
export type PlaceholderName =
  | "subscriptions"
  | "batch"
  | "id"
  | "ackId"
  | "type"
  | "audience"
  | "error"
  | "envelope";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ProfileOperation {
  method: string;
  /** Starts with "/"; `$name` placeholders are URL-encoded path segments. */
  path: string;
  query?: Record<string, string>;
  /** A JSON template; undefined sends no body. */
  body?: JsonValue;
}

export type ItemFieldName = "id" | "ackId" | "type" | "audience" | "data" | "correlationId";
export type ItemFields = Partial<Record<ItemFieldName, string>>;

export interface GetOperation extends ProfileOperation {
  /** JSON pointer to the items in the answer; undefined = tolerant detection (array, one object, `{messages}`). */
  items?: string;
  /** JSON pointers inside an item; a field left out keeps tolerant detection. */
  fields: ItemFields;
  /** The value of `$batch`. */
  batch: number;
}

export interface WireProfile {
  setup: ProfileOperation;
  get: GetOperation;
  ack: ProfileOperation;
  /** When set, items stored DEAD on arrival are nacked (with `$error`) instead of acked. */
  nack?: ProfileOperation;
  send: ProfileOperation;
}

/** The placeholders each operation can fill. */
export const PLACEHOLDERS: Record<ProfileOpName, readonly PlaceholderName[]> = {
  setup: ["subscriptions"],
  get: ["batch"],
  ack: ["id", "ackId", "type"],
  nack: ["id", "ackId", "type", "error"],
  send: ["type", "audience", "envelope"],
};

export const DEFAULT_PROFILE: WireProfile = deepFreeze({
  setup: { method: "POST", path: "/api/v1/link/setup", body: { subscriptions: "$subscriptions" } },
  get: { method: "GET", path: "/api/v1/link/get", fields: {}, batch: 50 },
  ack: { method: "POST", path: "/api/v1/link/ack", body: { id: "$ackId" } },
  send: { method: "POST", path: "/api/v1/link/send/$type/$audience", body: "$envelope" },
});

/** An invalid profile: `keyPath` names the key (`get.fields.id`), `expected` what it should hold. */
export class ProfileError extends AppError<"PROFILE_INVALID"> {
  override name = "ProfileError";
  readonly keyPath: string;
  readonly expected: string;
  readonly received?: string;

  constructor(
    code: "PROFILE_INVALID",
    message: string,
    options: AppErrorOptions & { keyPath: string; expected: string; received?: string },
  ) {
    super(code, message, options);
    this.keyPath = options.keyPath;
    this.expected = options.expected;
    this.received = options.received;
  }
}

/** The `ProfileError` for `keyPath`: what it should hold and, when known, what it holds. */
function invalidKey(keyPath: string, expected: string, received?: string): ProfileError {
  const message = `Invalid wire profile key "${keyPath}": expected ${expected}` +
    (received === undefined ? "" : `, got ${received}`);
  return new ProfileError("PROFILE_INVALID", message, { keyPath, expected, received });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;
const PLACEHOLDER = /\$([A-Za-z]+)/g;

/** A body template: any JSON value (the profile is parsed JSON, so any value is one); `null` = no body. */
const BodySchema = v.custom<JsonValue>((value) => value !== undefined, "a JSON value");
const PointerSchema = v.pipe(
  v.string('a JSON pointer (a string, "" or starting with "/")'),
  v.check((p) => pointerProblem(p) === undefined, 'a JSON pointer ("" or starting with "/", "~" only as ~0 or ~1)'),
);
const operationEntries = {
  method: v.optional(v.pipe(
    v.string("one of GET, POST, PUT, DELETE, PATCH"),
    v.transform((m) => m.toUpperCase()),
    v.picklist(METHODS, "one of GET, POST, PUT, DELETE, PATCH"),
  )),
  path: v.optional(v.pipe(
    v.string('a path starting with "/"'),
    v.regex(/^\/[^\s?#]*$/, 'a path starting with "/", without spaces, "?" or "#"'),
  )),
  query: v.optional(v.record(
    v.string(),
    v.pipe(
      v.union([v.string(), v.pipe(v.number(), v.finite()), v.boolean()], "a string, number or boolean"),
      v.transform(String),
    ),
    "an object of query parameters",
  )),
  /** `null` sends no body. */
  body: v.optional(BodySchema),
};
const OperationSchema = v.strictObject(operationEntries, "an object with method, path, query, body");
const GetSchema = v.strictObject({
  ...operationEntries,
  items: v.optional(PointerSchema),
  fields: v.optional(v.strictObject({
    id: v.optional(PointerSchema),
    ackId: v.optional(PointerSchema),
    type: v.optional(PointerSchema),
    audience: v.optional(PointerSchema),
    data: v.optional(PointerSchema),
    correlationId: v.optional(PointerSchema),
  }, "an object with id, ackId, type, audience, data, correlationId (JSON pointers)")),
  batch: v.optional(v.pipe(
    v.number("an integer from 1 to 10000"),
    v.integer("an integer from 1 to 10000"),
    v.minValue(1, "an integer from 1 to 10000"),
    v.maxValue(10_000, "an integer from 1 to 10000"),
  )),
}, "an object with method, path, query, body, items, fields, batch");
const ProfileSchema = v.strictObject({
  setup: v.optional(OperationSchema),
  get: v.optional(GetSchema),
  ack: v.optional(OperationSchema),
  nack: v.optional(OperationSchema),
  send: v.optional(OperationSchema),
}, "an object with keys setup, get, ack, nack, send");

type OperationInput = v.InferOutput<typeof OperationSchema>;

function received(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Checks every `$name` of one operation against what that operation can fill. @throws ProfileError */
function checkPlaceholders(op: ProfileOpName, operation: ProfileOperation): void {
  const allowed = PLACEHOLDERS[op];
  const expected = `placeholders among ${allowed.map((p) => `$${p}`).join(", ")}`;
  const checkText = (keyPath: string, text: string) => {
    for (const [, name] of text.matchAll(PLACEHOLDER)) {
      if (!allowed.includes(name as PlaceholderName)) throw invalidKey(keyPath, expected, `"$${name}"`);
      if (name === "envelope" || name === "subscriptions") {
        throw invalidKey(keyPath, `$${name} only as a whole body value (it is not a text)`, `"${text}"`);
      }
    }
  };
  checkText(`${op}.path`, operation.path);
  for (const [key, value] of Object.entries(operation.query ?? {})) checkText(`${op}.query.${key}`, value);
  const walk = (value: JsonValue | undefined, keyPath: string) => {
    if (typeof value === "string") {
      const names = [...value.matchAll(PLACEHOLDER)].map((m) => m[1]);
      if (names.length === 0) return;
      const whole = /^\$([A-Za-z]+)$/.exec(value)?.[1];
      if (whole === undefined) {
        throw invalidKey(keyPath, 'a placeholder as the whole string (like "$ackId")', `"${value}"`);
      }
      if (!allowed.includes(whole as PlaceholderName)) throw invalidKey(keyPath, expected, `"${value}"`);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${keyPath}.${i}`));
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, `${keyPath}.${key}`);
    }
  };
  walk(operation.body, `${op}.body`);
}

/** `defaults` with the keys of `input`; a path naming the message drops the default body (`DELETE …/ack/$ackId`). */
function mergeOperation(defaults: ProfileOperation, input: OperationInput | undefined): ProfileOperation {
  if (input === undefined) return defaults;
  const path = input.path ?? defaults.path;
  const out: ProfileOperation = { method: input.method ?? defaults.method, path };
  const query = input.query ?? defaults.query;
  if (query !== undefined) out.query = query;
  const pathNamesMessage = input.path !== undefined && /\$(ackId|id)\b/.test(input.path);
  const body = input.body !== undefined ? input.body : pathNamesMessage ? undefined : defaults.body;
  if (body !== undefined && body !== null) out.body = body;
  return out;
}

/**
 * Validates a profile (parsed JSON) and merges it over `base` (the defaults).
 * @throws ProfileError naming the key path and what was expected
 */
export function parseProfile(json: unknown, base: WireProfile = DEFAULT_PROFILE): WireProfile {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalidKey("(top level)", "a JSON object with keys setup, get, ack, nack, send", received(json));
  }
  const result = v.safeParse(ProfileSchema, json);
  if (!result.success) {
    const issue = result.issues[0];
    const keyPath = v.getDotPath(issue) ?? "(top level)";
    if (issue.type === "strict_object") {
      throw invalidKey(keyPath, "no key of that name (see the profile format in README.md)");
    }
    throw invalidKey(keyPath, issue.message, received(issue.input));
  }
  const input = result.output;
  const get = input.get;
  const profile: WireProfile = {
    setup: mergeOperation(base.setup, input.setup),
    get: {
      ...mergeOperation(base.get, get),
      fields: get?.fields ? { ...get.fields } : { ...base.get.fields },
      batch: get?.batch ?? base.get.batch,
    },
    ack: mergeOperation(base.ack, input.ack),
    send: mergeOperation(base.send, input.send),
  };
  const items = get?.items ?? base.get.items;
  if (items !== undefined) profile.get.items = items;
  const nack = input.nack ? mergeOperation(base.nack ?? { method: "POST", path: "" }, input.nack) : base.nack;
  if (nack !== undefined) {
    if (nack.path === "") throw invalidKey("nack.path", 'a path starting with "/" (nack has no default)');
    profile.nack = nack;
  }
  for (const op of ["setup", "get", "ack", "nack", "send"] as const) {
    const operation = profile[op];
    if (operation !== undefined) checkPlaceholders(op, operation);
  }
  return deepFreeze(profile);
}

/**
 * Reads `SMARTLINK_PROFILE`: the JSON itself when it starts with "{", else the
 * path of a JSON file. @throws ProfileError
 */
export function loadProfile(source: string, readTextFile: (path: string) => string): WireProfile {
  const trimmed = source.trim();
  let text = trimmed;
  if (!trimmed.startsWith("{")) {
    try {
      text = readTextFile(trimmed);
    } catch (err) {
      const reason = err instanceof Deno.errors.NotFound ? "file not found" : (err as Error).message;
      throw invalidKey("(file)", `a readable JSON file (${reason})`, `"${trimmed}"`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidKey("(top level)", `JSON (${(err as Error).message})`);
  }
  return parseProfile(json);
}

/** `SMARTLINK_ROUTES` entries: `"DELETE /api/v1/link/ack/{id}"`. `{id}` is the ack id; `{type}`, `{audience}` as named. */
export type RouteShorthand = Partial<
  Record<"setup" | "get" | "ack" | "nack" | "send", { method: string; path: string }>
>;

/** Applies the `SMARTLINK_ROUTES` shorthand (method and path only) over a profile. @throws ProfileError */
export function applyRoutes(profile: WireProfile, routes: RouteShorthand): WireProfile {
  const input: Record<string, { method: string; path: string }> = {};
  for (const [op, route] of Object.entries(routes)) {
    if (!route) continue;
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => name === "id" ? "$ackId" : `$${name}`);
    input[op] = { method: route.method, path };
  }
  return parseProfile(input, profile);
}
