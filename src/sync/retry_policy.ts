/**
 * The RM retry formula (TDN "Integração RM x Smart Link", retry section):
 *
 *   QtdMinutos = MinutesInterval * FatorTempoExecucao * QtdeTentativasExec * QtdeTentativaExecCorrente
 *   HoraProximaTentativaExecucao = DataHoraCorrente.AddMinutes(QtdMinutos)
 *
 * It multiplies by the MAXIMUM attempt count (QtdeTentativasExec) as well as
 * by the current one. That looks odd, but it is what RM does and an RM support
 * analyst compares our DATATENTATIVAEXEC with RM's, so it is copied exactly.
 */
import type { RetryParams } from "../config.ts";
import type { Status } from "../db/schema.ts";

export interface RetryDecision {
  status: Extract<Status, "RETRY" | "DEAD">;
  /** `DATATENTATIVAEXEC`: not to run before. Unchanged (= `failedAt`) when DEAD. */
  nextAttemptAt: Date;
}

/** Minutes to wait after attempt number `attempt` failed (the RM formula). */
export function retryDelayMinutes(params: RetryParams, attempt: number): number {
  return params.minutesInterval * params.fatorTempoExecucao * params.qtdeTentativasExec * attempt;
}

/**
 * Decides what follows a retryable failure of attempt `attempt`, ended at
 * `failedAt` (the attempt's `EXEC.DATAFIM`): `DEAD` once the maximum is
 * reached, else `RETRY` at `failedAt + retryDelayMinutes`.
 */
export function decideRetry(params: RetryParams, attempt: number, failedAt: Date): RetryDecision {
  if (attempt >= params.qtdeTentativasExec) return { status: "DEAD", nextAttemptAt: failedAt };
  const ms = retryDelayMinutes(params, attempt) * 60_000;
  return { status: "RETRY", nextAttemptAt: new Date(failedAt.getTime() + Math.round(ms)) };
}
