/**
 * The rig of the process-level tests (crash, active/passive): a fresh
 * PostgreSQL database (or, without a URL, an embedded database's data folder
 * the client creates on its first start), the simulator and an ERP stand-in
 * served by this process on loopback (on PostgreSQL every ack is checked
 * against the database: committed first?), a handlers file, queued SGDP
 * commands, and real client processes (`deno run -A src/main.ts serve`)
 * started on demand and driven with `POST /api/sync`.
 */
import { sql } from "drizzle-orm";
import { fileURLToPath } from "node:url";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { createSimulator, type Simulator } from "../../src/simulator/app.ts";
import { createFakeErp, type FakeErp } from "../../src/simulator/erp.ts";
import { SGDP_COMMAND_TYPES } from "../../src/simulator/generator.ts";
import { isCommitted } from "./crash_report.ts";

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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

export interface ClientLife {
  child: Deno.ChildProcess;
  url: string;
  done: Promise<Deno.CommandStatus>;
}

export interface SyncResult {
  busy: boolean;
  summary?: Record<string, unknown>;
}

export interface ServeRig {
  /**
   * Runs `fn` on the client's database: on PostgreSQL at any time; on PGlite only while no client
   * process lives (the folder is opened for the call, then closed).
   */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  /** Where the data is: the PostgreSQL database's name, or the embedded data folder. */
  dbName: string;
  sim: Simulator;
  erp: FakeErp;
  logFile: string;
  commands: { id: string; type: string; requestID: string }[];
  /** PostgreSQL: acks the server received for ids the database did not hold at that moment. */
  ackViolations: string[];
  /** Every id acked, in order: each checked as it came on PostgreSQL; on PGlite once no client lives. */
  acked: string[];
  /**
   * Starts one client process (`label` names it in the log) and waits until it answers. With `logName`, its
   * output goes to `<logName>.log` beside `logFile` instead (to tell processes apart).
   */
  startClient(label: string, logName?: string): Promise<ClientLife>;
  /** One `POST /api/sync`; undefined when the process died under it. */
  syncOnce(l: ClientLife): Promise<SyncResult | undefined>;
  /** Rows left in GTOTVSLINKMESSAGE, read by `life`'s own `GET /api/status` on PGlite. */
  rowsLeft(life?: ClientLife): Promise<number>;
  close(): Promise<void>;
}

/** Builds the rig; without `databaseUrl` the client runs on its embedded database. @throws when PostgreSQL or the sockets cannot be had */
export async function createServeRig(opts: {
  databaseUrl?: string;
  messages: number;
  prefix: string;
  log: (line: string) => void;
}): Promise<ServeRig> {
  const tmp = await Deno.makeTempDir({ prefix: `smartlink-${opts.prefix}-` });
  const dataDir = `${tmp}/data`;
  const dbName = opts.databaseUrl ? `${opts.prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}` : dataDir;
  const dbUrl = opts.databaseUrl ? databaseUrlFor(opts.databaseUrl, dbName) : undefined;
  const logFile = `${tmp}/client.log`;
  const cleanups: (() => Promise<void> | void)[] = [];
  const lives = new Set<ClientLife>();
  const close = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        opts.log(`${opts.prefix}: cleanup failed: ${(err as Error).message}`);
      }
    }
  };
  try {
    let db: Database | undefined;
    if (opts.databaseUrl) {
      const admin = await openDatabase({ databaseUrl: opts.databaseUrl, maxConnections: 1 });
      cleanups.push(() => admin.close());
      await admin.orm.execute(sql.raw(`create database ${dbName}`));
      cleanups.push(async () => {
        await admin.orm.execute(sql.raw(`drop database if exists ${dbName} with (force)`));
      });
      const pg = await openDatabase({ databaseUrl: dbUrl, maxConnections: 4 });
      cleanups.push(() => pg.close());
      await migrate(pg);
      db = pg;
    }
    const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
      if (db) return await fn(db);
      if (lives.size > 0) throw new Error("The embedded database is held by a client process");
      const embedded = await openDatabase({ dataDir });
      try {
        return await fn(embedded);
      } finally {
        await embedded.close();
      }
    };

    // Every send kept: the run's check counts replies per command (the default keeps the last 10,000).
    const sim = createSimulator({ historyLimit: Infinity });
    const ackViolations: string[] = [];
    const acked: string[] = [];
    const simServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (served) => {
      const req = await detach(served);
      const url = new URL(req.url);
      if (req.method === "POST" && url.pathname === "/api/v1/link/ack") {
        // The ack must name something the client's database already holds (committed).
        const body = await req.clone().json().catch(() => undefined) as { id?: unknown } | undefined;
        if (typeof body?.id === "string") {
          acked.push(body.id);
          if (db && !await isCommitted(db, body.id)) ackViolations.push(body.id);
        }
      }
      return sim.app.fetch(req);
    });
    cleanups.push(() => simServer.shutdown());
    const simUrl = `http://127.0.0.1:${simServer.addr.port}`;

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

    const logHandle = await Deno.open(logFile, { create: true, append: true });
    cleanups.push(() => logHandle.close());
    const encoder = new TextEncoder();
    cleanups.push(async () => {
      for (const l of lives) {
        try {
          l.child.kill("SIGKILL");
        } catch (err) {
          if (!(err instanceof TypeError)) throw err; // already exited
        }
        await l.done;
      }
    });

    const startClient = async (label: string, logName?: string): Promise<ClientLife> => {
      const port = freePort();
      let out = logHandle;
      if (logName !== undefined) {
        out = await Deno.open(`${tmp}/${logName}.log`, { create: true, append: true });
        const own = out;
        cleanups.push(() => own.close());
      }
      await out.write(encoder.encode(`=== ${label} (port ${port}) ===\n`));
      const env: Record<string, string> = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? tmp,
        DENO_NO_UPDATE_CHECK: "1",
        NO_COLOR: "1",
        ...(dbUrl ? { DATABASE_URL: dbUrl } : { SMARTLINK_DATA_DIR: dataDir }),
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
        for await (const chunk of stream) await out.write(chunk);
      };
      const piped = Promise.all([pipe(child.stdout), pipe(child.stderr)]);
      const done = child.status.then(async (s) => (await piped, s));
      const life = { child, url: `http://127.0.0.1:${port}`, done };
      lives.add(life);
      void done.then(() => lives.delete(life));
      const readyBy = Date.now() + 30_000;
      for (;;) {
        const exited = await Promise.race([done.then(() => true), sleep(50).then(() => false)]);
        if (exited) throw new Error(`Client exited during start (${label}); see ${logFile}`);
        try {
          const res = await fetch(`${life.url}/healthz`, { signal: AbortSignal.timeout(2000) });
          await res.body?.cancel();
          return life;
        } catch (err) {
          if (Date.now() > readyBy) {
            child.kill("SIGKILL");
            await done;
            throw new Error(`Client not ready within 30 s (${label}): ${(err as Error).message}`);
          }
        }
      }
    };

    const syncOnce = async (l: ClientLife): Promise<SyncResult | undefined> => {
      try {
        const res = await fetch(`${l.url}/api/sync`, { method: "POST", signal: AbortSignal.timeout(120_000) });
        const body = await res.json();
        if (res.status === 409) return { busy: true };
        if (res.status !== 200) throw new Error(`POST /api/sync answered ${res.status}: ${JSON.stringify(body)}`);
        return { busy: false, summary: body.summary ?? body };
      } catch (err) {
        if (err instanceof TypeError || (err instanceof DOMException && err.name !== "TimeoutError")) {
          return undefined; // connection reset by the kill
        }
        throw err;
      }
    };

    return {
      withDb,
      dbName,
      sim,
      erp,
      logFile,
      commands,
      ackViolations,
      acked,
      startClient,
      syncOnce,
      rowsLeft: async (life) => {
        if (db) {
          return Number((await db.rows<{ n: number }>(sql`select count(*)::int as n from gtotvslinkmessage`))[0].n);
        }
        if (!life) throw new Error("rowsLeft() on the embedded database needs the living client");
        const res = await fetch(`${life.url}/api/status`, { signal: AbortSignal.timeout(10_000) });
        if (res.status !== 200) throw new Error(`GET /api/status answered ${res.status}`);
        return Number((await res.json()).counts.total);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A copy of a served request with its body read, free of the server's abort signal, for the in-memory apps. */
async function detach(req: Request): Promise<Request> {
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
  return new Request(req.url, { method: req.method, headers: req.headers, body });
}
