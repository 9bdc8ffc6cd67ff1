/**
 * The opaque paging cursor of lists: a keyset position (full-precision
 * timestamp and ID of the last row shown) as base64url text.
 */
import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";
import type { Keyset } from "../db/admin_queries.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

export function encodeCursor(at: Keyset): string {
  return encodeBase64Url(new TextEncoder().encode(`${at.ts}|${at.id}`).buffer).replace(/=+$/, "");
}

/** The position of a cursor, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): Keyset | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  let text: string;
  try {
    text = new TextDecoder().decode(decodeBase64Url(cursor));
  } catch {
    return undefined; // not base64
  }
  const [ts, id, extra] = text.split("|");
  if (extra !== undefined || !TS.test(ts ?? "") || !UUID.test(id ?? "") || Number.isNaN(Date.parse(ts))) {
    return undefined;
  }
  return { ts, id: id.toLowerCase() };
}

export function isUuid(text: string): boolean {
  return UUID.test(text);
}
