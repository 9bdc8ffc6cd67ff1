/**
 * Wire-profile variants of the simulated Smart Link Server, one per example
 * in `profiles/`: the same queue spoken with other methods, bodies, answer
 * shapes and ack ids, so each example profile is proven to load and drain a
 * queue. `default` is registered by `app.ts` itself.
 */
import type { Hono, MiddlewareHandler } from "hono";
import * as v from "valibot";
import { getKey, isRecord } from "../smartlink/json_keys.ts";
import {
  ackItem,
  deliverEntries,
  nackItem,
  type QueuedItem,
  recordSent,
  type SimOp,
  type SimulatorState,
} from "./state.ts";

export const SIM_VARIANTS = ["default", "delivery-tag", "post-single"] as const;
export type SimVariant = typeof SIM_VARIANTS[number];

export interface VariantContext {
  app: Hono;
  state: SimulatorState;
  guard: (op: SimOp, needsAuth: boolean) => MiddlewareHandler;
  now: () => number;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** The transport fields of a queued default-shape item `{id, type, audience?, correlationId?, data}`. */
function parts(entry: QueuedItem) {
  const item = isRecord(entry.item) ? entry.item : {};
  return {
    id: entry.id,
    type: getKey(item, "type"),
    audience: getKey(item, "audience"),
    correlationId: getKey(item, "correlationId"),
    data: getKey(item, "data") ?? item,
  };
}

/** Registers the Smart Link routes of `variant` (not `default`). */
export function registerVariant(variant: Exclude<SimVariant, "default">, ctx: VariantContext): void {
  if (variant === "delivery-tag") deliveryTag(ctx);
  else postSingle(ctx);
}

/**
 * `profiles/delivery-tag.json`: `GET …/get?max=N` answers `{messages:[…]}` whose
 * items carry a per-delivery `deliveryTag` (a RabbitMQ-like ack id, stale after a
 * redelivery); `DELETE …/ack/{tag}`; `POST …/nack {id, reason}`.
 */
function deliveryTag({ app, state, guard, now }: VariantContext): void {
  const tags = new Map<string, { id: string; delivery: number }>();
  const live = (tag: string) => {
    const t = tags.get(tag);
    const entry = t && state.queue.find((e) => e.id === t.id);
    return entry && entry.deliveries === t.delivery ? t.id : undefined;
  };
  app.post("/api/v1/link/setup", guard("setup", true), async (c) => {
    const body = await c.req.json().catch(() => undefined);
    const subs = isRecord(body) ? body.subscriptions : undefined;
    if (!Array.isArray(subs)) return json({ error: "bad_request", message: "Expected subscriptions" }, 400);
    state.subscriptions = [...new Set(subs.map(String))];
    state.setups.push({ at: new Date(now()).toISOString(), subscriptions: state.subscriptions });
    return json({ ok: true });
  });
  app.get("/api/v1/link/get", guard("get", true), (c) => {
    const max = Number(c.req.query("max"));
    if (!Number.isInteger(max) || max < 1) return json({ error: "bad_request", message: "Expected ?max=N" }, 400);
    const batch = deliverEntries(state, Math.min(max, state.mode.batchSize));
    return json({
      messages: batch.map((entry) => {
        const p = parts(entry);
        const tag = `dt-${entry.seq}.${entry.deliveries}`;
        if (p.id !== undefined) tags.set(tag, { id: p.id, delivery: entry.deliveries });
        return {
          id: p.id,
          deliveryTag: tag,
          type: p.type,
          ...(p.audience === undefined ? {} : { audience: p.audience }),
          ...(p.correlationId === undefined ? {} : { correlationid: p.correlationId }),
          data: p.data,
        };
      }),
    });
  });
  app.delete("/api/v1/link/ack/:tag", guard("ack", true), (c) => {
    const id = live(c.req.param("tag"));
    if (id === undefined || !ackItem(state, id)) return json({ error: "not_found" }, 404);
    return json({ acked: id });
  });
  app.post("/api/v1/link/nack", guard("nack", true), async (c) => {
    const body = v.safeParse(
      v.object({ id: v.string(), reason: v.string() }),
      await c.req.json().catch(() => undefined),
    );
    if (!body.success) return json({ error: "bad_request", message: 'Expected {"id","reason"}' }, 400);
    const id = live(body.output.id);
    if (id === undefined || !nackItem(state, id, body.output.reason)) return json({ error: "not_found" }, 404);
    return json({ nacked: id });
  });
  registerPathSend({ app, state, guard, now });
}

/** `POST /api/v1/link/send/{type}/{audience}` with the envelope as the body: the default profile's send. */
export function registerPathSend({ app, state, guard, now }: VariantContext): void {
  app.post("/api/v1/link/send/:type/:audience", guard("send", true), async (c) => {
    recordSent(state, {
      type: c.req.param("type"),
      audience: c.req.param("audience"),
      body: await c.req.text(),
      contentType: c.req.header("content-type"),
      at: new Date(now()).toISOString(),
    });
    return json({ status: "accepted" }, 202);
  });
}

/**
 * `profiles/post-single.json`: everything by POST under `/api/v2/link`; one
 * message per `receive`, nested as `{result:{message:{header,payload,receipt}}}`
 * (`message: null` when empty); acks take `{receipts:[…]}`; a send carries type,
 * audience and the envelope object in its body.
 */
function postSingle({ app, state, guard, now }: VariantContext): void {
  const receipts = new Map<string, string>();
  app.post("/api/v2/link/setup", guard("setup", true), async (c) => {
    const body = await c.req.json().catch(() => undefined);
    const commands = isRecord(body) ? body.commands : undefined;
    if (!Array.isArray(commands)) return json({ error: "bad_request", message: "Expected commands" }, 400);
    state.subscriptions = [...new Set(commands.map(String))];
    state.setups.push({ at: new Date(now()).toISOString(), subscriptions: state.subscriptions });
    return json({ registered: state.subscriptions.length });
  });
  app.post("/api/v2/link/receive", guard("get", true), async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (!isRecord(body) || body.max !== 1) return json({ error: "bad_request", message: 'Expected {"max":1}' }, 400);
    const [entry] = deliverEntries(state, 1);
    if (entry === undefined) return json({ result: { message: null } });
    const p = parts(entry);
    const receipt = `rcpt-${entry.seq}-${entry.deliveries}`;
    if (p.id !== undefined) receipts.set(receipt, p.id);
    return json({
      result: {
        message: {
          header: { messageId: p.id, type: p.type, audience: p.audience, correlation: p.correlationId },
          payload: p.data,
          receipt,
        },
      },
    });
  });
  app.post("/api/v2/link/ack", guard("ack", true), async (c) => {
    const body = v.safeParse(v.object({ receipts: v.array(v.string()) }), await c.req.json().catch(() => undefined));
    if (!body.success) return json({ error: "bad_request", message: 'Expected {"receipts":[…]}' }, 400);
    const acked = body.output.receipts.filter((r) => {
      const id = receipts.get(r);
      return id !== undefined && ackItem(state, id);
    });
    return acked.length === 0 ? json({ error: "not_found" }, 404) : json({ acked });
  });
  app.post("/api/v2/link/send", guard("send", true), async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (
      !isRecord(body) || typeof body.type !== "string" || typeof body.audience !== "string" || !isRecord(body.message)
    ) {
      return json({ error: "bad_request", message: "Expected type, audience and message" }, 400);
    }
    recordSent(state, {
      type: body.type,
      audience: body.audience,
      body: JSON.stringify(body.message),
      contentType: c.req.header("content-type"),
      at: new Date(now()).toISOString(),
    });
    return json({ status: "accepted" }, 202);
  });
}
