/** `/api/messages`: list the queue, publish a message upstream, show one message with its history. */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import { listMessages, messageDetail } from "../../db/admin_queries.ts";
import { resolveMessageId } from "../../db/resolve_id.ts";
import { MESSAGE_TYPE_RULE, messageTypeSchema } from "../../message_type.ts";
import { apiError } from "../api_error.ts";
import { ErrorBody, MessageDetailBody, MessagePage, PublishAccepted } from "../api_schemas.ts";
import { encodeCursor } from "../cursor.ts";
import type { AppDeps } from "../deps.ts";
import { MessageQuery, parseMessageQuery, storableText } from "../filters.ts";
import { nextAttemptAt } from "../next_attempt.ts";
import { documented } from "../openapi.ts";
import { badIdDoc, badQuery, badQueryDoc, unresolved } from "./answers.ts";

const name = (field: string) => messageTypeSchema(`Expected ${field}: ${MESSAGE_TYPE_RULE}`);

export const PublishSchema = v.object({
  type: name("type"),
  audience: name("audience"),
  data: v.custom<Record<string, unknown> | string>(
    (d) => typeof d === "string" || (typeof d === "object" && d !== null && !Array.isArray(d)),
    "Expected data as a JSON object or a string",
  ),
  correlationId: v.optional(
    v.pipe(
      v.string("Expected correlationId as a string"),
      v.minLength(1),
      v.maxLength(200, "Expected at most 200 characters"),
      storableText,
    ),
  ),
});

export function createMessagesApi(deps: AppDeps): Hono {
  const api = new Hono();

  api.get(
    "/messages",
    documented({
      summary: "List unfinished messages (GTOTVSLINKMESSAGE), newest first",
      tags: ["messages"],
      query: MessageQuery,
      responses: { 200: ["One page of messages", MessagePage], 400: badQueryDoc },
    }),
    async (c) => {
      const parsed = parseMessageQuery(c.req.query());
      if (!parsed.ok) return badQuery(c, parsed);
      const page = await listMessages(deps.db, parsed.value);
      const items = page.items.map((m) => ({ ...m, nextAttemptAt: nextAttemptAt(m) }));
      return c.json({ items, nextCursor: page.next ? encodeCursor(page.next) : null });
    },
  );

  api.post(
    "/messages",
    documented({
      summary: "Publish a message upstream (an UP row); it is sent at once and by every tick until it succeeds",
      tags: ["messages"],
      body: PublishSchema,
      responses: {
        202: ["Stored; the local ID", PublishAccepted],
        400: ["Not JSON (INVALID_JSON) or invalid fields (INVALID_MESSAGE, details.fields)", ErrorBody],
        413: ["Body too large (PAYLOAD_TOO_LARGE)", ErrorBody],
      },
    }),
    bodyLimit({
      maxSize: deps.config.maxMessageBytes + 65_536,
      onError: (c) => apiError(c, 413, "PAYLOAD_TOO_LARGE", "The request body is too large"),
    }),
    async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return apiError(c, 400, "INVALID_JSON", "The request body is not valid JSON");
      }
      const result = v.safeParse(PublishSchema, body);
      if (!result.success) {
        const flat = v.flatten<typeof PublishSchema>(result.issues);
        return apiError(c, 400, "INVALID_MESSAGE", "Invalid message", {
          fields: flat.nested ?? {},
          ...(flat.root ? { form: flat.root } : {}),
        });
      }
      const { id } = await deps.publish(result.output);
      return c.json({ id }, 202);
    },
  );

  api.get(
    "/messages/:id",
    documented({
      summary: "One message with its EXEC and LOG rows (also after it succeeded)",
      tags: ["messages"],
      idParam: true,
      responses: {
        200: ["The message, its executions and logs", MessageDetailBody],
        ...badIdDoc,
        409: ["The prefix matches several messages (AMBIGUOUS_ID, details.candidates)", ErrorBody],
      },
    }),
    async (c) => {
      const resolved = await resolveMessageId(deps.db, c.req.param("id"));
      if (!resolved.ok) return unresolved(c, resolved);
      const detail = await messageDetail(deps.db, resolved.id);
      if (!detail) return apiError(c, 404, "MESSAGE_NOT_FOUND", `Message "${resolved.id}" not found`);
      const row = detail.message;
      return c.json({ ...detail, message: row && { ...row, nextAttemptAt: nextAttemptAt(row) } });
    },
  );

  return api;
}
