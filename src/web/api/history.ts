/** `/api/executions` and `/api/logs`: the EXEC and LOG history, newest first, one page per call. */
import { Hono } from "hono";
import { listExecutions, listLogs } from "../../db/admin_queries.ts";
import { ExecutionPage, LogPage } from "../api_schemas.ts";
import { encodeCursor } from "../cursor.ts";
import type { AppDeps } from "../deps.ts";
import { ExecQuery, LogQuery, parseExecQuery, parseLogQuery } from "../filters.ts";
import { documented } from "../openapi.ts";
import { badQuery, badQueryDoc } from "./answers.ts";

export function createHistoryApi(deps: AppDeps): Hono {
  const api = new Hono();

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
