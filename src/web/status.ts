/**
 * The state of the client in one read: activation, message counts, the oldest
 * due message, the last and next tick. Shared by the dashboard,
 * `GET /api/status`, `/healthz` and `/metrics`. Never holds a secret.
 */
import { parseCron } from "../cron.ts";
import { countMessages, type MessageCount, oldestDue } from "../db/admin_queries.ts";
import { lastLoggedTick } from "../sync/tick_record.ts";
import { type Direction, DIRECTIONS, type Status, STATUSES } from "../db/schema.ts";
import type { TickSummary } from "../sync/summary.ts";
import { activationState } from "./activation_state.ts";
import type { Activation, AppDeps, DrainState } from "./deps.ts";

export interface LastTick {
  summary: TickSummary;
  /** "process": this process ran it; "log": read back from GTOTVSLINKLOG (e.g. after a restart). */
  source: "process" | "log";
}

export interface StatusSnapshot {
  now: Date;
  activation: Activation;
  counts: MessageCount[];
  /** Earliest DATATENTATIVAEXEC of a due PENDING/RETRY row. */
  oldestDueAt?: Date;
  /** How long that row has been due; null when nothing is due. */
  oldestPendingSeconds: number | null;
  lastTick?: LastTick;
  nextTickAt?: Date;
  syncRunning: boolean;
  /** Set while a backlog is drained: ticks follow each other at once. */
  draining?: DrainState;
  /** Period of SMARTLINK_SCHEDULE. */
  periodMs: number;
}

/** The last finished tick: this process's, else the newest one logged. */
export async function lastTick(deps: AppDeps): Promise<LastTick | undefined> {
  const own = deps.sync.last();
  if (own) return { summary: own, source: "process" };
  const logged = await lastLoggedTick(deps.db);
  return logged ? { summary: logged.summary, source: "log" } : undefined;
}

export function schedulePeriodMs(deps: AppDeps, now: Date): number {
  return parseCron(deps.config.schedule).periodMs(now);
}

export async function loadStatus(deps: AppDeps): Promise<StatusSnapshot> {
  const now = deps.now();
  const [counts, oldestDueAt, tick] = await Promise.all([
    countMessages(deps.db),
    oldestDue(deps.db, now),
    lastTick(deps),
  ]);
  return {
    now,
    activation: deps.activation(),
    counts,
    oldestDueAt,
    oldestPendingSeconds: oldestDueAt ? Math.max(0, Math.floor((now.getTime() - oldestDueAt.getTime()) / 1000)) : null,
    lastTick: tick,
    nextTickAt: deps.sync.nextAt(),
    syncRunning: deps.sync.running(),
    draining: deps.sync.draining?.(),
    periodMs: schedulePeriodMs(deps, now),
  };
}

export type StatusGrid = Record<Direction, Record<Status, number>>;

/** Counts as direction × status (every cell present). */
export function statusGrid(counts: readonly MessageCount[]): StatusGrid {
  const grid = Object.fromEntries(
    DIRECTIONS.map((d) => [d, Object.fromEntries(STATUSES.map((s) => [s, 0]))]),
  ) as StatusGrid;
  for (const c of counts) grid[c.direction][c.status] += c.count;
  return grid;
}

/** Counts by type: one row per type with a cell per status. */
export function typeGrid(counts: readonly MessageCount[]): { type: string; counts: Record<Status, number> }[] {
  const byType = new Map<string, Record<Status, number>>();
  for (const c of counts) {
    let row = byType.get(c.type);
    if (!row) byType.set(c.type, row = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>);
    row[c.status] += c.count;
  }
  return [...byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([type, counts]) => ({ type, counts }));
}

/** Activation as the API and pages show it: no credential, no token. */
export function publicActivation(a: Activation) {
  const st = activationState(a);
  return {
    activated: a.activated,
    state: st.state,
    hint: st.hint ?? null,
    tokenErrorCode: a.tokenErrorCode ?? null,
    tenantId: a.tenantId ?? null,
    tokenValidUntil: a.tokenValidUntil?.toISOString() ?? null,
    tokenError: a.tokenError ?? null,
    setupError: a.setupError ?? null,
    setupAt: a.setupAt?.toISOString() ?? null,
    subscriptions: [...a.subscriptions],
  };
}

/** The body of `GET /api/status` (the CLI's `status`). */
export function statusJson(s: StatusSnapshot) {
  const total = s.counts.reduce((n, c) => n + c.count, 0);
  return {
    activation: publicActivation(s.activation),
    counts: {
      total,
      byDirection: statusGrid(s.counts),
      byType: typeGrid(s.counts),
      rows: s.counts,
    },
    oldestPendingSeconds: s.oldestPendingSeconds,
    oldestDueAt: s.oldestDueAt?.toISOString() ?? null,
    lastTick: s.lastTick ? { ...s.lastTick.summary, source: s.lastTick.source } : null,
    nextTickAt: s.nextTickAt?.toISOString() ?? null,
    syncRunning: s.syncRunning,
    draining: s.draining
      ? { since: s.draining.since.toISOString(), ticks: s.draining.ticks, fetched: s.draining.fetched }
      : null,
    now: s.now.toISOString(),
  };
}
