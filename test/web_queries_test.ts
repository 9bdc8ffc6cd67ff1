import assert from "node:assert/strict";
import { emptySummary } from "../src/sync/summary.ts";
import { executionsByHour, uuidPrefixRange } from "../src/db/admin_queries.ts";
import { lastLoggedTick, writeTickRecord } from "../src/sync/tick_record.ts";
import { decodeCursor, encodeCursor } from "../src/web/cursor.ts";
import { parseExecQuery, parseMessageQuery } from "../src/web/filters.ts";
import { niceMax } from "../src/web/views/chart.tsx";
import { dbTest } from "./helpers/db.ts";
import { insertExec, insertLog, NOW } from "./helpers/web_deps.ts";

Deno.test("uuidPrefixRange() turns a hex prefix into an ID range and refuses other text", () => {
  const cases: [string, [string, string] | undefined][] = [
    ["3f", ["3f000000-0000-0000-0000-000000000000", "3fffffff-ffff-ffff-ffff-ffffffffffff"]],
    ["3F2A1B0C-12", ["3f2a1b0c-1200-0000-0000-000000000000", "3f2a1b0c-12ff-ffff-ffff-ffffffffffff"]],
    ["3f2a1b0c12", ["3f2a1b0c-1200-0000-0000-000000000000", "3f2a1b0c-12ff-ffff-ffff-ffffffffffff"]],
    ["3f-2a", undefined],
    ["ext-123", undefined],
    ["", undefined],
  ];
  for (const [text, expected] of cases) assert.deepEqual(uuidPrefixRange(text), expected, text);
});

Deno.test("encodeCursor() and decodeCursor() round-trip and reject foreign text", () => {
  const at = { ts: "2025-03-10T12:30:00.123456Z", id: "0195f3a4-1111-7000-8000-000000000001" };
  assert.deepEqual(decodeCursor(encodeCursor(at)), at);
  for (const bad of ["", "abc", btoa("2025-03-10|x"), btoa(`${at.ts}|${at.id}|x`), "%%%"]) {
    assert.equal(decodeCursor(bad), undefined, bad);
  }
});

Deno.test("parseMessageQuery() and parseExecQuery() validate and default", () => {
  const ok = parseMessageQuery({ direction: "down", status: "", limit: "10" });
  assert.ok(ok.ok);
  assert.deepEqual(ok.value, { direction: "DOWN", limit: 10, after: undefined, text: undefined });
  const dates = parseExecQuery({ from: "2025-03-10T08:00", to: "2025-03-11" });
  assert.ok(dates.ok);
  assert.equal(dates.value.from?.toISOString(), "2025-03-10T08:00:00.000Z");
  assert.equal(dates.value.to?.toISOString(), "2025-03-11T00:00:00.000Z");
  const bad = parseMessageQuery({ limit: "0", type: "a,b" });
  assert.ok(!bad.ok);
  assert.deepEqual(Object.keys(bad.errors).sort(), ["limit", "type"]);
});

Deno.test("niceMax() rounds a chart's top up to 1, 2 or 5 times a power of ten", () => {
  assert.deepEqual([0, 1, 3, 7, 10, 11, 180, 501].map(niceMax), [1, 1, 5, 10, 10, 20, 200, 1000]);
});

dbTest("executionsByHour() buckets the last 24 hours by UTC hour, success against failure", async (db) => {
  const at = (h: number, m = 0) => new Date(NOW.getTime() - h * 3_600_000 + m * 60_000);
  const id = crypto.randomUUID();
  await insertExec(db, { idMensagem: id, dataFim: at(0) });
  await insertExec(db, { idMensagem: id, dataFim: at(0, -29) }); // 12:01, same hour as 12:30
  await insertExec(db, { idMensagem: id, dataFim: at(0, -31), sucesso: false, resultado: "RETRY" }); // 11:59
  await insertExec(db, { idMensagem: id, dataFim: at(23, -30) }); // 13:00 yesterday, first bucket
  await insertExec(db, { idMensagem: id, dataFim: at(23, -31) }); // 12:59 yesterday: out
  await insertExec(db, { idMensagem: id, dataFim: at(1), sucesso: false, resultado: "DISCARDED" }); // not an execution
  const buckets = await executionsByHour(db, NOW);
  assert.equal(buckets.length, 24);
  assert.equal(buckets[0].hour.toISOString(), "2025-03-09T13:00:00.000Z");
  assert.equal(buckets[23].hour.toISOString(), "2025-03-10T12:00:00.000Z");
  assert.deepEqual([buckets[23].success, buckets[23].failure], [2, 0]);
  assert.deepEqual([buckets[22].success, buckets[22].failure], [0, 1]);
  assert.deepEqual([buckets[0].success, buckets[0].failure], [1, 0]);
  assert.equal(buckets.reduce((n, b) => n + b.success + b.failure, 0), 4);
});

dbTest("lastLoggedTick() reads the newest tick summary, or the newest one without error", async (db) => {
  assert.equal(await lastLoggedTick(db), undefined);
  const ok = { ...emptySummary("cron", new Date(NOW.getTime() - 60_000)), durationMs: 5 };
  const failed = { ...emptySummary("cron", NOW), error: { phase: "setup" as const, code: "X", message: "down" } };
  await writeTickRecord(db, ok, new Date(NOW.getTime() - 60_000));
  await writeTickRecord(db, failed, NOW);
  await insertLog(db, { logMensagem: "Tick finished", idMensagem: crypto.randomUUID(), dataDebug: "{}" });
  await insertLog(db, { logMensagem: "Setup done", logDate: new Date(NOW.getTime() + 1000) });
  assert.equal((await lastLoggedTick(db))?.summary.error?.code, "X");
  assert.equal((await lastLoggedTick(db, { successful: true }))?.summary.durationMs, 5);
});
