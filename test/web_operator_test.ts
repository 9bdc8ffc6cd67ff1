/** Issue 13 on the pages and the API: DEAD has no next attempt, short IDs, operator actions at info. */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { log } from "../src/db/schema.ts";
import { emptySummary } from "../src/sync/summary.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { basic, bearer, CSRF, fakeDeps, formPost, insertExec, insertMessage, NOW } from "./helpers/web_deps.ts";

const past = new Date(NOW.getTime() - 3_600_000);

dbTest("a DEAD message shows no next attempt on /messages, /messages/:id and the API", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const dead = await insertMessage(db, { status: "DEAD", dataTentativaExec: past, ultimoErro: "HANDLER_FATAL: 400" });
  const retry = await insertMessage(db, { status: "RETRY", dataTentativaExec: new Date(NOW.getTime() + 60_000) });

  const list = await (await app.request("/messages", { headers: basic() })).text();
  const deadRow = list.slice(list.indexOf(`/messages/${dead.id}`));
  const nextCell = /data-label="Next attempt">([\s\S]*?)<\/td>/.exec(deadRow)?.[1] ?? "";
  assert.match(nextCell, /none/);
  assert.ok(!nextCell.includes("2025-03-10 11:30:00"), "no past time as the next attempt of a DEAD row");

  const detail = await (await app.request(`/messages/${dead.id}`, { headers: basic() })).text();
  assert.match(detail, /<dt>Next attempt<\/dt>\s*<dd><span class="muted">none \(DEAD: retried only by an operator\)/);

  const api = await (await app.request("/api/messages", { headers: bearer() })).json();
  const byId = new Map(api.items.map((m: { id: string; nextAttemptAt: string | null }) => [m.id, m.nextAttemptAt]));
  assert.equal(byId.get(dead.id), null);
  assert.equal(byId.get(retry.id), new Date(NOW.getTime() + 60_000).toISOString());
  const one = await (await app.request(`/api/messages/${dead.id}`, { headers: bearer() })).json();
  assert.equal(one.message.nextAttemptAt, null);
});

dbTest("the API and the page accept a unique ID prefix of 8+ characters and say when it is ambiguous", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const a = await insertMessage(db, { id: "f833c3af-0000-4000-8000-000000000001", status: "DEAD" });
  await insertMessage(db, { id: "abcdef12-0000-4000-8000-000000000001", status: "DEAD" });
  await insertMessage(db, { id: "abcdef12-0000-4000-8000-000000000002", status: "DEAD" });
  await insertExec(db, { idMensagem: "0badc0de-1111-4000-8000-000000000000" });

  const got = await app.request("/api/messages/f833c3af", { headers: bearer() });
  assert.equal(got.status, 200);
  assert.equal((await got.json()).message.id, a.id);
  const history = await (await app.request("/api/messages/0badc0de-11", { headers: bearer() })).json();
  assert.equal(history.executions.length, 1, "a finished message is found by prefix in the history");

  const retried = await app.request("/api/messages/F833C3AF/retry", { method: "POST", headers: bearer() });
  assert.equal(retried.status, 200);
  assert.equal((await retried.json()).message.status, "PENDING");

  const ambiguous = await app.request("/api/messages/abcdef12/discard", { method: "POST", headers: bearer() });
  assert.equal(ambiguous.status, 409);
  const body = await ambiguous.json();
  assert.equal(body.error.code, "AMBIGUOUS_ID");
  assert.match(body.error.message, /More than one message ID starts with "abcdef12".*type more characters/);
  assert.equal(body.error.details.candidates.length, 2);
  assert.equal(
    (await app.request("/api/messages/abcdef12-0000-4000-8000-000000000002", { headers: bearer() })).status,
    200,
    "nothing was discarded",
  );

  const short = await app.request("/api/messages/f833c3a", { headers: bearer() });
  assert.equal(short.status, 400);
  assert.match((await short.json()).error.message, /at least 8 hex characters, got "f833c3a"/);
  assert.equal((await app.request("/api/messages/deadbeef", { headers: bearer() })).status, 404);

  const page = await app.request("/messages/f833c3af", { headers: basic() });
  assert.equal(page.status, 302);
  assert.equal(page.headers.get("location"), `/messages/${a.id}`);
});

dbTest("operator actions are logged as info; a sync that fails or cannot run as a warning", async (db) => {
  const f = fakeDeps(db);
  const app = createApp(f.deps);
  const m = await insertMessage(db, { status: "DEAD" });
  const logType = async (action: string) => {
    const rows = await db.orm.select().from(log).orderBy(log.logDate);
    return rows.filter((r) => JSON.parse(r.dataDebug ?? "{}").action === action).map((r) => r.logType);
  };

  assert.equal((await app.request("/sync", formPost({}, CSRF))).status, 303);
  assert.deepEqual(await logType("sync"), [0]);
  f.state.nextSummary = { ...emptySummary("admin", NOW), error: { phase: "setup", code: "RAC_HTTP", message: "x" } };
  await app.request("/api/sync", { method: "POST", headers: bearer() });
  assert.deepEqual(await logType("sync"), [0, 1]);
  f.state.activation = { activated: false, subscriptions: [] };
  await app.request("/sync", formPost({}, CSRF));
  assert.deepEqual(await logType("sync"), [0, 1, 1]);

  assert.equal((await app.request(`/messages/${m.id}/retry`, formPost({}, CSRF))).status, 303);
  assert.deepEqual(await logType("retry"), [0]);
  const [row] = await db.orm.select().from(log).where(eq(log.idMensagem, m.id));
  assert.equal(row.logType, 0);
});

dbTest(
  "a succeeded command links to its reply and the reply back to its command; history filters by result",
  async (db) => {
    const { createFlow, runTick } = await import("./helpers/flow.ts");
    const { generateCommand } = await import("../src/simulator/generator.ts");
    const flow = await createFlow(db);
    try {
      flow.sim.enqueue(generateCommand("SGDPMaskCommand", 1, "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f", flow.clock.now()));
      const s = await runTick(flow);
      assert.equal(s.succeeded, 1);
      const execs = await db.orm.select().from((await import("../src/db/schema.ts")).messageExec);
      const cmd = execs.find((e) => e.direcao === "DOWN")!;
      const reply = execs.find((e) => e.direcao === "UP")!;
      assert.equal(reply.tipo, "SGDPMaskResponse");

      const f = fakeDeps(db);
      const app = createApp(f.deps);
      const cmdPage = await (await app.request(`/messages/${cmd.idMensagem}`, { headers: basic() })).text();
      assert.match(cmdPage, new RegExp(`Reply: <a class="mono" href="/messages/${reply.idMensagem}"`));
      const replyPage = await (await app.request(`/messages/${reply.idMensagem}`, { headers: basic() })).text();
      assert.match(replyPage, new RegExp(`Reply to command: <a class="mono" href="/messages/${cmd.idMensagem}"`));

      await insertExec(db, {
        idMensagem: crypto.randomUUID(),
        sucesso: false,
        resultado: "DEAD",
        erro: "HANDLER_FATAL",
      });
      const dead = await (await app.request("/history?result=dead", { headers: basic() })).text();
      assert.equal([...dead.matchAll(/<span class="badge DEAD">/g)].length, 1);
      assert.ok(!dead.includes('class="badge SUCCESS"'));
      assert.match(dead, /<option value="DEAD" selected>/);
      const api = await (await app.request("/api/executions?result=SUCCESS", { headers: bearer() })).json();
      assert.deepEqual(api.items.map((e: { resultado: string }) => e.resultado), ["SUCCESS", "SUCCESS"]);
      const bad = await app.request("/api/executions?result=MAYBE", { headers: bearer() });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(await bad.json()), /Expected one of SUCCESS, RETRY, DEAD, ABANDONED, DISCARDED/);
    } finally {
      await flow.cleanup();
    }
  },
);
