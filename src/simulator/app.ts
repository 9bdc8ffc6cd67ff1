/**
 * Smart Link Server + RAC stand-in (SPEC.md section 9): a Hono app in memory.
 * It speaks the default wire profile, issues RS256 JWTs, and takes control
 * requests under `/_sim/` (enqueue, state, faults, mode, reset). A dev and
 * test aid only; nothing here runs at import time.
 */
import { Hono, type MiddlewareHandler } from "hono";
import * as v from "valibot";
import { generateCommand, SGDP_COMMAND_TYPES } from "./generator.ts";
import {
  ackItem,
  createState,
  deliver,
  enqueueItems,
  FaultSchema,
  ModeSchema,
  recordRequest,
  resetState,
  type SimOp,
  type SimulatorState,
  stateSnapshot,
  takeFault,
} from "./state.ts";
import { createTokenIssuer } from "./token_issuer.ts";
import { basicCredentials } from "./basic_credentials.ts";
import { faultResponse } from "./fault_response.ts";
import { registerPathSend, registerVariant, type SimVariant } from "./variants.ts";

export type { SimulatorState } from "./state.ts";

export interface SimulatorOptions {
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Default 3600. */
  tokenLifetimeS?: number;
  /** Default "sim-client". */
  clientId?: string;
  /** Default "sim-secret". */
  clientSecret?: string;
  tenantId?: string;
  /** The `iss` of issued tokens. Default "http://127.0.0.1/totvs.rac". */
  issuer?: string;
  /** Milliseconds added to every RAC and Smart Link request (also `/_sim/mode {"latencyMs":…}`). Default 0. */
  latencyMs?: number;
  /** Acked, nacked and sent entries kept in the state (default 10,000; Infinity keeps all). */
  historyLimit?: number;
  /** Waits `ms` or until `signal` aborts; the latency and `delayMs` faults use it. Default: a timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The wire profile it speaks (`profiles/<variant>.json`). Default "default". */
  variant?: SimVariant;
}

export interface Simulator {
  app: Hono;
  state: SimulatorState;
  /** Queues transport items (one or many) at the tail. */
  enqueue(items: unknown[] | unknown): void;
  /** Queues `count` generated SGDP commands of `type`. */
  generate(type: typeof SGDP_COMMAND_TYPES[number], count: number): void;
  /** Makes the next `count` matching requests fail as described. */
  fault(fault: v.InferInput<typeof FaultSchema>): void;
  /** A `fetch` into the app, no socket; it rejects with the signal's reason when the request is aborted. */
  fetch: typeof fetch;
}

export const DEFAULT_SIM_TENANT_ID = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";

const GenerateSchema = v.object({
  generate: v.object({
    type: v.picklist(SGDP_COMMAND_TYPES),
    count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 1),
  }),
});

const SetupSchema = v.object({ subscriptions: v.array(v.pipe(v.string(), v.minLength(1))) });
const AckSchema = v.object({ id: v.union([v.pipe(v.string(), v.minLength(1)), v.number()]) });

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Creates an in-memory simulator. No I/O until a request arrives. */
export function createSimulator(opts: SimulatorOptions = {}): Simulator {
  const now = opts.now ?? Date.now;
  const clientId = opts.clientId ?? "sim-client";
  const clientSecret = opts.clientSecret ?? "sim-secret";
  const tenantId = opts.tenantId ?? DEFAULT_SIM_TENANT_ID;
  const issuer = opts.issuer ?? "http://127.0.0.1/totvs.rac";
  const tokens = createTokenIssuer({ issuer, tenantId, lifetimeS: opts.tokenLifetimeS ?? 3600, now });
  const state = createState(opts.historyLimit);
  const latencyMs = opts.latencyMs ?? 0;
  state.mode.latencyMs = latencyMs;
  const sleep = opts.sleep ?? delay;
  const app = new Hono();
  let generated = 0;

  const enqueue = (items: unknown[] | unknown) => {
    enqueueItems(state, Array.isArray(items) ? items : [items], new Date(now()));
  };
  const generate = (type: typeof SGDP_COMMAND_TYPES[number], count: number) => {
    const at = new Date(now());
    enqueue(Array.from({ length: count }, () => generateCommand(type, ++generated, tenantId, at)));
  };

  /** Fault injection, then the Bearer check, then the route; records the final status. */
  const guard = (op: SimOp, needsAuth: boolean): MiddlewareHandler => async (c, next) => {
    if (state.mode.latencyMs > 0) await sleep(state.mode.latencyMs, c.req.raw.signal);
    const fault = takeFault(state, op);
    if (fault?.delayMs) await sleep(fault.delayMs, c.req.raw.signal);
    if (fault && (fault.status !== undefined || fault.body !== undefined)) {
      const res = faultResponse(fault);
      recordRequest(state, op, res.status, new Date(now()));
      return res;
    }
    if (needsAuth) {
      const token = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
      if (!token || !(await tokens.verify(token))) {
        recordRequest(state, op, 401, new Date(now()));
        return c.json({ error: "invalid_token", message: "Bearer token missing, invalid or expired" }, 401);
      }
    }
    await next();
    recordRequest(state, op, c.res.status, new Date(now()));
  };

  // RAC
  app.post("/totvs.rac/connect/token", guard("token", false), async (c) => {
    const form = await c.req.parseBody();
    const basic = basicCredentials(c.req.header("authorization"));
    const id = typeof form.client_id === "string" ? form.client_id : basic.id;
    const secret = typeof form.client_secret === "string" ? form.client_secret : basic.secret;
    if (form.grant_type !== "client_credentials") {
      return c.json(
        { error: "unsupported_grant_type", error_description: "Only client_credentials is supported" },
        400,
      );
    }
    if (id === undefined || secret === undefined) {
      return c.json({ error: "invalid_request", error_description: "client_id and client_secret are required" }, 400);
    }
    if (id !== clientId || secret !== clientSecret) {
      return c.json({ error: "invalid_client", error_description: "Client authentication failed" }, 401);
    }
    if (typeof form.scope === "string" && !form.scope.split(" ").includes("authorization_api")) {
      return c.json({ error: "invalid_scope", error_description: `Unknown scope "${form.scope}"` }, 400);
    }
    const issued = await tokens.issue(id);
    state.tokensIssued++;
    return c.json({
      access_token: issued.token,
      expires_in: issued.expiresIn,
      token_type: "Bearer",
      scope: "authorization_api",
    });
  });
  app.get("/totvs.rac/.well-known/openid-configuration/jwks", async (c) => c.json(await tokens.jwks()));
  app.get("/totvs.rac/.well-known/openid-configuration", (c) => {
    const origin = new URL(c.req.url).origin;
    return c.json({
      issuer,
      jwks_uri: `${origin}/totvs.rac/.well-known/openid-configuration/jwks`,
      token_endpoint: `${origin}/totvs.rac/connect/token`,
      grant_types_supported: ["client_credentials"],
    });
  });

  // Smart Link Server
  const variant = opts.variant ?? "default";
  if (variant !== "default") registerVariant(variant, { app, state, guard, now });
  else registerDefault();

  function registerDefault() {
    app.post("/api/v1/link/setup", guard("setup", true), async (c) => {
      const body = v.safeParse(SetupSchema, await c.req.json().catch(() => undefined));
      if (!body.success) return c.json({ error: "bad_request", message: 'Expected {"subscriptions":[types…]}' }, 400);
      state.subscriptions = [...new Set(body.output.subscriptions)];
      state.setups.push({ at: new Date(now()).toISOString(), subscriptions: body.output.subscriptions });
      return c.json({ subscriptions: state.subscriptions });
    });

    app.get("/api/v1/link/get", guard("get", true), (c) => {
      const batch = deliver(state);
      const mode = state.mode.getMode;
      if (mode === "single") return batch.length === 0 ? c.body(null, 204) : c.json(batch[0] as object);
      return c.json(mode === "wrapped" ? { messages: batch } : batch);
    });

    const ack = (id: string) => {
      if (ackItem(state, id)) return { status: 200, body: { acked: id } };
      return { status: state.mode.ackNotFound, body: { error: "not_found", message: `No queued message "${id}"` } };
    };
    app.post("/api/v1/link/ack", guard("ack", true), async (c) => {
      const body = v.safeParse(AckSchema, await c.req.json().catch(() => undefined));
      if (!body.success) return c.json({ error: "bad_request", message: 'Expected {"id":"<message id>"}' }, 400);
      const res = ack(String(body.output.id));
      return new Response(JSON.stringify(res.body), {
        status: res.status,
        headers: { "Content-Type": "application/json" },
      });
    });
    for (const method of ["POST", "DELETE"]) {
      app.on(method, "/api/v1/link/ack/:id", guard("ack", true), (c) => {
        const res = ack(c.req.param("id"));
        return new Response(JSON.stringify(res.body), {
          status: res.status,
          headers: { "Content-Type": "application/json" },
        });
      });
    }

    registerPathSend({ app, state, guard, now });
  }

  // Control
  app.post("/_sim/enqueue", async (c) => {
    const json = await c.req.json().catch(() => undefined);
    if (json === undefined) return c.json({ error: "bad_request", message: "Expected a JSON body" }, 400);
    const before = state.queue.length;
    if (typeof json === "object" && json !== null && "generate" in json) {
      const gen = v.safeParse(GenerateSchema, json);
      if (!gen.success) return c.json({ error: "bad_request", message: v.summarize(gen.issues) }, 400);
      generate(gen.output.generate.type, gen.output.generate.count);
    } else {
      enqueue(json);
    }
    return c.json({ enqueued: state.queue.length - before, queued: state.queue.length });
  });
  app.get("/_sim/state", (c) => c.json(stateSnapshot(state)));
  app.post("/_sim/faults", async (c) => {
    const fault = v.safeParse(FaultSchema, await c.req.json().catch(() => undefined));
    if (!fault.success) return c.json({ error: "bad_request", message: v.summarize(fault.issues) }, 400);
    state.faults.push(fault.output);
    return c.json({ faults: state.faults });
  });
  app.post("/_sim/mode", async (c) => {
    const mode = v.safeParse(ModeSchema, await c.req.json().catch(() => undefined));
    if (!mode.success) return c.json({ error: "bad_request", message: v.summarize(mode.issues) }, 400);
    for (const [key, value] of Object.entries(mode.output)) {
      if (value !== undefined) Object.assign(state.mode, { [key]: value });
    }
    return c.json({ mode: state.mode });
  });
  app.post("/_sim/revoke", (c) => {
    tokens.revokeAll();
    return c.json({ revoked: true });
  });
  app.post("/_sim/reset", (c) => {
    resetState(state);
    state.mode.latencyMs = latencyMs;
    return c.json({ reset: true });
  });

  const simFetch: typeof fetch = (input, init) => {
    const req = new Request(input, init);
    if (req.signal.aborted) return Promise.reject(req.signal.reason);
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => reject(req.signal.reason);
      req.signal.addEventListener("abort", onAbort, { once: true });
      Promise.resolve(app.fetch(req)).then(resolve, reject).finally(() => {
        req.signal.removeEventListener("abort", onAbort);
      });
    });
  };

  return {
    app,
    state,
    enqueue,
    generate,
    fault: (fault) => state.faults.push(v.parse(FaultSchema, fault)),
    fetch: simFetch,
  };
}
