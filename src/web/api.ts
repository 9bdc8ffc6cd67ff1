/**
 * The JSON API under `/api` (SPEC 8), one route group per file in `api/`.
 * Every error is `{error:{code,message,details?}}`; `:id` is the local message
 * ID. Authentication and the same-origin check sit in front (`middleware/`);
 * an unknown path gets the root app's 404 (a mounted app's `notFound` never runs).
 */
import { Hono } from "hono";
import { errorFields } from "../log.ts";
import { apiError } from "./api_error.ts";
import { StatusBody } from "./api_schemas.ts";
import { createHistoryApi } from "./api/history.ts";
import { createMessageActionsApi } from "./api/message_actions.ts";
import { createMessagesApi } from "./api/messages.ts";
import { createOperationsApi } from "./api/operations.ts";
import type { AppDeps } from "./deps.ts";
import { documented } from "./openapi.ts";
import { loadStatus, statusJson } from "./status.ts";

export function createApi(deps: AppDeps): Hono {
  const api = new Hono();

  api.onError((err, c) => {
    deps.logger.error("API request failed", { path: c.req.path, ...errorFields(err) });
    return apiError(c, 500, "INTERNAL", "Internal error; see the server log");
  });

  api.get(
    "/status",
    documented({
      summary: "Activation, counts, oldest due message, last and next tick",
      tags: ["status"],
      responses: { 200: ["The client's state", StatusBody] },
    }),
    async (c) => c.json(statusJson(await loadStatus(deps))),
  );

  api.route("/", createMessagesApi(deps));
  api.route("/", createMessageActionsApi(deps));
  api.route("/", createOperationsApi(deps));
  api.route("/", createHistoryApi(deps));

  return api;
}
