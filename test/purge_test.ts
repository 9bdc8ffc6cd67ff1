import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import type { Database } from "../src/db/client.ts";
import { purgeHistory } from "../src/db/history/purge.ts";
import { tick } from "../src/sync/tick.ts";
import { dbTest } from "./helpers/db.ts";
import { FakeLink } from "./helpers/fake_link.ts";
import { testTickDeps } from "./helpers/tick_deps.ts";

async function seed(db: Database, at: Date, n: number, tag: string) {
  for (let i = 0; i < n; i++) {
    await db.orm.execute(sql`insert into gtotvslinkmessageexec
      (idmensagem, idexterno, direcao, tipo, tentativa, sucesso, datainicio, datafim, resultado)
      values (gen_random_uuid(), ${`${tag}-${i}`}, 'DOWN', 'T', 1, true, ${at.toISOString()}::timestamptz,
              ${at.toISOString()}::timestamptz, 'SUCCESS')`);
    await db.orm.execute(sql`insert into gtotvslinklog (logtype, logmensagem, logdate)
      values (0, ${tag}, ${at.toISOString()}::timestamptz)`);
  }
}

dbTest("purgeHistory() deletes rows older than the cutoff only, in bounded batches", async (db) => {
  const cutoff = new Date("2026-01-01T00:00:00.000Z");
  await seed(db, new Date(cutoff.getTime() - 1), 5, "old");
  await seed(db, cutoff, 2, "edge");
  await seed(db, new Date(cutoff.getTime() + 1), 2, "new");
  const first = await purgeHistory(db.orm, cutoff, { batch: 2, maxBatches: 2 });
  assert.deepEqual(first, { exec: 4, log: 4 }, "at most batch × maxBatches per call");
  const second = await purgeHistory(db.orm, cutoff, { batch: 2, maxBatches: 2 });
  assert.deepEqual(second, { exec: 1, log: 1 });
  const left = await db.rows<{ idexterno: string }>(
    sql`select idexterno from gtotvslinkmessageexec order by idexterno`,
  );
  assert.deepEqual(left.map((r) => r.idexterno), ["edge-0", "edge-1", "new-0", "new-1"]);
  const logs = await db.rows<{ logmensagem: string }>(sql`select logmensagem from gtotvslinklog`);
  assert.equal(logs.filter((l) => l.logmensagem === "old").length, 0);
  assert.equal(logs.length, 4);
});

dbTest("tick() purges history older than SMARTLINK_RETENTION_DAYS and keeps DEAD rows", async (db) => {
  const deps = testTickDeps(db, new FakeLink(), {}, { retentionDays: 7 });
  const now = deps.clock.now().getTime();
  await seed(db, new Date(now - 7 * 86_400_000 - 1000), 3, "old");
  await seed(db, new Date(now - 6 * 86_400_000), 2, "recent");
  await db.orm.execute(sql`insert into gtotvslinkmessage (direcao, tipo, conteudo, status, datacriacao)
    values ('DOWN', 'T', '{}', 'DEAD', ${new Date(now - 90 * 86_400_000).toISOString()}::timestamptz)`);
  const s = await tick(deps, "test");
  assert.equal(s.purgedExec, 3);
  assert.equal(s.purgedLog, 3);
  const [dead] = await db.rows<{ n: number }>(
    sql`select count(*)::int as n from gtotvslinkmessage where status = 'DEAD'`,
  );
  assert.equal(dead.n, 1);
});
