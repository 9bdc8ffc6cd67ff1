/** The pipelined tick: execution and replies overlap the download; acks in flight are bounded; drain mode. */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import type { Handler } from "../src/handlers/types.ts";
import type { ParsedItem } from "../src/smartlink/wire.ts";
import { createTickRunner } from "../src/sync/runner.ts";
import { tick } from "../src/sync/tick.ts";
import { dbTest } from "./helpers/db.ts";
import { command, FakeLink } from "./helpers/fake_link.ts";
import { testTickDeps } from "./helpers/tick_deps.ts";

/** A link whose second `get` answers only once `ready()` holds (or after 3 s, so a serial tick fails, not hangs). */
class GatedLink extends FakeLink {
  events: string[] = [];
  constructor(private ready: () => boolean) {
    super();
  }
  override async get(): Promise<ParsedItem[]> {
    if (this.gets === 1) {
      const until = Date.now() + 3000;
      while (!this.ready() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    }
    const items = await super.get();
    this.events.push(`get ${this.gets}`);
    return items;
  }
}

dbTest("tick() executes the first committed batch while later batches still download", async (db) => {
  let calls = 0;
  const link = new GatedLink(() => calls > 0);
  link.batchSize = 2;
  link.enqueue(command("p1"), command("p2"), command("p3"), command("p4"));
  const counting: Handler = (m) => {
    calls++;
    link.events.push(`handler ${m.externalId}`);
    return Promise.resolve({});
  };
  const s = await tick(testTickDeps(db, link, { SGDPMaskCommand: counting }), "test");
  assert.equal(s.error, undefined);
  assert.equal(s.succeeded, 4);
  assert.ok(
    link.events.indexOf("handler p1") < link.events.indexOf("get 2"),
    `a handler ran before the second batch arrived: ${link.events.join(", ")}`,
  );
});

dbTest("tick() sends a reply while the download still runs", async (db) => {
  const sent: string[] = [];
  const link: GatedLink = new GatedLink(() => sent.length > 0);
  link.batchSize = 1;
  link.enqueue(command("q1"), command("q2"));
  const replying: Handler = (m) =>
    Promise.resolve({ reply: { type: "SGDPMaskResponse", audience: "SGDP", envelope: JSON.stringify({ m: m.id }) } });
  const origSend = link.send.bind(link);
  link.send = (type: string, audience: string, envelope: string) => {
    link.events.push("send");
    sent.push(envelope);
    return origSend(type, audience, envelope);
  };
  const s = await tick(testTickDeps(db, link, { SGDPMaskCommand: replying }), "test");
  assert.equal(s.error, undefined);
  assert.equal(s.sent, 2, "both replies sent in the tick that produced them");
  assert.ok(link.events.indexOf("send") < link.events.indexOf("get 2"), link.events.join(", "));
  const left = await db.rows(sql`select * from gtotvslinkmessage`);
  assert.equal(left.length, 0);
});

dbTest("tick() keeps at most ackConcurrency acks in flight", async (db) => {
  const link = new FakeLink();
  link.batchSize = 20;
  for (let i = 0; i < 20; i++) link.enqueue(command(`a${i}`));
  let inFlight = 0;
  let most = 0;
  const origAck = link.ack.bind(link);
  link.ack = async (id) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 2));
    inFlight--;
    return origAck(id);
  };
  const s = await tick(
    testTickDeps(db, link, { SGDPMaskCommand: () => Promise.resolve({}) }, { ackConcurrency: 3 }),
    "test",
  );
  assert.equal(s.acked, 20);
  assert.equal(most, 3);
});

dbTest("the runner drains a backlog: a tick stopped at maxPerTick is followed at once by another", async (db) => {
  const link = new FakeLink();
  link.batchSize = 5;
  for (let i = 0; i < 23; i++) link.enqueue(command(`d${i}`));
  const deps = testTickDeps(db, link, { SGDPMaskCommand: () => Promise.resolve({}) }, { maxPerTick: 10 });
  const runner = createTickRunner({ db, logger: deps.logger, deps: () => deps, activated: () => true });
  const seen: { ticks: number; fetched: number }[] = [];
  const origGet = link.get.bind(link);
  link.get = () => {
    const d = runner.draining();
    if (d) seen.push({ ticks: d.ticks, fetched: d.fetched });
    return origGet();
  };
  const first = await runner.run("cron");
  assert.ok(first.ran);
  assert.equal(first.summary.downloaded, 10);
  await runner.idle();
  assert.equal(runner.draining(), undefined, "the drain ended with the queue");
  assert.equal(link.queue.length, 0);
  assert.equal(runner.last()?.trigger, "drain");
  const [{ n }] = await db.rows<{ n: number }>(sql`select count(*)::int as n from gtotvslinkmessageexec where sucesso`);
  assert.equal(n, 23);
  assert.ok(seen.length > 0, "draining() answered while the drain ran");
  assert.ok(seen.some((d) => d.ticks === 2 && d.fetched >= 10), JSON.stringify(seen));
  assert.ok(deps.logger.lines.some((l) => l.msg === "Backlog drained" && l.fetched === 23));
});

dbTest("the runner does not drain after a CLI tick or a failed one", async (db) => {
  const link = new FakeLink();
  link.batchSize = 5;
  for (let i = 0; i < 12; i++) link.enqueue(command(`c${i}`));
  const deps = testTickDeps(db, link, { SGDPMaskCommand: () => Promise.resolve({}) }, { maxPerTick: 5 });
  const runner = createTickRunner({ db, logger: deps.logger, deps: () => deps, activated: () => true });
  await runner.run("cli");
  await runner.idle();
  assert.equal(link.queue.length, 7, "one tick only");
  link.fail("ack", 1);
  await runner.run("cron");
  await runner.idle();
  assert.equal(runner.last()?.trigger, "cron", "a failed tick is not followed by a drain tick");
  assert.equal(runner.draining(), undefined);
});
