/**
 * The one place outside the composition root (`createRuntime`) that builds `TickDeps`: tests and the sync bench
 * call `testTickDeps()` with the ports they inject, and get the defaults below for the rest.
 */
import { DEFAULT_RETRY, type RetryParams } from "../../src/config.ts";
import type { Database } from "../../src/db/client.ts";
import type { Handler, HandlerRegistry } from "../../src/handlers/types.ts";
import { createMemoryLogger } from "../../src/log.ts";
import type { SmartLinkPort, TickDeps } from "../../src/sync/deps.ts";

export interface Clock {
  now: () => Date;
  advance(ms: number): void;
  set(d: Date): void;
}

export function fakeClock(start = new Date("2026-01-05T10:00:00.000Z")): Clock {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => (t += ms), set: (d) => (t = d.getTime()) };
}

export type MemoryLogger = ReturnType<typeof createMemoryLogger>;

/** What a caller may change: any field of `TickDeps`, the retry parameters one by one, the clock. */
export type TickDepsOverrides = Partial<TickDeps> & { retry?: Partial<RetryParams>; clock?: Clock };

/**
 * `TickDeps` around `db`, `client` and `handlers` (a registry, or handlers by message type), with a fake clock, a
 * memory logger, `DEFAULT_RETRY` (3 attempts, factor 1, 1 min) and a setup that does nothing unless `overrides` says otherwise.
 */
export function testTickDeps<O extends TickDepsOverrides = TickDepsOverrides>(
  db: Database,
  client: SmartLinkPort,
  handlers: Record<string, Handler> | HandlerRegistry,
  overrides: O = {} as O,
): TickDeps & { logger: O extends { logger: infer L } ? L : MemoryLogger; clock: Clock } {
  const { retry: retryOverrides, clock: givenClock, ...fields } = overrides;
  const clock = givenClock ?? fakeClock();
  const retry: RetryParams = { ...DEFAULT_RETRY, ...retryOverrides };
  const deps: TickDeps = {
    db,
    client,
    setup: { ensure: () => Promise.resolve() },
    handlers: handlers instanceof Map ? handlers : new Map(Object.entries(handlers)),
    now: clock.now,
    logger: fields.logger ?? createMemoryLogger(),
    executor: "test-executor",
    retryParams: () => Promise.resolve(retry),
    tenantId: () => "tenant-1",
    concurrency: 4,
    maxPerTick: 10_000,
    handlerTimeoutMs: 5_000,
    retentionDays: 30,
    ...fields,
  };
  return { ...deps, clock } as TickDeps & { logger: O extends { logger: infer L } ? L : MemoryLogger; clock: Clock };
}
