/**
 * The HTTP surface (SPEC 8): `/healthz` (open), `/metrics` (loopback or
 * Bearer), the JSON API under `/api` (Bearer) and the HTML admin view (HTTP
 * Basic + CSRF). No I/O at import; `main.ts` serves `createApp(deps).fetch`.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { errorFields } from "../log.ts";
import { createActivationPages } from "./activation_pages.tsx";
import { createApi } from "./api.ts";
import { createConnectionApi, createConnectionPage } from "./connection.tsx";
import { createInstallationApi, createInstallationPage } from "./installation.tsx";
import { csrfProtection, type WebEnv } from "./middleware/csrf.ts";
import type { AppDeps } from "./deps.ts";
import { createFlashStore } from "./flash.ts";
import { checkHealth } from "./health.ts";
import { renderMetrics } from "./metrics.ts";
import { documented, openApiHandler } from "./openapi.ts";
import { HealthBodySchema } from "./api_schemas.ts";
import { VERSION } from "../version.ts";
import { createPages, errorPage } from "./pages.tsx";
import { apiError } from "./api_error.ts";
import { adminBasic } from "./middleware/admin_basic.ts";
import { adminBearer } from "./middleware/admin_bearer.ts";
import { apiSameOrigin } from "./middleware/api_same_origin.ts";
import { hostCheck } from "./middleware/host_check.ts";
import { metricsAccess } from "./middleware/metrics_access.ts";
import { noStoreByDefault } from "./middleware/no_store.ts";
import { securityHeaders } from "./middleware/secure_headers.ts";
import { requestBodyLimit } from "./body_limit.ts";
import { redactResponses } from "./redact_responses.ts";
import { APP_CSS } from "./styles.ts";

export function createApp(deps: AppDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const flashes = createFlashStore();
  const token = deps.config.adminToken;

  app.use("*", securityHeaders);
  app.use("*", noStoreByDefault);
  if (deps.redact) app.use("*", redactResponses(deps.redact));
  app.use("*", hostCheck(token));
  app.use("*", requestBodyLimit(deps.config.maxMessageBytes));
  app.onError((err, c) => {
    // A refusal hono's middleware throws (the Bearer check's 401) is an answer, not a failure.
    if (err instanceof HTTPException && err.status < 500) return err.getResponse();
    deps.logger.error("HTTP request failed", { method: c.req.method, path: c.req.path, ...errorFields(err) });
    if (c.req.path.startsWith("/api/")) return apiError(c, 500, "INTERNAL", "Internal error; see the server log");
    return c.text("Internal error; see the server log.", 500);
  });

  app.get("/static/app.css", (c) => {
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(APP_CSS, 200, { "Content-Type": "text/css; charset=utf-8" });
  });

  app.get(
    "/healthz",
    documented({
      summary: "Health for orchestrators: 200 ok/degraded, 503 not activated or database unreachable",
      tags: ["status"],
      auth: false,
      responses: { 200: ["Working (status ok or degraded)", HealthBodySchema], 503: ["Not working", HealthBodySchema] },
    }),
    async (c) => {
      const health = await checkHealth(deps);
      return c.json(health.body, health.httpStatus);
    },
  );

  // The CLI asks this (without any token) before it sends the admin token to the URL of a lock file.
  app.get("/lock-proof", async (c) => {
    const challenge = c.req.query("challenge") ?? "";
    if (!deps.lockProof || !/^[0-9a-f]{32,128}$/.test(challenge)) {
      return c.json({ error: { code: "NO_LOCK_PROOF", message: "No lock held here, or no valid challenge" } }, 404);
    }
    return c.json({ proof: await deps.lockProof(challenge) });
  });

  app.get("/metrics", metricsAccess(token), async (c) => {
    return c.body(await renderMetrics(deps), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  if (token) app.use("/api/*", adminBearer(token));
  app.use("/api/*", apiSameOrigin);
  app.get("/api/openapi.json", openApiHandler(app, VERSION));
  app.route("/api", createApi(deps));
  app.route("/api", createConnectionApi(deps));
  app.route("/api", createInstallationApi(deps));
  app.all("/api/*", (c) => apiError(c, 404, "NOT_FOUND", `No API route ${c.req.method} ${c.req.path}`));

  if (token) app.use("*", adminBasic(token));
  app.use(
    "*",
    csrfProtection((c, reason) => errorPage(c, flashes, 403, "Forbidden", `Nothing was changed: ${reason}.`)),
  );
  app.route("/", createConnectionPage(deps, flashes));
  app.route("/", createInstallationPage(deps, flashes));
  app.route("/", createPages(deps, flashes));
  app.route("/", createActivationPages(deps, flashes));
  app.notFound((c) => errorPage(c, flashes, 404, "Not found", "There is no page here."));

  return app;
}
