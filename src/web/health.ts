/**
 * `GET /healthz`: database reachable (else 503 "unavailable"); no credentials
 * → 503 "not_activated" (a distinct body status, so an orchestrator that must
 * keep an unconfigured client up can accept it); then "degraded" (200) when
 * the token or the last tick failed, or when a due message has waited longer
 * than three schedule periods. No secret and no error text leaves here: the
 * endpoint is open.
 */
import { errorFields } from "../log.ts";
import { activationState, type ActivationStateName, credentialsRejected } from "./activation_state.ts";
import type { AppDeps } from "./deps.ts";
import { loadStatus } from "./status.ts";

export type TokenCheck = "ok" | "error" | "none" | "not_activated";

export interface HealthBody {
  status: "ok" | "degraded" | "not_activated" | "unavailable";
  checks: {
    database: "ok" | "error";
    activation: "activated" | "not_activated" | "unknown";
    /** The activation state (`activation_state.ts`). */
    activationState: ActivationStateName | "unknown";
    token: TokenCheck | "unknown";
    lastTick: { finishedAt: string; durationMs: number; error: { phase: string; code: string } | null } | null;
    oldestPendingSeconds: number | null;
    installation: "ok" | "mismatch" | "unknown";
  };
  /** Why the status is "degraded" or "unavailable". */
  reasons: string[];
}

export const STALE_PERIODS = 3;

export async function checkHealth(deps: AppDeps): Promise<{ httpStatus: 200 | 503; body: HealthBody }> {
  try {
    await deps.db.ping(2000);
  } catch (err) {
    deps.logger.warn("Health check: database unreachable", errorFields(err));
    return {
      httpStatus: 503,
      body: {
        status: "unavailable",
        checks: {
          database: "error",
          activation: "unknown",
          activationState: "unknown",
          token: "unknown",
          lastTick: null,
          oldestPendingSeconds: null,
          installation: "unknown",
        },
        reasons: ["database unreachable"],
      },
    };
  }
  const s = await loadStatus(deps);
  const a = s.activation;
  const state = activationState(a).state;
  const token: TokenCheck = !a.activated ? "not_activated" : a.tokenError ? "error" : a.tokenValidUntil ? "ok" : "none";
  const tick = s.lastTick?.summary;
  const reasons: string[] = [];
  if (!a.activated) reasons.push("not activated: no client credentials");
  if (a.activated && token === "error") {
    reasons.push(credentialsRejected(a) ? "token request failed: credentials rejected" : "token request failed");
  }
  const installation = deps.installation?.().status ?? "unknown";
  if (installation === "mismatch") {
    reasons.push(
      'this database is a copy of the installation recorded for the tenant: sync paused (see "cli activate --confirm")',
    );
  }
  if (a.activated && tick?.error) reasons.push(`last tick failed in phase ${tick.error.phase}`);
  const limitS = (STALE_PERIODS * s.periodMs) / 1000;
  if (s.oldestPendingSeconds !== null && s.oldestPendingSeconds > limitS) {
    reasons.push(`a message has been due for more than ${STALE_PERIODS} schedule periods`);
  }
  return {
    httpStatus: a.activated ? 200 : 503,
    body: {
      status: !a.activated ? "not_activated" : reasons.length === 0 ? "ok" : "degraded",
      checks: {
        database: "ok",
        activation: a.activated ? "activated" : "not_activated",
        activationState: state,
        token,
        lastTick: tick
          ? {
            finishedAt: tick.finishedAt,
            durationMs: tick.durationMs,
            error: tick.error ? { phase: tick.error.phase, code: tick.error.code } : null,
          }
          : null,
        oldestPendingSeconds: s.oldestPendingSeconds,
        installation,
      },
      reasons,
    },
  };
}
