/**
 * Decides, at the end of every tick, which alert conditions hold: messages
 * that went DEAD, ticks failing N times in a row, no RAC token, the oldest
 * due message waiting longer than three schedule periods. Raises each on the
 * way in and clears it on the way out through the alerter. Runs in the
 * background after the tick: `onTick()` returns at once and never throws.
 */
import { oldestDue } from "../../db/admin_queries.ts";
import type { Database } from "../../db/client.ts";
import { recentDead } from "../../db/recent_dead.ts";
import { errorFields, type Logger } from "../../log.ts";
import type { TickSummary } from "../summary.ts";
import { type AlertCondition, type AlertDetails, errorCodeOf } from "./alert_body.ts";
import type { Alerter, AlertStatus } from "./alerter.ts";

export const STALE_PERIODS = 3;

export interface AlertWatchOptions {
  alerter: Alerter;
  db: Database;
  now: () => Date;
  logger: Logger;
  /** Consecutive failed ticks that raise `ticks_failing`. */
  failedTicks: number;
  /** The schedule's period at a moment. */
  periodMs: (now: Date) => number;
  /** The failing token request's code, when the last one failed. */
  tokenFailure: () => { code: string } | undefined;
}

export interface AlertWatch {
  onTick(summary: TickSummary): void;
  status(): AlertStatus & { active: AlertCondition[] };
  /** Resolves when the checks started so far and their deliveries are done. */
  idle(): Promise<void>;
}

export function createAlertWatch(o: AlertWatchOptions): AlertWatch {
  const log = o.logger.child({ component: "alerts" });
  const active = new Set<AlertCondition>();
  let failures = 0;
  let chain: Promise<void> = Promise.resolve();

  const set = (condition: AlertCondition, on: boolean, details: AlertDetails) => {
    if (on && !active.has(condition)) {
      active.add(condition);
      o.alerter.notify({ condition, event: "raised", details });
    } else if (!on && active.has(condition)) {
      active.delete(condition);
      o.alerter.notify({ condition, event: "cleared", details });
    }
  };

  async function check(s: TickSummary): Promise<void> {
    failures = s.error ? failures + 1 : 0;
    set("ticks_failing", failures >= o.failedTicks, {
      consecutiveFailures: failures,
      ...(s.error ? { phase: s.error.phase, errorCode: errorCodeOf(s.error.code) } : {}),
    });
    const token = o.tokenFailure();
    set("token_unavailable", token !== undefined, token ? { errorCode: errorCodeOf(token.code) } : {});
    const dbDown = s.error?.phase === "database" || s.error?.phase === "lock";
    if (!dbDown) {
      try {
        if (s.dead > 0 || s.invalid > 0 || s.sendRejected > 0) {
          const dead = await recentDead(o.db, new Date(s.startedAt));
          if (dead.total > 0) {
            o.alerter.notify({
              condition: "message_dead",
              event: "raised",
              details: {
                messages: dead.rows.map((r) => ({ type: r.tipo, id: r.id, errorCode: errorCodeOf(r.ultimoErro) })),
              },
            });
          }
        }
        const now = o.now();
        const due = await oldestDue(o.db, now);
        const waitingSeconds = due ? Math.floor((now.getTime() - due.getTime()) / 1000) : 0;
        const limitSeconds = Math.round((STALE_PERIODS * o.periodMs(now)) / 1000);
        set("queue_stale", waitingSeconds > limitSeconds, { waitingSeconds, limitSeconds });
      } catch (err) {
        log.warn("Alert checks could not read the database", errorFields(err));
      }
    }
    o.alerter.flush();
  }

  return {
    onTick(summary) {
      chain = chain.then(() => check(summary)).catch((err) => log.error("Alert check failed", errorFields(err)));
    },
    status: () => ({ ...o.alerter.status(), active: [...active].sort() }),
    async idle() {
      await chain;
      await o.alerter.idle();
    },
  };
}
