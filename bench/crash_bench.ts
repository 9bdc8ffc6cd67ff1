/**
 * The crash test at a larger size: `deno run -A bench/crash_bench.ts`.
 * Needs TEST_DATABASE_URL (a database it may CREATE DATABASE in), or
 * CRASH_EMBEDDED=1 to run the client on its embedded database instead. Sized by
 * CRASH_MESSAGES (default 10,000), CRASH_KILLS (default 60) and
 * CRASH_DEADLINE_S (default 1,200); CRASH_SEED replays a run. Exits non-zero
 * when a guarantee broke.
 */
import { dirname } from "node:path";
import { formatCrashReport } from "../test/helpers/crash_report.ts";
import { runCrashScenario } from "../test/helpers/crash_scenario.ts";
import { intFromEnv, seedFromEnv } from "../test/helpers/prng.ts";

if (import.meta.main) {
  const embedded = Deno.env.get("CRASH_EMBEDDED") === "1";
  const databaseUrl = embedded ? undefined : Deno.env.get("TEST_DATABASE_URL");
  if (!embedded && !databaseUrl) {
    console.error(
      "TEST_DATABASE_URL is not set: the crash bench needs a PostgreSQL it may create a database in (or CRASH_EMBEDDED=1)",
    );
    Deno.exit(2);
  }
  const seed = seedFromEnv("CRASH_SEED");
  const report = await runCrashScenario({
    databaseUrl,
    messages: intFromEnv("CRASH_MESSAGES", 10_000),
    kills: intFromEnv("CRASH_KILLS", 60),
    seed,
    deadlineMs: intFromEnv("CRASH_DEADLINE_S", 1200) * 1000,
    log: (line) => console.log(line),
  });
  console.log(formatCrashReport(report));
  const broken = report.ackedBeforeCommit.length + report.lost.length + report.duplicatesAfterSuccess.length +
    report.doubleSuccess.length + report.inconsistentExec.length + Object.keys(report.rowsLeft).length;
  const passed = broken === 0 && report.finalExitCode === 0;
  if (passed) await Deno.remove(dirname(report.logFile), { recursive: true });
  else console.log(`client log kept: ${report.logFile}`);
  Deno.exit(passed ? 0 : 1);
}
