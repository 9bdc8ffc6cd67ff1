/**
 * Keyset paging of the admin queries: a position (full-precision timestamp and
 * ID of the last row seen), the `before` condition over (date desc, ID desc),
 * and the page cut from `limit + 1` rows.
 */
import { type SQL, sql } from "drizzle-orm";

/** A keyset position: the full-precision timestamp (ISO text, microseconds) and the ID of the last row seen. */
export interface Keyset {
  ts: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  /** Position after the last item; undefined on the last page. */
  next?: Keyset;
}

/** Renders a timestamptz column as UTC ISO text with microseconds (a JS Date keeps only milliseconds). */
export const keyText = (column: unknown) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** `(col, id) < (ts, id)` written so the leading `col <= ts` can use a single-column index too. */
export function before(col: unknown, idCol: unknown, at: Keyset): SQL {
  return sql`(${col} <= ${at.ts}::timestamptz and (${col} < ${at.ts}::timestamptz or ${idCol} < ${at.id}::uuid))`;
}

/** The first `limit` rows and the position after them, when there are more. */
export function page<T extends { key: string; id: string }>(rows: T[], limit: number): Page<Omit<T, "key">> {
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(({ key: _key, ...rest }) => rest);
  const last = more ? rows[limit - 1] : undefined;
  return { items, next: last ? { ts: last.key, id: last.id } : undefined };
}
