/**
 * Server faults: a 2,000-command run through the real RAC token cache, Smart
 * Link client and tick, against the simulator injecting 5xx (20 % of
 * requests), timeouts (5 %), 429 with Retry-After, malformed bodies and a RAC
 * outage longer than the token lifetime. The run ends with everything
 * delivered, executed once and replied to, and no attempt burned by a
 * transient fault. Time is injected: the clock advances per tick, Retry-After
 * waits go to a recording sleep; only the client's short HTTP timeout (50 ms)
 * runs on the wall clock.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { buildRegistry, parseHandlersFile } from "../src/handlers/registry.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createTokenProvider } from "../src/rac/token_provider.ts";
import { createSimulator } from "../src/simulator/app.ts";
import { createFakeErp } from "../src/simulator/erp.ts";
import { SGDP_COMMAND_TYPES } from "../src/simulator/generator.ts";
import { createSmartLinkClient } from "../src/smartlink/client.ts";
import { createSetupTracker } from "../src/sync/setup.ts";
import type { TickSummary } from "../src/sync/summary.ts";
import { tick } from "../src/sync/tick.ts";
import { dbTest } from "./helpers/db.ts";
import { createPrng, seedFromEnv } from "./helpers/prng.ts";
import { fakeClock, testTickDeps } from "./helpers/tick_deps.ts";

const SIM = "http://sim.test";
const ERP = "http://erp.test";
const MESSAGES = 2000;
const TOKEN_LIFETIME_S = 300;
const HTTP_TIMEOUT_MS = 50;
const TICK_STEP_MS = 10_000;
const OUTAGE_STEP_MS = 60_000;
const OUTAGE_TICKS = 8; // 8 × 60 s = 480 s without RAC, longer than the 300 s token
const MAX_TICKS = 5000;

type Op = "token" | "setup" | "get" | "ack" | "send";

const MALFORMED_GET = [
  "<html><body>Service temporarily unavailable</body></html>",
  '[{"id":"half',
  '{"messages": 42}',
  '"just a string"',
  "42",
];
const MALFORMED_TOKEN = ["not json at all", '{"token_type":"Bearer"}', '{"access_token":""}'];
const HTML_5XX = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";

function opOf(path: string): Op | undefined {
  if (path.endsWith("/connect/token")) return "token";
  if (path === "/api/v1/link/setup") return "setup";
  if (path === "/api/v1/link/get") return "get";
  if (path === "/api/v1/link/ack") return "ack";
  if (path.startsWith("/api/v1/link/send/")) return "send";
  return undefined;
}

dbTest(
  "tick() delivers 2,000 commands through 5xx, timeouts, 429, bad bodies and a RAC outage without burning an attempt",
  async (db, backend) => {
    const seed = seedFromEnv("FAULTS_SEED");
    const prng = createPrng(seed);
    const clock = fakeClock();
    const sim = createSimulator({ now: () => clock.now().getTime(), tokenLifetimeS: TOKEN_LIFETIME_S });
    // The RSA key pair is made on first use; make it now, outside the 50 ms timeout.
    await (await sim.app.request(`${SIM}/totvs.rac/.well-known/openid-configuration/jwks`)).body?.cancel();

    const injected = { http5xx: 0, timeout: 0, rateLimited: 0, malformed: 0, racOutage: 0 };
    let outage = false;
    const faultyFetch: typeof fetch = (input, init) => {
      const req = new Request(input, init);
      const op = opOf(new URL(req.url).pathname);
      if (op === "token" && outage) {
        injected.racOutage++;
        sim.fault({ op, status: 503, body: HTML_5XX });
      } else if (op !== undefined) {
        const r = prng.next();
        if (r < 0.20) {
          injected.http5xx++;
          const status = prng.pick([500, 502, 503, 504]);
          sim.fault({ op, status, body: status === 502 ? HTML_5XX : undefined });
        } else if (r < 0.25) {
          // The server acts on the request but the answer never arrives in time.
          injected.timeout++;
          sim.fault({ op, delayMs: 600_000 });
        } else if (r < 0.28) {
          injected.rateLimited++;
          sim.fault({ op, status: 429, retryAfterS: prng.pick([1, 5, 30]) });
        } else if (r < 0.36 && (op === "get" || op === "token")) {
          injected.malformed++;
          sim.fault({ op, status: 200, body: prng.pick(op === "get" ? MALFORMED_GET : MALFORMED_TOKEN) });
        }
      }
      return sim.fetch(req);
    };
    const waits: number[] = [];
    const fastSleep = (ms: number) => (waits.push(ms), Promise.resolve());

    const erp = createFakeErp(clock.now);
    const erpFetch: typeof fetch = (input, init) => Promise.resolve(erp.app.fetch(new Request(input, init)));
    const handlersFile = parseHandlersFile(
      JSON.stringify({
        SGDPDataCommand: {
          kind: "http",
          url: `${ERP}/sgdp/data`,
          reply: { type: "SGDPDataResponse", audience: "SGDP" },
        },
        SGDPMaskCommand: {
          kind: "http",
          url: `${ERP}/sgdp/mask`,
          reply: { type: "SGDPMaskResponse", audience: "SGDP" },
        },
        SGDPLogsCommand: {
          kind: "http",
          url: `${ERP}/sgdp/logs`,
          reply: { type: "SGDPLogsResponse", audience: "SGDP" },
        },
      }),
      "faults-handlers.json",
    );
    const logger = createMemoryLogger("info");
    const now = () => clock.now().getTime();
    const tokens = createTokenProvider({
      tokenUrl: `${SIM}/totvs.rac/connect/token`,
      clientId: "sim-client",
      clientSecret: "sim-secret",
      fetch: faultyFetch,
      now,
      timeoutMs: HTTP_TIMEOUT_MS,
      logger,
    });
    const client = createSmartLinkClient({
      baseUrl: SIM,
      fetch: faultyFetch,
      tokens,
      timeoutMs: HTTP_TIMEOUT_MS,
      maxMessageBytes: 1_048_576,
      logger,
      sleep: fastSleep,
      now,
    });
    const handlers = buildRegistry(handlersFile, { fetch: erpFetch, env: () => undefined, defaultTimeoutMs: 5000 });
    const deps = testTickDeps(db, client, handlers, {
      setup: createSetupTracker({
        setup: (t) => client.setup(t),
        subscriptions: [...SGDP_COMMAND_TYPES],
        now: clock.now,
        logger,
      }),
      clock,
      logger,
      executor: "faults-test",
      tenantId: () => tokens.state().tenantId,
      handlerTimeoutMs: 5000,
    });

    for (const type of SGDP_COMMAND_TYPES) sim.generate(type, Math.ceil(MESSAGES / 3));
    sim.state.queue.splice(MESSAGES);
    const commands = sim.state.queue.map((q) => q.item as { id: string; data: { content: { requestID: string } } });

    const errors = new Map<string, number>();
    let ticks = 0;
    let ran = 0;
    let outageTicks = 0;
    let outageStartedAt = 0;
    let outageMs = 0;
    let tokenExpiredDuringOutage = false;
    const tokenErrorsDuringOutage: string[] = [];
    const outageAt = 30;
    for (; ticks < MAX_TICKS; ticks++) {
      if (ticks === outageAt) {
        outage = true;
        outageStartedAt = now();
      }
      const summary: TickSummary = await tick(deps, "test");
      ran++;
      if (summary.error) {
        const key = `${summary.error.phase}/${summary.error.code}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
        if (outage) tokenErrorsDuringOutage.push(summary.error.code);
      }
      if (outage) {
        const until = tokens.state().validUntil;
        if (until === undefined || until.getTime() <= now()) tokenExpiredDuringOutage = true;
        clock.advance(OUTAGE_STEP_MS);
        if (++outageTicks === OUTAGE_TICKS) {
          outage = false;
          outageMs = now() - outageStartedAt;
        }
        continue;
      }
      clock.advance(TICK_STEP_MS);
      if (ticks > outageAt && sim.state.queue.length === 0) {
        const [{ n }] = await db.rows<{ n: number }>(sql`select count(*)::int as n from gtotvslinkmessage`);
        if (Number(n) === 0) break;
      }
    }

    // Everything delivered, executed exactly once, replied to.
    const left = await db.rows<{ direcao: string; status: string }>(sql`select direcao, status from gtotvslinkmessage`);
    assert.deepEqual([...left], [], "no row left");
    assert.equal(sim.state.queue.length, 0, "the server queue is empty: everything acked");
    const execs = await db.rows<{ idexterno: string | null; direcao: string; tentativa: number; sucesso: boolean }>(
      sql`select idexterno, direcao, tentativa, sucesso from gtotvslinkmessageexec`,
    );
    const burned = [...execs].filter((e) => !e.sucesso || e.tentativa !== 1);
    assert.deepEqual(burned, [], "every EXEC row is a success at attempt 1: no attempt burned by a transient fault");
    const down = new Set(execs.filter((e) => e.direcao === "DOWN").map((e) => e.idexterno));
    assert.equal(down.size, MESSAGES);
    assert.deepEqual(commands.filter((c) => !down.has(c.id)).map((c) => c.id), [], "commands without a success");
    assert.equal(execs.filter((e) => e.direcao === "UP").length, MESSAGES, "one successful send per reply");
    assert.equal(erp.calls.length, MESSAGES, "each handler ran exactly once");
    const replied = new Map<string, number>();
    for (const s of sim.state.sent) {
      const requestID = JSON.parse(s.body).content.requestID;
      replied.set(requestID, (replied.get(requestID) ?? 0) + 1);
    }
    const missing = commands.filter((c) => !replied.has(c.data.content.requestID));
    assert.deepEqual(missing.map((c) => c.id), [], "commands without a reply at the server");
    const duplicateReplies = sim.state.sent.length - replied.size;

    // The faults really happened and were survived as tick errors only.
    for (const [kind, n] of Object.entries(injected)) assert.ok(n > 0, `no ${kind} fault was injected`);
    assert.ok(outageMs > TOKEN_LIFETIME_S * 1000, "the RAC outage outlasted the token lifetime");
    assert.ok(tokenExpiredDuringOutage, "the cached token ran out during the outage");
    assert.ok(tokenErrorsDuringOutage.includes("SL_TOKEN"), "ticks failed for want of a token during the outage");
    assert.ok(waits.some((ms) => ms === 1000 || ms === 5000 || ms === 30_000), "Retry-After was honoured");
    const allowed = new Set([
      "SL_HTTP_5XX",
      "SL_TIMEOUT",
      "SL_RATE_LIMITED",
      "SL_BAD_RESPONSE",
      "SL_TOKEN",
      "SL_UNAUTHORIZED",
    ]);
    for (const key of errors.keys()) assert.ok(allowed.has(key.split("/")[1]), `unexpected tick error ${key}`);
    const errorLines = logger.lines.filter((l) => l.level === "error");
    const failedTicks = [...errors.values()].reduce((a, b) => a + b, 0);
    assert.equal(errorLines.length, failedTicks, "one error line per failed tick");

    console.log(
      [
        `server faults [${backend}] seed ${seed} (replay: FAULTS_SEED=${seed})`,
        `faults injected: ${JSON.stringify(injected)}`,
        `ticks: ${ran}, failed: ${failedTicks} ${JSON.stringify(Object.fromEntries(errors))}`,
        `RAC outage: ${
          outageMs / 1000
        } s (token lifetime ${TOKEN_LIFETIME_S} s); Retry-After waits honoured: ${waits.length}`,
        `messages: ${MESSAGES} delivered and executed once; messages lost: 0; attempts burned: 0`,
        `replies: ${sim.state.sent.length} sent (${duplicateReplies} duplicates after a lost answer)`,
      ].join("\n"),
    );
  },
);
