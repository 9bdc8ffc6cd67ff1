/**
 * Spans through `@opentelemetry/api` only. With `OTEL_DENO=true` Deno
 * registers its own tracer provider and OTLP exporter (and traces `fetch`
 * under the active span); without it every call here is a no-op.
 */
import { type Attributes, context, isSpanContextValid, type Span, SpanStatusCode, trace } from "@opentelemetry/api";

const TRACER_NAME = "smartlink-client";

export type SpanAttributes = Attributes;

/**
 * Runs `fn` inside an active span named `name`; the span ends when `fn` settles, with status error when it throws.
 * `fn` may add attributes through the span it receives.
 */
export function withSpan<T>(name: string, attributes: SpanAttributes, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { attributes });
  // No tracer provider registered: the API's no-op span carries no valid context, so there is nothing to make
  // active or to end. This is the common case, and entering a context per handler attempt costs.
  if (!isSpanContextValid(span.spanContext())) return fn(span);
  return context.with(trace.setSpan(context.active(), span), async () => {
    try {
      return await fn(span);
    } catch (err) {
      // The error's code or name only: a message may quote a message's content or a server's body.
      const code = (err as { code?: unknown })?.code;
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === "string" ? code : (err as Error)?.name });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed without an exception (a tick whose phase stopped, a handler attempt that failed). */
export function markSpanError(span: Span, message: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** The ids of the active span, for log lines; undefined when none is recording. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !isSpanContextValid(ctx)) return undefined;
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}
