/** recordOutcomes' one-statement path for successes: a late result changes nothing and leaves its warning. */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { claimDue } from "../src/db/queue/claim.ts";
import { recordOutcomes } from "../src/db/queue/record_outcomes.ts";
import { storeIncoming } from "../src/db/queue/store_incoming.ts";
import { LOG_TYPES } from "../src/db/schema.ts";
import { succeeded } from "../src/sync/outcome.ts";
import { dbTest } from "./helpers/db.ts";

dbTest("recordOutcomes records the successes still as claimed and only warns about a late one", async (db) => {
  const now = new Date("2026-12-02T10:00:00.000Z");
  await storeIncoming(db.orm, [
    { idExterno: "on-time", tipo: "T", conteudo: '{"n":1}' },
    { idExterno: "late", tipo: "T", conteudo: '{"n":2}' },
  ], now);
  const claimed = (await claimDue(db.orm, { limit: 10, now, executor: "a" })).rows;
  assert.equal(claimed.length, 2);
  const late = claimed.find((r) => r.idExterno === "late")!;
  // Another attempt took the row meanwhile (a newer counter): this process's result is late.
  await db.orm.execute(sql`update gtotvslinkmessage set qtdetentativaexec = 2 where id = ${late.id}`);
  const at = { attempt: 1, startedAt: now, finishedAt: new Date(now.getTime() + 1000) };
  const result = await recordOutcomes(
    db.orm,
    claimed.map((row) => succeeded(row, at, { logs: [{ type: LOG_TYPES.info, text: "Attempt 1 succeeded" }] })),
    now,
  );
  assert.deepEqual(result.recorded.map((o) => o.row.idExterno), ["on-time"]);
  assert.deepEqual(result.stale.map((o) => o.row.idExterno), ["late"]);

  const rows = await db.rows<{ idexterno: string; qtdetentativaexec: number }>(
    sql`select idexterno, qtdetentativaexec from gtotvslinkmessage`,
  );
  assert.deepEqual([...rows], [{ idexterno: "late", qtdetentativaexec: 2 }]);
  const exec = await db.rows<{ idexterno: string; conteudo: string; tentativa: number; resultado: string }>(
    sql`select idexterno, conteudo, tentativa, resultado from gtotvslinkmessageexec`,
  );
  assert.deepEqual([...exec], [{ idexterno: "on-time", conteudo: '{"n":1}', tentativa: 1, resultado: "SUCCESS" }]);
  const logs = await db.rows<
    { idmensagem: string; logtype: number; logmensagem: string; datadebug: string; tipo: string }
  >(
    sql`select idmensagem, logtype, logmensagem, datadebug, tipo from gtotvslinklog
        where logmensagem <> 'Message received' order by logmensagem`,
  );
  const onTime = claimed.find((r) => r.idExterno === "on-time")!;
  assert.deepEqual([...logs], [
    { idmensagem: onTime.id, logtype: LOG_TYPES.info, logmensagem: "Attempt 1 succeeded", datadebug: null, tipo: "T" },
    {
      idmensagem: late.id,
      logtype: LOG_TYPES.warning,
      logmensagem: "Late result of attempt 1 ignored: the message changed meanwhile",
      datadebug: '{"result":"SUCCESS"}',
      tipo: "T",
    },
  ]);
});
