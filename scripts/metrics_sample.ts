/**
 * Prints the `/metrics` answer of a live server (the real `serve`, HTTP on a
 * loopback port) after ticks against the in-memory simulator that leave
 * messages in every outcome: succeeded, RETRY and DEAD downstream, a PENDING
 * and a RETRY upstream, a failed tick. CI pipes it into `promtool check metrics`.
 *
 *   deno run -A scripts/metrics_sample.ts > metrics.txt
 */
import { startService } from "../src/cli/serve.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { createSimulator } from "../src/simulator/app.ts";
import { createFakeErp } from "../src/simulator/erp.ts";
import { ERP, SIM, simulatorFetch } from "../test/helpers/flow.ts";

/** Starts a server on a fresh embedded database, drives it into every outcome and returns its `/metrics` text. */
export async function sampleMetrics(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "smartlink-metrics-" });
  const sim = createSimulator({ issuer: `${SIM}/totvs.rac` });
  const erp = createFakeErp();
  const handlersPath = `${dir}/handlers.json`;
  await Deno.writeTextFile(
    handlersPath,
    JSON.stringify({
      SGDPMaskCommand: { kind: "http", url: `${ERP}/sgdp/mask`, reply: { type: "SGDPMaskResponse", audience: "SGDP" } },
    }),
  );
  const env: Record<string, string> = {
    SMARTLINK_LINK_URL: SIM,
    SMARTLINK_RAC_TOKEN_URL: `${SIM}/totvs.rac/connect/token`,
    SMARTLINK_CLIENT_ID: "sim-client",
    SMARTLINK_CLIENT_SECRET: "sim-secret",
    SMARTLINK_HANDLERS: handlersPath,
    // A subscribed type without a handler: its commands go DEAD.
    SMARTLINK_SUBSCRIPTIONS: "SGDPMaskCommand,SGDPLogsCommand",
    SMARTLINK_DATA_DIR: `${dir}/data`,
    HOST: "127.0.0.1",
    PORT: "0",
  };
  const fetchFn = simulatorFetch(sim, erp);
  const service = await startService({
    config: loadConfig(env),
    // Log lines go to stderr: stdout is the metrics text.
    logger: createLogger({ level: "warn", write: (line) => console.error(line) }),
    env: (name) => env[name],
    fetch: fetchFn,
    cron: false,
  });
  try {
    const runner = service.runtime.runner;
    sim.generate("SGDPMaskCommand", 4);
    sim.generate("SGDPLogsCommand", 1);
    erp.failNext(1, 503, "ERP busy");
    await runner.run("cli"); // 3 succeed (replies sent), 1 RETRY, 1 DEAD
    sim.fault({ op: "send", status: 400, count: 1 });
    await service.runtime.publish({ type: "SGDPNotice", audience: "SGDP", data: { n: 1 } });
    await runner.run("publish", { phases: "upstream" }); // rejected: UP RETRY
    sim.fault({ op: "send", status: 503, count: 10 });
    await service.runtime.publish({ type: "SGDPNotice", audience: "SGDP", data: { n: 2 } });
    await runner.run("cli"); // the server is down: UP stays PENDING, the tick fails in upstream
    const res = await fetch(`${service.url}/metrics`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${text.slice(0, 200)}`);
    return text;
  } finally {
    await service.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  await Deno.stdout.write(new TextEncoder().encode(await sampleMetrics()));
}
