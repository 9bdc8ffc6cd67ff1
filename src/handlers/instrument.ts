/**
 * Wraps every handler of a registry so each attempt is one `smartlink.handler`
 * span (type, attempt, result; never the content) and one observation of its
 * duration. The tick sees the same handler, results and errors as before.
 */
import { markSpanError, withSpan } from "../telemetry/tracing.ts";
import { FatalHandlerError, type Handler, type HandlerRegistry } from "./types.ts";

/** How one handler attempt ended. */
export type HandlerOutcome = "success" | "retry" | "fatal" | "timeout" | "aborted";

/** Receives each finished attempt: its type, how it ended and how long it took. */
export type HandlerObserver = (type: string, result: HandlerOutcome, seconds: number) => void;

function outcomeOf(err: unknown, signal: AbortSignal): HandlerOutcome {
  if (err instanceof FatalHandlerError) return "fatal";
  if (signal.aborted) {
    const reason = signal.reason as { name?: unknown } | undefined;
    return reason?.name === "TimeoutError" ? "timeout" : "aborted";
  }
  return "retry";
}

/** The registry with each handler traced and timed. */
export function instrumentHandlers(
  registry: HandlerRegistry,
  observe: HandlerObserver,
  clock: () => number = () => performance.now(),
): HandlerRegistry {
  const wrapped = new Map<string, Handler>();
  for (const [type, handler] of registry) {
    wrapped.set(type, (message, ctx) =>
      withSpan("smartlink.handler", {
        "smartlink.message.type": message.type,
        "smartlink.message.attempt": ctx.attempt,
      }, async (span) => {
        const t0 = clock();
        try {
          const result = await handler(message, ctx);
          span.setAttributes({ "smartlink.handler.result": "success", "smartlink.handler.reply": !!result.reply });
          observe(message.type, "success", (clock() - t0) / 1000);
          return result;
        } catch (err) {
          const result = outcomeOf(err, ctx.signal);
          const code = (err as { code?: unknown })?.code;
          span.setAttributes({
            "smartlink.handler.result": result,
            ...(typeof code === "string" ? { "smartlink.handler.error_code": code } : {}),
          });
          markSpanError(span, typeof code === "string" ? code : result);
          observe(message.type, result, (clock() - t0) / 1000);
          throw err;
        }
      }));
  }
  return wrapped;
}
