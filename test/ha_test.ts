/**
 * Active/passive (SPEC 10): two real `serve` processes on one PostgreSQL,
 * both asked to tick all the time. One ticks at a time (the advisory lock);
 * the active one is SIGKILLed in the middle of a 1,000-command run, during
 * one of its ticks, and the other finishes the run: nothing lost, nothing
 * acked before it was committed, nothing executed again after a recorded
 * success. Needs TEST_DATABASE_URL; HA_MESSAGES sizes the run.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { TEST_DATABASE_URL } from "./helpers/db.ts";
import { checkCrashRun } from "./helpers/crash_report.ts";
import { intFromEnv } from "./helpers/prng.ts";
import { type ClientLife, createServeRig, sleep } from "./helpers/serve_rig.ts";

interface TickWindow {
  start: number;
  end: number;
}

Deno.test({
  name: "two serve processes on one PostgreSQL: one ticks at a time; SIGKILL the active one, the other finishes",
  ignore: !TEST_DATABASE_URL,
  fn: async () => {
    const messages = intFromEnv("HA_MESSAGES", 1000);
    const rig = await createServeRig({
      databaseUrl: TEST_DATABASE_URL!,
      messages,
      prefix: "ha",
      log: (l) => console.log(l),
    });
    try {
      const a = await rig.startClient("A", "A");
      const busy: Record<string, number> = { A: 0, B: 0 };
      let stopA = false;
      let killedDuringTick = false;
      const doneCount = async () =>
        Number(
          (await rig.withDb((db) =>
            db.rows<{ n: number }>(
              sql`select count(distinct idexterno)::int as n from gtotvslinkmessageexec where direcao = 'DOWN' and sucesso`,
            )
          ))[0].n,
        );
      // A tick is in flight for a process since this time (undefined: none).
      const inFlightSince: Record<string, number | undefined> = { A: undefined, B: undefined };
      // `pauseMs` after each tick of its own: B ticks like a scheduled partner, A back to back, so A is the
      // active one whenever B's pause leaves the lock free (without it B can hold the lock the whole run).
      const drive = async (who: string, life: ClientLife, until: () => Promise<boolean>, pauseMs: number) => {
        while (!await until()) {
          inFlightSince[who] = Date.now();
          const r = await rig.syncOnce(life);
          inFlightSince[who] = undefined;
          if (r === undefined) return; // killed
          if (r.busy) {
            busy[who]++;
            await sleep(10);
            continue;
          }
          const s = r.summary ?? {};
          const worked = ["downloaded", "executed", "sent", "recovered"].some((k) => Number(s[k] ?? 0) > 0);
          await sleep(worked ? pauseMs : Math.max(250, pauseMs));
        }
      };
      const finished = async () => rig.sim.state.queue.length === 0 && await rig.rowsLeft() === 0;

      // A is the active one: it works alone until a tenth is done, then B joins as the passive partner.
      await drive("A", a, async () => await doneCount() >= messages / 10, 0);
      const doneByAAlone = await doneCount();
      const b = await rig.startClient("B", "B");

      // A is in a tick of its own when rows are RUNNING under its executor (`host:pid:…`); its API calls do not
      // show that, since a tick that reaches SMARTLINK_MAX_PER_TICK is followed by drain ticks inside A.
      const aRunning = async () =>
        Number(
          (await rig.withDb((db) =>
            db.rows<{ n: number }>(
              sql`select count(*)::int as n from gtotvslinkmessage
                where status = 'RUNNING' and executor like ${`%:${a.child.pid}:%`}`,
            )
          ))[0].n,
        ) > 0;
      // A is killed in the middle of the run: once a third is done, while one of its own ticks runs. The count
      // is taken at the kill.
      let doneAtKill = -1;
      const killer = (async () => {
        while (await doneCount() < messages / 3) await sleep(20);
        const t0 = Date.now();
        for (;;) {
          const inTick = await aRunning();
          if (inTick || Date.now() - t0 > 60_000) {
            killedDuringTick = inTick;
            stopA = true;
            a.child.kill("SIGKILL");
            doneAtKill = await doneCount();
            return;
          }
          await sleep(2);
        }
      })();
      // While A lives, B is the passive partner: it asks to tick only while a tick of A runs, and must be
      // refused (a B that ticked freely could take the whole queue in one tick of its own before A's kill).
      const probeB = async () => {
        while (!stopA) {
          if (await aRunning()) {
            const r = await rig.syncOnce(b);
            if (r?.busy) busy.B++;
          }
          await sleep(20);
        }
      };
      const runA = drive("A", a, () => Promise.resolve(stopA), 0);
      await Promise.all([killer, probeB()]);
      const statusA = await a.done;
      assert.equal(statusA.signal, "SIGKILL");
      // Then B, alone, finishes the run.
      const runB = drive("B", b, finished, 0);
      await runA;
      await Promise.race([runB, sleep(200_000)]);
      assert.ok(await finished(), `B finished the run (${await doneCount()} of ${messages} done)`);
      b.child.kill("SIGTERM");
      const statusB = await b.done;

      const findings = await rig.withDb((db) => checkCrashRun(db, rig.commands, rig.erp.calls, rig.sim.state.sent));
      // Every tick of both processes left its record (src/sync/tick_record.ts): none may overlap another.
      const records = await rig.withDb((db) =>
        db.rows<{ datadebug: string }>(sql`select datadebug from gtotvslinklog
        where idmensagem is null and (logmensagem = 'Tick finished' or logmensagem like 'Tick failed in phase %')`)
      );
      const windows: TickWindow[] = records.map((r) => {
        const s = JSON.parse(r.datadebug);
        return { start: Date.parse(s.startedAt), end: Date.parse(s.finishedAt) };
      }).sort((x, y) => x.start - y.start);
      const overlaps = windows.filter((w, i) => i > 0 && w.start < windows[i - 1].end);
      const dir = rig.logFile.replace(/\/[^/]+$/, "");
      console.log(
        [
          `ha: ${messages} commands; A alone did ${doneByAAlone} (busy ${busy.A}), killed during a tick: ${killedDuringTick}`,
          `ha: ${doneAtKill} done when A died; B (busy ${busy.B}) finished the run`,
          `ha: lost ${findings.lost.length}, re-run after success ${findings.duplicatesAfterSuccess.length}, ` +
          `acked before commit ${rig.ackViolations.length}, ticks ${windows.length}, overlapping ${overlaps.length}, ` +
          `abandoned attempts ${findings.abandonedAttempts}`,
        ].join("\n"),
      );
      assert.ok(killedDuringTick, "A was killed during one of its ticks");
      assert.ok(doneAtKill > 0 && doneAtKill < messages, "A died in the middle of the run");
      assert.ok(doneByAAlone > 0, "A was the active one before B joined");
      assert.ok(busy.A + busy.B > 0, "the other was refused while one ticked");
      assert.deepEqual(overlaps, [], "never two ticks at once");
      assert.deepEqual(rig.ackViolations, [], "every ack named a committed message");
      assert.deepEqual(findings.lost, [], "messages lost");
      assert.deepEqual(findings.duplicatesAfterSuccess, [], "handler called again after a recorded success");
      assert.deepEqual(findings.doubleSuccess, [], "a command with two success EXEC rows");
      assert.deepEqual(findings.rowsLeft, {}, "no row left");
      assert.equal(statusB.code, 0, "B stops cleanly on SIGTERM");
      await Deno.remove(dir, { recursive: true });
    } finally {
      await rig.close();
    }
  },
});
