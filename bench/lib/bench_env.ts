/**
 * What the sync bench needs around the client: fresh databases of either
 * backend, the simulator in its own process, in-process tick dependencies,
 * and generated commands. Shared by `bench/sync_bench.ts`.
 */
import { sql } from "drizzle-orm";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { noopHandler } from "../../src/handlers/noop.ts";
import { createLogger } from "../../src/log.ts";
import type { TickDeps } from "../../src/sync/deps.ts";
import { testTickDeps } from "../../test/helpers/tick_deps.ts";
import { simClient } from "./sim_client.ts";

export const ADMIN_URL = Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TYPE = "BenchCommand";

const logger = createLogger({ level: "warn" });

/** A fresh PostgreSQL database for `fn`, dropped afterwards. */
export async function withPostgresUrl<T>(name: string, fn: (url: string) => Promise<T>): Promise<T> {
  const admin = await openDatabase({ databaseUrl: ADMIN_URL, maxConnections: 1 });
  await admin.orm.execute(sql.raw(`drop database if exists ${name}`));
  await admin.orm.execute(sql.raw(`create database ${name}`));
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  try {
    return await fn(u.toString());
  } finally {
    await admin.orm.execute(sql.raw(`drop database if exists ${name} with (force)`));
    await admin.close();
  }
}

export function withPostgresDb<T>(name: string, fn: (db: Database) => Promise<T>): Promise<T> {
  return withPostgresUrl(name, async (url) => {
    const db = await openDatabase({ databaseUrl: url });
    try {
      await migrate(db);
      return await fn(db);
    } finally {
      await db.close();
    }
  });
}

export async function withPgliteDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
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

export function withDb<T>(backend: string, name: string, fn: (db: Database) => Promise<T>): Promise<T> {
  return backend === "postgres" ? withPostgresDb(name, fn) : withPgliteDb(fn);
}

/** The simulator in its own process (as the real server is), driven through its control endpoints. */
export interface RemoteSim {
  base: string;
  /** The simulator's process id (for its CPU time). */
  pid: number;
  enqueue(items: unknown[]): Promise<void>;
  queued(): Promise<number>;
  mode(mode: Record<string, unknown>): Promise<void>;
}

export async function withSimulator<T>(fn: (sim: RemoteSim) => Promise<T>): Promise<T> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../src/simulator/main.ts", import.meta.url).pathname],
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
      pid: child.pid,
      async enqueue(items) {
        for (let i = 0; i < items.length; i += 2000) {
          const res = await fetch(`${base}/_sim/enqueue`, {
            method: "POST",
            body: JSON.stringify(items.slice(i, i + 2000)),
          });
          await res.body?.cancel();
        }
      },
      async mode(mode) {
        const res = await fetch(`${base}/_sim/mode`, { method: "POST", body: JSON.stringify(mode) });
        if (!res.ok) throw new Error(`Simulator mode refused: ${await res.text()}`);
        await res.body?.cancel();
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

/** The tick's dependencies in this process, on the real clock, around the simulator at `base`. */
export function deps(db: Database, base: string): TickDeps {
  const { client } = simClient(base, { timeoutMs: 10_000, logger });
  return testTickDeps(db, client, { [TYPE]: noopHandler }, {
    setup: { ensure: () => client.setup([TYPE]) },
    now: () => new Date(),
    logger,
    executor: "bench",
    tenantId: () => undefined,
    handlerTimeoutMs: 60_000,
  });
}

export function enqueue(sim: RemoteSim, count: number, prefix: string): Promise<void> {
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
