/**
 * `deno run -A bench/soak_bench.ts`: memory of a long-running client. The
 * real `serve` runs in its own process (fresh database: the first start,
 * initdb included on PGlite) against the simulator in another; this process
 * drives SOAK_TICKS (5,000) ticks through `POST /api/sync`, each after
 * SOAK_TRICKLE (20) new commands: most answered by the `echo` code handler
 * with a reply sent upstream, one in ten by an http handler whose ERP refuses
 * connections (retries at SMARTLINK_MINUTES_INTERVAL=0.001, then DEAD). Every
 * SOAK_PAGES_EVERY (50) ticks it loads the admin pages. RSS of the client
 * (/proc/<pid>/status) is sampled every SOAK_SAMPLE_EVERY (100) ticks and the
 * curve printed, with the targets: flat after warm-up (last quarter within
 * 10 MB of the second), steady ≤ 120 MB on PostgreSQL and ≤ 250 MB on PGlite.
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) must
 * allow CREATE DATABASE. BENCH_BACKENDS=postgres,pglite selects the backends.
 * SOAK_SPLIT=1 also prints, per sample, the client's own `Deno.memoryUsage()`
 * split (V8 heap used/total, external), read through a `--preload` probe
 * (bench/lib/memory_probe.ts), to tell the JavaScript heap from the rest
 * (wasm memory, native buffers, code).
 */
import { sql } from "drizzle-orm";
import { openDatabase } from "../src/db/client.ts";
import { serviceV8Flags } from "./lib/v8_flags.ts";

const TICKS = Number(Deno.env.get("SOAK_TICKS") ?? 5_000);
const TRICKLE = Number(Deno.env.get("SOAK_TRICKLE") ?? 20);
const SAMPLE_EVERY = Number(Deno.env.get("SOAK_SAMPLE_EVERY") ?? 100);
const PAGES_EVERY = Number(Deno.env.get("SOAK_PAGES_EVERY") ?? 50);
const BACKENDS = (Deno.env.get("BENCH_BACKENDS") ?? "postgres,pglite").split(",");
const ADMIN_URL = Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TOKEN = "soak-admin-token-0123456789abcdef";
/** V8 flags of the client process: the service's (deno.json `start`) unless BENCH_V8_FLAGS says otherwise ("" for none). */
const V8_FLAGS = serviceV8Flags();
const SPLIT = Deno.env.get("SOAK_SPLIT") === "1";

const port = () => 20000 + Math.floor(Math.random() * 20000);

function rssOf(pid: number): { rss: number; hwm: number } {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))![1]) / 1024;
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/** CPU seconds (user + system) the process has used: how much a flag costs, less sensitive to load than time. */
function cpuOf(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Bytes under `path` (the PGlite data folder), files only. */
async function sizeOf(path: string): Promise<number> {
  let total = 0;
  if (!(await Deno.stat(path).catch(() => undefined))) return 0;
  for await (const e of Deno.readDir(path)) {
    const full = `${path}/${e.name}`;
    if (e.isDirectory) total += await sizeOf(full);
    else if (e.isFile) total += (await Deno.stat(full)).size;
  }
  return total;
}

async function waitFor(url: string, init?: RequestInit): Promise<void> {
  for (let i = 0;; i++) {
    try {
      const res = await fetch(url, init);
      await res.body?.cancel();
      if (res.status < 500) return;
    } catch (err) {
      if (i > 600) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return await fetch(url, { method: "POST", body: JSON.stringify(body), headers });
}

async function soak(backend: string): Promise<void> {
  const simPort = port();
  const sim = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../src/simulator/main.ts", import.meta.url).pathname],
    env: { SIM_PORT: String(simPort) },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const simBase = `http://127.0.0.1:${simPort}`;
  const dir = await Deno.makeTempDir({ prefix: "smartlink-soak-" });
  const dbName = `smartlink_bench_soak_${Deno.pid}`;
  const admin = backend === "postgres" ? await openDatabase({ databaseUrl: ADMIN_URL, maxConnections: 1 }) : undefined;
  let databaseUrl: string | undefined;
  if (admin) {
    await admin.orm.execute(sql.raw(`drop database if exists ${dbName} with (force)`));
    await admin.orm.execute(sql.raw(`create database ${dbName}`));
    const u = new URL(ADMIN_URL);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  await Deno.writeTextFile(
    `${dir}/handlers.json`,
    JSON.stringify({
      SoakCommand: { kind: "code", name: "echo", reply: { type: "SoakResponse", audience: "SOAK" } },
      SoakFlaky: { kind: "http", url: "http://127.0.0.1:9/refused", timeoutSeconds: 5 },
    }),
  );
  const clientPort = port();
  const client = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(V8_FLAGS ? [`--v8-flags=${V8_FLAGS}`] : []),
      ...(SPLIT ? ["--preload", new URL("./lib/memory_probe.ts", import.meta.url).pathname] : []),
      new URL("../src/main.ts", import.meta.url).pathname,
      "serve",
    ],
    env: {
      PORT: String(clientPort),
      SMARTLINK_ADMIN_TOKEN: TOKEN,
      SMARTLINK_LINK_URL: simBase,
      SMARTLINK_RAC_TOKEN_URL: `${simBase}/totvs.rac/connect/token`,
      SMARTLINK_CLIENT_ID: "sim-client",
      SMARTLINK_CLIENT_SECRET: "sim-secret",
      SMARTLINK_HANDLERS: `${dir}/handlers.json`,
      SMARTLINK_SCHEDULE: "0 0 1 1 *",
      SMARTLINK_MINUTES_INTERVAL: "0.001",
      SMARTLINK_LOG_LEVEL: "warn",
      ...(SPLIT ? { MEMORY_PROBE_FILE: `${dir}/memory.json` } : {}),
      // An empty DATABASE_URL: the PGlite run must not inherit the one this bench was given.
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: "", SMARTLINK_DATA_DIR: `${dir}/data` }),
    },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const base = `http://127.0.0.1:${clientPort}`;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const basic = { Authorization: `Basic ${btoa(`admin:${TOKEN}`)}` };
  const samples: { tick: number; rss: number; cpu: number; disk?: { all: number; wal: number } }[] = [];
  const split = async (): Promise<string> => {
    if (!SPLIT) return "";
    await new Promise((r) => setTimeout(r, 1100)); // the probe writes every second
    const m = JSON.parse(await Deno.readTextFile(`${dir}/memory.json`));
    return ` (heap ${m.heapUsed.toFixed(0)}/${m.heapTotal.toFixed(0)} · external ${m.external.toFixed(0)})`;
  };
  const splits: string[] = [];
  try {
    await waitFor(`${simBase}/_sim/state`);
    await waitFor(`${base}/healthz`);
    const started = rssOf(client.pid);
    console.log(
      `${backend.padEnd(8)} after start: RSS ${started.rss.toFixed(0)} MB, peak so far ${
        started.hwm.toFixed(0)
      } MB${await split()}`,
    );
    let n = 0;
    const cpuAtStart = cpuOf(client.pid);
    const t0 = performance.now();
    for (let tick = 1; tick <= TICKS; tick++) {
      const items = Array.from({ length: TRICKLE }, (_, i) => {
        const type = i % 10 === 9 ? "SoakFlaky" : "SoakCommand";
        n++;
        return {
          id: `soak-${n}`,
          type,
          data: {
            header: { type, tenantId: "t", generatedOn: new Date().toISOString(), locale: "pt_BR" },
            content: { requestID: `soak-r${n}`, n, note: "x".repeat(200) },
          },
        };
      });
      await (await post(`${simBase}/_sim/enqueue`, items)).body?.cancel();
      const res = await fetch(`${base}/api/sync`, { method: "POST", headers: auth });
      const summary = await res.json();
      if (res.status !== 200 || summary.error) throw new Error(`Tick ${tick} failed: ${JSON.stringify(summary)}`);
      if (tick % PAGES_EVERY === 0) {
        for (const path of ["/", "/messages", "/history", "/logs", "/messages?status=DEAD"]) {
          await (await fetch(`${base}${path}`, { headers: basic })).body?.cancel();
        }
      }
      if (tick % SAMPLE_EVERY === 0) {
        const disk = databaseUrl
          ? undefined
          : { all: await sizeOf(`${dir}/data`), wal: await sizeOf(`${dir}/data/pglite/pg_wal`) };
        samples.push({ tick, rss: rssOf(client.pid).rss, cpu: cpuOf(client.pid), disk });
        if (SPLIT) splits.push(`${tick}:${samples.at(-1)!.rss.toFixed(0)}${await split()}`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const peak = rssOf(client.pid).hwm;
    const cpu = cpuOf(client.pid);
    const curve = samples.map((s) => `${s.tick}:${s.rss.toFixed(0)}`).join(" ");
    console.log(`${backend.padEnd(8)} RSS (MB) by tick: ${curve}`);
    // CPU per tick between samples: growth here means a tick costs more as the tables age (bloat, plans).
    const perTick = samples.map((s, i) =>
      `${s.tick}:${((s.cpu - (i ? samples[i - 1].cpu : cpuAtStart)) * 1000 / SAMPLE_EVERY).toFixed(0)}`
    );
    console.log(`${backend.padEnd(8)} client CPU ms per tick, by tick: ${perTick.join(" ")}`);
    if (!databaseUrl) {
      const mb = (n: number) => (n / 1048576).toFixed(0);
      const disk = samples.map((s) => `${s.tick}:${mb(s.disk!.all)}/${mb(s.disk!.wal)}`).join(" ");
      console.log(`${backend.padEnd(8)} data folder (MB, all/pg_wal) by tick: ${disk}`);
    }
    if (SPLIT) {
      console.log(`${backend.padEnd(8)} RSS (V8 heap used/total · external, MB) by tick:\n  ${splits.join("\n  ")}`);
    }
    const q = Math.floor(samples.length / 4);
    const mean = (xs: { rss: number }[]) => xs.reduce((a, s) => a + s.rss, 0) / Math.max(1, xs.length);
    const second = mean(samples.slice(q, 2 * q));
    const last = mean(samples.slice(3 * q));
    const steady = Math.max(...samples.slice(q).map((s) => s.rss));
    const limit = backend === "postgres" ? 120 : 250;
    console.log(
      `${backend.padEnd(8)} ${TICKS} ticks × ${TRICKLE} in ${seconds.toFixed(0)} s: second quarter ${
        second.toFixed(1)
      } MB · last quarter ${last.toFixed(1)} MB · drift ${(last - second).toFixed(1)} MB (target ≤ 10) · steady max ${
        steady.toFixed(0)
      } MB (target ≤ ${limit}) · peak ${peak.toFixed(0)} MB (first start included) · client CPU ${cpu.toFixed(1)} s`,
    );
  } finally {
    client.kill("SIGTERM");
    await client.status;
    sim.kill("SIGTERM");
    await sim.status;
    if (admin) {
      await admin.orm.execute(sql.raw(`drop database if exists ${dbName} with (force)`));
      await admin.close();
    }
    await Deno.remove(dir, { recursive: true });
  }
}

for (const backend of BACKENDS) await soak(backend);
