/**
 * `deno task bench`: end-to-end throughput of the sync tick and the cost of
 * history, on real PostgreSQL and on PGlite.
 *
 * 1. The simulator (served on loopback, real HTTP) is pre-loaded with
 *    BENCH_N (20,000) commands; a `noop` handler; ticks run until everything
 *    is downloaded, acked, executed, recorded (EXEC + LOG) and deleted.
 *    Prints messages/s and the time of each phase.
 * 2. Tick time for 100 messages with BENCH_HISTORY (1,000,000) EXEC and LOG
 *    rows present, against the same tick on an empty database.
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) must
 * allow CREATE DATABASE; the bench creates and drops its own databases.
 * BENCH_BACKENDS=postgres,pglite selects the backends.
 */
import { sql } from "drizzle-orm";
import { type Database, openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { noopHandler } from "../src/handlers/noop.ts";
import { createLogger } from "../src/log.ts";
import { createTokenProvider } from "../src/rac/token_provider.ts";
import { createSmartLinkClient } from "../src/smartlink/client.ts";

import { tick, type TickDeps } from "../src/sync/tick.ts";
import type { TickSummary } from "../src/sync/summary.ts";

const N = Number(Deno.env.get("BENCH_N") ?? 20_000);
const HISTORY = Number(Deno.env.get("BENCH_HISTORY") ?? 1_000_000);
const BACKENDS = (Deno.env.get("BENCH_BACKENDS") ?? "postgres,pglite").split(",");
const ADMIN_URL = Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TYPE = "BenchCommand";

const logger = createLogger({ level: "warn" });

async function withPostgresDb<T>(name: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const admin = await openDatabase({ databaseUrl: ADMIN_URL, maxConnections: 1 });
  await admin.orm.execute(sql.raw(`drop database if exists ${name}`));
  await admin.orm.execute(sql.raw(`create database ${name}`));
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: u.toString() });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
    await admin.orm.execute(sql.raw(`drop database if exists ${name}`));
    await admin.close();
  }
}

async function withPgliteDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "smartlink-bench-" });
  const db = await openDatabase({ dataDir: dir });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function withDb<T>(backend: string, name: string, fn: (db: Database) => Promise<T>): Promise<T> {
  return backend === "postgres" ? withPostgresDb(name, fn) : withPgliteDb(fn);
}

/** The simulator in its own process (as the real server is), driven through its control endpoints. */
interface RemoteSim {
  base: string;
  enqueue(items: unknown[]): Promise<void>;
  queued(): Promise<number>;
}

async function withSimulator<T>(fn: (sim: RemoteSim) => Promise<T>): Promise<T> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../src/simulator/main.ts", import.meta.url).pathname],
    env: { SIM_PORT: String(port) },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0;; i++) {
      try {
        await (await fetch(`${base}/_sim/mode`, { method: "POST", body: JSON.stringify({ batchSize: 100 }) })).body
          ?.cancel();
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const sim: RemoteSim = {
      base,
      async enqueue(items) {
        for (let i = 0; i < items.length; i += 2000) {
          const res = await fetch(`${base}/_sim/enqueue`, {
            method: "POST",
            body: JSON.stringify(items.slice(i, i + 2000)),
          });
          await res.body?.cancel();
        }
      },
      async queued() {
        const res = await fetch(`${base}/_sim/state`);
        return ((await res.json()) as { queued: number }).queued;
      },
    };
    return await fn(sim);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

function deps(db: Database, base: string): TickDeps {
  const tokens = createTokenProvider({
    tokenUrl: `${base}/totvs.rac/connect/token`,
    clientId: "sim-client",
    clientSecret: "sim-secret",
    timeoutMs: 10_000,
    logger,
  });
  const client = createSmartLinkClient({
    baseUrl: base,
    tokens,
    timeoutMs: 10_000,
    maxMessageBytes: 1_048_576,
    logger,
  });
  return {
    db,
    client,
    setup: { ensure: () => client.setup([TYPE]) },
    handlers: new Map([[TYPE, noopHandler]]),
    now: () => new Date(),
    logger,
    executor: "bench",
    retryParams: () => Promise.resolve({ qtdeTentativasExec: 3, fatorTempoExecucao: 1, minutesInterval: 1 }),
    tenantId: () => undefined,
    concurrency: 4,
    maxPerTick: 10_000,
    handlerTimeoutMs: 60_000,
    retentionDays: 30,
  };
}

function enqueue(sim: RemoteSim, count: number, prefix: string): Promise<void> {
  const items = [];
  for (let i = 0; i < count; i++) {
    items.push({
      id: `${prefix}-${i}`,
      type: TYPE,
      data: {
        header: { type: TYPE, tenantId: "t", generatedOn: new Date().toISOString(), locale: "pt_BR" },
        content: { requestID: `${prefix}-r${i}`, n: i },
      },
    });
  }
  return sim.enqueue(items);
}

const fmt = (n: number) => n.toFixed(0).padStart(7);

async function throughput(backend: string): Promise<void> {
  await withDb(backend, "smartlink_bench_tp", (db) =>
    withSimulator(async (sim) => {
      await enqueue(sim, N, "tp");
      const d = deps(db, sim.base);
      const phases = { setup: 0, upstream: 0, downstream: 0, execute: 0, purge: 0 };
      let done = 0;
      let ticks = 0;
      const t0 = performance.now();
      while (ticks === 0 || await sim.queued() > 0) {
        const s: TickSummary = await tick(d, "test");
        ticks++;
        if (s.error) throw new Error(`tick failed: ${s.error.code}: ${s.error.message}`);
        done += s.succeeded;
        for (const k of Object.keys(phases) as (keyof typeof phases)[]) phases[k] += s.phaseMs[k];
      }
      const seconds = (performance.now() - t0) / 1000;
      const [{ left }] = await db.rows<{ left: number }>(sql`select count(*)::int as left from gtotvslinkmessage`);
      const [{ execs }] = await db.rows<{ execs: number }>(
        sql`select count(*)::int as execs from gtotvslinkmessageexec`,
      );
      console.log(
        `${backend.padEnd(8)} end-to-end: ${N} messages in ${seconds.toFixed(2)} s over ${ticks} ticks = ${
          fmt(N / seconds)
        } messages/s (executed ${done}, EXEC rows ${execs}, rows left ${left})`,
      );
      console.log(
        `${backend.padEnd(8)} phases (ms): downstream ${fmt(phases.downstream)} · execute ${
          fmt(phases.execute)
        } · upstream ${fmt(phases.upstream)} · setup ${fmt(phases.setup)} · purge ${fmt(phases.purge)}`,
      );
    }));
}

async function seedHistory(db: Database, rows: number): Promise<void> {
  const batch = 200_000;
  for (let done = 0; done < rows; done += batch) {
    const n = Math.min(batch, rows - done);
    await db.orm.execute(sql`
      insert into gtotvslinkmessageexec (idmensagem, idexterno, direcao, tipo, conteudo, tentativa, sucesso, datainicio, datafim, resultado)
      select gen_random_uuid(), 'hist-' || (g + ${done}), 'DOWN', ${TYPE}, '{"n":1}', 1, true,
             now() - (g % 1000000) * interval '1 second', now() - (g % 1000000) * interval '1 second', 'SUCCESS'
      from generate_series(1, ${n}) g`);
    await db.orm.execute(sql`
      insert into gtotvslinklog (idmensagem, logtype, logmensagem, logdate, tipo)
      select gen_random_uuid(), (g % 3), 'Attempt 1 succeeded', now() - (g % 1000000) * interval '1 second', ${TYPE}
      from generate_series(1, ${n}) g`);
  }
  await db.orm.execute(sql`analyze`);
}

async function historyCost(backend: string): Promise<void> {
  const measure = async (db: Database, sim: RemoteSim, label: string) => {
    const d = deps(db, sim.base);
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      await enqueue(sim, 100, `${label}-${round}`);
      const t0 = performance.now();
      const s = await tick(d, "test");
      times.push(performance.now() - t0);
      if (s.error || s.succeeded !== 100) throw new Error(`tick failed: ${JSON.stringify(s.error)} ${s.succeeded}`);
    }
    times.sort((a, b) => a - b);
    return times[2];
  };
  const empty = await withDb(
    backend,
    "smartlink_bench_empty",
    (db) => withSimulator((sim) => measure(db, sim, "empty")),
  );
  const full = await withDb(backend, "smartlink_bench_hist", async (db) => {
    const t0 = performance.now();
    await seedHistory(db, HISTORY);
    console.log(
      `${backend.padEnd(8)} seeded ${HISTORY} EXEC + ${HISTORY} LOG rows in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
    );
    return await withSimulator((sim) => measure(db, sim, "hist"));
  });
  console.log(
    `${backend.padEnd(8)} tick of 100 messages (median of 5): empty database ${
      empty.toFixed(1)
    } ms · with ${HISTORY} EXEC+LOG rows ${full.toFixed(1)} ms · ratio ${(full / empty).toFixed(2)} (target ≤ 1.5)`,
  );
}

for (const backend of BACKENDS) {
  await throughput(backend);
}
for (const backend of BACKENDS) {
  if (backend === "pglite" && Deno.env.get("BENCH_PGLITE_HISTORY") !== "1") {
    console.log("pglite   history cost skipped (set BENCH_PGLITE_HISTORY=1 to seed PGlite too)");
    continue;
  }
  await historyCost(backend);
}
