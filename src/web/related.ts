/** The reply of a command and the command of a reply, read from the LOG rows that record the link. Pure. */
import type { LogRow } from "../db/schema.ts";

export interface Related {
  /** The reply UP message this command produced. */
  replyId?: string;
  /** The command this reply answers. */
  commandId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function relatedMessages(logs: readonly Pick<LogRow, "dataDebug">[]): Related {
  const out: Related = {};
  for (const l of logs) {
    if (!l.dataDebug || !l.dataDebug.includes("Id")) continue;
    let debug: unknown;
    try {
      debug = JSON.parse(l.dataDebug);
    } catch {
      continue; // DATADEBUG that is not JSON carries no link
    }
    const d = debug as { replyId?: unknown; commandId?: unknown } | null;
    if (!out.replyId && typeof d?.replyId === "string" && UUID.test(d.replyId)) out.replyId = d.replyId;
    if (!out.commandId && typeof d?.commandId === "string" && UUID.test(d.commandId)) out.commandId = d.commandId;
  }
  return out;
}
