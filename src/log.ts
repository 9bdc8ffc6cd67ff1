/**
 * Structured logger: one JSON object per line on stdout. The only place that
 * writes to the console; everything else receives a `Logger`. While a span is
 * active (OpenTelemetry), each line carries its `trace_id` and `span_id`.
 */
import { activeTraceIds } from "./telemetry/tracing.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
  /** Whether a line of `level` is written at all (so a caller can skip work for a dropped line). */
  enabled?(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Receives each finished line (without newline). Defaults to stdout. */
  write?: (line: string) => void;
  now?: () => Date;
  fields?: LogFields;
}

const encoder = new TextEncoder();

function writeStdout(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

/** Turns an unknown thrown value into loggable fields (code, message, cause). */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) {
    const out: LogFields = { error: err.message, errorName: err.name };
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string") out.code = code;
    if (err.cause instanceof Error) out.cause = err.cause.message;
    return out;
  }
  return { error: String(err) };
}

/** Creates a JSON-lines logger; lines below `level` are dropped. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const write = options.write ?? writeStdout;
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};
  const emit = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    let line: string;
    const ids = activeTraceIds();
    try {
      line = JSON.stringify({ time: now().toISOString(), level, msg, ...ids, ...base, ...fields });
    } catch {
      // A field that cannot be serialised (cycle, BigInt) must not lose the line.
      line = JSON.stringify({ time: now().toISOString(), level, msg, ...base, fields: "unserialisable" });
    }
    write(line);
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
    enabled: (level) => LOG_LEVELS.indexOf(level) >= min,
  };
}

/** A logger that keeps its lines in memory; for tests. */
export function createMemoryLogger(level: LogLevel = "debug"): Logger & { lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(JSON.parse(line)) });
  return Object.assign(logger, { lines });
}
