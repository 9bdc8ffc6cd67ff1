import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { FatalHandlerError, type Handler, RetryableHandlerError } from "../src/handlers/types.ts";
import { tick } from "../src/sync/tick.ts";
import { dbTest } from "./helpers/db.ts";
import { command, FakeLink } from "./helpers/fake_link.ts";
import { testTickDeps } from "./helpers/tick_deps.ts";

const ok: Handler = () => Promise.resolve({});

dbTest("tick() downloads, acks after commit, executes and deletes on success", async (db) => {
  const link = new FakeLink();
  link.enqueue(command("m1"), command("m2"), command("m3"));
  const deps = testTickDeps(db, link, { SGDPMaskCommand: ok });
  const s = await tick(deps, "test");
  assert.equal(s.error, undefined);
  assert.equal(s.stored, 3);
  assert.equal(s.acked, 3);
  assert.equal(s.succeeded, 3);
  assert.deepEqual(link.acked.sort(), ["m1", "m2", "m3"]);
  const left = await db.rows(sql`select * from gtotvslinkmessage`);
  assert.equal(left.length, 0);
  const execs = await db.rows<{ idexterno: string; tentativa: number; sucesso: boolean }>(
    sql`select idexterno, tentativa, sucesso from gtotvslinkmessageexec order by idexterno`,
  );
  assert.deepEqual(execs.map((e) => [e.idexterno, e.tentativa, e.sucesso]), [
    ["m1", 1, true],
    ["m2", 1, true],
    ["m3", 1, true],
  ]);
});

dbTest("tick() schedules a retry with the RM formula, then DEAD after the maximum", async (db) => {
  const link = new FakeLink();
  link.enqueue(command("r1"));
  const failing: Handler = () => Promise.reject(new RetryableHandlerError("HTTP_503", "ERP unavailable"));
  const deps = testTickDeps(db, link, { SGDPMaskCommand: failing }, {
    retry: { qtdeTentativasExec: 3, fatorTempoExecucao: 1.5, minutesInterval: 0.5 },
  });
  const t0 = deps.clock.now().getTime();
  await tick(deps, "test");
  let [row] = await db.rows<{ status: string; qtdetentativaexec: number; datatentativaexec: Date }>(
    sql`select status, qtdetentativaexec, datatentativaexec from gtotvslinkmessage`,
  );
  assert.equal(row.status, "RETRY");
  assert.equal(row.qtdetentativaexec, 1);
  // 0.5 × 1.5 × 3 × 1 = 2.25 minutes after the end of the failed attempt
  assert.equal(new Date(row.datatentativaexec).getTime() - t0, 2.25 * 60_000);
  deps.clock.advance(2.25 * 60_000 - 1);
  let s = await tick(deps, "test");
  assert.equal(s.executed, 0, "not due before DATATENTATIVAEXEC");
  deps.clock.advance(1);
  const t1 = deps.clock.now().getTime();
  s = await tick(deps, "test");
  assert.equal(s.retried, 1);
  [row] = await db.rows(sql`select status, qtdetentativaexec, datatentativaexec from gtotvslinkmessage`);
  assert.equal(row.qtdetentativaexec, 2);
  assert.equal(new Date(row.datatentativaexec).getTime() - t1, 4.5 * 60_000);
  deps.clock.advance(4.5 * 60_000);
  s = await tick(deps, "test");
  assert.equal(s.dead, 1);
  [row] = await db.rows(sql`select status, qtdetentativaexec, datatentativaexec from gtotvslinkmessage`);
  assert.equal(row.status, "DEAD");
  assert.equal(row.qtdetentativaexec, 3);
  const execs = await db.rows<{ tentativa: number; resultado: string }>(
    sql`select tentativa, resultado from gtotvslinkmessageexec order by tentativa`,
  );
  assert.deepEqual(execs.map((e) => [e.tentativa, e.resultado]), [[1, "RETRY"], [2, "RETRY"], [3, "DEAD"]]);
});

dbTest("tick() makes fatal failures and unknown types DEAD at once", async (db) => {
  const link = new FakeLink();
  link.enqueue(command("f1"), command("u1", "NoSuchType"));
  const fatal: Handler = () => Promise.reject(new FatalHandlerError("HTTP_400", "bad request"));
  const s = await tick(testTickDeps(db, link, { SGDPMaskCommand: fatal }), "test");
  assert.equal(s.dead, 2);
  const rows = await db.rows<{ idexterno: string; status: string; ultimoerro: string }>(
    sql`select idexterno, status, ultimoerro from gtotvslinkmessage order by idexterno`,
  );
  assert.deepEqual(rows.map((r) => [r.idexterno, r.status]), [["f1", "DEAD"], ["u1", "DEAD"]]);
  assert.match(rows[0].ultimoerro, /^HTTP_400: bad request/);
  assert.match(rows[1].ultimoerro, /^HANDLER_MISSING: No handler for type "NoSuchType"/);
});

dbTest("tick() never re-executes a redelivered message that already succeeded", async (db) => {
  const link = new FakeLink();
  let calls = 0;
  const counting: Handler = () => (calls++, Promise.resolve({}));
  link.enqueue(command("d1"));
  await tick(testTickDeps(db, link, { SGDPMaskCommand: counting }), "test");
  link.enqueue(command("d1")); // the server delivers it again
  const s = await tick(testTickDeps(db, link, { SGDPMaskCommand: counting }), "test");
  assert.equal(calls, 1);
  assert.equal(s.duplicates, 1);
  assert.deepEqual(link.acked, ["d1", "d1"]);
  const execs = await db.rows(sql`select * from gtotvslinkmessageexec`);
  assert.equal(execs.length, 1, "no EXEC row for the redelivery");
  const logs = await db.rows<{ logmensagem: string }>(
    sql`select logmensagem from gtotvslinklog where logmensagem like 'Redelivered%'`,
  );
  assert.equal(logs.length, 1);
});

dbTest("tick() leaves the row when an ack fails and deduplicates the redelivery", async (db) => {
  const link = new FakeLink();
  link.enqueue(command("a1"));
  link.fail("ack", 1);
  let calls = 0;
  const counting: Handler = () => (calls++, Promise.resolve({}));
  const s1 = await tick(testTickDeps(db, link, { SGDPMaskCommand: counting }), "test");
  assert.equal(s1.error?.phase, "downstream");
  assert.equal(s1.ackFailed, 1);
  assert.equal(link.queue.length, 1, "still on the server");
  const s2 = await tick(testTickDeps(db, link, { SGDPMaskCommand: counting }), "test");
  assert.equal(s2.error, undefined);
  assert.deepEqual(link.acked, ["a1"]);
  assert.equal(calls, 1);
});

dbTest("tick() sends the handler's reply in the same tick", async (db) => {
  const link = new FakeLink();
  link.enqueue(command("p1"));
  const replying: Handler = (m) =>
    Promise.resolve({
      reply: {
        type: "SGDPMaskResponse",
        audience: "SGDP",
        envelope: JSON.stringify({ header: { type: "SGDPMaskResponse" }, content: { requestID: m.correlationId } }),
      },
    });
  const s = await tick(testTickDeps(db, link, { SGDPMaskCommand: replying }), "test");
  assert.equal(s.sent, 1);
  assert.equal(link.sent.length, 1);
  assert.equal(link.sent[0].audience, "SGDP");
  assert.equal(JSON.parse(link.sent[0].envelope).content.requestID, "req-p1");
  const left = await db.rows(sql`select * from gtotvslinkmessage`);
  assert.equal(left.length, 0);
});

dbTest("tick() burns no attempt when the server fails during send", async (db) => {
  const link = new FakeLink();
  await db.orm.execute(sql`insert into gtotvslinkmessage (direcao, tipo, audiencia, conteudo, datatentativaexec)
    values ('UP', 'SGDPMaskResponse', 'SGDP', '{}', '2026-01-01T00:00:00Z')`);
  link.fail("send", 1);
  const s = await tick(testTickDeps(db, link, {}), "test");
  assert.equal(s.error?.phase, "upstream");
  const [row] = await db.rows<{ qtdetentativaexec: number; status: string }>(
    sql`select qtdetentativaexec, status from gtotvslinkmessage`,
  );
  assert.deepEqual([row.qtdetentativaexec, row.status], [0, "PENDING"]);
  const s2 = await tick(testTickDeps(db, link, {}), "test");
  assert.equal(s2.sent, 1);
  const [exec] = await db.rows<{ tentativa: number; sucesso: boolean }>(
    sql`select tentativa, sucesso from gtotvslinkmessageexec`,
  );
  assert.deepEqual([exec.tentativa, exec.sucesso], [1, true]);
});

dbTest("tick() counts a rejected send as a failed attempt under the RM formula", async (db) => {
  const link = new FakeLink();
  await db.orm.execute(sql`insert into gtotvslinkmessage (direcao, tipo, audiencia, conteudo, datatentativaexec)
    values ('UP', 'SGDPMaskResponse', 'SGDP', '{}', '2026-01-01T00:00:00Z')`);
  link.fail("send", 1, "rejected", 422);
  const deps = testTickDeps(db, link, {});
  const s = await tick(deps, "test");
  assert.equal(s.sendRejected, 1);
  const [row] = await db.rows<{ qtdetentativaexec: number; status: string; datatentativaexec: Date }>(
    sql`select qtdetentativaexec, status, datatentativaexec from gtotvslinkmessage`,
  );
  assert.deepEqual([row.qtdetentativaexec, row.status], [1, "RETRY"]);
  assert.equal(new Date(row.datatentativaexec).getTime() - deps.clock.now().getTime(), 3 * 60_000);
});

dbTest("tick() logs a redelivery of a stored message, with a warning when its content differs", async (db) => {
  const link = new FakeLink();
  const first = command("dup-1");
  link.enqueue(first);
  link.fail("ack", 1);
  // No handler: the row goes DEAD and stays, so the redeliveries find it stored.
  await tick(testTickDeps(db, link, {}), "test");
  link.queue = [{ ...first, data: { ...first.data, content: { requestID: "other" } } }];
  const s = await tick(testTickDeps(db, link, {}), "test");
  assert.equal(s.duplicates, 1);
  const logs = await db.rows<{ logtype: number; logmensagem: string; datadebug: string }>(
    sql`select logtype, logmensagem, datadebug from gtotvslinklog where logmensagem like 'Redelivered%'`,
  );
  assert.equal(logs.length, 1);
  assert.equal(logs[0].logtype, 1);
  assert.match(logs[0].logmensagem, /different content under the same id/);
  assert.match(JSON.parse(logs[0].datadebug).redeliveredContent, /"other"/);
  const [row] = await db.rows<{ conteudo: string }>(sql`select conteudo from gtotvslinkmessage`);
  assert.match(row.conteudo, /req-dup-1/, "the first copy is kept");
});

dbTest("tick() gives up on a handler that ignores its signal after SMARTLINK_HANDLER_TIMEOUT_S", async (db) => {
  const link = new FakeLink();
  link.enqueue(command("slow-1"));
  let sawAbort = false;
  const stuck: Handler = (_m, ctx) => {
    ctx.signal.addEventListener("abort", () => (sawAbort = ctx.signal.reason?.name === "TimeoutError"));
    return new Promise(() => {}); // never settles
  };
  const s = await tick(testTickDeps(db, link, { SGDPMaskCommand: stuck }, { handlerTimeoutMs: 50 }), "test");
  assert.equal(s.retried, 1);
  assert.ok(sawAbort, "the handler's signal aborted with a TimeoutError");
  const [row] = await db.rows<{ status: string; ultimoerro: string }>(
    sql`select status, ultimoerro from gtotvslinkmessage`,
  );
  assert.equal(row.status, "RETRY");
  assert.match(row.ultimoerro, /^HANDLER_TIMEOUT: Handler did not finish within 0.05 s/);
});

dbTest("tick() sends a backlog of UP rows in one pass and retries no rejected send within that pass", async (db) => {
  await db.orm.execute(sql`insert into gtotvslinkmessage (direcao, tipo, audiencia, conteudo, datatentativaexec)
    select 'UP', 'SGDPMaskResponse', 'SGDP', '{"n":' || g || '}', '2026-01-01T00:00:00Z'
    from generate_series(1, 250) g`);
  const link = new FakeLink();
  link.fail("send", 1, "rejected", 422);
  // FatorTempoExecucao 0: the rejected row is due again at once, but not in this pass.
  const s = await tick(testTickDeps(db, link, {}, { retry: { fatorTempoExecucao: 0 } }), "test", {
    phases: "upstream",
  });
  assert.equal(s.sent, 249);
  assert.equal(s.sendRejected, 1);
  assert.equal(link.sent.length, 249, "each row sent once");
  const [row] = await db.rows<{ status: string; qtdetentativaexec: number }>(
    sql`select status, qtdetentativaexec from gtotvslinkmessage`,
  );
  assert.deepEqual([row.status, row.qtdetentativaexec], ["RETRY", 1]);
});
