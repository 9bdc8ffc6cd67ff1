/**
 * `doctor --selftest`: a self-test a customer can run anywhere. It starts the
 * built-in simulator and an ERP stand-in on loopback, opens a throwaway
 * in-memory database, and runs the real sync engine through a short crash
 * and fault scenario: server faults, acks that fail after the commit (a tick
 * "killed" between commit and ack), a shutdown that aborts handlers mid-run,
 * bad input; then recovery. It prints one PASS/FAIL line per guarantee of
 * SPEC 10 and exits 0 only when all pass. It never touches the configured
 * database or servers.
 */
import { sql } from "drizzle-orm";
import { DEFAULT_RETRY } from "../config.ts";
import { type Database, openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { buildRegistry, parseHandlersFile } from "../handlers/registry.ts";
import { createLogger, errorFields, type Logger } from "../log.ts";
import { createTokenProvider } from "../rac/token_provider.ts";
import { createSimulator } from "../simulator/app.ts";
import { createFakeErp } from "../simulator/erp.ts";
import { createSmartLinkClient } from "../smartlink/client.ts";
import { parseErrorText } from "../errors.ts";
import { createTickRunner, type TickRunner } from "../sync/runner.ts";
import { createSetupTracker } from "../sync/setup.ts";
import type { TickDeps } from "../sync/deps.ts";

export interface SelftestOptions {
  print: (line: string) => void;
  /** Problems of the self-test itself; the engine under test logs to memory. */
  logger: Logger;
  /** Commands in the scenario (default 60). */
  messages?: number;
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
}

const BAD_INPUT = [
  { item: { id: "selftest-bad-json", data: "{not json" }, code: "MSG_INVALID_JSON" },
  { item: { id: "selftest-bad-notype", data: { content: {} } }, code: "MSG_NO_TYPE" },
  { item: { id: "selftest-bad-nul", type: "SGDPMaskCommand", data: { name: "a\u0000b" } }, code: "MSG_NUL_BYTES" },
  { item: { id: "selftest-bad-unknown", type: "NoSuchCommand", data: {} }, code: "HANDLER_MISSING" },
  { item: { id: "selftest-bad-reply", type: "SelftestBadReply", data: {} }, code: "REPLY_NOT_JSON" },
] as const;

interface Check {
  name: string;
  problems: string[];
}

/** Runs the self-test; returns the exit code (0 = every property held). */
export async function selftestCommand(options: SelftestOptions): Promise<number> {
  const { print } = options;
  const count = options.messages ?? 60;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const engineLog: string[] = [];
  const engineLogger = createLogger({ level: "warn", write: (line) => engineLog.push(line) });
  let offset = 0; // the injected clock runs with the wall clock, plus whatever the scenario skips
  const now = () => new Date(Date.now() + offset);

  const sim = createSimulator({ now: () => now().getTime() });
  const erp = createFakeErp(now);
  let erpCalls = 0;
  let onErpCall: (n: number) => Promise<void> = () => Promise.resolve();
  erp.app.post("/selftest/bad-reply", (c) => c.html("<html>not JSON</html>"));
  const servers: Deno.HttpServer[] = [];
  let db: Database | undefined;
  const checks: Check[] = [];
  let released = () => {};
  try {
    db = await openDatabase({});
    await migrate(db);
    const memoryDb = db;
    const ackProblems: string[] = [];
    let acksChecked = 0;
    const simServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (served) => {
      const req = await detach(served);
      if (req.method === "POST" && new URL(req.url).pathname === "/api/v1/link/ack") {
        const body = await req.clone().json().catch(() => undefined) as { id?: unknown } | undefined;
        if (typeof body?.id === "string") {
          acksChecked++;
          const [row] = await memoryDb.rows<{ ok: boolean }>(sql`select
            exists(select 1 from gtotvslinkmessage where idexterno = ${body.id})
            or exists(select 1 from gtotvslinkmessageexec where idexterno = ${body.id}) as ok`);
          if (row.ok !== true) ackProblems.push(body.id);
        }
      }
      return sim.app.fetch(req);
    });
    servers.push(simServer);
    const erpServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (served) => {
      const req = await detach(served);
      await onErpCall(++erpCalls);
      return erp.app.fetch(req);
    });
    servers.push(erpServer);
    const simUrl = `http://127.0.0.1:${simServer.addr.port}`;
    const erpUrl = `http://127.0.0.1:${erpServer.addr.port}`;
    print(`INFO  simulator ${simUrl}, ERP stand-in ${erpUrl}, embedded database in memory`);

    const epoch = () => now().getTime();
    const tokens = createTokenProvider({
      tokenUrl: `${simUrl}/totvs.rac/connect/token`,
      clientId: "sim-client",
      clientSecret: "sim-secret",
      now: epoch,
      timeoutMs: 10_000,
      logger: engineLogger,
    });
    const client = createSmartLinkClient({
      baseUrl: simUrl,
      tokens,
      timeoutMs: 10_000,
      maxMessageBytes: 1_048_576,
      logger: engineLogger,
      sleep: () => Promise.resolve(),
      now: epoch,
    });
    const reply = (type: string) => ({ type, audience: "SGDP" });
    const handlers = buildRegistry(
      parseHandlersFile(
        JSON.stringify({
          SGDPDataCommand: { kind: "http", url: `${erpUrl}/sgdp/data`, reply: reply("SGDPDataResponse") },
          SGDPMaskCommand: { kind: "http", url: `${erpUrl}/sgdp/mask`, reply: reply("SGDPMaskResponse") },
          SGDPLogsCommand: { kind: "http", url: `${erpUrl}/sgdp/logs`, reply: reply("SGDPLogsResponse") },
          SelftestBadReply: { kind: "http", url: `${erpUrl}/selftest/bad-reply`, reply: reply("SelftestResponse") },
        }),
        "selftest handlers",
      ),
      { env: () => undefined, defaultTimeoutMs: 10_000 },
    );
    const setup = createSetupTracker({
      setup: (t) => client.setup(t),
      subscriptions: [...handlers.keys()],
      now,
      logger: engineLogger,
    });
    const deps: Omit<TickDeps, "stopSignal" | "abortSignal"> = {
      db,
      client,
      setup,
      handlers,
      now,
      logger: engineLogger,
      executor: "selftest",
      retryParams: () => Promise.resolve(DEFAULT_RETRY),
      tenantId: () => tokens.state().tenantId,
      concurrency: 4,
      maxPerTick: 10_000,
      handlerTimeoutMs: 10_000,
      retentionDays: 30,
    };
    const newRunner = () =>
      createTickRunner({ db: memoryDb, logger: engineLogger, deps: () => deps, activated: () => true });

    // The scenario.
    const perType = Math.ceil(count / 3);
    sim.generate("SGDPDataCommand", perType);
    sim.generate("SGDPMaskCommand", perType);
    sim.generate("SGDPLogsCommand", count - 2 * perType);
    const commands = sim.state.queue.map((q) => q.item as { id: string; data: { content: { requestID: string } } });
    sim.enqueue(BAD_INPUT.map((b) => b.item));
    sim.fault({ op: "token", status: 503 }); // RAC down for the first tick
    sim.fault({ op: "get", status: 502 }); // then the server
    sim.fault({ op: "ack", status: 503, count: 3 }); // acks lost after the commit
    sim.fault({ op: "send", status: 500, count: 2 }); // replies refused for a while

    // A handler killed mid-run: at the 2/3 mark the process "shuts down" with no grace.
    let runner: TickRunner = newRunner();
    const killAt = Math.ceil((count * 2) / 3);
    let killed = false;
    let restart = false;
    const gate = new Promise<void>((resolve) => released = resolve);
    onErpCall = async (n) => {
      if (n !== killAt) return;
      killed = restart = true;
      void runner.stop(0);
      await gate; // the ERP never answers this call in time
    };
    let ticks = 0;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`Scenario not finished within ${options.timeoutMs ?? 60_000} ms`);
      await runner.run("test");
      ticks++;
      if (restart) {
        restart = false;
        released();
        runner = newRunner(); // the restart after the shutdown
      }
      offset += 31_000; // past the token retry pause and every RETRY due time
      const [{ n }] = await memoryDb.rows<{ n: number }>(
        sql`select count(*)::int as n from gtotvslinkmessage where status <> 'DEAD'`,
      );
      const [{ up }] = await memoryDb.rows<{ up: number }>(
        sql`select count(*)::int as up from gtotvslinkmessage where direcao = 'UP'`,
      );
      if (Number(n) === 0 && Number(up) === 0 && sim.state.queue.length === 0 && ticks > 3) break;
    }
    released();

    // The properties.
    const execs = await memoryDb.rows<{
      idmensagem: string;
      idexterno: string | null;
      sucesso: boolean;
      datafim: string | Date;
      resultado: string;
    }>(
      sql`select idmensagem, idexterno, sucesso, datafim, resultado from gtotvslinkmessageexec where direcao = 'DOWN'`,
    );
    const successes = new Map<string, typeof execs>();
    for (const e of execs) {
      if (e.sucesso && e.idexterno) successes.set(e.idexterno, [...(successes.get(e.idexterno) ?? []), e]);
    }
    checks.push({
      name: "no message lost",
      problems: commands.filter((c) => !successes.has(c.id)).map((c) => `command "${c.id}" never succeeded`),
    });
    checks.push({
      name: "acked only after commit",
      problems: [
        ...ackProblems.map((id) => `"${id}" was acked before it was committed`),
        ...(acksChecked < count ? [`only ${acksChecked} acks seen for ${count} commands`] : []),
      ],
    });
    const again: string[] = [];
    for (const [id, rows] of successes) {
      if (rows.length > 1) again.push(`"${id}" succeeded ${rows.length} times`);
      for (const row of rows) {
        const end = new Date(row.datafim).getTime();
        const later = erp.calls.filter((c) =>
          c.headers["x-smartlink-message-id"] === row.idmensagem && c.at.getTime() > end
        );
        if (later.length > 0) again.push(`"${id}" ran again after its recorded success`);
      }
    }
    if (!killed) again.push("the handler kill did not happen");
    if (!execs.some((e) => e.resultado === "ABANDONED")) again.push("no attempt was recorded as interrupted");
    checks.push({ name: "no re-execution after recorded success", problems: again });
    const replied = new Set(sim.state.sent.map((s) => {
      try {
        return JSON.parse(s.body)?.content?.requestID;
      } catch (err) {
        if (err instanceof SyntaxError) return undefined;
        throw err;
      }
    }));
    checks.push({
      name: "replies sent",
      problems: commands.filter((c) => !replied.has(c.data.content.requestID)).map((c) => `no reply for "${c.id}"`),
    });
    const bad: string[] = [];
    for (const b of BAD_INPUT) {
      const [row] = await memoryDb.rows<{ status: string; ultimoerro: string | null }>(
        sql`select status, ultimoerro from gtotvslinkmessage where idexterno = ${b.item.id}`,
      );
      if (!row) bad.push(`"${b.item.id}" was not stored`);
      else if (row.status !== "DEAD" || parseErrorText(row.ultimoerro ?? "")?.code !== b.code) {
        bad.push(`"${b.item.id}" is ${row.status} with "${row.ultimoerro}", expected DEAD with ${b.code}`);
      }
    }
    checks.push({ name: "bad input goes DEAD with a reason", problems: bad });
    print(
      `INFO  ${count} commands, ${BAD_INPUT.length} bad items, ${ticks} ticks, ${erp.calls.length} handler calls, ` +
        `${acksChecked} acks checked, ${sim.state.sent.length} replies sent; faults: RAC 503, get 502, ` +
        `3 acks lost after commit, 2 sends refused, 1 shutdown mid-handler`,
    );
  } catch (err) {
    options.logger.error("Self-test could not finish", errorFields(err));
    checks.push({ name: "self-test finished", problems: [(err as Error).message ?? String(err)] });
  } finally {
    released();
    for (const s of servers) await s.shutdown();
    await db?.close();
  }

  for (const c of checks) {
    print(c.problems.length === 0 ? `PASS  ${c.name}` : `FAIL  ${c.name}: ${c.problems.slice(0, 3).join("; ")}`);
  }
  const failed = checks.some((c) => c.problems.length > 0);
  if (failed && engineLog.length > 0) {
    print("INFO  last engine log lines:");
    for (const line of engineLog.slice(-10)) print(`      ${line}`);
  }
  return failed ? 1 : 0;
}

/** A copy of a served request with its body read, free of the server's abort signal, for the in-memory apps. */
async function detach(req: Request): Promise<Request> {
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
  return new Request(req.url, { method: req.method, headers: req.headers, body });
}
