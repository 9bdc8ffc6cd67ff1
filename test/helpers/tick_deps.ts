/** Builds `TickDeps` for tests around an injected Smart Link port and a fake clock. */
import type { RetryParams } from "../../src/config.ts";
import type { Database } from "../../src/db/client.ts";
import type { Handler } from "../../src/handlers/types.ts";
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

export function testTickDeps(
  db: Database,
  client: SmartLinkPort,
  handlers: Record<string, Handler>,
  overrides: Partial<TickDeps> & { retry?: Partial<RetryParams>; clock?: Clock } = {},
): TickDeps & { logger: ReturnType<typeof createMemoryLogger>; clock: Clock } {
  const clock = overrides.clock ?? fakeClock();
  const retry: RetryParams = { qtdeTentativasExec: 3, fatorTempoExecucao: 1, minutesInterval: 1, ...overrides.retry };
  const logger = createMemoryLogger();
  return {
    db,
    client,
    setup: { ensure: () => Promise.resolve() },
    handlers: new Map(Object.entries(handlers)),
    now: clock.now,
    logger,
    executor: "test-executor",
    retryParams: () => Promise.resolve(retry),
    tenantId: () => "tenant-1",
    concurrency: 4,
    maxPerTick: 10_000,
    handlerTimeoutMs: 5_000,
    retentionDays: 30,
    ...overrides,
    clock,
  } as TickDeps & { logger: ReturnType<typeof createMemoryLogger>; clock: Clock };
}
