/**
 * SIGKILL the real client process at seeded random moments while it syncs
 * 2,000 commands; after the restarts nothing is lost, nothing was acked
 * before it was committed, and nothing ran again after its success was
 * recorded. Needs TEST_DATABASE_URL; a shorter run (400 commands, 6 kills)
 * does the same on the embedded database. Replay a failure with CRASH_SEED=<seed>;
 * CRASH_MESSAGES and CRASH_KILLS size the run (bench/crash_bench.ts runs a
 * longer one).
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { TEST_DATABASE_URL } from "./helpers/db.ts";
import { formatCrashReport } from "./helpers/crash_report.ts";
import { runCrashScenario } from "./helpers/crash_scenario.ts";
import { intFromEnv, seedFromEnv } from "./helpers/prng.ts";

/**
 * One crash run: on PostgreSQL (`databaseUrl`) every ack is checked as it arrives; on the embedded database
 * every acked id once the last life ended, since nothing else may open it while the client lives.
 */
async function crashRun(options: { databaseUrl?: string; messages: number; kills: number; deadlineS: number }) {
  const seed = seedFromEnv("CRASH_SEED");
  const kills = intFromEnv("CRASH_KILLS", options.kills);
  console.log(`crash test seed ${seed} (replay with CRASH_SEED=${seed})`);
  const report = await runCrashScenario({
    databaseUrl: options.databaseUrl,
    messages: intFromEnv("CRASH_MESSAGES", options.messages),
    kills,
    seed,
    deadlineMs: intFromEnv("CRASH_DEADLINE_S", options.deadlineS) * 1000,
    log: (line) => console.log(line),
  });
  console.log(formatCrashReport(report));
  assert.ok(report.killsSurvived >= kills, `${report.killsSurvived} kills, expected ${kills}`);
  assert.ok(report.killsDuringTick > 0, "some kills landed during a tick");
  assert.deepEqual(report.ackedBeforeCommit, [], "every ack named a committed message");
  assert.ok(report.acksChecked >= report.messages, "every command was acked and checked");
  assert.deepEqual(report.lost, [], "messages lost");
  assert.deepEqual(report.duplicatesAfterSuccess, [], "handler called again after a recorded success");
  assert.deepEqual(report.doubleSuccess, [], "a command with two success EXEC rows");
  assert.deepEqual(report.inconsistentExec, [], "success EXEC rows without the ERP call they record");
  assert.deepEqual(report.rowsLeft, {}, "no row left (none RUNNING, RETRY, PENDING or DEAD)");
  assert.ok(report.repliesSent >= report.messages, "one reply per command at least");
  assert.equal(report.finalExitCode, 0, "SIGTERM stops the last life cleanly");
  const crashes = report.unexpectedExits.filter((e) => e.signal === null && e.code !== 0);
  assert.deepEqual(crashes, [], "the client never crashed on its own");
  // Passed: the client log is of no further use (a failure keeps it for the post-mortem).
  await Deno.remove(dirname(report.logFile), { recursive: true });
}

Deno.test({
  name: "serve survives SIGKILL at random moments: no loss, no ack before commit, no re-run after success",
  ignore: !TEST_DATABASE_URL,
  fn: () => crashRun({ databaseUrl: TEST_DATABASE_URL!, messages: 2000, kills: 15, deadlineS: 210 }),
});

Deno.test({
  name:
    "serve on the embedded database survives SIGKILL at random moments (WAL replayed, upkeep included): no acked message lost, no re-run after success",
  fn: () => crashRun({ messages: 400, kills: 6, deadlineS: 240 }),
});
