/**
 * The client under load, in its own process as it runs in production: the
 * real composition root (`createRuntime`) configured from the environment
 * (SMARTLINK_*, DATABASE_URL or SMARTLINK_DATA_DIR), ticks until a tick finds
 * nothing to download or execute, then prints one JSON line:
 * `{messages, seconds, ticks, peakRssMb, phaseMs, cpuSeconds}` (CPU time over the same span as `seconds`). Peak RSS is the kernel's VmHWM.
 */
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { createRuntime } from "../../src/runtime.ts";
import { ownCpuSeconds } from "./cpu.ts";
import { peakRssMb } from "./rss.ts";

const config = loadConfig(Deno.env.toObject());
const logger = createLogger({ level: "warn", write: (line) => console.error(line) });
const runtime = await createRuntime({ config, logger, env: (name) => Deno.env.get(name) });
let messages = 0;
let ticks = 0;
const phaseMs: Record<string, number> = {};
const t0 = performance.now();
const cpu0 = ownCpuSeconds();
try {
  for (;;) {
    const result = await runtime.runner.run("cli");
    if (!result.ran) throw new Error(`Tick did not run: ${result.reason}`);
    const s = result.summary;
    ticks++;
    if (s.error) throw new Error(`Tick failed in phase ${s.error.phase}: ${s.error.code}: ${s.error.message}`);
    messages += s.succeeded;
    for (const [k, v] of Object.entries(s.phaseMs)) phaseMs[k] = (phaseMs[k] ?? 0) + v;
    if (s.downloaded === 0 && s.executed === 0) break;
  }
} finally {
  await runtime.close();
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({ messages, seconds, ticks, peakRssMb: peakRssMb(), phaseMs, cpuSeconds: ownCpuSeconds() - cpu0 }),
);
