/**
 * The tick guard: never two ticks at once — in one process a flag, across
 * processes sharing one PostgreSQL `pg_try_advisory_lock`. The immediate
 * flush after a publish runs under the same guard. Also keeps the last
 * summary, drains a backlog (a scheduled or requested tick that stopped at
 * `SMARTLINK_MAX_PER_TICK` is followed at once by another, until one fetches
 * less), and handles shutdown (stop claiming, abort handlers after grace).
 */
import type { Database } from "../db/client.ts";
import { errorFields, type Logger } from "../log.ts";
import type { DrainState, SyncRunResult, TickDeps, TickOptions } from "./deps.ts";
import { databaseCode } from "./phase.ts";
import { emptySummary, type TickSummary, type TickTrigger } from "./summary.ts";
import { tick } from "./tick.ts";
import { traceTick } from "./tick_span.ts";

/** Advisory lock key of the tick ("SLTK"). */
export const TICK_LOCK_KEY = 0x534c544b;

export interface TickRunner {
  run(trigger: TickTrigger, options?: TickOptions): Promise<SyncRunResult>;
  /** Asks for an upstream flush now, or right after the running tick. Never throws. */
  requestFlush(): void;
  running(): boolean;
  last(): TickSummary | undefined;
  /** The backlog being drained, while ticks follow each other at once. */
  draining(): DrainState | undefined;
  /** Resolves when no tick runs and no drain tick follows. */
  idle(): Promise<void>;
  /** Stops claiming; running handlers get `graceMs`, then are aborted. Resolves when the tick ended. */
  stop(graceMs: number): Promise<void>;
}

export interface RunnerOptions {
  db: Database;
  logger: Logger;
  /** Builds the tick's dependencies; signals come from the runner. */
  deps: () => Omit<TickDeps, "stopSignal" | "abortSignal">;
  /** False while not activated (no credentials): ticks do not run. */
  activated: () => boolean;
  /** Receives every finished tick's summary (the metrics registry). */
  onTick?: (summary: TickSummary) => void;
}

/** Triggers whose tick is followed by a drain when it stopped at the maximum (not a CLI's single tick). */
const DRAINING_TRIGGERS: readonly TickTrigger[] = ["cron", "api", "admin", "drain"];

/** Creates the guard around `tick()`. */
export function createTickRunner(options: RunnerOptions): TickRunner {
  let current: Promise<SyncRunResult> | undefined;
  let lastSummary: TickSummary | undefined;
  let live: TickSummary | undefined;
  let drain: { since: Date; ticks: number; fetched: number } | undefined;
  let flushWanted = false;
  const stopCtl = new AbortController();
  const abortCtl = new AbortController();

  function finished(summary: TickSummary): void {
    lastSummary = summary;
    options.onTick?.(summary);
  }

  async function runGuarded(trigger: TickTrigger, tickOptions?: TickOptions): Promise<SyncRunResult> {
    const locked = await options.db.tryWithLock(
      TICK_LOCK_KEY,
      () =>
        traceTick(
          trigger,
          () =>
            tick({ ...options.deps(), stopSignal: stopCtl.signal, abortSignal: abortCtl.signal }, trigger, {
              ...tickOptions,
              onStart: (s) => (live = s),
            }),
        ),
    );
    if (!locked.acquired) {
      options.logger.info("Tick skipped: another process holds the tick lock", { trigger });
      return { ran: false, reason: "busy" };
    }
    finished(locked.value);
    return { ran: true, summary: locked.value };
  }

  function run(trigger: TickTrigger, tickOptions?: TickOptions): Promise<SyncRunResult> {
    if (stopCtl.signal.aborted) return Promise.resolve({ ran: false, reason: "busy" });
    if (!options.activated()) return Promise.resolve({ ran: false, reason: "not_activated" });
    if (current) return Promise.resolve({ ran: false, reason: "busy" });
    if (tickOptions?.phases !== "upstream") flushWanted = false; // a full tick sends everything
    const p = runGuarded(trigger, tickOptions).catch((err): SyncRunResult => {
      // tick() handles server and database errors itself; this is the lock's own connection failing.
      // That is a failed tick (one error line, summary.error), not a busy one.
      const fields = errorFields(err);
      const message = `Tick could not start: the database did not answer: ${fields.error}`;
      options.logger.error(message, fields);
      const summary = emptySummary(trigger, options.deps().now());
      summary.error = { phase: "lock", code: databaseCode(err), message };
      finished(summary);
      return { ran: true, summary };
    }).then((result) => {
      follow(trigger, tickOptions, result);
      return result;
    }).finally(() => {
      current = undefined;
      live = undefined;
      if (drain && !stopCtl.signal.aborted) {
        void run("drain");
      } else if (flushWanted && !stopCtl.signal.aborted) {
        flushWanted = false;
        void run("publish", { phases: "upstream" });
      }
    });
    current = p;
    return p;
  }

  /** Decides whether a drain tick follows this one. */
  function follow(trigger: TickTrigger, tickOptions: TickOptions | undefined, result: SyncRunResult): void {
    const s = result.ran ? result.summary : undefined;
    const full = s !== undefined && !s.error && tickOptions?.phases !== "upstream" &&
      DRAINING_TRIGGERS.includes(trigger) && s.downloaded >= options.deps().maxPerTick;
    if (full && !stopCtl.signal.aborted) {
      drain ??= { since: new Date(s.startedAt), ticks: 0, fetched: 0 };
      drain.ticks++;
      drain.fetched += s.downloaded;
      if (drain.ticks === 1) {
        options.logger.info("Tick stopped at SMARTLINK_MAX_PER_TICK: draining the backlog", { fetched: s.downloaded });
      }
    } else if (drain) {
      options.logger.info("Backlog drained", {
        ticks: drain.ticks + (s ? 1 : 0),
        fetched: drain.fetched + (s?.downloaded ?? 0),
      });
      drain = undefined;
    }
  }

  return {
    run,
    draining: () =>
      drain && {
        since: drain.since,
        ticks: drain.ticks + (live ? 1 : 0),
        fetched: drain.fetched + (live?.downloaded ?? 0),
      },
    async idle() {
      while (current) await current;
    },
    requestFlush() {
      if (current) flushWanted = true;
      else void run("publish", { phases: "upstream" });
    },
    running: () => current !== undefined,
    last: () => lastSummary,
    async stop(graceMs) {
      stopCtl.abort();
      if (!current) return;
      const timer = setTimeout(() => abortCtl.abort(), graceMs);
      try {
        await current;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
