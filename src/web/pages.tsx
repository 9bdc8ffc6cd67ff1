/**
 * The HTML admin view: pages (GET) and the operator forms (POST → 303 with a
 * flash notice). Behind HTTP Basic and CSRF protection (app.tsx); views are
 * pure components fed here.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import {
  executionsByHour,
  listExecutions,
  listLogs,
  listMessages,
  messageDetail,
  recentErrors,
} from "../db/admin_queries.ts";
import { type ActionFailure, discardMessage, retryMessage } from "../db/message_actions.ts";
import { resolveMessageId } from "../db/resolve_id.ts";
import type { TickSummary } from "../sync/summary.ts";
import { encodeCursor, isUuid } from "./cursor.ts";
import type { AppDeps } from "./deps.ts";
import { parseExecQuery, parseLogQuery, parseMessageQuery } from "./filters.ts";
import type { Flash, FlashStore } from "./flash.ts";
import { clientAddress } from "./client_address.ts";
import type { WebEnv } from "./middleware/csrf.ts";
import { runSyncAction } from "./run_sync.ts";
import { loadStatus } from "./status.ts";
import { DashboardView } from "./views/dashboard.tsx";
import { ErrorView } from "./views/error.tsx";
import { HistoryView, LogsView } from "./views/history.tsx";
import { Layout, type Section } from "./views/layout.tsx";
import { MessageDetailView } from "./views/message_detail.tsx";
import { MessagesView } from "./views/messages.tsx";
import { href } from "./views/parts.tsx";

type Status = 200 | 400 | 403 | 404 | 500;

const LIST_KEYS = ["message", "logtype", "type", "from", "to", "limit"] as const;

/** Renders a full page, with the pending flash notice. */
export async function renderPage(
  c: Context,
  flashes: FlashStore,
  title: string,
  section: Section | undefined,
  body: JSX.Element,
  status: Status = 200,
): Promise<Response> {
  const flash = await flashes.take(c);
  const html = await <Layout title={title} section={section} flash={flash}>{body}</Layout>;
  return c.html("<!DOCTYPE html>" + html.toString(), status);
}

export function errorPage(c: Context, flashes: FlashStore, status: Status, title: string, text: string) {
  return renderPage(c, flashes, title, undefined, <ErrorView title={title} text={text} />, status);
}

/** The query values a list keeps across pages (known keys only). */
function keep(query: Record<string, string>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (query[k] !== undefined && query[k] !== "") out[k] = query[k];
  return out;
}

function pageLinks(
  path: string,
  kept: Record<string, string>,
  next: { ts: string; id: string } | undefined,
  paged: boolean,
) {
  return {
    next: next ? href(path, { ...kept, cursor: encodeCursor(next) }) : undefined,
    first: paged ? href(path, kept) : undefined,
  };
}

function syncFlash(summary: TickSummary): Flash {
  if (summary.error) {
    return {
      kind: "error",
      text: `Sync finished with an error in phase ${summary.error.phase}: ${summary.error.message}`,
    };
  }
  return {
    kind: "ok",
    text: `Sync finished in ${summary.durationMs} ms: ${summary.sent} sent, ${summary.downloaded} downloaded, ` +
      `${summary.executed} executed (${summary.succeeded} succeeded, ${summary.retried} to retry, ${summary.dead} dead).`,
  };
}

export function createPages(deps: AppDeps, flashes: FlashStore): Hono<WebEnv> {
  const html = new Hono<WebEnv>();
  const page = (c: Context, title: string, section: Section | undefined, body: JSX.Element, status: Status = 200) =>
    renderPage(c, flashes, title, section, body, status);
  const redirect = async (c: Context, to: string, flash: Flash) => {
    await flashes.set(c, flash);
    return c.redirect(to, 303);
  };
  const actor = (c: Context) => ({ via: "admin" as const, address: clientAddress(c) });
  const failed = (c: Context, id: string, f: ActionFailure) =>
    redirect(c, f.code === "MESSAGE_RUNNING" ? `/messages/${id}` : "/messages", { kind: "error", text: f.message });

  html.get("/", async (c) => {
    const now = deps.now();
    const [status, buckets, errors] = await Promise.all([
      loadStatus(deps),
      executionsByHour(deps.db, now),
      recentErrors(deps.db, 10),
    ]);
    return page(
      c,
      "Dashboard",
      "dashboard",
      <DashboardView
        status={status}
        buckets={buckets}
        errors={errors}
        retry={deps.retryParams()}
        alerts={deps.alerts?.()}
        installation={deps.installation?.()}
        schedule={deps.config.schedule}
        csrf={c.get("csrf")}
      />,
    );
  });

  html.get("/messages", async (c) => {
    const query = c.req.query();
    const kept = keep(query, ["direction", "status", "type", "text", "limit"]);
    const parsed = parseMessageQuery(query);
    if (!parsed.ok) {
      return page(c, "Messages", "messages", <MessagesView items={[]} query={query} errors={parsed.errors} />, 400);
    }
    const result = await listMessages(deps.db, parsed.value);
    const links = pageLinks("/messages", kept, result.next, parsed.value.after !== undefined);
    return page(c, "Messages", "messages", <MessagesView items={result.items} query={query} {...links} />);
  });

  html.get("/messages/:id", async (c) => {
    const id = c.req.param("id");
    if (!isUuid(id)) {
      // A short ID as the lists show it: go to the one message it names.
      const r = await resolveMessageId(deps.db, id);
      if (r.ok) return c.redirect(`/messages/${r.id}`, 302);
      const status = r.code === "INVALID_ID" ? 400 : 404;
      return errorPage(
        c,
        flashes,
        status,
        r.code === "INVALID_ID" ? "Invalid message ID" : "Message not found",
        `${r.message}.`,
      );
    }
    const detail = await messageDetail(deps.db, id.toLowerCase());
    if (!detail) {
      return errorPage(c, flashes, 404, "Message not found", "No message, execution or log row has this ID.");
    }
    return page(
      c,
      `Message ${id.slice(0, 8)}`,
      "messages",
      <MessageDetailView {...detail} id={id.toLowerCase()} now={deps.now()} csrf={c.get("csrf")} />,
    );
  });

  html.post("/messages/:id/retry", async (c) => {
    const id = c.req.param("id").toLowerCase();
    if (!isUuid(id)) return redirect(c, "/messages", { kind: "error", text: "Invalid message ID" });
    const r = await retryMessage(deps.db, id, { now: deps.now(), actor: actor(c) });
    if (!r.ok) return failed(c, id, r);
    return redirect(c, `/messages/${id}`, {
      kind: "ok",
      text: "Message set PENDING with a fresh attempt budget; the next tick runs it.",
    });
  });

  html.post("/messages/:id/discard", async (c) => {
    const id = c.req.param("id").toLowerCase();
    if (!isUuid(id)) return redirect(c, "/messages", { kind: "error", text: "Invalid message ID" });
    const body = await c.req.parseBody();
    if (body.confirm !== "yes") {
      return redirect(c, `/messages/${id}`, { kind: "error", text: "Tick the confirmation box to discard." });
    }
    const r = await discardMessage(deps.db, id, { now: deps.now(), actor: actor(c) });
    if (!r.ok) return failed(c, id, r);
    return redirect(c, `/messages/${id}`, { kind: "ok", text: "Message discarded; the history records it." });
  });

  html.post("/sync", async (c) => {
    const result = await runSyncAction(deps, "admin", actor(c));
    if (result.ran) return redirect(c, "/", syncFlash(result.summary));
    return redirect(c, "/", {
      kind: "error",
      text: result.reason === "busy"
        ? "A sync tick is already running; try again when it ends."
        : "Not activated: open Activation to enter the client id and secret, or set SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET.",
    });
  });

  html.get("/history", async (c) => {
    const query = c.req.query();
    const parsed = parseExecQuery(query);
    if (!parsed.ok) {
      return page(c, "History", "history", <HistoryView items={[]} query={query} errors={parsed.errors} />, 400);
    }
    const result = await listExecutions(deps.db, parsed.value);
    const links = pageLinks(
      "/history",
      keep(query, [...LIST_KEYS, "result"]),
      result.next,
      parsed.value.after !== undefined,
    );
    return page(c, "History", "history", <HistoryView items={result.items} query={query} {...links} />);
  });

  html.get("/logs", async (c) => {
    const query = c.req.query();
    const parsed = parseLogQuery(query);
    if (!parsed.ok) return page(c, "Logs", "logs", <LogsView items={[]} query={query} errors={parsed.errors} />, 400);
    const result = await listLogs(deps.db, parsed.value);
    const links = pageLinks("/logs", keep(query, LIST_KEYS), result.next, parsed.value.after !== undefined);
    return page(c, "Logs", "logs", <LogsView items={result.items} query={query} {...links} />);
  });

  return html;
}
