/**
 * What an alert says: the JSON body POSTed to SMARTLINK_ALERT_WEBHOOK, with a
 * `text` line that Slack, Microsoft Teams and Google Chat incoming webhooks
 * show as it is. Only condition names, counts, message types, IDs and error
 * codes: never a secret, never message content. Pure.
 */

export type AlertCondition = "message_dead" | "ticks_failing" | "token_unavailable" | "queue_stale";
export type AlertEventKind = "raised" | "cleared";

/** One DEAD message as an alert may name it. */
export interface DeadSample {
  type: string;
  id: string;
  /** The code part of ULTIMOERRO (`HANDLER_FATAL`), or "UNKNOWN". */
  errorCode: string;
}

export interface AlertDetails {
  /** message_dead: some of the messages (at most 10). */
  messages?: DeadSample[];
  /** ticks_failing: failed ticks in a row, and the last one's phase and code. */
  consecutiveFailures?: number;
  phase?: string;
  errorCode?: string;
  /** queue_stale: how long the oldest due message waits, and the limit (three schedule periods). */
  waitingSeconds?: number;
  limitSeconds?: number;
}

export interface AlertEvent {
  condition: AlertCondition;
  event: AlertEventKind;
  details: AlertDetails;
}

export interface AlertBody {
  source: "smartlink-client";
  condition: AlertCondition;
  event: AlertEventKind;
  severity: "error" | "warning" | "ok";
  /** Occurrences this alert stands for (events folded together by the 15-minute throttle). */
  count: number;
  at: string;
  tenantId: string | null;
  details: AlertDetails;
  text: string;
}

const TYPE_SAFE = /^[A-Za-z0-9_.:-]{1,200}$/;
const CODE_SAFE = /^[A-Z][A-Z0-9_]{1,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The code of an ULTIMOERRO text ("HANDLER_FATAL: HTTP 400 …" → "HANDLER_FATAL"); never its free text. */
export function errorCodeOf(text: string | null | undefined): string {
  const code = /^([A-Z][A-Z0-9_]{1,63})(?::|$)/.exec(text ?? "")?.[1];
  return code ?? "UNKNOWN";
}

/** A sample reduced to what may leave: a type that passes the type rule, a uuid, a code. */
export function safeSample(s: DeadSample): DeadSample {
  return {
    type: TYPE_SAFE.test(s.type) ? s.type : "(invalid type)",
    id: UUID.test(s.id) ? s.id : "(invalid id)",
    errorCode: CODE_SAFE.test(s.errorCode) ? s.errorCode : "UNKNOWN",
  };
}

function headline(e: AlertEvent, count: number): string {
  const d = e.details;
  if (e.event === "cleared") {
    switch (e.condition) {
      case "message_dead":
        return "No more messages went DEAD";
      case "ticks_failing":
        return "Sync ticks succeed again";
      case "token_unavailable":
        return "RAC token obtained again";
      case "queue_stale":
        return "The queue is moving again: no message waits longer than three schedule periods";
    }
  }
  switch (e.condition) {
    case "message_dead": {
      const first = d.messages?.[0];
      const sample = first ? `: ${first.type} ${first.id.slice(0, 8)} (${first.errorCode})` : "";
      return `${count} message${count === 1 ? "" : "s"} went DEAD${sample}${count > 1 && first ? " and others" : ""}`;
    }
    case "ticks_failing":
      return `${d.consecutiveFailures ?? count} sync ticks failed in a row${
        d.phase ? `, the last in phase ${d.phase} (${d.errorCode ?? "UNKNOWN"})` : ""
      }`;
    case "token_unavailable":
      return `No RAC token can be had (${d.errorCode ?? "UNKNOWN"}): nothing syncs until it can`;
    case "queue_stale":
      return `The oldest due message has waited ${d.waitingSeconds ?? "?"} s, more than three schedule periods (${
        d.limitSeconds ?? "?"
      } s)`;
  }
}

/** The body of one POST: `count` times the event in the window, sent `at`. */
export function alertBody(
  e: AlertEvent,
  options: { count: number; at: Date; tenantId: string | undefined },
): AlertBody {
  const { count, at, tenantId } = options;
  const details: AlertDetails = { ...e.details };
  if (details.messages) details.messages = details.messages.slice(0, 10).map(safeSample);
  if (details.errorCode && !CODE_SAFE.test(details.errorCode)) details.errorCode = "UNKNOWN";
  if (details.phase && !/^[a-z]{1,20}$/.test(details.phase)) details.phase = "unknown";
  const severity = e.event === "cleared" ? "ok" : e.condition === "queue_stale" ? "warning" : "error";
  const icon = severity === "ok" ? "✅" : severity === "warning" ? "⚠️" : "🔴";
  const tenant = tenantId && TYPE_SAFE.test(tenantId) ? tenantId : null;
  const text = `${icon} Smart Link Client${tenant ? ` (tenant ${tenant})` : ""}: ${headline({ ...e, details }, count)}${
    count > 1 && e.condition !== "message_dead" ? ` (${count} times in 15 min)` : ""
  }`;
  return {
    source: "smartlink-client",
    condition: e.condition,
    event: e.event,
    severity,
    count,
    at: at.toISOString(),
    tenantId: tenant,
    details,
    text,
  };
}
