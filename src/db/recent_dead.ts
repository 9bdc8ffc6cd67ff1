/** The messages that went DEAD since a moment (alerts name them): type, ID and ULTIMOERRO, no content. */
import { and, count, desc, eq, gte } from "drizzle-orm";
import type { Database } from "./client.ts";
import { message } from "./schema.ts";

export interface RecentDead {
  total: number;
  /** The newest ones, at most `limit`. */
  rows: { id: string; tipo: string; ultimoErro: string | null }[];
}

export async function recentDead(db: Database, since: Date, limit = 10): Promise<RecentDead> {
  const where = and(eq(message.status, "DEAD"), gte(message.dataAlteracao, since));
  const [rows, [{ n }]] = await Promise.all([
    db.orm.select({ id: message.id, tipo: message.tipo, ultimoErro: message.ultimoErro }).from(message).where(where)
      .orderBy(desc(message.dataAlteracao), desc(message.id)).limit(limit),
    db.orm.select({ n: count() }).from(message).where(where),
  ]);
  return { total: Number(n), rows };
}
