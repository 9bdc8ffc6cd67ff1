/**
 * `GET /metrics`: Prometheus text exposition of the queue, executions, ticks
 * and token (gauges read now), followed by the process's own counters and
 * histograms (ticks, sends, acks, handler durations).
 */
import { executionCountsLast24h } from "../db/admin_queries.ts";
import { lastLoggedTick } from "../sync/tick_record.ts";
import { DIRECTIONS, STATUSES } from "../db/schema.ts";
import { family, type Sample } from "../telemetry/prometheus.ts";
import type { AppDeps } from "./deps.ts";
import { loadStatus, statusGrid } from "./status.ts";

export async function renderMetrics(deps: AppDeps): Promise<string> {
  const s = await loadStatus(deps);
  const execCounts = await executionCountsLast24h(deps.db, s.now);
  const own = s.lastTick?.source === "process" ? s.lastTick.summary : undefined;
  const lastSuccessAt = own && !own.error
    ? own.finishedAt
    : (await lastLoggedTick(deps.db, { successful: true }))?.summary.finishedAt;
  const grid = statusGrid(s.counts);
  const a = s.activation;
  const out = [
    family(
      "smartlink_messages",
      "gauge",
      "Rows of GTOTVSLINKMESSAGE (unfinished messages) by direction and status.",
      DIRECTIONS.flatMap((d) => STATUSES.map((st): Sample => [{ direction: d, status: st }, grid[d][st]])),
    ),
    family(
      "smartlink_executions_last_24h",
      "gauge",
      "GTOTVSLINKMESSAGEEXEC rows that finished in the last 24 hours, by message type and result.",
      execCounts.map((r): Sample => [{ type: r.type, result: r.result }, r.count]),
    ),
    family("smartlink_activated", "gauge", "1 when client id and secret are configured.", [[{}, a.activated ? 1 : 0]]),
    family("smartlink_sync_running", "gauge", "1 while a sync tick runs.", [[{}, s.syncRunning ? 1 : 0]]),
  ];
  const tick = s.lastTick?.summary;
  if (tick) {
    out.push(
      family("smartlink_last_tick_duration_seconds", "gauge", "Duration of the last sync tick.", [[
        {},
        tick.durationMs / 1000,
      ]]),
      family("smartlink_last_tick_error", "gauge", "1 when the last sync tick stopped a phase with an error.", [[
        {},
        tick.error ? 1 : 0,
      ]]),
    );
  }
  if (lastSuccessAt) {
    out.push(family(
      "smartlink_last_tick_success_timestamp_seconds",
      "gauge",
      "Unix time when the last sync tick without error finished.",
      [[{}, Math.floor(Date.parse(lastSuccessAt) / 1000)]],
    ));
  }
  if (a.tokenValidUntil) {
    out.push(family(
      "smartlink_token_expiry_seconds",
      "gauge",
      "Seconds until the cached RAC token expires (negative once expired).",
      [[{}, Math.floor((a.tokenValidUntil.getTime() - s.now.getTime()) / 1000)]],
    ));
  }
  out.push(family(
    "smartlink_oldest_pending_seconds",
    "gauge",
    "Seconds the oldest due PENDING/RETRY message has been waiting (0 when none).",
    [[{}, s.oldestPendingSeconds ?? 0]],
  ));
  if (deps.metrics) out.push(deps.metrics.render());
  return out.join("\n") + "\n";
}
