/**
 * The boundary of the handlers: an error or warning that leaves a handler may
 * quote what the ERP answered (a 401 body echoing its `Authorization`), so it
 * is redacted before the tick stores, logs or shows it.
 */
import { FatalHandlerError, type Handler, type HandlerRegistry, RetryableHandlerError } from "./types.ts";

function redactError(err: unknown, redact: (text: string) => string): unknown {
  if (err instanceof RetryableHandlerError) return new RetryableHandlerError(err.code, redact(err.message));
  if (err instanceof FatalHandlerError) return new FatalHandlerError(err.code, redact(err.message));
  if (err instanceof Error) {
    const copy = new Error(redact(err.message));
    copy.name = err.name;
    return copy;
  }
  return new Error(redact(String(err)));
}

/** The registry with every handler's errors and warnings redacted. */
export function redactingRegistry(registry: HandlerRegistry, redact: (text: string) => string): HandlerRegistry {
  const out = new Map<string, Handler>();
  for (const [type, handler] of registry) {
    out.set(type, async (message, ctx) => {
      try {
        const result = await handler(message, ctx);
        return result.warnings ? { ...result, warnings: result.warnings.map(redact) } : result;
      } catch (err) {
        throw redactError(err, redact);
      }
    });
  }
  return out;
}
