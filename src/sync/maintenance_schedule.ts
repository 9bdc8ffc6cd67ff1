/**
 * When the embedded database gets its upkeep (`maintainEmbedded`): on the
 * first tick after the start (a data folder may come from a long run), then
 * once enough rows changed (`rows`, a drain) or, when any changed, once
 * `everyMs` passed. A vacuum of tables with nothing to reclaim reads only their
 * visibility map and a checkpoint with nothing dirty writes one record, so the
 * bound is on how much WAL and how many dead rows pile up between two.
 */
export interface MaintenanceSchedule {
  /** Whether to maintain now, `changed` rows having been written by the tick that just ran. */
  due(changed: number, now: Date): boolean;
  /** The upkeep done at `now` (or failed: it is tried again after `everyMs` or `rows`). */
  done(now: Date): void;
}

export const MAINTAIN_EVERY_ROWS = 5_000;
export const MAINTAIN_EVERY_MS = 10 * 60_000;

export function createMaintenanceSchedule(options: { rows?: number; everyMs?: number } = {}): MaintenanceSchedule {
  const { rows = MAINTAIN_EVERY_ROWS, everyMs = MAINTAIN_EVERY_MS } = options;
  let last: number | undefined;
  let changedSince = 0;
  return {
    due(changed, now) {
      changedSince += changed;
      if (last === undefined) return true;
      return changedSince >= rows || (changedSince > 0 && now.getTime() - last >= everyMs);
    },
    done(now) {
      last = now.getTime();
      changedSince = 0;
    },
  };
}
