/**
 * Sends alerts to SMARTLINK_ALERT_WEBHOOK: at most one POST per condition per
 * throttle window (15 minutes; what happens meanwhile is folded into the next
 * one, with a count), retried with exponential backoff, one delivery at a
 * time in the background: `notify()` returns at once and never throws, so the
 * tick never waits on a webhook. The URL is a secret (Slack and Teams put
 * their key in it): only its scheme and host are ever shown.
 */
import { errorFields, type Logger } from "../../log.ts";
import { delay } from "../../async/delay.ts";
import { describeFetchError } from "../../net/fetch_error.ts";
import { type AlertBody, alertBody, type AlertCondition, type AlertEvent } from "./alert_body.ts";

export interface AlertStatus {
  /** Scheme and host of the webhook, never its path or query. */
  target: string;
  lastSent?: { at: string; condition: AlertCondition; event: string; count: number; text: string };
  lastError?: { at: string; message: string };
  /** Alerts waiting to be delivered (in the queue or held by the throttle). */
  waiting: number;
}

export interface Alerter {
  /** Queues an alert; throttled per condition. Never throws, never waits. */
  notify(e: AlertEvent): void;
  /** Sends what the throttle held back once its window has passed (called at every tick's end). */
  flush(): void;
  status(): AlertStatus;
  /** Resolves when nothing is being delivered (tests, shutdown). */
  idle(): Promise<void>;
}

export interface AlerterOptions {
  url: string;
  fetch?: typeof fetch;
  now: () => Date;
  logger: Logger;
  tenantId?: () => string | undefined;
  /** Default 15 minutes. */
  throttleMs?: number;
  /** Retries after the first attempt; default 4 (backoff 1, 2, 4, 8 s). */
  retries?: number;
  backoffMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Removes secrets from error texts (the shared redactor). */
  redact?: (text: string) => string;
}

const MAX_QUEUE = 100;

interface Slot {
  lastSentAt?: number;
  pending?: { event: AlertEvent; count: number };
}

/** Scheme and host of a URL: what may be shown of a webhook. */
export function webhookTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(invalid URL)";
  }
}

function countOf(e: AlertEvent): number {
  return e.condition === "message_dead" ? Math.max(1, e.details.messages?.length ?? 1) : 1;
}

function merge(held: { event: AlertEvent; count: number }, e: AlertEvent): { event: AlertEvent; count: number } {
  const messages = e.condition === "message_dead"
    ? [...(held.event.details.messages ?? []), ...(e.details.messages ?? [])].slice(0, 10)
    : undefined;
  return {
    event: { ...e, details: messages ? { ...e.details, messages } : e.details },
    count: held.count + countOf(e),
  };
}

export function createAlerter(o: AlerterOptions): Alerter {
  const doFetch = o.fetch ?? fetch;
  const throttleMs = o.throttleMs ?? 15 * 60_000;
  const retries = o.retries ?? 4;
  const backoffMs = o.backoffMs ?? 1000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const sleep = o.sleep ?? ((ms: number) => delay(ms));
  const target = webhookTarget(o.url);
  const log = o.logger.child({ component: "alerts" });
  const slots = new Map<AlertCondition, Slot>();
  const queue: AlertBody[] = [];
  let worker: Promise<void> | undefined;
  let lastSent: AlertStatus["lastSent"];
  let lastError: AlertStatus["lastError"];

  const hide = (text: string): string => {
    let out = text.replaceAll(o.url, target);
    try {
      const u = new URL(o.url);
      if (u.pathname.length > 1) out = out.replaceAll(u.pathname, "/…");
      if (u.search) out = out.replaceAll(u.search, "");
    } catch (err) {
      log.debug("Alert webhook URL does not parse", errorFields(err));
    }
    return o.redact ? o.redact(out) : out;
  };

  async function attempt(body: AlertBody): Promise<{ ok: true } | { ok: false; retry: boolean; message: string }> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await doFetch(o.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "User-Agent": "smartlink-client-alerts" },
        // Built from names, counts, IDs and codes only; the redactor is the last line all the same.
        body: o.redact ? o.redact(JSON.stringify(body)) : JSON.stringify(body),
        signal,
        // The URL may carry a token: a redirect is reported, never followed.
        redirect: "manual",
      });
      await res.body?.cancel();
      if (res.ok) return { ok: true };
      if (res.status >= 300 && res.status <= 399) {
        const location = res.headers.get("location") ?? "(no Location header)";
        const shown = o.redact ? o.redact(location) : location;
        return {
          ok: false,
          retry: false,
          message: `${target} answered HTTP ${res.status}, a redirect to "${shown}": not followed`,
        };
      }
      const retry = res.status === 408 || res.status === 429 || res.status >= 500;
      return { ok: false, retry, message: `${target} answered HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, retry: true, message: `${target}: ${describeFetchError(err, timeoutMs, signal.aborted)}` };
    }
  }

  async function deliver(body: AlertBody): Promise<void> {
    for (let i = 0;; i++) {
      const r = await attempt(body);
      if (r.ok) {
        lastSent = {
          at: o.now().toISOString(),
          condition: body.condition,
          event: body.event,
          count: body.count,
          text: body.text,
        };
        log.info("Alert sent", { condition: body.condition, event: body.event, count: body.count, target });
        return;
      }
      if (!r.retry || i >= retries) {
        const message = hide(
          `Alert "${body.condition}" ${body.event} not delivered after ${i + 1} attempt(s): ${r.message}`,
        );
        lastError = { at: o.now().toISOString(), message };
        log.warn(message, { condition: body.condition, target });
        return;
      }
      await sleep(backoffMs * 2 ** i);
    }
  }

  function kick(): void {
    if (worker) return;
    worker = (async () => {
      while (queue.length > 0) await deliver(queue.shift()!);
    })().catch((err) => {
      lastError = { at: o.now().toISOString(), message: hide(`Alert delivery stopped: ${(err as Error).message}`) };
      log.error("Alert delivery stopped", errorFields(err));
    }).finally(() => {
      worker = undefined;
      if (queue.length > 0) kick();
    });
  }

  function release(condition: AlertCondition): void {
    const slot = slots.get(condition);
    if (!slot?.pending) return;
    const now = o.now().getTime();
    if (slot.lastSentAt !== undefined && now - slot.lastSentAt < throttleMs) return;
    const { event, count } = slot.pending;
    slot.pending = undefined;
    slot.lastSentAt = now;
    if (queue.length >= MAX_QUEUE) {
      const dropped = queue.shift()!;
      log.warn("Alert queue full: the oldest alert is dropped", { condition: dropped.condition });
    }
    queue.push(alertBody(event, { count, at: new Date(now), tenantId: o.tenantId?.() }));
    kick();
  }

  return {
    notify(e) {
      try {
        let slot = slots.get(e.condition);
        if (!slot) slots.set(e.condition, slot = {});
        slot.pending = slot.pending ? merge(slot.pending, e) : { event: e, count: countOf(e) };
        release(e.condition);
      } catch (err) {
        log.error("Alert could not be queued", errorFields(err));
      }
    },
    flush() {
      for (const condition of slots.keys()) release(condition);
    },
    status() {
      const held = [...slots.values()].filter((s) => s.pending).length;
      return { target, lastSent, lastError, waiting: queue.length + held + (worker ? 1 : 0) };
    },
    async idle() {
      while (worker) await worker;
    },
  };
}
