import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { type Database, openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { createApp } from "../src/web/app.tsx";
import { emptySummary } from "../src/sync/summary.ts";
import { dbTest } from "./helpers/db.ts";
import { checkedApp } from "./helpers/openapi_check.ts";
import { bearer, fakeDeps, insertExec, insertLog, insertMessage, NOW } from "./helpers/web_deps.ts";
import { writeTickRecord } from "../src/sync/tick_record.ts";

const json = (body: unknown, headers: Record<string, string> = bearer()): RequestInit => ({
  method: "POST",
  headers: { ...headers, "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

async function count(db: Database, table: string): Promise<number> {
  const [row] = await db.rows<{ n: number }>(sql.raw(`select count(*)::int as n from ${table}`));
  return Number(row.n);
}

dbTest("POST /api/messages rejects invalid fields with 400 and field details", async (db) => {
  const f = fakeDeps(db);
  const app = checkedApp(createApp(f.deps));
  const res = await app.request("/api/messages", json({ type: "..", audience: "", data: 42 }));
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.code, "INVALID_MESSAGE");
  assert.ok(body.error.details.fields.type, "type has an error");
  assert.ok(body.error.details.fields.audience, "audience has an error");
  assert.ok(body.error.details.fields.data, "data has an error");
  assert.equal(f.published.length, 0);

  const long = await app.request("/api/messages", json({ type: "a".repeat(201), audience: "SGDP", data: {} }));
  assert.equal(long.status, 400);
  const notJson = await app.request("/api/messages", {
    method: "POST",
    headers: { ...bearer(), "Content-Type": "application/json" },
    body: "{not json",
  });
  assert.equal(notJson.status, 400);
  assert.equal((await notJson.json()).error.code, "INVALID_JSON");
});

dbTest("POST /api/messages publishes a valid message and answers 202 with its id", async (db) => {
  const f = fakeDeps(db);
  const res = await checkedApp(createApp(f.deps)).request(
    "/api/messages",
    json({ type: "SGDPMaskResponse", audience: "SGDP", data: { requestID: "r-9" }, correlationId: "c-1" }),
  );
  assert.equal(res.status, 202);
  const body = await res.json();
  assert.match(body.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(f.published, [
    { type: "SGDPMaskResponse", audience: "SGDP", data: { requestID: "r-9" }, correlationId: "c-1" },
  ]);
});

dbTest("GET /api/messages pages newest first with an opaque cursor, no duplicates and no gaps", async (db) => {
  const f = fakeDeps(db);
  // 60 rows 1 µs apart (finer than a JS Date) plus 15 sharing one timestamp (ties broken by ID).
  await db.orm.execute(sql`insert into gtotvslinkmessage (direcao, tipo, conteudo, status, datacriacao)
    select 'DOWN', 'T', '{}', 'PENDING', ${NOW.toISOString()}::timestamptz - i * interval '1 microsecond'
      from generate_series(1, 60) i`);
  await db.orm.execute(sql`insert into gtotvslinkmessage (direcao, tipo, conteudo, status, datacriacao)
    select 'UP', 'T', '{}', 'DEAD', ${NOW.toISOString()}::timestamptz from generate_series(1, 15) i`);
  const expected = (await db.rows<{ id: string }>(
    sql`select id from gtotvslinkmessage order by datacriacao desc, id desc`,
  )).map((r) => r.id);
  const app = checkedApp(createApp(f.deps));
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url: string = `/api/messages?limit=7${cursor ? `&cursor=${cursor}` : ""}`;
    const res = await app.request(url, { headers: bearer() });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.ok(body.items.length <= 7);
    for (const item of body.items) {
      assert.equal(item.conteudo, undefined, "the list leaves CONTEUDO out");
      seen.push(item.id);
    }
    cursor = body.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  assert.equal(pages, 11);
  assert.deepEqual(seen, expected);
});

dbTest("GET /api/messages combines filters and rejects bad values with 400", async (db) => {
  const f = fakeDeps(db);
  const app = checkedApp(createApp(f.deps));
  const dead = await insertMessage(db, { status: "DEAD", tipo: "A" });
  await insertMessage(db, { status: "DEAD", tipo: "B" });
  await insertMessage(db, { status: "PENDING", tipo: "A" });
  await insertMessage(db, { status: "DEAD", tipo: "A", direcao: "UP" });
  const res = await app.request("/api/messages?direction=DOWN&status=DEAD&type=A", { headers: bearer() });
  assert.deepEqual((await res.json()).items.map((m: { id: string }) => m.id), [dead.id]);

  for (
    const q of ["limit=0", "limit=501", "limit=x", "status=DONE", "direction=SIDEWAYS", "cursor=%%%", "cursor=abc"]
  ) {
    const bad = await app.request(`/api/messages?${q}`, { headers: bearer() });
    assert.equal(bad.status, 400, q);
    assert.equal((await bad.json()).error.code, "INVALID_QUERY", q);
  }
});

dbTest("GET /api/messages/:id returns the row, EXEC and LOG; history-only messages too; 404 and 400", async (db) => {
  const f = fakeDeps(db);
  const app = checkedApp(createApp(f.deps));
  const m = await insertMessage(db, { status: "RETRY", qtdeTentativaExec: 1 });
  await insertExec(db, { idMensagem: m.id, sucesso: false, resultado: "RETRY", erro: "HTTP 503" });
  await insertLog(db, { idMensagem: m.id, logType: 2, logMensagem: "Attempt 1 failed" });
  const res = await app.request(`/api/messages/${m.id}`, { headers: bearer() });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.message.id, m.id);
  assert.equal(body.executions.length, 1);
  assert.equal(body.executions[0].conteudo, undefined, "EXEC content is not repeated");
  assert.equal(body.logs[0].logMensagem, "Attempt 1 failed");

  const gone = crypto.randomUUID();
  await insertExec(db, { idMensagem: gone, resultado: "SUCCESS" });
  const history = await (await app.request(`/api/messages/${gone}`, { headers: bearer() })).json();
  assert.equal(history.message, null);
  assert.equal(history.executions[0].resultado, "SUCCESS");

  const missing = await app.request(`/api/messages/${crypto.randomUUID()}`, { headers: bearer() });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, "MESSAGE_NOT_FOUND");
  const invalid = await app.request(`/api/messages/not-a-uuid`, { headers: bearer() });
  assert.equal(invalid.status, 400);
  assert.equal((await invalid.json()).error.code, "INVALID_ID");
});

dbTest("POST /api/messages/:id/retry and /discard act, refuse RUNNING with 409 and unknown with 404", async (db) => {
  const f = fakeDeps(db);
  const app = checkedApp(createApp(f.deps));
  const dead = await insertMessage(db, { status: "DEAD", qtdeTentativaExec: 3, ultimoErro: "HTTP 500" });
  const retried = await app.request(`/api/messages/${dead.id}/retry`, { method: "POST", headers: bearer() });
  assert.equal(retried.status, 200);
  const r = await retried.json();
  assert.equal(r.message.status, "PENDING");
  assert.equal(r.message.qtdeTentativaExec, 0);
  assert.equal(r.message.ultimoErro, "HTTP 500");

  const running = await insertMessage(db, { status: "RUNNING" });
  for (const action of ["retry", "discard"]) {
    const res = await app.request(`/api/messages/${running.id}/${action}`, { method: "POST", headers: bearer() });
    assert.equal(res.status, 409, action);
    assert.equal((await res.json()).error.code, "MESSAGE_RUNNING");
    const missing = await app.request(`/api/messages/${crypto.randomUUID()}/${action}`, {
      method: "POST",
      headers: bearer(),
    });
    assert.equal(missing.status, 404);
  }

  const discarded = await app.request(`/api/messages/${dead.id}/discard`, { method: "POST", headers: bearer() });
  assert.equal(discarded.status, 200);
  const d = await discarded.json();
  assert.equal(d.execution.resultado, "DISCARDED");
  assert.equal(await count(db, "gtotvslinkmessage where status <> 'RUNNING'"), 0);
  const [logRow] = await db.rows<{ datadebug: string }>(
    sql`select datadebug from gtotvslinklog where idmensagem = ${dead.id} and datadebug like '%"discard"%'`,
  );
  assert.deepEqual(
    { ...JSON.parse(logRow.datadebug), status: undefined, attempts: undefined },
    { action: "discard", messageId: dead.id, via: "api", client: "unknown", status: undefined, attempts: undefined },
  );
});

dbTest("POST /api/sync answers the summary, 409 SYNC_RUNNING when busy, 409 NOT_ACTIVATED", async (db) => {
  const f = fakeDeps(db);
  const app = checkedApp(createApp(f.deps));
  f.state.nextSummary = { ...emptySummary("api", NOW), executed: 3, succeeded: 3 };
  const ok = await app.request("/api/sync", { method: "POST", headers: bearer() });
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).succeeded, 3);
  assert.deepEqual(f.syncCalls, ["api"]);

  f.state.running = true;
  const busy = await app.request("/api/sync", { method: "POST", headers: bearer() });
  assert.equal(busy.status, 409);
  assert.equal((await busy.json()).error.code, "SYNC_RUNNING");

  f.state.running = false;
  f.state.activation = { activated: false, subscriptions: [] };
  const off = await app.request("/api/sync", { method: "POST", headers: bearer() });
  assert.equal(off.status, 409);
  assert.equal((await off.json()).error.code, "NOT_ACTIVATED");
});

dbTest("GET /api/status counts by direction, status and type and reports the last tick from the log", async (db) => {
  const f = fakeDeps(db);
  await insertMessage(db, { status: "DEAD", tipo: "A" });
  await insertMessage(db, { status: "PENDING", tipo: "A", dataTentativaExec: new Date(NOW.getTime() - 90_000) });
  await insertMessage(db, { status: "PENDING", tipo: "B", direcao: "UP" });
  const summary = { ...emptySummary("cron", NOW), durationMs: 250 };
  await writeTickRecord(db, summary, NOW);
  const res = await checkedApp(createApp(f.deps)).request("/api/status", { headers: bearer() });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.counts.total, 3);
  assert.equal(body.counts.byDirection.DOWN.DEAD, 1);
  assert.equal(body.counts.byDirection.UP.PENDING, 1);
  assert.deepEqual(body.counts.byType.map((t: { type: string }) => t.type), ["A", "B"]);
  assert.equal(body.oldestPendingSeconds, 90);
  assert.equal(body.lastTick.durationMs, 250);
  assert.equal(body.lastTick.source, "log");
  assert.equal(body.activation.tenantId, "tenant-42");
  assert.ok(!JSON.stringify(body).includes("client-secret-value"));
});

dbTest("GET /api/executions and /api/logs filter by message, type, level and date", async (db) => {
  const f = fakeDeps(db);
  const app = checkedApp(createApp(f.deps));
  const id = crypto.randomUUID();
  await insertExec(db, { idMensagem: id, tipo: "A", dataFim: new Date("2025-03-09T10:00:00Z") });
  await insertExec(db, { idMensagem: id, tipo: "A", dataFim: new Date("2025-03-10T10:00:00Z") });
  await insertExec(db, { idMensagem: crypto.randomUUID(), tipo: "A", dataFim: new Date("2025-03-10T10:00:00Z") });
  await insertLog(db, { idMensagem: id, logType: 2, tipo: "A" });
  await insertLog(db, { idMensagem: id, logType: 0, tipo: "A" });
  const ex = await (await app.request(`/api/executions?message=${id}&type=A&from=2025-03-10`, { headers: bearer() }))
    .json();
  assert.equal(ex.items.length, 1);
  const logs = await (await app.request(`/api/logs?message=${id}&logtype=2`, { headers: bearer() })).json();
  assert.equal(logs.items.length, 1);
  const bad = await app.request(`/api/logs?from=2025-03-10&to=2025-03-01`, { headers: bearer() });
  assert.equal(bad.status, 400);
});

Deno.test({
  name: "POST /api/sync still answers the failed tick's summary when the database is down",
  fn: async () => {
    const db = await openDatabase({});
    await migrate(db);
    const f = fakeDeps(db);
    const app = checkedApp(createApp(f.deps));
    f.state.nextSummary = {
      ...emptySummary("api", NOW),
      error: { phase: "lock", code: "DB_CLOSED", message: "Tick could not start: the database did not answer" },
    };
    await db.close();
    const res = await app.request("/api/sync", { method: "POST", headers: bearer() });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).error.code, "DB_CLOSED");
  },
});
