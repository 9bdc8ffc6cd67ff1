import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { openDatabase } from "../src/db/client.ts";
import { createFakeErp } from "../src/simulator/erp.ts";
import { createSimulator } from "../src/simulator/app.ts";
import { TICK_LOCK_KEY } from "../src/sync/runner.ts";
import { freshPostgres, TEST_DATABASE_URL } from "./helpers/db.ts";

Deno.test({
  name: "tryWithLock() lets one PostgreSQL connection hold the tick lock at a time",
  ignore: !TEST_DATABASE_URL,
  fn: async () => {
    const a = await openDatabase({ databaseUrl: TEST_DATABASE_URL });
    const b = await openDatabase({ databaseUrl: TEST_DATABASE_URL });
    try {
      const inner = await a.tryWithLock(TICK_LOCK_KEY, () => b.tryWithLock(TICK_LOCK_KEY, () => Promise.resolve(1)));
      assert.deepEqual(inner, { acquired: true, value: { acquired: false } });
      assert.deepEqual(await b.tryWithLock(TICK_LOCK_KEY, () => Promise.resolve(2)), { acquired: true, value: 2 });
    } finally {
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  name: "two client processes on one PostgreSQL execute each message exactly once",
  ignore: !TEST_DATABASE_URL,
  fn: async () => {
    const sim = createSimulator();
    const erp = createFakeErp();
    const simServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, sim.app.fetch);
    const erpServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, erp.app.fetch);
    const fresh = await freshPostgres();
    const dir = await Deno.makeTempDir();
    try {
      const N = 120;
      sim.enqueue(Array.from({ length: N }, (_, i) => ({ id: `two-${i}`, type: "Cmd", data: { n: i } })));
      sim.state.mode.batchSize = 10;
      await Deno.writeTextFile(
        `${dir}/handlers.json`,
        JSON.stringify({ Cmd: { kind: "http", url: `http://127.0.0.1:${erpServer.addr.port}/cmd` } }),
      );
      erp.app.post("/cmd", (c) => c.text("ok"));
      const env = {
        DATABASE_URL: fresh.url,
        SMARTLINK_LINK_URL: `http://127.0.0.1:${simServer.addr.port}`,
        SMARTLINK_RAC_TOKEN_URL: `http://127.0.0.1:${simServer.addr.port}/totvs.rac/connect/token`,
        SMARTLINK_CLIENT_ID: "sim-client",
        SMARTLINK_CLIENT_SECRET: "sim-secret",
        SMARTLINK_HANDLERS: `${dir}/handlers.json`,
        SMARTLINK_MAX_PER_TICK: "30",
        SMARTLINK_CONCURRENCY: "2",
      };
      const main = new URL("../src/main.ts", import.meta.url).pathname;
      const runSync = async () => {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", main, "sync", "--json"],
          env,
          stdout: "piped",
          stderr: "piped",
        }).output();
        return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
      };
      let busy = 0;
      for (let round = 0; round < 20; round++) {
        const results = await Promise.all([runSync(), runSync()]);
        busy += results.filter((r) => r.stdout.includes("Another process is running a tick")).length;
        for (const r of results) {
          if (r.code === 0) assert.equal(JSON.parse(r.stdout).error, undefined);
        }
        const [{ n }] = await fresh.db.rows<{ n: number }>(sql`select count(*)::int as n from gtotvslinkmessage`);
        if (sim.state.queue.length === 0 && n === 0) break;
      }
      assert.equal(sim.state.queue.length, 0, "everything downloaded");
      const calls = new Map<string, number>();
      for (const c of erp.calls.filter((c) => c.path === "/cmd")) {
        const n = JSON.parse(c.body).n;
        calls.set(n, (calls.get(n) ?? 0) + 1);
      }
      assert.equal(calls.size, N, "every message executed");
      assert.ok([...calls.values()].every((n) => n === 1), "no message executed twice");
      const [{ execs }] = await fresh.db.rows<{ execs: number }>(
        sql`select count(*)::int as execs from gtotvslinkmessageexec where sucesso`,
      );
      assert.equal(execs, N);
      console.log(`two processes: ${N} messages, each executed once; ${busy} sync(s) refused by the tick lock`);
    } finally {
      await simServer.shutdown();
      await erpServer.shutdown();
      await fresh.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
