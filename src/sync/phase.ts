/** Shared pieces of the tick phases: the phase error, a wake-up signal, a yield. */
import { setImmediate } from "node:timers";
import { AppError, type AppErrorOptions, type DriverCode, type ErrorCode } from "../errors.ts";
import type { TickPhase } from "./summary.ts";

/** A phase stopped by an error that is the server's or the database's, not a message's. */
export class PhaseError extends AppError<ErrorCode | DriverCode> {
  override name = "PhaseError";
  readonly phase: TickPhase;

  constructor(code: ErrorCode | DriverCode, message: string, options: AppErrorOptions & { phase: TickPhase }) {
    super(code, message, options);
    this.phase = options.phase;
  }
}

/** The `code` of a driver or database error, `DB_ERROR` when it has none. */
export function databaseCode(err: unknown): DriverCode | "DB_ERROR" {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code as DriverCode : "DB_ERROR";
}

/** A level-triggered wake-up between two loops of one tick: `wait()` resolves at the next `notify()`. */
export interface Signal {
  notify(): void;
  wait(): Promise<void>;
  /** Forgets the notifications so far: the next `wait()` waits for a new one. */
  clear(): void;
}

export function createSignal(): Signal {
  let wake: (() => void) | undefined;
  let pending = false;
  return {
    notify() {
      pending = true;
      wake?.();
    },
    clear() {
      pending = false;
    },
    wait() {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        wake = () => {
          wake = undefined;
          pending = false;
          resolve();
        };
      });
    },
  };
}

/**
 * Lets pending I/O callbacks run. Handlers that settle at once (noop, code)
 * would otherwise chain in microtasks through a whole claim, and the
 * download's answers and acks beside them would wait (setImmediate runs after
 * I/O, without the clamp of a nested setTimeout).
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
