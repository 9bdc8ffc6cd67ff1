/**
 * The simulator's in-memory state: one FIFO queue (fetched but un-acked items
 * stay and are delivered again, like an un-acked RabbitMQ delivery), what the
 * client sent, and the faults waiting to be injected.
 */
import * as v from "valibot";

export type SimOp = "token" | "setup" | "get" | "ack" | "nack" | "send";
export type GetMode = "array" | "single" | "wrapped";

export const FaultSchema = v.object({
  op: v.optional(v.picklist(["token", "setup", "get", "ack", "nack", "send", "any"]), "any"),
  status: v.optional(v.pipe(v.number(), v.integer(), v.minValue(200), v.maxValue(599))),
  count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
  delayMs: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(600_000))),
  body: v.optional(v.string()),
  retryAfterS: v.optional(v.pipe(v.number(), v.minValue(0))),
});
export type Fault = v.InferOutput<typeof FaultSchema>;

export const ModeSchema = v.object({
  getMode: v.optional(v.picklist(["array", "single", "wrapped"])),
  batchSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000))),
  /** Status answered to an ack of an unknown id (404 by default). */
  ackNotFound: v.optional(v.pipe(v.number(), v.integer(), v.minValue(200), v.maxValue(599))),
  /** Milliseconds added to every RAC and Smart Link request (a real network's round trip). */
  latencyMs: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(60_000))),
});

export interface QueuedItem {
  seq: number;
  /** The ack id, when the item carries one. */
  id?: string;
  item: unknown;
  deliveries: number;
  enqueuedAt: string;
}

export interface SentMessage {
  type: string;
  audience: string;
  body: string;
  contentType?: string;
  at: string;
}

export interface SimulatorState {
  queue: QueuedItem[];
  setups: { at: string; subscriptions: string[] }[];
  subscriptions: string[];
  acked: string[];
  /** Items removed by a nack (profile variants with a nack route), with the reason given. */
  nacked: { id: string; reason: string }[];
  sent: SentMessage[];
  /** Every request to a RAC or Smart Link route with the status it got (last 1000). */
  requests: { op: SimOp; status: number; at: string }[];
  gets: number;
  tokensIssued: number;
  faults: Fault[];
  mode: { getMode: GetMode; batchSize: number; ackNotFound: number; latencyMs: number };
  nextSeq: number;
  /** How many acked, nacked and sent entries are kept (the oldest go first). */
  historyLimit: number;
}

/** The default of `historyLimit`: a long-running simulator's memory stays bounded. */
export const DEFAULT_HISTORY_LIMIT = 10_000;
const REQUEST_LOG_LIMIT = 1_000;

/** `historyLimit`: see `SimulatorState.historyLimit` (a harness that checks every send passes Infinity). */
export function createState(historyLimit = DEFAULT_HISTORY_LIMIT): SimulatorState {
  return {
    queue: [],
    setups: [],
    subscriptions: [],
    acked: [],
    nacked: [],
    sent: [],
    requests: [],
    gets: 0,
    tokensIssued: 0,
    faults: [],
    mode: { getMode: "array", batchSize: 50, ackNotFound: 404, latencyMs: 0 },
    nextSeq: 1,
    historyLimit,
  };
}

/** Empties everything in place (the object identity is kept for holders of `state`). */
export function resetState(state: SimulatorState): void {
  Object.assign(state, createState(state.historyLimit));
}

function pushBounded<T>(list: T[], value: T, limit: number): void {
  list.push(value);
  if (list.length > limit) list.splice(0, list.length - limit);
}

/** The item's `id` (any key case), as the ack will name it. */
export function itemId(item: unknown): string | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return undefined;
  const key = Object.keys(item).find((k) => k.toLowerCase() === "id");
  const value = key === undefined ? undefined : (item as Record<string, unknown>)[key];
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

export function enqueueItems(state: SimulatorState, items: unknown[], now: Date): QueuedItem[] {
  const added = items.map((item) => ({
    seq: state.nextSeq++,
    id: itemId(item),
    item,
    deliveries: 0,
    enqueuedAt: now.toISOString(),
  }));
  state.queue.push(...added);
  return added;
}

/** The head of the queue for one `get`; items without an id cannot be acked, so they are delivered once. */
export function deliver(state: SimulatorState): unknown[] {
  const size = state.mode.getMode === "single" ? 1 : state.mode.batchSize;
  return deliverEntries(state, size).map((entry) => entry.item);
}

/** Up to `size` entries from the head, each counted as delivered once more. */
export function deliverEntries(state: SimulatorState, size: number): QueuedItem[] {
  const batch = state.queue.slice(0, size);
  for (const entry of batch) entry.deliveries++;
  const once = new Set(batch.filter((entry) => entry.id === undefined));
  // Filtering only when needed keeps a get O(batch), not O(queue): the bench must not measure the simulator.
  if (once.size > 0) state.queue = state.queue.filter((entry) => !once.has(entry));
  state.gets++;
  return batch;
}

/** Removes the queued item with `id` as rejected (a nack), recording why; false when none is queued. */
export function nackItem(state: SimulatorState, id: string, reason: string): boolean {
  const index = state.queue.findIndex((entry) => entry.id === id);
  if (index < 0) return false;
  state.queue.splice(index, 1);
  pushBounded(state.nacked, { id, reason }, state.historyLimit);
  return true;
}

/** Removes the first queued item with `id`; false when none is queued. */
export function ackItem(state: SimulatorState, id: string): boolean {
  const index = state.queue.findIndex((entry) => entry.id === id);
  if (index < 0) return false;
  state.queue.splice(index, 1);
  pushBounded(state.acked, id, state.historyLimit);
  return true;
}

export function recordSent(state: SimulatorState, message: SentMessage): void {
  pushBounded(state.sent, message, state.historyLimit);
}

export function recordRequest(state: SimulatorState, op: SimOp, status: number, now: Date): void {
  pushBounded(state.requests, { op, status, at: now.toISOString() }, REQUEST_LOG_LIMIT);
}

/** Takes one use of the first fault matching `op`; spent faults are dropped. */
export function takeFault(state: SimulatorState, op: SimOp): Fault | undefined {
  const fault = state.faults.find((f) => f.count > 0 && (f.op === "any" || f.op === op));
  if (!fault) return undefined;
  fault.count--;
  state.faults = state.faults.filter((f) => f.count > 0);
  return fault;
}

/** The JSON view served by `GET /_sim/state`. */
export function stateSnapshot(state: SimulatorState) {
  return {
    queued: state.queue.length,
    queue: state.queue.map((e) => ({ seq: e.seq, id: e.id, deliveries: e.deliveries, enqueuedAt: e.enqueuedAt })),
    setups: state.setups,
    subscriptions: state.subscriptions,
    acked: state.acked,
    nacked: state.nacked,
    sent: state.sent,
    gets: state.gets,
    tokensIssued: state.tokensIssued,
    requests: state.requests,
    faults: state.faults,
    mode: state.mode,
  };
}
