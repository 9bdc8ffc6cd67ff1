/**
 * The JSON API under `/api` (SPEC 8). Every error is
 * `{error:{code,message,details?}}`; `:id` is the local message ID.
 * Authentication and the same-origin check sit in front (security.ts).
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import { MESSAGE_TYPE_RULE, messageTypeSchema } from "../message_type.ts";
import { listExecutions, listLogs, listMessages, messageDetail } from "../db/admin_queries.ts";
import { type ActionFailure, discardMessage, logOperatorAction, retryMessage } from "../db/message_actions.ts";
import { errorFields } from "../log.ts";
import { purgeAll } from "../sync/purge_all.ts";
import { type ResolvedId, resolveMessageId } from "../db/resolve_id.ts";
import { encodeCursor } from "./cursor.ts";
import type { AppDeps } from "./deps.ts";
import {
  ExecQuery,
  LogQuery,
  MessageQuery,
  type Parsed,
  parseExecQuery,
  parseLogQuery,
  parseMessageQuery,
  storableText,
} from "./filters.ts";
import { nextAttemptAt } from "./next_attempt.ts";
import { runSyncAction } from "./run_sync.ts";
import {
  DiscardBody,
  DoctorBody,
  ErrorBody,
  ExecutionPage,
  LogPage,
  MessageDetailBody,
  MessagePage,
  PublishAccepted,
  PurgeBody,
  RetryBody,
  StatusBody,
  TickSummaryBody,
} from "./api_schemas.ts";
import { documented } from "./openapi.ts";
import { apiError, clientAddress } from "./security.ts";
import { loadStatus, statusJson } from "./status.ts";

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

function failureResponse(c: Parameters<typeof apiError>[0], f: ActionFailure) {
  return apiError(c, f.code === "MESSAGE_RUNNING" ? 409 : 404, f.code, f.message);
}

/** 400 for a malformed ID, 404 when nothing matches, 409 when a prefix matches several messages. */
function unresolved(c: Parameters<typeof apiError>[0], r: ResolvedId & { ok: false }) {
  const status = r.code === "INVALID_ID" ? 400 : r.code === "AMBIGUOUS_ID" ? 409 : 404;
  return apiError(c, status, r.code, r.message, r.candidates ? { candidates: r.candidates } : undefined);
}

function badQuery<T>(c: Parameters<typeof apiError>[0], parsed: Parsed<T> & { ok: false }) {
  return apiError(c, 400, "INVALID_QUERY", "Invalid query parameters", { fields: parsed.errors });
}

export function createApi(deps: AppDeps): Hono {
  const api = new Hono();
  const actor = (c: Parameters<typeof clientAddress>[0]) => ({ via: "api" as const, address: clientAddress(c) });

  api.onError((err, c) => {
    deps.logger.error("API request failed", { path: c.req.path, ...errorFields(err) });
    return apiError(c, 500, "INTERNAL", "Internal error; see the server log");
  });
  api.notFound((c) => apiError(c, 404, "NOT_FOUND", `No API route ${c.req.method} ${c.req.path}`));

  const badQueryDoc: [string, typeof ErrorBody] = [
    "A query parameter is invalid (INVALID_QUERY, details.fields)",
    ErrorBody,
  ];
  const badIdDoc = {
    400: ["Malformed ID (INVALID_ID)", ErrorBody],
    404: ["No such message (MESSAGE_NOT_FOUND)", ErrorBody],
  } as const;

  api.get(
    "/status",
    documented({
      summary: "Activation, counts, oldest due message, last and next tick",
      tags: ["status"],
      responses: { 200: ["The client's state", StatusBody] },
    }),
    async (c) => c.json(statusJson(await loadStatus(deps))),
  );

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
        const options = { now: deps.now(), actor: actor(c) };
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
      const result = await runSyncAction(deps, "api", actor(c));
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
      await logOperatorAction(deps.db, "purge", `Operator purge: ${r.exec} EXEC and ${r.log} LOG rows deleted`, {
        now: deps.now(),
        actor: actor(c),
        detail: { exec: r.exec, log: r.log, cutoff: r.cutoff.toISOString() },
      });
      return c.json({ exec: r.exec, log: r.log, cutoff: r.cutoff.toISOString() });
    },
  );

  api.get(
    "/executions",
    documented({
      summary: "List execution attempts (GTOTVSLINKMESSAGEEXEC), newest first",
      tags: ["history"],
      query: ExecQuery,
      responses: { 200: ["One page of executions", ExecutionPage], 400: badQueryDoc },
    }),
    async (c) => {
      const parsed = parseExecQuery(c.req.query());
      if (!parsed.ok) return badQuery(c, parsed);
      const page = await listExecutions(deps.db, parsed.value);
      return c.json({ items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null });
    },
  );

  api.get(
    "/logs",
    documented({
      summary: "List log entries (GTOTVSLINKLOG), newest first",
      tags: ["history"],
      query: LogQuery,
      responses: { 200: ["One page of log entries", LogPage], 400: badQueryDoc },
    }),
    async (c) => {
      const parsed = parseLogQuery(c.req.query());
      if (!parsed.ok) return badQuery(c, parsed);
      const page = await listLogs(deps.db, parsed.value);
      return c.json({ items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null });
    },
  );

  return api;
}
