/**
 * The crash scenario behind `test/crash_test.ts` and `bench/crash_bench.ts`:
 * a real client process (`deno run -A src/main.ts serve`) against a fresh
 * PostgreSQL database (or its own embedded one, without `databaseUrl`), the simulator and an ERP stand-in served by this
 * process; ticks driven with `POST /api/sync`; SIGKILL at seeded random
 * moments (during ticks and between them), a restart after each; then a last
 * life that drains everything. The checks compare three records kept apart:
 * the simulator (acks, replies), the ERP stand-in (every handler call) and
 * the client's database (EXEC history). On PostgreSQL every ack is checked
 * against the database as it arrives; PGlite cannot be opened while the client
 * holds it, so there every acked id is checked once the last life ended.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client.ts";
import { checkCrashRun, type CrashReport, isCommitted } from "./crash_report.ts";
import { createPrng } from "./prng.ts";
import { type ClientLife, createServeRig, sleep } from "./serve_rig.ts";

export interface CrashOptions {
  /** PostgreSQL; undefined runs the client on its embedded database. */
  databaseUrl?: string;
  messages: number;
  kills: number;
  seed: number;
  /** The whole run, process restarts and the recovery wait included. */
  deadlineMs: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Runs the scenario; throws only when the harness itself breaks (the report carries the findings). */
export async function runCrashScenario(opts: CrashOptions): Promise<CrashReport> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const deadline = started + opts.deadlineMs;
  const prng = createPrng(opts.seed);
  const rig = await createServeRig({ databaseUrl: opts.databaseUrl, messages: opts.messages, prefix: "crash", log });
  const { sim, erp, commands, logFile } = rig;
  let life: ClientLife | undefined;
  try {
    log(`crash: ${commands.length} commands queued; seed ${opts.seed}; database ${rig.dbName}; log ${logFile}`);
    let lives = 0;
    const startClient = () => rig.startClient(`life ${++lives}`);
    let ticks = 0;
    const syncOnce = async (l: ClientLife) => {
      const r = await rig.syncOnce(l);
      if (r && !r.busy) ticks++;
      return r;
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
    const doneDuringKills = await rig.withDb(async (db) =>
      Number(
        (await db.rows<{ n: number }>(
          sql`select count(distinct idexterno)::int as n from gtotvslinkmessageexec where direcao = 'DOWN' and sucesso`,
        ))[0].n,
      )
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
      if (!r.busy && sim.state.queue.length === 0 && await rig.rowsLeft(life) === 0) break;
      const s = r.summary ?? {};
      const busy = ["downloaded", "executed", "sent", "recovered"].some((k) => Number(s[k] ?? 0) > 0);
      if (!busy) await sleep(250); // abandoned rows wait for handler timeout + 1 minute
    }
    life.child.kill("SIGTERM");
    const finalStatus = await Promise.race([life.done, sleep(20_000).then(() => undefined)]);
    if (finalStatus === undefined) life.child.kill("SIGKILL");
    await life.done;
    life = undefined;

    const { findings, ackedBeforeCommit } = await rig.withDb(async (db) => ({
      findings: await checkCrashRun(db, commands, erp.calls, sim.state.sent),
      ackedBeforeCommit: opts.databaseUrl ? rig.ackViolations : await uncommitted(db, rig.acked),
    }));
    return {
      seed: opts.seed,
      messages: commands.length,
      killsSurvived: killsDuringTick + killsBetweenTicks,
      killsDuringTick,
      killsBetweenTicks,
      lives,
      ticks,
      doneDuringKills,
      acksChecked: rig.acked.length,
      ackedBeforeCommit,
      finalExitCode: finalStatus?.code ?? null,
      unexpectedExits,
      durationMs: Date.now() - started,
      logFile,
      ...findings,
    };
  } finally {
    await rig.close();
  }
}

/** The acked ids the database does not hold. */
async function uncommitted(db: Database, acked: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const id of new Set(acked)) if (!await isCommitted(db, id)) missing.push(id);
  return missing;
}
