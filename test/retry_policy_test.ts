import assert from "node:assert/strict";
import { decideRetry, retryDelayMinutes } from "../src/sync/retry_policy.ts";

// MinutesInterval × FatorTempoExecucao × QtdeTentativasExec × QTDETENTATIVAEXEC
const cases: [number, number, number, number, number][] = [
  // interval, factor, max, attempt, minutes
  [1, 1, 3, 1, 3],
  [1, 1, 3, 2, 6],
  [1, 2, 5, 3, 30],
  [0.5, 1.5, 3, 1, 2.25],
  [0.001, 1, 3, 1, 0.003],
  [2, 0.25, 4, 2, 4],
  [1, 0, 3, 1, 0],
  [15, 1, 10, 9, 1350],
];
for (const [interval, factor, max, attempt, minutes] of cases) {
  Deno.test(
    `retryDelayMinutes(MinutesInterval=${interval}, Fator=${factor}, Qtde=${max}) after attempt ${attempt} is ${minutes}`,
    () => {
      const p = { minutesInterval: interval, fatorTempoExecucao: factor, qtdeTentativasExec: max };
      assert.ok(Math.abs(retryDelayMinutes(p, attempt) - minutes) < 1e-9);
      const failedAt = new Date("2026-01-05T10:00:00.000Z");
      const d = decideRetry(p, attempt, failedAt);
      assert.equal(d.status, "RETRY");
      assert.equal(d.nextAttemptAt.getTime() - failedAt.getTime(), Math.round(minutes * 60_000));
    },
  );
}

Deno.test("decideRetry() makes the message DEAD once QtdeTentativasExec attempts were made", () => {
  const p = { minutesInterval: 1, fatorTempoExecucao: 1, qtdeTentativasExec: 3 };
  const at = new Date("2026-01-05T10:00:00.000Z");
  assert.equal(decideRetry(p, 2, at).status, "RETRY");
  assert.equal(decideRetry(p, 3, at).status, "DEAD");
  assert.equal(decideRetry(p, 4, at).status, "DEAD");
  assert.equal(decideRetry({ ...p, qtdeTentativasExec: 1 }, 1, at).status, "DEAD");
});
