/**
 * Many timeouts of the same length on ONE timer. Each `start()` gives an
 * AbortSignal that aborts when `ms` have passed, unless `clear()` came
 * first. Deadlines of equal length fall in start order, so they wait in a
 * queue and one timer is armed for the oldest: an ack or a handler attempt
 * costs a queue entry instead of a timer of its own (on a drained backlog,
 * timers created and cleared per request were a visible share of the CPU).
 * When nothing waits, the armed timer is left to run out unreferenced (it
 * keeps no process alive and finds nothing to do), so operations one after
 * the other do not create a timer each either.
 */

export interface TimeoutHandle {
  signal: AbortSignal;
  /** Whether the signal aborted because the time elapsed (not through `abort`). */
  readonly timedOut: boolean;
  /** The operation ended: the timeout no longer applies. */
  clear(): void;
  /** Aborts the signal now with `reason` (a shutdown), and clears the timeout. */
  abort(reason?: unknown): void;
}

export interface TimeoutQueue {
  start(): TimeoutHandle;
  /** Entries waiting (cleared ones at the head are dropped at once). */
  size(): number;
}

interface Entry {
  at: number;
  ctl: AbortController;
  cleared: boolean;
  timedOut: boolean;
}

/** `reason()` is the abort reason of an elapsed timeout (a `TimeoutError` DOMException by default). */
export function createTimeoutQueue(
  ms: number,
  reason: () => unknown = () => new DOMException(`Timed out after ${ms} ms`, "TimeoutError"),
  clock: () => number = () => performance.now(),
): TimeoutQueue {
  let entries: Entry[] = [];
  let head = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lingering = false;

  const compact = () => {
    while (head < entries.length && entries[head].cleared) head++;
    if (head === entries.length) {
      entries = [];
      head = 0;
      if (timer !== undefined && !lingering) {
        lingering = true;
        setRef(timer, false);
      }
    } else if (head > 1024 && head * 2 > entries.length) {
      entries = entries.slice(head);
      head = 0;
    }
  };
  const arm = () => {
    if (head === entries.length) return;
    if (timer !== undefined) {
      // Armed for an earlier deadline than any waiting one: it re-arms when it fires.
      if (lingering) {
        lingering = false;
        setRef(timer, true);
      }
      return;
    }
    timer = setTimeout(fire, Math.max(0, entries[head].at - clock()));
  };
  const fire = () => {
    timer = undefined;
    lingering = false;
    const now = clock();
    while (head < entries.length && (entries[head].cleared || entries[head].at <= now)) {
      const e = entries[head++];
      if (!e.cleared) {
        e.cleared = true;
        e.timedOut = true;
        e.ctl.abort(reason());
      }
    }
    compact();
    arm();
  };

  return {
    start() {
      const entry: Entry = { at: clock() + ms, ctl: new AbortController(), cleared: false, timedOut: false };
      entries.push(entry);
      arm();
      const clear = () => {
        if (entry.cleared) return;
        entry.cleared = true;
        if (entries[head] === entry) compact();
      };
      return {
        signal: entry.ctl.signal,
        get timedOut() {
          return entry.timedOut;
        },
        clear,
        abort(why) {
          clear();
          if (!entry.ctl.signal.aborted) entry.ctl.abort(why);
        },
      };
    },
    size: () => entries.length - head,
  };
}

/** Whether `timer` keeps the process alive (Deno's timers are Node-style `Timeout` objects or numbers). */
function setRef(timer: ReturnType<typeof setTimeout>, on: boolean): void {
  const t = timer as unknown as { ref?: () => void; unref?: () => void };
  if (typeof t === "object" && t !== null && typeof t.unref === "function" && typeof t.ref === "function") {
    if (on) t.ref();
    else t.unref();
  } else if (on) Deno.refTimer(timer as unknown as number);
  else Deno.unrefTimer(timer as unknown as number);
}
