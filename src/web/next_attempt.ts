/**
 * When a message is tried next, as the pages and the API show it. A DEAD row
 * keeps its last DATATENTATIVAEXEC (RM's column) but is never tried again on
 * its own: it has no next attempt. Pure.
 */
import type { Status } from "../db/schema.ts";

export function nextAttemptAt(row: { status: Status; dataTentativaExec: Date | string | null }): Date | null {
  if (row.status === "DEAD" || row.dataTentativaExec === null) return null;
  return typeof row.dataTentativaExec === "string" ? new Date(row.dataTentativaExec) : row.dataTentativaExec;
}

/** What the page says instead of a date when there is no next attempt. */
export const NO_NEXT_ATTEMPT = "none (DEAD: retried only by an operator)";
