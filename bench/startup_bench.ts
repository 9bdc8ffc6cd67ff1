/**
 * Start-up time and idle memory of `serve`, on the embedded database (first
 * start with initdb, then warm starts) and on PostgreSQL.
 *
 *   deno run -A bench/startup_bench.ts
 *
 * Each run starts `deno run -A src/main.ts serve` on a free loopback port,
 * polls /healthz every 20 ms, loads the dashboard a few times, waits 3 s and
 * reads the process's resident memory from /proc (Linux). DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres) must allow CREATE
 * DATABASE; BENCH_SKIP_POSTGRES=1 skips that part.
 */
import { sql } from "drizzle-orm";
import { openDatabase } from "../src/db/client.ts";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;
const ADMIN_URL = Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function measure(label: string, env: Record<string, string>): Promise<void> {
  const port = freePort();
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve"],
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", SMARTLINK_LOG_LEVEL: "warn" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const base = `http://127.0.0.1:${port}`;
    let readyMs = -1;
    for (let i = 0; i < 3000; i++) {
      try {
        const res = await fetch(`${base}/healthz`);
        const body = await res.json().catch(() => null) as { status?: string } | null;
        // Unconfigured (no credentials) answers 503 "not_activated": up, just not activated.
        if (res.status === 200 || body?.status === "not_activated") {
          readyMs = performance.now() - started;
          break;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (readyMs < 0) throw new Error(`${label}: /healthz never answered`);
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/`)).body?.cancel();
    await new Promise((r) => setTimeout(r, 3000));
    console.log(
      `${label.padEnd(24)} /healthz after ${readyMs.toFixed(0).padStart(6)} ms · idle RSS ${rssMiB(child.pid)} MiB`,
    );
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    if (status.code !== 0) console.log(`${label.padEnd(24)} exit code ${status.code} after SIGTERM (expected 0)`);
  }
}

const dir = await Deno.makeTempDir({ prefix: "smartlink-startup-" });
try {
  const embedded = { SMARTLINK_DATA_DIR: `${dir}/data` };
  await measure("pglite first start", embedded);
  await measure("pglite warm start", embedded);
  await measure("pglite warm start again", embedded);
} finally {
  await Deno.remove(dir, { recursive: true });
}

if (Deno.env.get("BENCH_SKIP_POSTGRES") !== "1") {
  const admin = await openDatabase({ databaseUrl: ADMIN_URL, maxConnections: 1 });
  await admin.orm.execute(sql.raw("drop database if exists smartlink_startup_bench"));
  await admin.orm.execute(sql.raw("create database smartlink_startup_bench"));
  try {
    const u = new URL(ADMIN_URL);
    u.pathname = "/smartlink_startup_bench";
    await measure("postgres first start", { DATABASE_URL: u.toString() });
    await measure("postgres warm start", { DATABASE_URL: u.toString() });
  } finally {
    await admin.orm.execute(sql.raw("drop database if exists smartlink_startup_bench"));
    await admin.close();
  }
}
