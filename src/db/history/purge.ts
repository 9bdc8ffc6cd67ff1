/** Retention: deleting EXEC and LOG rows older than a cutoff, in bounded batches. */
import { sql } from "drizzle-orm";
import { type Orm, queryRows } from "../client.ts";

/** Deletes EXEC and LOG rows older than `cutoff`, at most `batch` rows per statement and `maxBatches` statements. */
export async function purgeHistory(
  ex: Orm,
  cutoff: Date,
  options: { batch?: number; maxBatches?: number } = {},
): Promise<{ exec: number; log: number }> {
  const { batch = 5000, maxBatches = 20 } = options;
  const at = sql`${cutoff.toISOString()}::timestamptz`;
  // Raw SQL: a bounded delete (`where id in (select … limit n)`) with a row count, on both drivers.
  const purge = async (deleteBatch: () => ReturnType<typeof sql>) => {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = (await queryRows(ex, deleteBatch())).length;
      total += n;
      if (n < batch) break;
    }
    return total;
  };
  return {
    exec: await purge(() =>
      sql`delete from gtotvslinkmessageexec where id in (
            select id from gtotvslinkmessageexec where datafim < ${at} limit ${batch})
          returning 1`
    ),
    log: await purge(() =>
      sql`delete from gtotvslinklog where id in (
            select id from gtotvslinklog where logdate < ${at} limit ${batch})
          returning 1`
    ),
  };
}
