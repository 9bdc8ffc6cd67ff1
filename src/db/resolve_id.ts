/**
 * Resolves a message ID as an operator types it: the whole uuid, or a unique
 * prefix of at least 8 characters (the pages show `f833c3af…`). Looks in
 * GTOTVSLINKMESSAGE and, for messages already finished, in the EXEC history.
 */
import { sql } from "drizzle-orm";
import { uuidPrefixRange } from "./admin_queries.ts";
import type { Database } from "./client.ts";
import { message, messageExec } from "./schema.ts";

export const MIN_ID_PREFIX = 8;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ResolvedId =
  | { ok: true; id: string }
  | {
    ok: false;
    code: "INVALID_ID" | "MESSAGE_NOT_FOUND" | "AMBIGUOUS_ID";
    message: string;
    /** With AMBIGUOUS_ID: some of the matching IDs. */
    candidates?: string[];
  };

/** The one message ID that `text` names. `scope` "queue" looks only at GTOTVSLINKMESSAGE (retry, discard). */
export async function resolveMessageId(
  db: Database,
  text: string,
  scope: "queue" | "any" = "any",
): Promise<ResolvedId> {
  const shown = text.slice(0, 80);
  if (UUID.test(text)) return { ok: true, id: text.toLowerCase() };
  const range = text.replaceAll("-", "").length >= MIN_ID_PREFIX ? uuidPrefixRange(text) : undefined;
  if (!range) {
    return {
      ok: false,
      code: "INVALID_ID",
      message: `Expected a message ID: a uuid or a prefix of at least ${MIN_ID_PREFIX} hex characters, got "${shown}"`,
    };
  }
  const [lo, hi] = range;
  const inQueue = db.orm.select({ id: message.id }).from(message)
    .where(sql`${message.id} between ${lo}::uuid and ${hi}::uuid`).limit(4);
  const inHistory = scope === "queue" ? Promise.resolve([]) : db.orm.selectDistinct({ id: messageExec.idMensagem })
    .from(messageExec)
    .where(sql`${messageExec.idMensagem} between ${lo}::uuid and ${hi}::uuid`).limit(4);
  const ids = [...new Set([...(await inQueue), ...(await inHistory)].map((r) => r.id))].sort();
  if (ids.length === 1) return { ok: true, id: ids[0] };
  if (ids.length === 0) {
    return { ok: false, code: "MESSAGE_NOT_FOUND", message: `No message ID starts with "${shown}"` };
  }
  return {
    ok: false,
    code: "AMBIGUOUS_ID",
    message: `More than one message ID starts with "${shown}" (${ids.slice(0, 3).join(", ")}${
      ids.length > 3 ? ", …" : ""
    }): type more characters`,
    candidates: ids.slice(0, 3),
  };
}
