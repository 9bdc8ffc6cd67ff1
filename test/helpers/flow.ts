/**
 * A client runtime wired to the in-memory simulator and ERP stand-in through
 * an injected fetch (no sockets): `http://sim.test` is the Smart Link Server
 * and RAC, `http://erp.test` the ERP the http handlers call.
 */
import { loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/client.ts";
import { createMemoryLogger } from "../../src/log.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { createSimulator, type Simulator } from "../../src/simulator/app.ts";
import { createFakeErp, type FakeErp } from "../../src/simulator/erp.ts";
import type { SimVariant } from "../../src/simulator/variants.ts";

export interface Flow {
  runtime: Runtime;
  sim: Simulator;
  erp: FakeErp;
  logger: ReturnType<typeof createMemoryLogger>;
  clock: { now: () => Date; advance(ms: number): void };
  cleanup(): Promise<void>;
}

export const SIM = "http://sim.test";
export const ERP = "http://erp.test";

export const TPD_HANDLERS = {
  SGDPDataCommand: { kind: "http", url: `${ERP}/sgdp/data`, reply: { type: "SGDPDataResponse", audience: "SGDP" } },
  SGDPMaskCommand: { kind: "http", url: `${ERP}/sgdp/mask`, reply: { type: "SGDPMaskResponse", audience: "SGDP" } },
  SGDPLogsCommand: { kind: "http", url: `${ERP}/sgdp/logs`, reply: { type: "SGDPLogsResponse", audience: "SGDP" } },
};

/** Answers `SIM` from the simulator and `ERP` from the stand-in without a socket; loopback goes out; the rest is refused. */
export function simulatorFetch(sim: Simulator, erp: FakeErp): typeof fetch {
  return (input, init) => {
    const req = new Request(input, init);
    if (req.url.startsWith(SIM)) return sim.fetch(req);
    if (req.url.startsWith(ERP)) return Promise.resolve(erp.app.fetch(req));
    // Loopback receivers a test starts itself (the alert webhook).
    if (req.url.startsWith("http://127.0.0.1:")) return fetch(req);
    return Promise.reject(new TypeError(`connection refused: ${req.url}`));
  };
}

export interface FlowOptions {
  env?: Record<string, string>;
  handlers?: unknown;
  start?: Date;
  /** False: no SMARTLINK_CLIENT_ID/SECRET in the environment (activate through the page or CLI). */
  envCredentials?: boolean;
  /** False: no SMARTLINK_LINK_URL/RAC_TOKEN_URL in the environment (the URLs come with stored credentials). */
  envUrls?: boolean;
  /** The tenant's secret the simulator accepts (default "sim-secret"). */
  clientSecret?: string;
  /** Share one simulator between two flows (an active/passive pair). */
  sim?: Simulator;
  executor?: string;
  variant?: SimVariant;
  /** Wraps the fetch the runtime uses (to answer some requests differently). */
  wrapFetch?: (inner: typeof fetch) => typeof fetch;
}

export async function createFlow(db: Database, options: FlowOptions = {}): Promise<Flow> {
  let t = (options.start ?? new Date("2026-01-05T10:00:00.000Z")).getTime();
  const clock = { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
  const sim = options.sim ??
    createSimulator({
      now: () => t,
      issuer: `${SIM}/totvs.rac`,
      clientSecret: options.clientSecret,
      variant: options.variant,
    });
  const erp = createFakeErp(clock.now);
  const dir = await Deno.makeTempDir({ prefix: "smartlink-flow-" });
  const handlersPath = `${dir}/handlers.json`;
  await Deno.writeTextFile(handlersPath, JSON.stringify(options.handlers ?? TPD_HANDLERS));
  const env: Record<string, string> = {
    ...(options.envUrls === false ? {} : {
      SMARTLINK_LINK_URL: SIM,
      SMARTLINK_RAC_TOKEN_URL: `${SIM}/totvs.rac/connect/token`,
    }),
    ...(options.envCredentials === false ? {} : {
      SMARTLINK_CLIENT_ID: "sim-client",
      SMARTLINK_CLIENT_SECRET: options.clientSecret ?? "sim-secret",
    }),
    SMARTLINK_HANDLERS: handlersPath,
    SMARTLINK_HTTP_TIMEOUT_S: "5",
    SMARTLINK_HANDLER_TIMEOUT_S: "5",
    ...options.env,
  };
  const fetchFn = simulatorFetch(sim, erp);
  const logger = createMemoryLogger();
  const runtime = await createRuntime({
    config: loadConfig(env),
    logger,
    env: (name) => env[name],
    fetch: options.wrapFetch ? options.wrapFetch(fetchFn) : fetchFn,
    now: clock.now,
    db,
    executor: options.executor ?? "flow-test",
  });
  return {
    runtime,
    sim,
    erp,
    logger,
    clock,
    cleanup: async () => {
      await runtime.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Runs one full tick and returns its summary; fails the test when the guard refused it. */
export async function runTick(flow: Flow) {
  const result = await flow.runtime.runner.run("test");
  if (!result.ran) throw new Error(`tick did not run: ${result.reason}`);
  return result.summary;
}
