/**
 * `GET /api/openapi.json`: a valid OpenAPI 3.1 document (swagger-parser),
 * behind the API's auth rule, covering every JSON route of the app; real
 * answers of each route match their documented schemas.
 */
import assert from "node:assert/strict";
import SwaggerParser from "@apidevtools/swagger-parser";
import { createApp } from "../src/web/app.tsx";
import { emptySummary } from "../src/sync/summary.ts";
import { dbTest } from "./helpers/db.ts";
import { checkedApp } from "./helpers/openapi_check.ts";
import { bearer, fakeDeps, insertExec, insertLog, insertMessage } from "./helpers/web_deps.ts";

const post = (body?: unknown): RequestInit => ({
  method: "POST",
  headers: { ...bearer(), "Content-Type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

dbTest("GET /api/openapi.json is a valid OpenAPI 3.1 document, behind the API's Bearer rule", async (db) => {
  const app = createApp(fakeDeps(db).deps);
  assert.equal((await app.request("/api/openapi.json")).status, 401);
  const res = await app.request("/api/openapi.json", { headers: bearer() });
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.equal(doc.openapi, "3.1.0");
  await SwaggerParser.validate(structuredClone(doc));
  assert.deepEqual(Object.keys(doc.paths["/api/messages"]).sort(), ["get", "post"]);
  const error = doc.paths["/api/messages/{id}"].get.responses["404"].content["application/json"].schema;
  assert.deepEqual(error.required, ["error"]);
  assert.deepEqual(error.properties.error.required, ["code", "message"]);
  assert.ok(error.properties.error.properties.details, "details is documented");
  assert.deepEqual(doc.paths["/healthz"].get.security, [], "healthz needs no token");
});

dbTest("the OpenAPI document covers every JSON route the app serves", async (db) => {
  const app = createApp(fakeDeps(db).deps);
  const doc = await (await app.request("/api/openapi.json", { headers: bearer() })).json();
  const served = app.routes
    .filter((r) => r.method !== "ALL" && (r.path.startsWith("/api/") || r.path === "/healthz"))
    .filter((r) => !r.path.includes("*") && r.path !== "/api/openapi.json")
    .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`);
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  for (const route of new Set(served)) {
    assert.ok(documented.includes(route), `${route} is served but not in the OpenAPI document: add documented(…)`);
  }
});

dbTest("every route's real answers match their documented schemas", async (db) => {
  const f = fakeDeps(db);
  const app = checkedApp(createApp(f.deps));
  const down = await insertMessage(db, { status: "RETRY", ultimoErro: "ERP_503: busy", qtdeTentativaExec: 1 });
  const dead = await insertMessage(db, { status: "DEAD", idExterno: "srv-dead" });
  const running = await insertMessage(db, { status: "RUNNING", executor: "other", idExterno: "srv-run" });
  await insertExec(db, { idMensagem: down.id, resultado: "RETRY", sucesso: false, erro: "ERP_503: busy" });
  await insertLog(db, { idMensagem: down.id, logType: 2, logMensagem: "Attempt 1 failed" });

  const ok = async (path: string, init?: RequestInit, status = 200) => {
    const res = await app.request(path, init ?? { headers: bearer() });
    assert.equal(res.status, status, `${path}: ${await res.clone().text()}`);
    return res.json();
  };
  await ok("/api/status");
  await ok("/healthz");
  assert.equal((await ok("/api/messages?limit=2")).items.length, 2);
  await ok("/api/messages?status=bogus", undefined, 400);
  await ok(`/api/messages/${down.id}`);
  await ok("/api/messages/00000000-0000-4000-8000-000000000000", undefined, 404);
  await ok("/api/messages/not-an-id!", undefined, 400);
  await ok("/api/executions");
  await ok("/api/executions?from=yesterday", undefined, 400);
  await ok("/api/logs?logtype=2");
  await ok("/api/messages", post({ type: "SGDPNotice", audience: "SGDP", data: { a: 1 } }), 202);
  await ok("/api/messages", post({ type: "bad type", audience: "SGDP", data: 1 }), 400);
  await ok(`/api/messages/${dead.id}/retry`, post());
  await ok(`/api/messages/${running.id}/retry`, post(), 409);
  await ok(`/api/messages/${down.id}/discard`, post());
  await ok(`/api/messages/${down.id}`); // now only history: message null
  f.state.nextSummary = {
    ...emptySummary("api", f.state.now),
    error: { phase: "upstream", code: "SL_HTTP_5XX", message: "down" },
  };
  await ok("/api/sync", post());
  f.state.running = true;
  await ok("/api/sync", post(), 409);
  assert.equal((await app.request("/api/status")).status, 401);
});

dbTest("checkedApp() fails a route test whose answer breaks the documented schema", async (db) => {
  const f = fakeDeps(db);
  f.state.nextSummary = { ...emptySummary("api", f.state.now), sent: -0.5 };
  const app = checkedApp(createApp(f.deps));
  await assert.rejects(async () => await app.request("/api/sync", post()), /does not match the documented schema/);
});
