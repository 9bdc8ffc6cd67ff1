/**
 * A 5-field cron expression (minute hour day-of-month month day-of-week), the
 * subset `Deno.cron` accepts: numbers, `*`, lists, ranges and steps. Used to
 * validate `SMARTLINK_SCHEDULE` and to show the next tick on the dashboard.
 */
import { AppError } from "./errors.ts";

export interface CronSchedule {
  readonly expression: string;
  /** The first run strictly after `from` (UTC, as `Deno.cron` runs). */
  next(from: Date): Date;
  /** Approximate period in milliseconds (gap between the next two runs). */
  periodMs(from: Date): number;
}

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

/** A cron expression that cannot be parsed or never runs. */
export class CronError extends AppError<"CRON_INVALID"> {
  override name = "CronError";
}

function parseField(text: string, index: number): Set<number> {
  const { name, min, max } = FIELDS[index];
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) {
      throw new CronError("CRON_INVALID", `Invalid ${name} field "${text}": expected numbers, "*", ranges or steps`);
    }
    let lo: number = min;
    let hi: number = max;
    if (m[2] !== undefined) {
      lo = Number(m[2]);
      hi = m[3] !== undefined ? Number(m[3]) : (m[4] !== undefined ? max : lo);
    }
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < min || hi > max || lo > hi || step < 1) {
      throw new CronError("CRON_INVALID", `Invalid ${name} field "${text}": values must be within ${min}-${max}`);
    }
    for (let v = lo; v <= hi; v += step) values.add(index === 4 && v === 7 ? 0 : v);
  }
  return values;
}

/** Parses a 5-field cron expression. @throws CronError naming the bad field. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError(
      "CRON_INVALID",
      `Invalid cron expression "${expression}": expected 5 fields, got ${parts.length}`,
    );
  }
  const [minutes, hours, days, months, weekdays] = parts.map(parseField);
  const domAny = parts[2] === "*";
  const dowAny = parts[4] === "*";
  const dayMatches = (d: Date) => {
    const dom = days.has(d.getUTCDate());
    const dow = weekdays.has(d.getUTCDay());
    if (domAny && dowAny) return true;
    if (domAny) return dow;
    if (dowAny) return dom;
    return dom || dow; // classic cron: either field may match when both are restricted
  };
  const next = (from: Date): Date => {
    const d = new Date(from.getTime());
    d.setUTCSeconds(0, 0);
    d.setUTCMinutes(d.getUTCMinutes() + 1);
    // Four years of minutes bounds the search for rare schedules (29 Feb).
    for (let i = 0; i < 4 * 366 * 24 * 60; i++) {
      if (!months.has(d.getUTCMonth() + 1)) {
        d.setUTCMonth(d.getUTCMonth() + 1, 1);
        d.setUTCHours(0, 0);
        continue;
      }
      if (!dayMatches(d)) {
        d.setUTCDate(d.getUTCDate() + 1);
        d.setUTCHours(0, 0);
        continue;
      }
      if (!hours.has(d.getUTCHours())) {
        d.setUTCHours(d.getUTCHours() + 1, 0);
        continue;
      }
      if (!minutes.has(d.getUTCMinutes())) {
        d.setUTCMinutes(d.getUTCMinutes() + 1);
        continue;
      }
      return d;
    }
    throw new CronError("CRON_INVALID", `Cron expression "${expression}" never runs`);
  };
  next(new Date(Date.UTC(2024, 0, 1))); // proves it runs at all
  return {
    expression,
    next,
    periodMs(from) {
      const a = next(from);
      return next(a).getTime() - a.getTime();
    },
  };
}
