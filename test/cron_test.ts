import assert from "node:assert/strict";
import { parseCron } from "../src/cron.ts";

const cases: [string, string, string][] = [
  ["* * * * *", "2026-01-05T10:00:30Z", "2026-01-05T10:01:00.000Z"],
  ["*/5 * * * *", "2026-01-05T10:01:00Z", "2026-01-05T10:05:00.000Z"],
  ["0 3 * * *", "2026-01-05T10:00:00Z", "2026-01-06T03:00:00.000Z"],
  ["30 8 * * 1-5", "2026-01-09T09:00:00Z", "2026-01-12T08:30:00.000Z"], // Friday → Monday
  ["0 0 1 * *", "2026-01-05T00:00:00Z", "2026-02-01T00:00:00.000Z"],
  ["15,45 * * * *", "2026-01-05T10:20:00Z", "2026-01-05T10:45:00.000Z"],
  ["0 0 * * 7", "2026-01-05T00:00:00Z", "2026-01-11T00:00:00.000Z"], // 7 = Sunday
];
for (const [expr, from, next] of cases) {
  Deno.test(`parseCron("${expr}").next(${from}) is ${next}`, () => {
    assert.equal(parseCron(expr).next(new Date(from)).toISOString(), next);
  });
}

Deno.test("parseCron() gives the period between runs", () => {
  assert.equal(parseCron("* * * * *").periodMs(new Date()), 60_000);
  assert.equal(parseCron("*/10 * * * *").periodMs(new Date("2026-01-05T10:00:00Z")), 600_000);
});

Deno.test("parseCron() rejects bad expressions naming the field", () => {
  assert.throws(() => parseCron("* * * *"), /expected 5 fields, got 4/);
  assert.throws(() => parseCron("60 * * * *"), /minute field "60"/);
  assert.throws(() => parseCron("* 24 * * *"), /hour field/);
  assert.throws(() => parseCron("* * 0 * *"), /day of month field/);
  assert.throws(() => parseCron("* * * JAN *"), /month field "JAN"/);
  assert.throws(() => parseCron("* * 31 2 *"), /never runs/);
});
