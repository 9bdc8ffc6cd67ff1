import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import type { Database } from "../src/db/client.ts";
import { discardMessage, retryMessage } from "../src/db/message_actions.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { basic, CSRF, fakeDeps, formPost, insertMessage, NOW } from "./helpers/web_deps.ts";

const LATER = new Date(NOW.getTime() + 5 * 60_000);
const actor = { via: "admin" as const, address: "10.1.2.3" };

async function actionLogs(db: Database, id: string) {
  return await db.rows<{ logtype: number; datadebug: string; tipo: string }>(
    sql`select logtype, datadebug, tipo from gtotvslinklog where idmensagem = ${id} order by logdate`,
  );
}

dbTest("retryMessage() makes a DEAD row PENDING, due now, with a fresh budget, and logs who did it", async (db) => {
  const dead = await insertMessage(db, { status: "DEAD", qtdeTentativaExec: 3, ultimoErro: "HTTP 500: boom" });
  const r = await retryMessage(db, dead.id, { now: LATER, actor });
  assert.ok(r.ok);
  assert.equal(r.message.status, "PENDING");
  assert.equal(r.message.qtdeTentativaExec, 0);
  assert.equal(r.message.dataTentativaExec.getTime(), LATER.getTime());
  assert.equal(r.message.dataAlteracao.getTime(), LATER.getTime());
  assert.equal(r.message.ultimoErro, "HTTP 500: boom");
  const logs = await actionLogs(db, dead.id);
  assert.equal(logs.length, 1);
  assert.equal(Number(logs[0].logtype), 0, "an operator action is info unless it fails");
  assert.equal(logs[0].tipo, dead.tipo);
  const debug = JSON.parse(logs[0].datadebug);
  assert.deepEqual([debug.action, debug.messageId, debug.client, debug.via], ["retry", dead.id, "10.1.2.3", "admin"]);
});

dbTest("retryMessage() accepts RETRY and PENDING rows and refuses RUNNING and missing ones unchanged", async (db) => {
  for (const status of ["RETRY", "PENDING"] as const) {
    const row = await insertMessage(db, { status, qtdeTentativaExec: 1 });
    assert.ok((await retryMessage(db, row.id, { now: LATER, actor })).ok, status);
  }
  const running = await insertMessage(db, { status: "RUNNING", qtdeTentativaExec: 2, executor: "p1" });
  const r = await retryMessage(db, running.id, { now: LATER, actor });
  assert.deepEqual(r.ok ? "ok" : r.code, "MESSAGE_RUNNING");
  const [after] = await db.rows<{ status: string; n: number; executor: string }>(
    sql`select status, qtdetentativaexec as n, executor from gtotvslinkmessage where id = ${running.id}`,
  );
  assert.deepEqual({ ...after, n: Number(after.n) }, { status: "RUNNING", n: 2, executor: "p1" });
  assert.equal((await actionLogs(db, running.id)).length, 0);
  const missing = await retryMessage(db, crypto.randomUUID(), { now: LATER, actor });
  assert.deepEqual(missing.ok ? "ok" : missing.code, "MESSAGE_NOT_FOUND");
});

dbTest("discardMessage() deletes the row and writes an EXEC DISCARDED row and a LOG row together", async (db) => {
  const m = await insertMessage(db, {
    status: "DEAD",
    qtdeTentativaExec: 3,
    idExterno: "ext-1",
    idCorrelacao: "corr-1",
    audiencia: "SGDP",
  });
  const r = await discardMessage(db, m.id, { now: LATER, actor });
  assert.ok(r.ok);
  assert.equal((await db.rows(sql`select id from gtotvslinkmessage where id = ${m.id}`)).length, 0);
  const e = r.execution;
  assert.deepEqual(
    [e.idMensagem, e.resultado, e.sucesso, e.tentativa, e.erro, e.idExterno, e.idCorrelacao, e.audiencia, e.conteudo],
    [m.id, "DISCARDED", false, 3, "discarded by operator", "ext-1", "corr-1", "SGDP", m.conteudo],
  );
  assert.equal(e.dataInicio.getTime(), LATER.getTime());
  assert.equal(e.dataFim.getTime(), LATER.getTime());
  const logs = await actionLogs(db, m.id);
  assert.equal(logs.length, 1);
  assert.equal(JSON.parse(logs[0].datadebug).action, "discard");

  const running = await insertMessage(db, { status: "RUNNING" });
  const refused = await discardMessage(db, running.id, { now: LATER, actor });
  assert.deepEqual(refused.ok ? "ok" : refused.code, "MESSAGE_RUNNING");
  const [{ n }] = await db.rows<{ n: number }>(
    sql`select count(*)::int as n from gtotvslinkmessageexec where idmensagem = ${running.id}`,
  );
  assert.equal(Number(n), 0);
});

dbTest("POST /messages/:id/retry form redirects with a flash notice shown once", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const dead = await insertMessage(db, { status: "DEAD", qtdeTentativaExec: 3 });
  const res = await app.request(`/messages/${dead.id}/retry`, formPost({}, CSRF));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), `/messages/${dead.id}`);
  const flashCookie = /sl_flash=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0];
  assert.ok(flashCookie);
  const shown = await app.request(`/messages/${dead.id}`, { headers: { ...basic(), Cookie: flashCookie } });
  const html = await shown.text();
  assert.ok(html.includes("fresh attempt budget"));
  assert.match(html, /<div class="flash ok"/);
  assert.match(shown.headers.get("set-cookie") ?? "", /sl_flash=;/, "the flash is cleared");
  const [row] = await db.rows<{ status: string }>(sql`select status from gtotvslinkmessage where id = ${dead.id}`);
  assert.equal(row.status, "PENDING");
  const forged = await app.request("/", { headers: { ...basic(), Cookie: "sl_flash=eyJrIjoib2sifQ.forged" } });
  assert.ok(!(await forged.text()).includes('class="flash'));
});

dbTest("POST /messages/:id/retry form on a RUNNING row shows an error and changes nothing", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const running = await insertMessage(db, { status: "RUNNING", qtdeTentativaExec: 1 });
  const res = await app.request(`/messages/${running.id}/retry`, formPost({}, CSRF));
  assert.equal(res.status, 303);
  const flashCookie = /sl_flash=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0]!;
  const html = await (await app.request(res.headers.get("location")!, { headers: { ...basic(), Cookie: flashCookie } }))
    .text();
  assert.match(html, /class="flash error"/);
  assert.ok(html.includes("is running"));
  const [row] = await db.rows<{ status: string }>(sql`select status from gtotvslinkmessage where id = ${running.id}`);
  assert.equal(row.status, "RUNNING");
});

dbTest("POST /messages/:id/discard form needs the confirmation box, then discards", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const dead = await insertMessage(db, { status: "DEAD" });
  const unconfirmed = await app.request(`/messages/${dead.id}/discard`, formPost({}, CSRF));
  assert.equal(unconfirmed.status, 303);
  assert.equal((await db.rows(sql`select id from gtotvslinkmessage where id = ${dead.id}`)).length, 1);
  const res = await app.request(`/messages/${dead.id}/discard`, formPost({ confirm: "yes" }, CSRF));
  assert.equal(res.status, 303);
  assert.equal((await db.rows(sql`select id from gtotvslinkmessage where id = ${dead.id}`)).length, 0);
  const [exec] = await db.rows<{ resultado: string }>(
    sql`select resultado from gtotvslinkmessageexec where idmensagem = ${dead.id}`,
  );
  assert.equal(exec.resultado, "DISCARDED");
  const detail = await app.request(`/messages/${dead.id}`, { headers: basic() });
  assert.equal(detail.status, 200, "the discarded message still has its history page");
});

dbTest("POST /sync form runs a tick and flashes its outcome; a busy tick flashes an error", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const res = await app.request("/sync", formPost({}, CSRF));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/");
  assert.deepEqual(f.syncCalls, ["admin"]);
  const [logRow] = await db.rows<{ logtype: number; datadebug: string }>(
    sql`select logtype, datadebug from gtotvslinklog where idmensagem is null`,
  );
  assert.equal(Number(logRow.logtype), 0, "a sync that ran without error is info");
  assert.deepEqual(JSON.parse(logRow.datadebug), {
    action: "sync",
    via: "admin",
    client: "unknown",
    ran: true,
    error: null,
  });
  const cookie = /sl_flash=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0]!;
  const html = await (await app.request("/", { headers: { ...basic(), Cookie: cookie } })).text();
  assert.ok(html.includes("Sync finished in 12 ms"));

  f.state.running = true;
  const busy = await app.request("/sync", formPost({}, CSRF));
  const busyCookie = /sl_flash=[^;]+/.exec(busy.headers.get("set-cookie") ?? "")?.[0]!;
  const busyHtml = await (await app.request("/", { headers: { ...basic(), Cookie: busyCookie } })).text();
  assert.ok(busyHtml.includes("already running"));
});
