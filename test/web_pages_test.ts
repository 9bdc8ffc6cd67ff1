import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { emptySummary } from "../src/sync/summary.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { ADMIN_TOKEN, basic, fakeDeps, insertExec, insertLog, insertMessage, NOW } from "./helpers/web_deps.ts";
import { writeTickRecord } from "../src/sync/tick_record.ts";

const XSS = "<script>alert(1)</script>";

async function page(app: ReturnType<typeof createApp>, path: string, status = 200): Promise<string> {
  const res = await app.request(path, { headers: basic() });
  const text = await res.text();
  assert.equal(res.status, status, `${path}: ${text.slice(0, 300)}`);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  return text;
}

const messageLinks = (html: string) => [...html.matchAll(/href="\/messages\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
const nextLink = (html: string) => /href="([^"]+)" rel="next"/.exec(html)?.[1]?.replaceAll("&amp;", "&");

dbTest(
  "GET / shows activation, tenant, token expiry, ticks, counts, the 24-hour chart and recent errors",
  async (db) => {
    const f = fakeDeps(db);
    await insertMessage(db, { status: "DEAD", tipo: "SGDPMaskCommand" });
    await insertExec(db, { idMensagem: crypto.randomUUID(), dataFim: new Date(NOW.getTime() - 3_600_000) });
    await insertExec(db, { idMensagem: crypto.randomUUID(), sucesso: false, resultado: "RETRY", dataFim: NOW });
    await insertLog(db, { logType: 2, logMensagem: "Handler failed: HTTP 503" });
    await writeTickRecord(db, { ...emptySummary("cron", NOW), durationMs: 321, executed: 2 }, NOW);
    const html = await page(createApp(f.deps), "/");
    for (const text of [">Active<", "tenant-42", "2025-03-10 13:30:00 UTC", "321 ms", "Handler failed: HTTP 503"]) {
      assert.ok(html.includes(text), `dashboard shows ${text}`);
    }
    assert.ok(html.includes("2025-03-10 12:31:00 UTC"), "next tick");
    assert.match(html, /<svg class="chart"/);
    assert.equal([...html.matchAll(/<rect class="ok"/g)].length, 1);
    assert.equal([...html.matchAll(/<rect class="fail"/g)].length, 1);
    assert.ok(html.includes('href="/messages?direction=DOWN&amp;status=DEAD"'));
    assert.ok(html.includes('action="/sync"'));
  },
);

dbTest("GET / shows 'Not configured' and no token data when the client is not activated", async (db) => {
  const f = fakeDeps(db);
  f.state.activation = { activated: false, subscriptions: [] };
  const html = await page(createApp(f.deps), "/");
  assert.ok(html.includes("Not configured"));
  assert.ok(html.includes("SMARTLINK_CLIENT_ID"));
  assert.ok(!html.includes("Token valid until"));
});

dbTest("GET / and GET /api/status show a drain in progress and how many were fetched so far", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  assert.ok(!(await page(app, "/")).includes("Draining"));
  f.state.running = true;
  f.state.draining = { since: new Date(NOW.getTime() - 90_000), ticks: 3, fetched: 24_512 };
  const html = await page(app, "/");
  assert.ok(html.includes("Draining"), "the dashboard says it is draining");
  assert.ok(html.includes("24512 fetched so far in 3 ticks"), html.slice(html.indexOf("Draining"), 600));
  const res = await app.request("/api/status", { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = await res.json();
  assert.deepEqual(body.draining, { since: "2025-03-10T12:28:30.000Z", ticks: 3, fetched: 24_512 });
});

dbTest("GET /messages and /messages/:id show a script in type and content escaped", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const m = await insertMessage(db, {
    tipo: XSS,
    conteudo: JSON.stringify({ note: XSS }),
    ultimoErro: XSS,
    idCorrelacao: XSS,
    status: "DEAD",
  });
  await insertLog(db, { idMensagem: m.id, logMensagem: XSS, dataDebug: JSON.stringify({ x: XSS }), tipo: XSS });
  await insertExec(db, { idMensagem: m.id, tipo: XSS, erro: XSS, sucesso: false, resultado: "DEAD" });
  for (const path of ["/messages", `/messages/${m.id}`, "/logs", "/history", "/"]) {
    const html = await page(app, path);
    assert.ok(!html.includes(XSS), `${path} contains the raw script`);
    assert.ok(!/<script/i.test(html), `${path} contains a script element`);
  }
  const detail = await page(app, `/messages/${m.id}`);
  assert.ok(detail.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(detail.includes("&quot;note&quot;: &quot;&lt;script&gt;"), "content pretty-printed and escaped");
});

dbTest("GET /messages pages over more rows than one page without duplicates or gaps", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  await db.orm.execute(sql`insert into gtotvslinkmessage (direcao, tipo, conteudo, status, datacriacao)
    select case when i % 2 = 0 then 'DOWN' else 'UP' end, 'T', '{}',
           case when i % 3 = 0 then 'DEAD' else 'PENDING' end,
           ${NOW.toISOString()}::timestamptz - (i / 4) * interval '1 microsecond'
      from generate_series(1, 23) i`);
  const expected = (await db.rows<{ id: string }>(
    sql`select id from gtotvslinkmessage order by datacriacao desc, id desc`,
  )).map((r) => r.id);
  const seen: string[] = [];
  let path: string | undefined = "/messages?limit=5";
  let pages = 0;
  while (path && pages < 10) {
    const html = await page(app, path);
    seen.push(...messageLinks(html));
    path = nextLink(html);
    pages++;
  }
  assert.equal(pages, 5);
  assert.deepEqual(seen, expected);
  assert.ok(seen.length > 5);
});

dbTest("GET /messages combines direction, status, type and text filters; bad values answer 400", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const target = await insertMessage(db, { status: "DEAD", tipo: "A", idExterno: "ext-123", idCorrelacao: "corr-9" });
  await insertMessage(db, { status: "DEAD", tipo: "A", idExterno: "other-1" });
  await insertMessage(db, { status: "PENDING", tipo: "A", idExterno: "ext-124" });
  await insertMessage(db, { status: "DEAD", tipo: "B", idExterno: "ext-125" });
  await insertMessage(db, { status: "DEAD", tipo: "A", direcao: "UP", idExterno: "ext-126" });
  const found = (q: string) => page(app, `/messages?${q}`).then(messageLinks);
  assert.deepEqual(await found("direction=DOWN&status=DEAD&type=A&text=ext-1"), [target.id]);
  assert.deepEqual(await found("status=DEAD&type=A&direction=DOWN&text=corr"), [target.id]);
  assert.deepEqual(await found(`text=${target.id.slice(0, 13)}`), [target.id]);
  assert.deepEqual(await found(`text=${target.id}`), [target.id]);
  assert.equal((await found("text=%25")).length, 0, "LIKE wildcards are matched literally");
  assert.equal((await found("direction=&status=&type=&text=")).length, 5, "empty filters mean none");
  const bad = await page(app, "/messages?status=DONE", 400);
  assert.ok(bad.includes("Expected PENDING, RUNNING, RETRY or DEAD"));
});

dbTest("GET /messages/:id shows every column, EXEC history and logs; history-only, 404 and 400", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const m = await insertMessage(db, { status: "RETRY", qtdeTentativaExec: 2, idExterno: "ext-77", audiencia: "SGDP" });
  await insertExec(db, { idMensagem: m.id, tentativa: 1, sucesso: false, resultado: "RETRY", erro: "HTTP 502" });
  await insertLog(db, { idMensagem: m.id, logType: 1, logMensagem: "first", logDate: new Date(NOW.getTime() - 1000) });
  await insertLog(db, { idMensagem: m.id, logType: 2, logMensagem: "second" });
  const html = await page(app, `/messages/${m.id}`);
  for (
    const col of ["IDEXTERNO", "ext-77", "AUDIENCIA", "SGDP", "QTDETENTATIVAEXEC", "HTTP 502", "Retry now", "Discard"]
  ) {
    assert.ok(html.includes(col), col);
  }
  assert.ok(html.indexOf("second") < html.indexOf("first"), "logs newest first");
  assert.ok(html.includes("&quot;requestID&quot;: &quot;r-1&quot;"), "content pretty-printed");

  const running = await insertMessage(db, { status: "RUNNING" });
  assert.ok(!(await page(app, `/messages/${running.id}`)).includes("Retry now"));

  const gone = crypto.randomUUID();
  await insertExec(db, { idMensagem: gone, resultado: "SUCCESS", conteudo: '{"ok":true}' });
  const history = await page(app, `/messages/${gone}`);
  assert.ok(history.includes("no longer in GTOTVSLINKMESSAGE"));
  assert.ok(history.includes("SUCCESS"));
  assert.ok(history.includes("&quot;ok&quot;: true"), "content from the newest EXEC row");
  await page(app, `/messages/${crypto.randomUUID()}`, 404);
  await page(app, "/messages/nope", 400);
});

dbTest("GET /history and /logs filter by message, type, level and date range and page", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const id = crypto.randomUUID();
  for (let i = 0; i < 7; i++) {
    await insertExec(db, {
      idMensagem: id,
      tipo: "A",
      tentativa: i + 1,
      dataFim: new Date(NOW.getTime() - i * 60_000),
    });
  }
  await insertExec(db, { idMensagem: crypto.randomUUID(), tipo: "B" });
  await insertExec(db, { idMensagem: id, tipo: "A", dataFim: new Date("2025-01-01T00:00:00Z") });
  const hist = await page(app, `/history?message=${id}&type=A&from=2025-03-10T00:00&to=2025-03-10T23:59&limit=4`);
  assert.equal(messageLinks(hist).length, 4);
  const next = nextLink(hist);
  assert.ok(next);
  assert.equal(messageLinks(await page(app, next)).length, 3);
  assert.ok((await page(app, "/history?type=B")).includes(">B<"));
  await page(app, "/history?from=yesterday", 400);

  await insertLog(db, { idMensagem: id, logType: 2, logMensagem: "boom", tipo: "A" });
  await insertLog(db, { idMensagem: id, logType: 0, logMensagem: "fine", tipo: "A" });
  await insertLog(db, { logType: 2, logMensagem: "tick failed" });
  const errors = await page(app, `/logs?message=${id}&logtype=2&type=A`);
  assert.ok(errors.includes("boom"));
  assert.ok(!errors.includes("fine") && !errors.includes("tick failed"));
  assert.ok((await page(app, "/logs?logtype=2&from=2025-03-10")).includes("tick failed"));
  await page(app, "/logs?logtype=9", 400);
});

dbTest("unknown paths answer 404 pages and unknown API paths 404 JSON", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  await page(app, "/nowhere", 404);
  const api = await app.request("/api/nowhere", { headers: { Authorization: "Bearer test-admin-token-0123456789" } });
  assert.equal(api.status, 404);
  assert.equal((await api.json()).error.code, "NOT_FOUND");
});
