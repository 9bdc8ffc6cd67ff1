/**
 * `errorReply`: a message whose handler declares one and that ends DEAD —
 * fatal error, attempts exhausted, abandoned past the maximum — gets an UP
 * message stored in the same transaction as the DEAD outcome and sent, so the
 * cloud app learns of the failure instead of waiting forever.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { claimDue } from "../src/db/queue/claim.ts";
import { storeIncoming } from "../src/db/queue/store_incoming.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { DEFAULT_SIM_TENANT_ID } from "../src/simulator/app.ts";
import { errorReplyTargets, HandlersConfigError, parseHandlersFile } from "../src/handlers/registry.ts";
import { dbTest } from "./helpers/db.ts";
import { createFlow, ERP, runTick, TPD_HANDLERS } from "./helpers/flow.ts";

const ERROR_REPLY = { type: "SGDPMaskResponse", audience: "SGDP" };
const HANDLERS = {
  ...TPD_HANDLERS,
  SGDPMaskCommand: { ...TPD_HANDLERS.SGDPMaskCommand, errorReply: ERROR_REPLY },
  CloudCommand: {
    kind: "http",
    url: `${ERP}/sgdp/mask`,
    errorReply: { type: "CloudCommandFailed", audience: "LinkProxy" },
  },
};

dbTest(
  "a fatal error sends an error reply with the command's requestID, redacted, stored with the DEAD outcome",
  async (db) => {
    const flow = await createFlow(db, { handlers: HANDLERS });
    try {
      const cmd = generateCommand("SGDPMaskCommand", 1, DEFAULT_SIM_TENANT_ID, flow.clock.now());
      flow.sim.enqueue(cmd);
      flow.erp.failNext(1, 400, "CPF inválido (token sim-secret)");
      const s = await runTick(flow);
      assert.equal(s.error, undefined, JSON.stringify(s.error));
      assert.equal(s.dead, 1);
      assert.equal(flow.sim.state.sent.length, 1, "sent within the same tick");
      const sent = flow.sim.state.sent[0];
      assert.deepEqual([sent.type, sent.audience], ["SGDPMaskResponse", "SGDP"]);
      const envelope = JSON.parse(sent.body);
      assert.equal(envelope.header.type, "SGDPMaskResponse");
      assert.equal(envelope.header.tenantId, DEFAULT_SIM_TENANT_ID);
      assert.equal(envelope.content.requestID, cmd.data.content.requestID);
      assert.equal(envelope.content.error.code, "HTTP_400");
      assert.match(envelope.content.error.message, /CPF inválido/);
      assert.ok(!sent.body.includes("sim-secret"), "the error text is redacted");
      // The DEAD row, its EXEC row and the reply's send are all recorded; the command row stays DEAD.
      const rows = await db.rows<{ direcao: string; status: string }>(
        sql`select direcao, status from gtotvslinkmessage order by direcao`,
      );
      assert.deepEqual(rows.map((r) => [r.direcao, r.status]), [["DOWN", "DEAD"]]);
      const execs = await db.rows<{ direcao: string; resultado: string }>(
        sql`select direcao, resultado from gtotvslinkmessageexec order by direcao`,
      );
      assert.deepEqual(execs.map((e) => [e.direcao, e.resultado]), [["DOWN", "DEAD"], ["UP", "SUCCESS"]]);
    } finally {
      await flow.cleanup();
    }
  },
);

dbTest("attempts exhausted: the error reply goes with the last failed attempt, not before", async (db) => {
  const flow = await createFlow(db, { handlers: HANDLERS, env: { SMARTLINK_MINUTES_INTERVAL: "0.001" } });
  try {
    const cmd = generateCommand("SGDPMaskCommand", 2, DEFAULT_SIM_TENANT_ID, flow.clock.now());
    flow.sim.enqueue(cmd);
    flow.erp.failNext(3, 503, "ERP busy");
    for (let i = 0; i < 3; i++) {
      await runTick(flow);
      if (i < 2) assert.equal(flow.sim.state.sent.length, 0, `no reply while retrying (attempt ${i + 1})`);
      flow.clock.advance(60_000);
    }
    assert.equal(flow.erp.calls.length, 3);
    assert.equal(flow.sim.state.sent.length, 1);
    const envelope = JSON.parse(flow.sim.state.sent[0].body);
    assert.equal(envelope.content.error.code, "HTTP_503");
    assert.equal(envelope.content.requestID, cmd.data.content.requestID);
  } finally {
    await flow.cleanup();
  }
});

dbTest("a command that came as CloudEvents gets its error reply as CloudEvents", async (db) => {
  const flow = await createFlow(db, { handlers: HANDLERS });
  try {
    const event = {
      specversion: "1.0",
      id: "evt-1",
      type: "CloudCommand",
      source: "gesplan",
      time: flow.clock.now().toISOString(),
      tenantid: DEFAULT_SIM_TENANT_ID,
      correlationid: "corr-77",
      data: { x: 1 },
    };
    flow.sim.enqueue({ id: "evt-1", type: "CloudCommand", data: event });
    flow.erp.failNext(1, 422, "unknown branch");
    await runTick(flow);
    assert.equal(flow.sim.state.sent.length, 1);
    const sent = flow.sim.state.sent[0];
    assert.deepEqual([sent.type, sent.audience], ["CloudCommandFailed", "LinkProxy"]);
    const reply = JSON.parse(sent.body);
    assert.equal(reply.specversion, "1.0");
    assert.equal(reply.type, "CloudCommandFailed");
    assert.equal(reply.correlationid, "corr-77");
    assert.equal(reply.tenantid, DEFAULT_SIM_TENANT_ID);
    assert.deepEqual(reply.data.error, { code: "HTTP_422", message: reply.data.error.message });
    assert.match(reply.data.error.message, /unknown branch/);
  } finally {
    await flow.cleanup();
  }
});

dbTest("a message abandoned past the maximum gets its error reply; one without errorReply gets none", async (db) => {
  const flow = await createFlow(db, { handlers: HANDLERS, env: { SMARTLINK_QTDE_TENTATIVAS_EXEC: "1" } });
  try {
    const mask = generateCommand("SGDPMaskCommand", 3, DEFAULT_SIM_TENANT_ID, flow.clock.now());
    const data = generateCommand("SGDPDataCommand", 4, DEFAULT_SIM_TENANT_ID, flow.clock.now());
    const incoming = [mask, data].map((c) => ({
      idExterno: c.id,
      tipo: c.type,
      idCorrelacao: c.data.content.requestID as string,
      conteudo: JSON.stringify(c.data),
    }));
    await storeIncoming(db.orm, incoming, flow.clock.now());
    // A process claimed both and died: their only attempt never finished.
    assert.equal((await claimDue(db.orm, { limit: 10, now: flow.clock.now(), executor: "crashed" })).rows.length, 2);
    flow.clock.advance(5_000 + 60_000 + 1_000);
    const s = await runTick(flow);
    assert.equal(s.recovered, 2);
    assert.equal(flow.sim.state.sent.length, 1, "only the handler with errorReply reports");
    const envelope = JSON.parse(flow.sim.state.sent[0].body);
    assert.equal(envelope.content.requestID, mask.data.content.requestID);
    assert.equal(envelope.content.error.code, "ABANDONED");
    assert.equal(flow.erp.calls.length, 0, "nothing ran again");
  } finally {
    await flow.cleanup();
  }
});

Deno.test("parseHandlersFile() accepts errorReply on every kind and names a bad one", () => {
  const file = parseHandlersFile(
    JSON.stringify({
      A: { kind: "noop", errorReply: { type: "AFailed", audience: "SGDP" } },
      B: { kind: "http", url: "http://127.0.0.1:9/b", reply: { type: "BOk", audience: "X" } },
    }),
    "handlers.json",
  );
  assert.deepEqual([...errorReplyTargets(file)], [["A", { type: "AFailed", audience: "SGDP" }]]);
  assert.throws(
    () => parseHandlersFile(JSON.stringify({ A: { kind: "noop", errorReply: { type: "a b" } } }), "h.json"),
    (err: unknown) => err instanceof HandlersConfigError && /A.*errorReply/.test(err.message),
  );
});
