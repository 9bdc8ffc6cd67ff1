/** Finding `RUNNING` rows left by a crashed process (River's job rescuer). */
import { and, asc, eq, lt } from "drizzle-orm";
import type { Orm } from "../client.ts";
import { message, type MessageRow } from "../schema.ts";

/** RUNNING rows whose attempt started before `before`, oldest first. */
export async function abandonedRunning(ex: Orm, before: Date, limit: number): Promise<MessageRow[]> {
  return await ex.select().from(message)
    .where(and(eq(message.status, "RUNNING"), lt(message.dataInicioExec, before)))
    .orderBy(asc(message.dataInicioExec))
    .limit(limit);
}
