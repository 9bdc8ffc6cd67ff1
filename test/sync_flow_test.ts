import assert from "node:assert/strict";
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { generateCommand } from "../src/simulator/generator.ts";
import { dbTest } from "./helpers/db.ts";
import { createFlow, runTick } from "./helpers/flow.ts";

const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";

dbTest(
  "TPD round trip: SGDPMaskCommand → http handler → SGDPMaskResponse to SGDP with the same requestID",
  async (db) => {
    const flow = await createFlow(db);
    try {
      const cmd = generateCommand("SGDPMaskCommand", 1, TENANT, flow.clock.now());
      flow.sim.enqueue(cmd);
      const s = await runTick(flow);
      assert.equal(s.error, undefined, JSON.stringify(s.error));
      assert.deepEqual([s.stored, s.acked, s.succeeded, s.sent], [1, 1, 1, 1]);
      // The ERP got the command as-is with the X-Smartlink headers.
      assert.equal(flow.erp.calls.length, 1);
      const call = flow.erp.calls[0];
      assert.equal(call.path, "/sgdp/mask");
      assert.deepEqual(JSON.parse(call.body), cmd.data);
      assert.equal(call.headers["x-smartlink-type"], "SGDPMaskCommand");
      assert.equal(call.headers["x-smartlink-attempt"], "1");
      assert.equal(call.headers["x-smartlink-correlation-id"], cmd.data.content.requestID);
      assert.match(call.headers["x-smartlink-message-id"], /^[0-9a-f-]{36}$/);
      // The reply reached the server for audience SGDP, in the TOTVS envelope.
      assert.equal(flow.sim.state.sent.length, 1);
      const sent = flow.sim.state.sent[0];
      assert.equal(sent.type, "SGDPMaskResponse");
      assert.equal(sent.audience, "SGDP");
      const envelope = JSON.parse(sent.body);
      assert.equal(envelope.header.type, "SGDPMaskResponse");
      assert.equal(envelope.header.tenantId, TENANT);
      assert.equal(envelope.content.requestID, cmd.data.content.requestID);
      assert.ok(envelope.content.exceptionAttributes);
      assert.deepEqual(flow.sim.state.acked, [cmd.id]);
      // History: the command's success and the reply's send; no message rows left.
      const execs = await db.rows<{ direcao: string; tipo: string; sucesso: boolean; idmensagem: string }>(
        sql`select direcao, tipo, sucesso, idmensagem from gtotvslinkmessageexec order by direcao`,
      );
      assert.deepEqual(execs.map((e) => [e.direcao, e.tipo, e.sucesso]), [
        ["DOWN", "SGDPMaskCommand", true],
        ["UP", "SGDPMaskResponse", true],
      ]);
      assert.equal(execs[0].idmensagem, call.headers["x-smartlink-message-id"]);
      assert.equal((await db.rows(sql`select 1 from gtotvslinkmessage`)).length, 0);
    } finally {
      await flow.cleanup();
    }
  },
);

dbTest("an ERP 400 makes the command DEAD at once; a 503 schedules a retry", async (db) => {
  const flow = await createFlow(db);
  try {
    flow.sim.enqueue(generateCommand("SGDPDataCommand", 1, TENANT, flow.clock.now()));
    flow.erp.failNext(1, 400, "CPF inválido");
    await runTick(flow);
    flow.sim.enqueue(generateCommand("SGDPDataCommand", 2, TENANT, flow.clock.now()));
    flow.erp.failNext(1, 503);
    await runTick(flow);
    const rows = await db.rows<{ status: string; ultimoerro: string; qtdetentativaexec: number }>(
      sql`select status, ultimoerro, qtdetentativaexec from gtotvslinkmessage order by datacriacao, status`,
    );
    assert.equal(rows.length, 2);
    const dead = rows.find((r) => r.status === "DEAD")!;
    assert.match(dead.ultimoerro, /^HTTP_400/);
    assert.match(dead.ultimoerro, /CPF inválido/);
    const retry = rows.find((r) => r.status === "RETRY")!;
    assert.match(retry.ultimoerro, /^HTTP_503/);
    assert.equal(retry.qtdetentativaexec, 1);
    assert.equal(flow.sim.state.sent.length, 0, "no reply for failures");
  } finally {
    await flow.cleanup();
  }
});

for (const op of ["setup", "get", "ack", "send", "token"] as const) {
  dbTest(`server down during ${op}: the phase stops, nothing is lost, no attempt is burned`, async (db) => {
    const flow = await createFlow(db);
    try {
      const cmd = generateCommand("SGDPMaskCommand", 7, TENANT, flow.clock.now());
      flow.sim.enqueue(cmd);
      flow.sim.fault({ op, status: 503, count: 3 });
      const s1 = await runTick(flow);
      assert.ok(s1.error, `tick reports the ${op} failure`);
      assert.match(s1.error.code, /^SL_/);
      const errors = flow.logger.lines.filter((l) => l.level === "error");
      assert.equal(errors.length, 1, `one clear error line, got ${JSON.stringify(errors)}`);
      // Nothing lost: the command is on the server or committed locally.
      const rows = await db.rows<{ qtdetentativaexec: number; direcao: string; status: string }>(
        sql`select qtdetentativaexec, direcao, status from gtotvslinkmessage`,
      );
      const onServer = flow.sim.state.queue.some((q) => q.id === cmd.id);
      assert.ok(onServer || rows.length > 0 || flow.sim.state.sent.length > 0);
      for (const r of rows) if (r.direcao === "UP") assert.equal(r.qtdetentativaexec, 0, "send failure costs nothing");
      // Recovery: the faults are spent; the next ticks finish the work.
      flow.sim.state.faults.length = 0;
      flow.clock.advance(31_000); // a failed token refresh is not retried for 30 s
      await runTick(flow);
      await runTick(flow);
      assert.equal(flow.erp.calls.length, 1, "executed exactly once");
      assert.equal(flow.sim.state.sent.filter((m) => m.type === "SGDPMaskResponse").length, 1);
      assert.equal(flow.sim.state.queue.length, 0);
      assert.equal((await db.rows(sql`select 1 from gtotvslinkmessage`)).length, 0);
      const execs = await db.rows<{ tentativa: number; sucesso: boolean }>(
        sql`select tentativa, sucesso from gtotvslinkmessageexec`,
      );
      assert.ok(execs.every((e) => e.tentativa === 1 && e.sucesso), "no attempt burned by the outage");
    } finally {
      await flow.cleanup();
    }
  });
}

dbTest("a tick aborted between commit and ack: redelivered, deduplicated, executed once", async (db) => {
  const flow = await createFlow(db);
  try {
    const cmd = generateCommand("SGDPLogsCommand", 3, TENANT, flow.clock.now());
    flow.sim.enqueue(cmd);
    const client = flow.runtime.client!;
    const realAck = client.ack.bind(client);
    let killed = false;
    client.ack = () => {
      killed = true;
      return Promise.reject(new Error("process killed between commit and ack"));
    };
    const s1 = await runTick(flow);
    assert.ok(killed);
    assert.ok(s1.error);
    const [row] = await db.rows<{ status: string; idexterno: string }>(
      sql`select status, idexterno from gtotvslinkmessage`,
    );
    assert.deepEqual([row.status, row.idexterno], ["PENDING", cmd.id], "committed before the ack");
    assert.equal(flow.sim.state.queue.length, 1, "not acked: still on the server");
    client.ack = realAck;
    const s2 = await runTick(flow);
    assert.equal(s2.duplicates, 1);
    assert.equal(s2.acked, 1);
    assert.equal(flow.erp.calls.length, 1);
    assert.equal(flow.sim.state.queue.length, 0);
  } finally {
    await flow.cleanup();
  }
});

dbTest(
  "a tick aborted between handler success and recording: recovered after timeout + 1 min, never lost",
  async (db) => {
    const flow = await createFlow(db);
    try {
      flow.sim.enqueue(generateCommand("SGDPMaskCommand", 4, TENANT, flow.clock.now()));
      // The connection drops at the statement that records the success, inside its transaction.
      const realTransaction = db.orm.transaction.bind(db.orm);
      let failed = false;
      db.orm.transaction = ((fn, config) =>
        realTransaction((tx) => {
          const realExecute = tx.execute.bind(tx);
          tx.execute = ((query: SQL) => {
            const text = new PgDialect().sqlToQuery(query).sql;
            if (!failed && text.includes("delete from gtotvslinkmessage m using")) {
              failed = true;
              return Promise.reject(new Error("connection lost"));
            }
            return realExecute(query);
          }) as typeof tx.execute;
          return fn(tx);
        }, config)) as typeof db.orm.transaction;
      try {
        const s1 = await runTick(flow);
        assert.equal(s1.error?.phase, "database");
      } finally {
        db.orm.transaction = realTransaction;
      }
      assert.equal(flow.erp.calls.length, 1);
      const [running] = await db.rows<{ status: string }>(sql`select status from gtotvslinkmessage`);
      assert.equal(running.status, "RUNNING");
      // Not yet: the recovery waits handler timeout (5 s) + 1 minute.
      flow.clock.advance(60_000);
      await runTick(flow);
      assert.equal(flow.erp.calls.length, 1);
      flow.clock.advance(5_001);
      const s3 = await runTick(flow);
      assert.equal(s3.recovered, 1);
      assert.equal(flow.erp.calls.length, 2, "executed again: at least once");
      const execs = await db.rows<{ tentativa: number; resultado: string }>(
        sql`select tentativa, resultado from gtotvslinkmessageexec where direcao = 'DOWN' order by tentativa`,
      );
      assert.deepEqual(execs.map((e) => [e.tentativa, e.resultado]), [[1, "ABANDONED"], [2, "SUCCESS"]]);
      assert.equal(flow.sim.state.sent.length, 1);
    } finally {
      await flow.cleanup();
    }
  },
);

dbTest("publish stores an UP row and the flush sends it at once", async (db) => {
  const flow = await createFlow(db);
  try {
    const { id } = await flow.runtime.publish({
      type: "SGDPUpdateTenantMetadata",
      audience: "SGDP",
      data: { applicationId: "erp", models: {} },
      correlationId: "corr-1",
    });
    assert.match(id, /^[0-9a-f-]{36}$/);
    for (let i = 0; i < 50 && flow.runtime.runner.running(); i++) await new Promise((r) => setTimeout(r, 10));
    while (flow.runtime.runner.running()) await new Promise((r) => setTimeout(r, 10));
    assert.equal(flow.sim.state.sent.length, 1);
    const body = JSON.parse(flow.sim.state.sent[0].body);
    assert.equal(body.header.type, "SGDPUpdateTenantMetadata");
    assert.equal(body.content.requestID, "corr-1");
    assert.equal(flow.runtime.runner.last()?.trigger, "publish");
    const [exec] = await db.rows<{ idmensagem: string; sucesso: boolean }>(
      sql`select idmensagem, sucesso from gtotvslinkmessageexec`,
    );
    assert.deepEqual([exec.idmensagem, exec.sucesso], [id, true]);
  } finally {
    await flow.cleanup();
  }
});

dbTest("shutdown: a running handler is aborted after the grace, its row due again at once", async (db) => {
  const flow = await createFlow(db, {
    env: { SMARTLINK_CONCURRENCY: "1" },
    handlers: { Slow: { kind: "http", url: "http://erp.test/slow" } },
  });
  try {
    let started = 0;
    flow.erp.app.post("/slow", async (c) => {
      started++;
      await new Promise((r) => setTimeout(r, 10_000));
      return c.text("late");
    });
    flow.sim.enqueue([1, 2, 3].map((n) => ({ id: `slow-${n}`, type: "Slow", data: { n } })));
    const tickDone = flow.runtime.runner.run("test");
    while (started === 0) await new Promise((r) => setTimeout(r, 5));
    await flow.runtime.runner.stop(50);
    const result = await tickDone;
    assert.ok(result.ran);
    const rows = await db.rows<{ idexterno: string; status: string; qtdetentativaexec: number }>(
      sql`select idexterno, status, qtdetentativaexec from gtotvslinkmessage order by idexterno`,
    );
    assert.equal(rows.length, 3, "nothing lost");
    const interrupted = rows.filter((r) => r.qtdetentativaexec === 1);
    assert.equal(interrupted.length, 1, "only the started attempt counts");
    assert.equal(interrupted[0].status, "RETRY");
    assert.ok(rows.every((r) => r.status !== "RUNNING"), "no row left RUNNING");
    const [exec] = await db.rows<{ resultado: string }>(sql`select resultado from gtotvslinkmessageexec`);
    assert.equal(exec.resultado, "ABANDONED");
    const [due] = await db.rows<{ n: number }>(
      sql`select count(*)::int as n from gtotvslinkmessage where datatentativaexec <= ${flow.clock.now().toISOString()}::timestamptz`,
    );
    assert.equal(due.n, 3, "all due again at once");
  } finally {
    await flow.cleanup();
  }
});
