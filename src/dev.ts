/**
 * `deno task dev`: the whole flow on one machine with no credentials. Starts
 * the simulator (RAC + Smart Link Server) and an ERP stand-in on loopback,
 * writes a handlers file for the TPD commands, and serves the client against
 * them on the embedded database, ticking every DEV_TICK_EVERY_S seconds
 * (default 10) besides the cron schedule; every DEV_ERP_FAIL_EVERY_S seconds
 * (default 45) the ERP answers one call with 503. SIM_VARIANT picks the wire
 * profile the simulator speaks (`default`, `delivery-tag`, `post-single`; pair
 * it with SMARTLINK_PROFILE=profiles/<variant>.json). DEV_ACTIVATE=page leaves
 * the credentials out so they are entered on /activation (a dev secret key is
 * made in the data folder). Never used by production config.
 */
import { DEV_DATA_DIR } from "./cli/find_server.ts";
import { serveCommand } from "./cli/serve.ts";
import { loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { createSimulator } from "./simulator/app.ts";
import { createFakeErp } from "./simulator/erp.ts";
import { SGDP_COMMAND_TYPES } from "./simulator/generator.ts";
import { SIM_VARIANTS, type SimVariant } from "./simulator/variants.ts";

const simPort = Number(Deno.env.get("SIM_PORT") ?? 8090);
const erpPort = Number(Deno.env.get("ERP_PORT") ?? 8091);
const tickEveryS = Number(Deno.env.get("DEV_TICK_EVERY_S") ?? 10);
const generateEveryS = Number(Deno.env.get("SIM_GENERATE_EVERY_S") ?? 15);
const simBase = `http://127.0.0.1:${simPort}`;
const erpBase = `http://127.0.0.1:${erpPort}`;

const variant = Deno.env.get("SIM_VARIANT") || "default";
if (!(SIM_VARIANTS as readonly string[]).includes(variant)) {
  console.error(`Invalid SIM_VARIANT: expected one of ${SIM_VARIANTS.join(", ")}, got "${variant}"`);
  Deno.exit(2);
}
const sim = createSimulator({ issuer: `${simBase}/totvs.rac`, variant: variant as SimVariant });
const erp = createFakeErp();
Deno.serve({ hostname: "127.0.0.1", port: simPort, onListen: () => {} }, sim.app.fetch);
Deno.serve({ hostname: "127.0.0.1", port: erpPort, onListen: () => {} }, erp.app.fetch);

const dataDir = Deno.env.get("SMARTLINK_DATA_DIR") ?? DEV_DATA_DIR;
Deno.mkdirSync(dataDir, { recursive: true });
const handlersPath = `${dataDir}/dev-handlers.json`;
const reply = (type: string) => ({ type, audience: "SGDP" });
// The ERP stand-in ignores it; it is there so a capture of a dev run can be checked for handler header values.
const headers = { Authorization: "Bearer ${DEV_ERP_TOKEN}" };
Deno.writeTextFileSync(
  handlersPath,
  JSON.stringify(
    {
      SGDPDataCommand: { kind: "http", url: `${erpBase}/sgdp/data`, headers, reply: reply("SGDPDataResponse") },
      SGDPMaskCommand: { kind: "http", url: `${erpBase}/sgdp/mask`, headers, reply: reply("SGDPMaskResponse") },
      SGDPLogsCommand: { kind: "http", url: `${erpBase}/sgdp/logs`, headers, reply: reply("SGDPLogsResponse") },
    },
    null,
    2,
  ),
);

// DEV_ACTIVATE=page: no credentials in the environment, a dev secret key, and the operator activates on the page.
const viaPage = Deno.env.get("DEV_ACTIVATE") === "page";
const devKeyFile = `${dataDir}/dev-secret.key`;
if (viaPage && !Deno.env.get("SMARTLINK_SECRET_KEY") && !Deno.env.get("SMARTLINK_SECRET_KEY_FILE")) {
  try {
    Deno.statSync(devKeyFile);
  } catch {
    // First run: a random dev key, readable by this user only.
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    Deno.writeTextFileSync(devKeyFile, key + "\n", { mode: 0o600 });
  }
}
const env: Record<string, string> = {
  ...Deno.env.toObject(),
  SMARTLINK_LINK_URL: simBase,
  SMARTLINK_RAC_TOKEN_URL: `${simBase}/totvs.rac/connect/token`,
  ...(viaPage
    ? (Deno.env.get("SMARTLINK_SECRET_KEY") ? {} : { SMARTLINK_SECRET_KEY_FILE: devKeyFile })
    : { SMARTLINK_CLIENT_ID: "sim-client", SMARTLINK_CLIENT_SECRET: "sim-secret" }),
  SMARTLINK_HANDLERS: handlersPath,
  SMARTLINK_DATA_DIR: dataDir,
  DEV_ERP_TOKEN: Deno.env.get("DEV_ERP_TOKEN") || `dev-erp-${crypto.randomUUID()}`,
};
delete env.DATABASE_URL;
const config = loadConfig(env);
const logger = createLogger({ level: config.logLevel });
logger.info("Dev mode: simulator and ERP stand-in on loopback", {
  simulator: simBase,
  erp: erpBase,
  admin: `http://${config.host}:${config.port}/`,
});
if (viaPage) {
  logger.info(
    `Activate on http://${config.host}:${config.port}/activation: client id "sim-client", client secret "sim-secret"`,
  );
}

for (const type of SGDP_COMMAND_TYPES) sim.generate(type, 2);
if (generateEveryS > 0) {
  setInterval(() => {
    sim.generate(SGDP_COMMAND_TYPES[Math.floor(Math.random() * SGDP_COMMAND_TYPES.length)], 1);
  }, generateEveryS * 1000);
}
// Now and then the ERP answers 503, so the dashboard shows a retry with the RM formula.
const erpFailEveryS = Number(Deno.env.get("DEV_ERP_FAIL_EVERY_S") ?? 45);
if (erpFailEveryS > 0) setInterval(() => erp.failNext(1, 503, "ERP busy (dev simulation)"), erpFailEveryS * 1000);
if (tickEveryS > 0) {
  const adminUrl = `http://${config.host}:${config.port}/api/sync`;
  setInterval(() => {
    fetch(adminUrl, {
      method: "POST",
      headers: config.adminToken ? { Authorization: `Bearer ${config.adminToken}` } : {},
    }).then((r) => r.body?.cancel()).catch(() => {});
  }, tickEveryS * 1000);
}

Deno.exit(await serveCommand({ config, logger, env: (name) => env[name] }));
