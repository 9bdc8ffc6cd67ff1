/**
 * The crash scenario behind `test/crash_test.ts` and `bench/crash_bench.ts`:
 * a real client process (`deno run -A src/main.ts serve`) against a fresh
 * PostgreSQL database, the simulator and an ERP stand-in served by this
 * process; ticks driven with `POST /api/sync`; SIGKILL at seeded random
 * moments (during ticks and between them), a restart after each; then a last
 * life that drains everything. The checks compare three records kept apart:
 * the simulator (acks, replies), the ERP stand-in (every handler call) and
 * the client's database (EXEC history).
 */
import { sql } from "drizzle-orm";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { createSimulator } from "../../src/simulator/app.ts";
import { createFakeErp } from "../../src/simulator/erp.ts";
import { SGDP_COMMAND_TYPES } from "../../src/simulator/generator.ts";
import { checkCrashRun, type CrashReport, isCommitted } from "./crash_report.ts";
import { createPrng } from "./prng.ts";

export interface CrashOptions {
  databaseUrl: string;
  messages: number;
  kills: number;
  seed: number;
  /** The whole run, process restarts and the recovery wait included. */
  deadlineMs: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const REPLY_TYPES: Record<string, string> = {
  SGDPDataCommand: "SGDPDataResponse",
  SGDPMaskCommand: "SGDPMaskResponse",
  SGDPLogsCommand: "SGDPLogsResponse",
};
const ERP_PATHS: Record<string, string> = {
  SGDPDataCommand: "/sgdp/data",
  SGDPMaskCommand: "/sgdp/mask",
  SGDPLogsCommand: "/sgdp/logs",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function databaseUrlFor(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

interface ClientLife {
  child: Deno.ChildProcess;
  url: string;
  done: Promise<Deno.CommandStatus>;
}

/** Runs the scenario; throws only when the harness itself breaks (the report carries the findings). */
export async function runCrashScenario(opts: CrashOptions): Promise<CrashReport> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const deadline = started + opts.deadlineMs;
  const prng = createPrng(opts.seed);
  const dbName = `crash_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const dbUrl = databaseUrlFor(opts.databaseUrl, dbName);
  const tmp = await Deno.makeTempDir({ prefix: "smartlink-crash-" });
  const logFile = `${tmp}/client.log`;
  const cleanups: (() => Promise<void> | void)[] = [];
  let life: ClientLife | undefined;

  const admin = await openDatabase({ databaseUrl: opts.databaseUrl, maxConnections: 1 });
  await admin.orm.execute(sql.raw(`create database ${dbName}`));
  cleanups.push(async () => {
    await admin.orm.execute(sql.raw(`drop database if exists ${dbName} with (force)`));
    await admin.close();
  });
  try {
    const db = await openDatabase({ databaseUrl: dbUrl, maxConnections: 4 });
    cleanups.push(() => db.close());
    await migrate(db);

    // ---------------------------------------------------------- simulator
    const sim = createSimulator();
    const ackViolations: string[] = [];
    let acksChecked = 0;
    const simServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (served) => {
      const req = await detach(served);
      const url = new URL(req.url);
      if (req.method === "POST" && url.pathname === "/api/v1/link/ack") {
        // The ack must name something the client's database already holds (committed).
        const body = await req.clone().json().catch(() => undefined) as { id?: unknown } | undefined;
        if (typeof body?.id === "string") {
          acksChecked++;
          if (!await isCommitted(db, body.id)) ackViolations.push(body.id);
        }
      }
      return sim.app.fetch(req);
    });
    cleanups.push(() => simServer.shutdown());
    const simUrl = `http://127.0.0.1:${simServer.addr.port}`;

    // -------------------------------------------------------- ERP stand-in
    const erp = createFakeErp();
    const erpServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (served) => {
      const req = await detach(served);
      await sleep(Math.floor(Math.random() * 15)); // a little work, so kills land while handlers run
      return erp.app.fetch(req);
    });
    cleanups.push(() => erpServer.shutdown());
    const erpUrl = `http://127.0.0.1:${erpServer.addr.port}`;

    const handlers: Record<string, unknown> = {};
    for (const type of SGDP_COMMAND_TYPES) {
      handlers[type] = {
        kind: "http",
        url: erpUrl + ERP_PATHS[type],
        reply: { type: REPLY_TYPES[type], audience: "SGDP" },
      };
    }
    const handlersPath = `${tmp}/handlers.json`;
    await Deno.writeTextFile(handlersPath, JSON.stringify(handlers, null, 2));

    // ----------------------------------------------------------- commands
    const perType = Math.ceil(opts.messages / SGDP_COMMAND_TYPES.length);
    let toQueue = opts.messages;
    for (const type of SGDP_COMMAND_TYPES) {
      const n = Math.min(perType, toQueue);
      sim.generate(type, n);
      toQueue -= n;
    }
    const commands = sim.state.queue.map((q) => {
      const item = q.item as { id: string; type: string; data: { content: { requestID: string } } };
      return { id: item.id, type: item.type, requestID: item.data.content.requestID };
    });
    log(`crash: ${commands.length} commands queued; seed ${opts.seed}; database ${dbName}; log ${logFile}`);

    const logHandle = await Deno.open(logFile, { create: true, append: true });
    cleanups.push(() => logHandle.close());
    const encoder = new TextEncoder();
    let lives = 0;

    const startClient = async (): Promise<ClientLife> => {
      lives++;
      const port = freePort();
      await logHandle.write(encoder.encode(`=== life ${lives} (port ${port}) ===\n`));
      const env: Record<string, string> = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? tmp,
        DENO_NO_UPDATE_CHECK: "1",
        NO_COLOR: "1",
        DATABASE_URL: dbUrl,
        SMARTLINK_LINK_URL: simUrl,
        SMARTLINK_RAC_TOKEN_URL: `${simUrl}/totvs.rac/connect/token`,
        SMARTLINK_CLIENT_ID: "sim-client",
        SMARTLINK_CLIENT_SECRET: "sim-secret",
        SMARTLINK_HANDLERS: handlersPath,
        SMARTLINK_CONCURRENCY: "4",
        SMARTLINK_HANDLER_TIMEOUT_S: "2",
        // Several ticks per run, so kills land in every phase.
        SMARTLINK_MAX_PER_TICK: "200",
        // Abandoned attempts count (SPEC 7): leave room for several crashes of one row.
        SMARTLINK_QTDE_TENTATIVAS_EXEC: "10",
        // A handler failure (none expected) would retry within seconds, not minutes.
        SMARTLINK_MINUTES_INTERVAL: "0.001",
        SMARTLINK_HTTP_TIMEOUT_S: "10",
        SMARTLINK_LOG_LEVEL: "info",
        HOST: "127.0.0.1",
        PORT: String(port),
      };
      for (const name of ["DENO_DIR", "DENO_CERT", "TMPDIR"]) {
        const value = Deno.env.get(name);
        if (value !== undefined) env[name] = value;
      }
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "src/main.ts", "serve"],
        cwd: REPO_ROOT,
        env,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const pipe = async (stream: ReadableStream<Uint8Array>) => {
        for await (const chunk of stream) await logHandle.write(chunk);
      };
      const piped = Promise.all([pipe(child.stdout), pipe(child.stderr)]);
      const done = child.status.then(async (s) => (await piped, s));
      const url = `http://127.0.0.1:${port}`;
      const readyBy = Date.now() + 30_000;
      for (;;) {
        const exited = await Promise.race([done.then(() => true), sleep(50).then(() => false)]);
        if (exited) throw new Error(`Client exited during start (life ${lives}); see ${logFile}`);
        try {
          const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
          await res.body?.cancel();
          break;
        } catch (err) {
          if (Date.now() > readyBy) {
            child.kill("SIGKILL");
            await done;
            throw new Error(`Client not ready within 30 s (life ${lives}): ${(err as Error).message}`);
          }
        }
      }
      return { child, url, done };
    };
    cleanups.push(async () => {
      if (!life) return;
      try {
        life.child.kill("SIGKILL");
      } catch (err) {
        if (!(err instanceof TypeError)) throw err; // already exited
      }
      await life.done;
    });

    let ticks = 0;
    /** One `POST /api/sync`; undefined when the process died under it. */
    const syncOnce = async (
      l: ClientLife,
    ): Promise<{ busy: boolean; summary?: Record<string, unknown> } | undefined> => {
      try {
        const res = await fetch(`${l.url}/api/sync`, { method: "POST", signal: AbortSignal.timeout(120_000) });
        const body = await res.json();
        if (res.status === 409) return { busy: true };
        if (res.status !== 200) throw new Error(`POST /api/sync answered ${res.status}: ${JSON.stringify(body)}`);
        ticks++;
        return { busy: false, summary: body.summary ?? body };
      } catch (err) {
        if (err instanceof TypeError || (err instanceof DOMException && err.name !== "TimeoutError")) {
          return undefined; // connection reset by the kill
        }
        throw err;
      }
    };

    // Exits this harness did not cause: another program's signal (tolerated, reported) or a crash (a finding).
    const unexpectedExits: { life: number; code: number; signal: string | null }[] = [];
    const died = async (l: ClientLife) => {
      const status = await l.done;
      unexpectedExits.push({ life: lives, code: status.code, signal: status.signal });
      log(`crash: the client exited on its own (code ${status.code}, signal ${status.signal}); restarting`);
    };

    // ---------------------------------------------------------- kill phase
    let killsDuringTick = 0;
    let killsBetweenTicks = 0;
    while (killsDuringTick + killsBetweenTicks < opts.kills) {
      if (Date.now() > deadline) throw new Error(`Deadline reached after ${killsDuringTick + killsBetweenTicks} kills`);
      life = await startClient();
      const current = life;
      const duringTick = prng.chance(0.75);
      let killed = false;
      const kill = () => {
        killed = true;
        current.child.kill("SIGKILL");
      };
      if (duringTick) {
        const timer = setTimeout(kill, prng.int(30, 1500));
        while (!killed) {
          const r = await syncOnce(current);
          if (r === undefined) break;
          if (r.busy) await sleep(20);
        }
        clearTimeout(timer);
      } else {
        const ticksBefore = prng.int(1, 3);
        let ran = 0;
        while (ran < ticksBefore) {
          const r = await syncOnce(current);
          if (r === undefined) break;
          if (r.busy) await sleep(20);
          else ran++;
        }
        if (ran === ticksBefore) kill();
      }
      life = undefined;
      if (!killed) {
        await died(current);
        continue;
      }
      await current.done;
      if (duringTick) killsDuringTick++;
      else killsBetweenTicks++;
      log(`crash: kill ${killsDuringTick + killsBetweenTicks} (${duringTick ? "during a tick" : "between ticks"})`);
    }
    const doneDuringKills = Number(
      (await db.rows<{ n: number }>(
        sql`select count(distinct idexterno)::int as n from gtotvslinkmessageexec where direcao = 'DOWN' and sucesso`,
      ))[0].n,
    );

    // ------------------------------------------------ last life: drain all
    life = await startClient();
    log(`crash: draining (${doneDuringKills} of ${commands.length} done during the kills)`);
    for (;;) {
      if (Date.now() > deadline) break;
      const r = await syncOnce(life);
      if (r === undefined) {
        await died(life);
        life = await startClient();
        continue;
      }
      const [{ n }] = await db.rows<{ n: number }>(sql`select count(*)::int as n from gtotvslinkmessage`);
      if (!r.busy && sim.state.queue.length === 0 && Number(n) === 0) break;
      const s = r.summary ?? {};
      const busy = ["downloaded", "executed", "sent", "recovered"].some((k) => Number(s[k] ?? 0) > 0);
      if (!busy) await sleep(250); // abandoned rows wait for handler timeout + 1 minute
    }
    life.child.kill("SIGTERM");
    const finalStatus = await Promise.race([life.done, sleep(20_000).then(() => undefined)]);
    if (finalStatus === undefined) life.child.kill("SIGKILL");
    await life.done;
    life = undefined;

    const findings = await checkCrashRun(db, commands, erp.calls, sim.state.sent);
    return {
      seed: opts.seed,
      messages: commands.length,
      killsSurvived: killsDuringTick + killsBetweenTicks,
      killsDuringTick,
      killsBetweenTicks,
      lives,
      ticks,
      doneDuringKills,
      acksChecked,
      ackedBeforeCommit: ackViolations,
      finalExitCode: finalStatus?.code ?? null,
      unexpectedExits,
      durationMs: Date.now() - started,
      logFile,
      ...findings,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        log(`crash: cleanup failed: ${(err as Error).message}`);
      }
    }
  }
}

/** A copy of a served request with its body read, free of the server's abort signal, for the in-memory apps. */
async function detach(req: Request): Promise<Request> {
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
  return new Request(req.url, { method: req.method, headers: req.headers, body });
}
