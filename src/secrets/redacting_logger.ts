/**
 * The last line before the log: every message and field passes through the
 * redactor, whatever wrote it. A line the inner logger drops (below its
 * level) is not redacted at all, and a child's fields are redacted only when
 * it first writes: the per-message loggers of a busy tick cost nothing then.
 */
import type { LogFields, Logger, LogLevel } from "../log.ts";
import type { Redactor } from "./redactor.ts";

/** A logger that redacts, then writes to `inner`. */
export function redactingLogger(inner: Logger, redactor: Redactor): Logger {
  return redactingChild(() => inner, (level) => inner.enabled?.(level) ?? true, redactor);
}

function redactingChild(
  target: () => Logger,
  enabled: (level: LogLevel) => boolean,
  redactor: Redactor,
): Logger {
  const line = (level: LogLevel) => (msg: string, f?: LogFields) => {
    if (!enabled(level)) return;
    target()[level](redactor.redact(msg), f === undefined ? undefined : redactor.redactValue(f));
  };
  return {
    debug: line("debug"),
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
    child: (f) => {
      let child: Logger | undefined;
      return redactingChild(() => child ??= target().child(redactor.redactValue(f)), enabled, redactor);
    },
    enabled,
  };
}
