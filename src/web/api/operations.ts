/** `/api/sync`, `/api/doctor`, `/api/purge`: run a tick, the doctor checks or the retention purge now. */
import { Hono } from "hono";
import { logOperatorAction } from "../../db/message_actions.ts";
import { purgeAll } from "../../sync/purge_all.ts";
import { apiError } from "../api_error.ts";
import { DoctorBody, ErrorBody, PurgeBody, TickSummaryBody } from "../api_schemas.ts";
import type { AppDeps } from "../deps.ts";
import { documented } from "../openapi.ts";
import { runSyncAction } from "../run_sync.ts";
import { apiActor } from "./answers.ts";

export function createOperationsApi(deps: AppDeps): Hono {
  const api = new Hono();

  api.post(
    "/sync",
    documented({
      summary: "Run one sync tick now and answer its summary",
      tags: ["sync"],
      responses: {
        200: ["The tick's summary (error set when a phase stopped)", TickSummaryBody],
        409: ["A tick is running (SYNC_RUNNING) or the client is not activated (NOT_ACTIVATED)", ErrorBody],
      },
    }),
    async (c) => {
      const result = await runSyncAction(deps, "api", apiActor(c));
      if (result.ran) return c.json(result.summary);
      return result.reason === "busy"
        ? apiError(c, 409, "SYNC_RUNNING", "A sync tick is already running; try again when it ends")
        : apiError(
          c,
          409,
          "NOT_ACTIVATED",
          'Not activated: activate on the /activation page or with "deno task cli activate", or set SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET',
        );
    },
  );

  api.get(
    "/doctor",
    documented({
      summary: "Run the doctor checks in this server: config, database, handlers, activation, token, setup",
      tags: ["status"],
      responses: {
        200: ["One line per check, as `deno task cli doctor` prints them", DoctorBody],
        404: ["This server runs no doctor checks (NOT_FOUND)", ErrorBody],
      },
    }),
    async (c) => {
      if (!deps.doctor) return apiError(c, 404, "NOT_FOUND", "This server runs no doctor checks");
      const checks = await deps.doctor();
      return c.json({ checks, failed: checks.some((l) => l.status === "FAIL") });
    },
  );

  api.post(
    "/purge",
    documented({
      summary: "Delete EXEC and LOG rows older than SMARTLINK_RETENTION_DAYS now",
      tags: ["history"],
      responses: { 200: ["How many rows were deleted", PurgeBody] },
    }),
    async (c) => {
      const r = await purgeAll(deps.db, deps.now(), deps.config.retentionDays);
      await logOperatorAction(deps.db, {
        action: "purge",
        text: `Operator purge: ${r.exec} EXEC and ${r.log} LOG rows deleted`,
        now: deps.now(),
        actor: apiActor(c),
        detail: { exec: r.exec, log: r.log, cutoff: r.cutoff.toISOString() },
      });
      return c.json({ exec: r.exec, log: r.log, cutoff: r.cutoff.toISOString() });
    },
  );

  return api;
}
