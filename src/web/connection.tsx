/**
 * `GET /connection` (page) and `GET /api/connection` (JSON): what this process
 * saw of RAC and the Smart Link Server, redacted. Mounted by app.tsx behind
 * the same guards as the other pages and the API.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import * as v from "valibot";
import type { ConnectionReport } from "../capture/connection_stats.ts";
import type { AppDeps } from "./deps.ts";
import type { FlashStore } from "./flash.ts";
import { documented } from "./openapi.ts";
import { renderPage } from "./pages.tsx";
import type { WebEnv } from "./middleware/csrf.ts";
import { ConnectionView } from "./views/connection.tsx";

async function report(deps: AppDeps): Promise<ConnectionReport> {
  return deps.connection ? await deps.connection() : { operations: [] };
}

const ConnectionReportSchema = v.object({
  operations: v.array(v.object({
    op: v.picklist(["token", "setup", "get", "ack", "nack", "send", "other"]),
    calls: v.number(),
    byStatus: v.record(v.string(), v.number()),
    p50Ms: v.nullable(v.number()),
    p95Ms: v.nullable(v.number()),
    lastAt: v.optional(v.string()),
    lastError: v.optional(v.object({
      time: v.string(),
      method: v.string(),
      url: v.string(),
      status: v.optional(v.number()),
      text: v.string(),
    })),
  })),
  lastGetShape: v.optional(v.object({ time: v.string(), status: v.number(), shape: v.string() })),
});

/** `GET /connection` under `/api`. */
export function createConnectionApi(deps: AppDeps): Hono {
  const api = new Hono();
  api.get(
    "/connection",
    documented({
      summary: "Exchanges with RAC and the Smart Link Server since start, per operation, and the last get shape",
      description: 'Calls, answers by status ("network" = no answer), p50/p95 duration in ms, the last error ' +
        "answer (redacted) and the structure of the last get answer (keys and counts, never values).",
      tags: ["status"],
      responses: { 200: ["Per-operation figures", ConnectionReportSchema] },
    }),
    async (c) => c.json(await report(deps)),
  );
  return api;
}

/** The HTML page. */
export function createConnectionPage(deps: AppDeps, flashes: FlashStore): Hono<WebEnv> {
  const html = new Hono<WebEnv>();
  html.get("/connection", async (c: Context) => {
    const data = {
      report: await report(deps),
      linkUrl: deps.config.linkUrl,
      racTokenUrl: deps.config.racTokenUrl,
      capturePath: deps.config.capturePath,
    };
    return renderPage(c, flashes, "Connection", "connection", <ConnectionView data={data} />);
  });
  return html;
}
