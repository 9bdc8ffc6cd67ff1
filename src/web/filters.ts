/**
 * Query-string filters of the lists (messages, EXEC history, logs), validated
 * with valibot for both the JSON API and the HTML pages. Empty values, as an
 * HTML form sends them, mean "no filter".
 */
import * as v from "valibot";
import { MESSAGE_TYPE_RULE, messageTypeSchema } from "../message_type.ts";
import type { ExecFilter, Keyset, LogFilter, MessageFilter } from "../db/admin_queries.ts";
import { DIRECTIONS, EXEC_RESULTS, LOG_TYPE_ENTRIES, type LogType, STATUSES } from "../db/schema.ts";
import { decodeCursor } from "./cursor.ts";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export type FieldErrors = Record<string, string[]>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

const upper = v.transform((s: string) => s.toUpperCase());
/** Text the database can compare: no NUL character, no lone UTF-16 surrogate. */
export const storableText = v.check(
  (s: string) => !s.includes("\0") && s.isWellFormed(),
  "Expected text without NUL characters (U+0000) or lone UTF-16 surrogates",
);
const typeField = messageTypeSchema(`Expected a message type: ${MESSAGE_TYPE_RULE}`);
const limitField = v.pipe(
  v.string(),
  v.regex(/^\d{1,4}$/, `Expected an integer from 1 to ${MAX_LIMIT}`),
  v.transform(Number),
  v.number(),
  v.minValue(1, `Expected an integer from 1 to ${MAX_LIMIT}`),
  v.maxValue(MAX_LIMIT, `Expected an integer from 1 to ${MAX_LIMIT}`),
);
const cursorField = v.pipe(
  v.string(),
  v.transform(decodeCursor),
  v.check((k): k is Keyset => k !== undefined, "Expected a cursor returned by this list"),
);
const uuidField = v.pipe(v.string(), v.uuid("Expected a message ID (uuid)"), v.transform((s) => s.toLowerCase()));

/** True when the `YYYY-MM-DD` the text starts with is a real day (JavaScript would roll 2024-02-30 over to March). */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split("-").map(Number);
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** ISO date-time with zone, a `datetime-local` value or a plain date; the last two are read as UTC. */
const dateField = v.pipe(
  v.string(),
  v.regex(
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/,
    "Expected a date like 2024-05-01 or 2024-05-01T13:45 (UTC)",
  ),
  v.check(isCalendarDate, "Expected a date that exists (no February 30)"),
  v.transform((s) => {
    const t = s.replace(" ", "T");
    return new Date(/Z|[+-]\d{2}:\d{2}$/.test(t) ? t : t.length === 10 ? `${t}T00:00:00Z` : `${t}Z`);
  }),
  v.check((d) => !Number.isNaN(d.getTime()), "Expected a valid date"),
  // Year 0000 is a valid JavaScript date but not a PostgreSQL one.
  v.check((d) => d.getUTCFullYear() >= 1, "Expected a date from the year 0001 on"),
);

const paging = {
  limit: v.optional(limitField),
  cursor: v.optional(cursorField),
};

export const MessageQuery = v.object({
  direction: v.optional(v.pipe(v.string(), upper, v.picklist(DIRECTIONS, "Expected DOWN or UP"))),
  status: v.optional(
    v.pipe(v.string(), upper, v.picklist(STATUSES, "Expected PENDING, RUNNING, RETRY or DEAD")),
  ),
  type: v.optional(typeField),
  text: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, "Expected at most 200 characters"), storableText)),
  ...paging,
});

const HistoryQuery = v.object({
  message: v.optional(uuidField),
  type: v.optional(typeField),
  from: v.optional(dateField),
  to: v.optional(dateField),
  ...paging,
});

export const ExecQuery = v.object({
  ...HistoryQuery.entries,
  result: v.optional(
    v.pipe(v.string(), upper, v.picklist(EXEC_RESULTS, `Expected one of ${EXEC_RESULTS.join(", ")}`)),
  ),
});

/** `logtype` as the query gives it: "0", "1", "2". */
const LOG_TYPE_VALUES = LOG_TYPE_ENTRIES.map(([type]) => String(type));
/** "0 (info), 1 (warning) or 2 (error)". */
const LOG_TYPE_CHOICES = LOG_TYPE_ENTRIES.map(([type, name]) => `${type} (${name})`).join(", ")
  .replace(/, ([^,]*)$/, " or $1");

export const LogQuery = v.object({
  ...HistoryQuery.entries,
  logtype: v.optional(v.pipe(v.string(), v.picklist(LOG_TYPE_VALUES, `Expected ${LOG_TYPE_CHOICES}`))),
});

function clean(query: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(query)) if (val.trim() !== "") out[k] = val.trim();
  return out;
}

function parse<S extends v.GenericSchema<Record<string, string>, Record<string, unknown>>>(
  schema: S,
  query: Record<string, string>,
): Parsed<v.InferOutput<S>> {
  const result = v.safeParse(schema, clean(query));
  if (result.success) return { ok: true, value: result.output };
  const flat = v.flatten<S>(result.issues);
  const errors: FieldErrors = {};
  for (const [k, msgs] of Object.entries(flat.nested ?? {})) if (msgs) errors[k] = msgs as string[];
  if (flat.root) errors[""] = flat.root;
  return { ok: false, errors };
}

function rangeCheck(from: Date | undefined, to: Date | undefined): FieldErrors | undefined {
  return from && to && from > to ? { to: ["Expected a date after 'from'"] } : undefined;
}

export function parseMessageQuery(query: Record<string, string>): Parsed<MessageFilter> {
  const r = parse(MessageQuery, query);
  if (!r.ok) return r;
  const { cursor, limit, text, ...rest } = r.value;
  return { ok: true, value: { ...rest, text: text || undefined, after: cursor, limit: limit ?? DEFAULT_LIMIT } };
}

export function parseExecQuery(query: Record<string, string>): Parsed<ExecFilter> {
  const r = parse(ExecQuery, query);
  if (!r.ok) return r;
  const { cursor, limit, message, ...rest } = r.value;
  const errors = rangeCheck(rest.from, rest.to);
  if (errors) return { ok: false, errors };
  return { ok: true, value: { ...rest, messageId: message, after: cursor, limit: limit ?? DEFAULT_LIMIT } };
}

export function parseLogQuery(query: Record<string, string>): Parsed<LogFilter> {
  const r = parse(LogQuery, query);
  if (!r.ok) return r;
  const { cursor, limit, message, logtype, ...rest } = r.value;
  const errors = rangeCheck(rest.from, rest.to);
  if (errors) return { ok: false, errors };
  return {
    ok: true,
    value: {
      ...rest,
      messageId: message,
      logType: logtype === undefined ? undefined : Number(logtype) as LogType,
      after: cursor,
      limit: limit ?? DEFAULT_LIMIT,
    },
  };
}
