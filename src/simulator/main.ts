/**
 * Serves the simulator (RAC + Smart Link Server stand-in) on
 * 127.0.0.1:${SIM_PORT:-8090}. With SIM_GENERATE_EVERY_S it queues a random
 * SGDP command every N seconds; SIM_LATENCY_MS adds that many milliseconds
 * to every RAC and Smart Link request (a real network's round trip). Run: `deno run -A src/simulator/main.ts`.
 */
import { createSimulator } from "./app.ts";
import { SGDP_COMMAND_TYPES } from "./generator.ts";

function numberEnv(name: string, fallback: number | undefined): number | undefined {
  const raw = Deno.env.get(name)?.trim();
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`Invalid ${name}: expected a non-negative number, got ${JSON.stringify(raw)}`);
    Deno.exit(2);
  }
  return n;
}

const port = numberEnv("SIM_PORT", 8090)!;
const generateEveryS = numberEnv("SIM_GENERATE_EVERY_S", undefined);
const clientId = Deno.env.get("SIM_CLIENT_ID") || "sim-client";
const clientSecret = Deno.env.get("SIM_CLIENT_SECRET") || "sim-secret";
const base = `http://127.0.0.1:${port}`;

const sim = createSimulator({
  clientId,
  clientSecret,
  tenantId: Deno.env.get("SIM_TENANT_ID") || undefined,
  tokenLifetimeS: numberEnv("SIM_TOKEN_LIFETIME_S", 3600),
  issuer: `${base}/totvs.rac`,
  latencyMs: numberEnv("SIM_LATENCY_MS", 0),
});

if (generateEveryS !== undefined && generateEveryS > 0) {
  setInterval(() => {
    const type = SGDP_COMMAND_TYPES[Math.floor(Math.random() * SGDP_COMMAND_TYPES.length)];
    sim.generate(type, 1);
  }, generateEveryS * 1000);
}

Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: () => {
    console.log(`Smart Link simulator on ${base}`);
    console.log(`  SMARTLINK_LINK_URL=${base}`);
    console.log(`  SMARTLINK_RAC_TOKEN_URL=${base}/totvs.rac/connect/token`);
    console.log(`  SMARTLINK_CLIENT_ID=${clientId} SMARTLINK_CLIENT_SECRET=${clientSecret}`);
    console.log(`  control: POST ${base}/_sim/enqueue {"generate":{"type":"SGDPMaskCommand","count":3}}`);
    console.log(`           GET ${base}/_sim/state · POST ${base}/_sim/faults · /_sim/mode · /_sim/reset`);
    if (generateEveryS) console.log(`  generating one SGDP command every ${generateEveryS} s`);
  },
}, sim.app.fetch);
