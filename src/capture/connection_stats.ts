/**
 * What the Connection page shows, per operation, from the exchanges of this
 * process: calls, answers by status, p50/p95 duration, the last error answer
 * (already redacted) and the shape of the last `get` answer.
 */
import type { ExchangeOp, ObservedExchange } from "./exchange.ts";
import { describeGetAnswer, isEmptyAnswer } from "./get_shape.ts";

const DURATIONS_KEPT = 500;
const ERROR_BODY_CHARS = 2000;

export interface OperationStats {
  op: ExchangeOp;
  calls: number;
  /** Answers by HTTP status; `"network"` counts calls that got none. */
  byStatus: Record<string, number>;
  p50Ms: number | null;
  p95Ms: number | null;
  lastError?: { time: string; method: string; url: string; status?: number; text: string };
  lastAt?: string;
}

export interface GetShape {
  time: string;
  status: number;
  shape: string;
}

export interface ConnectionReport {
  operations: OperationStats[];
  /** The last `get` answer with items (or, before any, the last answer). */
  lastGetShape?: GetShape;
}

export interface ConnectionStats {
  /** Counts one exchange; only a failed one is cleaned (for its last-error text). */
  observe(exchange: ObservedExchange): void;
  /** A 2xx `get` answer's full body (not cut), for its shape. */
  observeGetAnswer(time: string, status: number, text: string): void;
  report(): ConnectionReport;
}

/** The q-quantile (nearest rank) of ascending `sorted`. */
function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/**
 * Collects per-operation figures. `onGetShape` hears each new `get` shape
 * (when it differs from the previous one), e.g. to store it for `doctor`.
 * `items` is the profile's `get.items` pointer.
 */
export function createConnectionStats(
  options: { items?: string; onGetShape?: (shape: GetShape) => void; redact?: (text: string) => string } = {},
): ConnectionStats {
  const ops = new Map<ExchangeOp, Omit<OperationStats, "lastAt"> & { durations: number[]; lastAt?: Date }>();
  let lastGetShape: GetShape | undefined;
  return {
    observe(e) {
      let s = ops.get(e.op);
      if (!s) {
        s = { op: e.op, calls: 0, byStatus: {}, p50Ms: null, p95Ms: null, durations: [] };
        ops.set(e.op, s);
      }
      s.calls++;
      s.lastAt = e.startedAt;
      const key = e.status === undefined ? "network" : String(e.status);
      s.byStatus[key] = (s.byStatus[key] ?? 0) + 1;
      s.durations.push(e.durationMs);
      if (s.durations.length > DURATIONS_KEPT) s.durations.shift();
      const failed = e.status === undefined || e.status >= 400;
      if (failed) {
        const x = e.exchange();
        const text = x.error ?? x.responseBody ?? "";
        s.lastError = {
          time: x.time,
          method: x.method,
          url: x.url,
          status: x.status,
          text: text.length > ERROR_BODY_CHARS ? `${text.slice(0, ERROR_BODY_CHARS)}…` : text,
        };
      }
    },
    observeGetAnswer(time, status, text) {
      if (status < 200 || status > 299) return;
      const described = (options.redact ?? ((t: string) => t))(describeGetAnswer(status, text, options.items));
      // An empty-queue answer says little about the profile: it does not hide the last answer with items.
      if (lastGetShape && !isEmptyAnswer(lastGetShape.shape) && isEmptyAnswer(described)) return;
      const shape = { time, status, shape: described };
      const changed = lastGetShape?.shape !== shape.shape;
      lastGetShape = shape;
      if (changed) options.onGetShape?.(shape);
    },
    report() {
      const operations: OperationStats[] = [...ops.values()].map(({ durations, lastAt, ...s }) => {
        const sorted = [...durations].sort((a, b) => a - b);
        const out: OperationStats = {
          ...s,
          byStatus: { ...s.byStatus },
          p50Ms: quantile(sorted, 0.5),
          p95Ms: quantile(sorted, 0.95),
        };
        if (lastAt !== undefined) out.lastAt = lastAt.toISOString();
        return out;
      });
      const order: ExchangeOp[] = ["token", "setup", "get", "ack", "nack", "send", "other"];
      operations.sort((a, b) => order.indexOf(a.op) - order.indexOf(b.op));
      return lastGetShape ? { operations, lastGetShape } : { operations };
    },
  };
}
