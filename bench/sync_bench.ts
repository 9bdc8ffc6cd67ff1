/**
 * `deno task bench`: the sync tick against the wire it runs on, and the cost
 * of history, on real PostgreSQL and on PGlite.
 *
 * 1. One simulator process (batches of 100, RS256 tokens verified once) with
 *    BENCH_LATENCIES (0 and 20) ms added to every request. For each backend
 *    and latency: (a) the client end to end — its own process, the real
 *    composition root, a `noop` handler, ticks until everything is
 *    downloaded, acked, executed, recorded (EXEC + LOG) and deleted; (b) the
 *    wire floor — a bare process doing only token + `get` + one `ack` per
 *    message with the same number of acks in flight — measured before and
 *    after (a), averaged. Prints both, their ratio, and the client's peak RSS;
 *    then the CPU each run cost per 1,000 messages — the client, the simulator
 *    serving it and the local PostgreSQL, against the floor and its simulator
 *    — and how many of the machine's cores that kept busy. When both runs keep
 *    the same cores busy, the ratio is the ratio of CPU per message.
 *    BENCH_N (20,000) messages at 0 ms, BENCH_N_LATENCY (5,000) with latency.
 * 2. Tick time for 100 messages with BENCH_HISTORY (1,000,000) EXEC and LOG
 *    rows present, against the same tick on an empty database.
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) must
 * allow CREATE DATABASE; the bench creates and drops its own databases.
 * BENCH_BACKENDS=postgres,pglite selects the backends; BENCH_PARTS=wire,history the parts;
 * BENCH_ACKS sets SMARTLINK_ACK_CONCURRENCY for both sides (unset: the client's default).
 * BENCH_CPU_PROF=<folder> writes each client run's V8 CPU profile there.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../src/db/client.ts";
import { loadConfig } from "../src/config.ts";
import { tick } from "../src/sync/tick.ts";
import { deps, enqueue, type RemoteSim, TYPE, withDb, withPostgresUrl, withSimulator } from "./lib/bench_env.ts";
import { postgresCpuSeconds, processCpuSeconds } from "./lib/cpu.ts";
import { serviceV8Flags } from "./lib/v8_flags.ts";

const N = Number(Deno.env.get("BENCH_N") ?? 20_000);
const N_LATENCY = Number(Deno.env.get("BENCH_N_LATENCY") ?? 5_000);
const LATENCIES = (Deno.env.get("BENCH_LATENCIES") ?? "0,20").split(",").map(Number);
const PARTS = (Deno.env.get("BENCH_PARTS") ?? "wire,history").split(",");
const ACKS = Deno.env.get("BENCH_ACKS");
const HISTORY = Number(Deno.env.get("BENCH_HISTORY") ?? 1_000_000);
const BACKENDS = (Deno.env.get("BENCH_BACKENDS") ?? "postgres,pglite").split(",");
/** A folder: each client run writes its V8 CPU profile there (`.cpuprofile`, for Chrome DevTools). */
const CPU_PROF = Deno.env.get("BENCH_CPU_PROF");

const fmt = (n: number) => n.toFixed(0).padStart(7);

// deno-lint-ignore no-explicit-any
async function runChild(script: string, env: Record<string, string>, v8Flags?: string): Promise<Record<string, any>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(v8Flags ? [`--v8-flags=${v8Flags}`] : []),
      ...(CPU_PROF && script.includes("client_process") ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`] : []),
      new URL(script, import.meta.url).pathname,
    ],
    env,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) throw new Error(`${script} failed (exit ${out.code}): ${text}`);
  return JSON.parse(text.split("\n").at(-1)!);
}

/** The client end to end in its own process, on a fresh database of `backend`. */
// deno-lint-ignore no-explicit-any
async function clientRun(backend: string, sim: RemoteSim, handlersPath: string): Promise<Record<string, any>> {
  const env: Record<string, string> = {
    SMARTLINK_LINK_URL: sim.base,
    SMARTLINK_RAC_TOKEN_URL: `${sim.base}/totvs.rac/connect/token`,
    SMARTLINK_CLIENT_ID: "sim-client",
    SMARTLINK_CLIENT_SECRET: "sim-secret",
    SMARTLINK_HANDLERS: handlersPath,
    SMARTLINK_LOG_LEVEL: "warn",
    ...(ACKS ? { SMARTLINK_ACK_CONCURRENCY: ACKS } : {}),
  };
  if (backend === "postgres") {
    return await withPostgresUrl(
      "smartlink_bench_tp",
      (url) => runChild("./lib/client_process.ts", { ...env, DATABASE_URL: url }, serviceV8Flags()),
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "smartlink-bench-" });
  try {
    // An empty DATABASE_URL: a child inherits this process's environment, and the PGlite run must not
    // use the PostgreSQL this bench was given.
    return await runChild(
      "./lib/client_process.ts",
      { ...env, DATABASE_URL: "", SMARTLINK_DATA_DIR: dir },
      serviceV8Flags(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** CPU seconds the simulator and the local PostgreSQL used while `fn` ran (undefined where not readable). */
async function withCpu<T>(
  sim: RemoteSim,
  fn: () => Promise<T>,
): Promise<{ value: T; simCpu?: number; pgCpu?: number }> {
  const sim0 = processCpuSeconds(sim.pid);
  const pg0 = postgresCpuSeconds();
  const value = await fn();
  const sim1 = processCpuSeconds(sim.pid);
  const pg1 = postgresCpuSeconds();
  return {
    value,
    simCpu: sim0 !== undefined && sim1 !== undefined ? sim1 - sim0 : undefined,
    pgCpu: pg0 !== undefined && pg1 !== undefined ? pg1 - pg0 : undefined,
  };
}

interface FloorResult {
  rate: number;
  /** CPU seconds of the floor process, and of the simulator during its run. */
  cpu: number;
  simCpu?: number;
}

async function floorRun(sim: RemoteSim, n: number, acks: number): Promise<FloorResult> {
  await enqueue(sim, n, `floor-${crypto.randomUUID()}`);
  const { value: r, simCpu } = await withCpu(
    sim,
    () => runChild("./lib/wire_floor.ts", { FLOOR_BASE: sim.base, FLOOR_ACKS: String(acks) }),
  );
  if (r.messages !== n) throw new Error(`Wire floor drained ${r.messages} of ${n}`);
  return { rate: r.messages / r.seconds, cpu: r.cpuSeconds, simCpu };
}

/** `label value + …`, CPU ms per 1,000 messages; parts that could not be read are left out. */
function cpuLine(n: number, parts: [string, number | undefined][], seconds: number): string {
  const per = (s: number) => Math.round((s / n) * 1e6);
  const known = parts.filter((p): p is [string, number] => p[1] !== undefined);
  const total = known.reduce((a, [, s]) => a + s, 0);
  const cores = navigator.hardwareConcurrency;
  return `${known.map(([k, s]) => `${k} ${per(s)}`).join(" + ")} = ${per(total)} (${
    (total / seconds).toFixed(1)
  } of ${cores} cores)`;
}

async function wire(backend: string, sim: RemoteSim, handlersPath: string, latencyMs: number): Promise<void> {
  await sim.mode({ latencyMs });
  const n = latencyMs === 0 ? N : N_LATENCY;
  const acks = Number(ACKS ?? loadConfig({}).ackConcurrency);
  const before = await floorRun(sim, n, acks);
  await enqueue(sim, n, `tp-${crypto.randomUUID()}`);
  const { value: client, simCpu, pgCpu } = await withCpu(sim, () => clientRun(backend, sim, handlersPath));
  if (client.messages !== n) throw new Error(`Client executed ${client.messages} of ${n}`);
  const after = await floorRun(sim, n, acks);
  const floor = (before.rate + after.rate) / 2;
  const rate = client.messages / client.seconds;
  const target = latencyMs === 0 ? 0.7 : 0.8;
  const label = `${backend.padEnd(8)} ${String(latencyMs).padStart(2)} ms:`;
  console.log(
    `${label} client ${fmt(rate)} msg/s (${n} in ${
      client.seconds.toFixed(2)
    } s, ${client.ticks} ticks, peak RSS ${client.peakRssMb} MB) · wire floor ${fmt(floor)} msg/s (${
      fmt(before.rate).trim()
    } before, ${fmt(after.rate).trim()} after) · ratio ${
      (rate / floor).toFixed(2)
    } (target ≥ ${target}) · ${acks} acks in flight`,
  );
  // Where the CPU went: the client, the simulator serving it and PostgreSQL (local only), against the
  // floor's own run after it. When the parts add up to the machine's cores, the ratio measures the machine.
  console.log(
    `${label} CPU ms per 1,000 messages: client run ${
      cpuLine(n, [["client", client.cpuSeconds], ["simulator", simCpu], [
        "PostgreSQL",
        backend === "postgres" ? pgCpu : undefined,
      ]], client.seconds)
    } · floor run ${cpuLine(n, [["floor", after.cpu], ["simulator", after.simCpu]], n / after.rate)}`,
  );
  // The most the client run could reach here if its processes kept every core busy: the cores divided by the CPU
  // it needs per message (client, simulator, local PostgreSQL), against the floor. Below the target, no change
  // that leaves the CPU per message as it is can meet it on this machine.
  const runCpu = client.cpuSeconds + (simCpu ?? 0) + (backend === "postgres" ? pgCpu ?? 0 : 0);
  if (runCpu > 0) {
    const ceiling = (navigator.hardwareConcurrency * n / runCpu) / floor;
    console.log(
      `${label} ceiling with all ${navigator.hardwareConcurrency} cores busy at this CPU per message: ${
        fmt(navigator.hardwareConcurrency * n / runCpu).trim()
      } msg/s, ratio ${ceiling.toFixed(2)}`,
    );
  }
  const phases = Object.entries(client.phaseMs as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(" · ");
  console.log(`${backend.padEnd(8)} ${String(latencyMs).padStart(2)} ms: client phases (ms, overlapping): ${phases}`);
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
  const ROUNDS = 15;
  // Both databases are open at once and measured in alternate rounds, so a drift of the machine's speed
  // (other processes, CPU frequency) falls on both alike; round 0 warms the JIT, prepared statements and
  // caches and is not counted. The medians of ROUNDS are compared.
  const { empty, full } = await withDb(
    backend,
    "smartlink_bench_empty",
    (emptyDb) =>
      withDb(backend, "smartlink_bench_hist", async (histDb) => {
        const t0 = performance.now();
        await seedHistory(histDb, HISTORY);
        console.log(
          `${backend.padEnd(8)} seeded ${HISTORY} EXEC + ${HISTORY} LOG rows in ${
            ((performance.now() - t0) / 1000).toFixed(1)
          } s`,
        );
        return await withSimulator(async (sim) => {
          const sides = [
            {
              label: "empty",
              d: deps(emptyDb, sim.base),
              times: [] as number[],
              phases: {} as Record<string, number[]>,
            },
            { label: "hist", d: deps(histDb, sim.base), times: [] as number[], phases: {} as Record<string, number[]> },
          ];
          for (let round = 0; round <= ROUNDS; round++) {
            for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
              await enqueue(sim, 100, `${side.label}-${round}`);
              const t1 = performance.now();
              const r = await tick(side.d, "test");
              if (round > 0) {
                side.times.push(performance.now() - t1);
                for (const [k, v] of Object.entries(r.phaseMs)) (side.phases[k] ??= []).push(v);
              }
              if (r.error || r.succeeded !== 100) {
                throw new Error(`tick failed: ${JSON.stringify(r.error)} ${r.succeeded}`);
              }
            }
          }
          const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
          const phases = (side: typeof sides[number]) =>
            Object.entries(side.phases).map(([k, v]) => `${k} ${median(v)}`).join(" · ");
          console.log(
            `${backend.padEnd(8)} phase medians (ms), empty: ${phases(sides[0])}; with history: ${phases(sides[1])}`,
          );
          return { empty: median(sides[0].times), full: median(sides[1].times) };
        });
      }),
  );
  console.log(
    `${
      backend.padEnd(8)
    } tick of 100 messages (median of ${ROUNDS}, rounds alternating, after 1 warm-up): empty database ${
      empty.toFixed(1)
    } ms · with ${HISTORY} EXEC+LOG rows ${full.toFixed(1)} ms · ratio ${(full / empty).toFixed(2)} (target ≤ 1.1)`,
  );
}

if (PARTS.includes("wire")) {
  const dir = await Deno.makeTempDir({ prefix: "smartlink-bench-handlers-" });
  const handlersPath = `${dir}/handlers.json`;
  await Deno.writeTextFile(handlersPath, JSON.stringify({ [TYPE]: { kind: "noop" } }));
  try {
    await withSimulator(async (sim) => {
      for (const backend of BACKENDS) {
        for (const latencyMs of LATENCIES) await wire(backend, sim, handlersPath, latencyMs);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
if (PARTS.includes("history")) {
  for (const backend of BACKENDS) {
    if (backend === "pglite" && Deno.env.get("BENCH_PGLITE_HISTORY") !== "1") {
      console.log("pglite   history cost skipped (set BENCH_PGLITE_HISTORY=1 to seed PGlite too)");
      continue;
    }
    await historyCost(backend);
  }
}
