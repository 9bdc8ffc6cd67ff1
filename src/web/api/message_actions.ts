/** `POST /api/messages/:id/retry` and `/discard`: the operator's actions on one queued message. */
import { Hono } from "hono";
import { discardMessage, retryMessage } from "../../db/message_actions.ts";
import { resolveMessageId } from "../../db/resolve_id.ts";
import { DiscardBody, ErrorBody, RetryBody } from "../api_schemas.ts";
import type { AppDeps } from "../deps.ts";
import { documented } from "../openapi.ts";
import { apiActor, badIdDoc, failureResponse, unresolved } from "./answers.ts";

export function createMessageActionsApi(deps: AppDeps): Hono {
  const api = new Hono();

  for (const action of ["retry", "discard"] as const) {
    api.post(
      `/messages/:id/${action}`,
      documented(
        action === "retry"
          ? {
            summary: "Make a message due now with a fresh attempt budget",
            tags: ["messages"],
            idParam: true,
            responses: {
              200: ["The message after the retry", RetryBody],
              ...badIdDoc,
              409: ["The message is RUNNING (MESSAGE_RUNNING) or the prefix is ambiguous (AMBIGUOUS_ID)", ErrorBody],
            },
          }
          : {
            summary: "Delete a message; an EXEC row (DISCARDED) records it",
            tags: ["messages"],
            idParam: true,
            responses: {
              200: ["The deleted message and its DISCARDED execution", DiscardBody],
              ...badIdDoc,
              409: ["The message is RUNNING (MESSAGE_RUNNING) or the prefix is ambiguous (AMBIGUOUS_ID)", ErrorBody],
            },
          },
      ),
      async (c) => {
        const resolved = await resolveMessageId(deps.db, c.req.param("id"), "queue");
        if (!resolved.ok) return unresolved(c, resolved);
        const id = resolved.id;
        const options = { now: deps.now(), actor: apiActor(c) };
        if (action === "retry") {
          const r = await retryMessage(deps.db, id, options);
          if (!r.ok) return failureResponse(c, r);
          const { conteudo: _c, ...message } = r.message;
          return c.json({ message });
        }
        const r = await discardMessage(deps.db, id, options);
        if (!r.ok) return failureResponse(c, r);
        const { conteudo: _c, ...message } = r.message;
        const { conteudo: _e, ...execution } = r.execution;
        return c.json({ message, execution });
      },
    );
  }

  return api;
}
