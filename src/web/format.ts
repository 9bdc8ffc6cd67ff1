/** How the admin view writes dates, durations and message content. Pure functions. */
import { LOG_TYPE_ENTRIES } from "../db/schema.ts";

/** "2024-05-01 13:45:12 UTC"; "—" when absent. */
export function formatDateTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** "45 s", "12 min", "3 h 05 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "850 ms", "12.4 s", then as `formatDuration`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms);
}

/** "3 min ago" / "in 40 s" relative to `now`. */
export function formatRelative(value: Date | string | null | undefined, now: Date): string {
  if (value === null || value === undefined) return "";
  const d = typeof value === "string" ? new Date(value) : value;
  const diff = d.getTime() - now.getTime();
  if (Math.abs(diff) < 1000) return "just now";
  return diff >= 0 ? `in ${formatDuration(diff)}` : `${formatDuration(-diff)} ago`;
}

/** Content as shown: pretty-printed when it is JSON, verbatim otherwise (escaping is the view's job). */
export function prettyContent(text: string | null | undefined): { text: string; json: boolean } {
  if (text === null || text === undefined) return { text: "", json: false };
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[") || trimmed.startsWith('"')) {
    try {
      return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
    } catch {
      return { text, json: false }; // looks like JSON but is not: show it as it is
    }
  }
  return { text, json: false };
}

export function truncate(text: string | null | undefined, max: number): string {
  if (!text) return "";
  return text.length <= max ? text : text.slice(0, max - 1) + "…";
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The name of each LOGTYPE (`LOG_TYPES` read backwards). */
export const LOG_TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(LOG_TYPE_ENTRIES);
