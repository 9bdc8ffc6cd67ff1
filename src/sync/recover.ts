/**
 * RUNNING rows left by a crashed process become due again after the handler
 * timeout + 1 minute. The attempt counts: an EXEC row records it as
 * abandoned, and it may make the row DEAD.
 */
import type { RetryParams } from "../config.ts";
import { recordOutcomes } from "../db/queue/record_outcomes.ts";
import { abandonedRunning } from "../db/queue/rescue.ts";
import { errorText } from "../errors.ts";
import type { TickDeps } from "./deps.ts";
import { withErrorReply } from "./error_reply.ts";
import { abandoned } from "./outcome.ts";
import type { TickSummary } from "./summary.ts";

/** Records every abandoned RUNNING row (up to 1000 a tick). @throws the database's error */
export async function recoverAbandoned(deps: TickDeps, retry: RetryParams, summary: TickSummary): Promise<void> {
  const now = deps.now();
  const rows = await abandonedRunning(deps.db.orm, new Date(now.getTime() - deps.handlerTimeoutMs - 60_000), 1000);
  if (rows.length === 0) return;
  const outcomes = rows.map((row) => {
    const attempt = row.qtdeTentativaExec;
    const message =
      `Attempt ${attempt} never finished (executor "${row.executor}", started ${row.dataInicioExec?.toISOString()})`;
    const error = errorText("ABANDONED", message);
    const isDead = attempt >= retry.qtdeTentativasExec;
    const outcome = abandoned(row, { attempt, startedAt: row.dataInicioExec ?? now, finishedAt: now }, {
      maxAttempts: retry.qtdeTentativasExec,
      code: "ABANDONED",
      message,
      text: isDead ? `${error}: DEAD` : `${error}: due again`,
    });
    return withErrorReply(outcome, deps);
  });
  const { recorded } = await recordOutcomes(deps.db.orm, outcomes, now);
  summary.recovered += recorded.length;
  summary.dead += recorded.filter((o) => o.nextStatus === "DEAD").length;
  if (recorded.length > 0) deps.logger.warn("Recovered abandoned RUNNING rows", { count: recorded.length });
}
