/**
 * The last line before the log: every message and field passes through the
 * redactor, whatever wrote it.
 */
import type { LogFields, Logger } from "../log.ts";
import type { Redactor } from "./redactor.ts";

/** A logger that redacts, then writes to `inner`. */
export function redactingLogger(inner: Logger, redactor: Redactor): Logger {
  const fields = (f?: LogFields) => (f === undefined ? undefined : redactor.redactValue(f));
  return {
    debug: (msg, f) => inner.debug(redactor.redact(msg), fields(f)),
    info: (msg, f) => inner.info(redactor.redact(msg), fields(f)),
    warn: (msg, f) => inner.warn(redactor.redact(msg), fields(f)),
    error: (msg, f) => inner.error(redactor.redact(msg), fields(f)),
    child: (f) => redactingLogger(inner.child(redactor.redactValue(f)), redactor),
  };
}
