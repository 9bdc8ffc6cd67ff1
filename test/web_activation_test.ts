/** The activation states on the dashboard, `/api/status` and the failed tick's summary (issue 13, items 2 and 15). */
import assert from "node:assert/strict";
import { emptySummary } from "../src/sync/summary.ts";
import { activationState } from "../src/web/activation_state.ts";
import { createApp } from "../src/web/app.tsx";
import type { Activation } from "../src/web/deps.ts";
import { tickSummaryText } from "../src/web/tick_text.ts";
import { dbTest } from "./helpers/db.ts";
import { basic, bearer, fakeDeps, NOW } from "./helpers/web_deps.ts";

const base: Activation = { activated: true, subscriptions: ["Ping"] };
const rejected: Activation = {
  ...base,
  tokenError: 'RAC token request failed: HTTP 401 from "https://rac/token": invalid_client',
  tokenErrorCode: "RAC_HTTP",
  tokenErrorStatus: 401,
  tokenOauthError: "invalid_client",
};

Deno.test("activationState() names each state and says what to do", () => {
  const cases: [string, Activation, string, RegExp | undefined][] = [
    ["no credentials", { activated: false, subscriptions: [] }, "not_configured", /SMARTLINK_CLIENT_ID/],
    ["no token asked yet", base, "configured", /next tick/],
    ["401 invalid_client", rejected, "token_failing", /check SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET/],
    [
      "400 invalid_client",
      { ...rejected, tokenErrorStatus: 400 },
      "token_failing",
      /check SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET/,
    ],
    [
      "network",
      { ...base, tokenError: "x", tokenErrorCode: "RAC_NETWORK" },
      "token_failing",
      /SMARTLINK_RAC_TOKEN_URL, DNS/,
    ],
    ["token held", { ...base, tokenValidUntil: NOW }, "active", undefined],
  ];
  for (const [name, a, state, hint] of cases) {
    const s = activationState(a);
    assert.equal(s.state, state, name);
    if (hint) assert.match(s.hint ?? "", hint, name);
    else assert.equal(s.hint, undefined, name);
  }
  assert.equal(activationState({ ...base, tokenError: "x", tokenErrorCode: "RAC_NETWORK" }).credentialsRejected, false);
});

Deno.test("tickSummaryText() says what failed instead of 'nothing to do'", () => {
  const ok = emptySummary("cron", NOW);
  assert.equal(tickSummaryText(ok), "nothing to do");
  assert.equal(tickSummaryText({ ...ok, sent: 2, executed: 1 }), "2 sent, 1 executed");
  const failed = { ...ok, error: { phase: "setup" as const, code: "RAC_HTTP", message: "HTTP 401" } };
  assert.equal(tickSummaryText(failed), "failed in phase setup (RAC_HTTP) before doing anything");
  assert.equal(tickSummaryText({ ...failed, sent: 3 }), "failed in phase setup (RAC_HTTP) after 3 sent");
});

dbTest("GET / with rejected credentials shows 'token failing', never 'Active', and the fix", async (db) => {
  const f = fakeDeps(db);
  f.state.activation = rejected;
  f.state.last = {
    ...emptySummary("cron", NOW),
    error: { phase: "setup", code: "RAC_HTTP", message: "RAC token request failed: HTTP 401" },
  };
  const html = await (await createApp(f.deps).request("/", { headers: basic() })).text();
  assert.ok(html.includes("Configured, token failing"));
  assert.ok(!html.includes(">Active<"), "no green badge beside a token error");
  assert.ok(html.includes("check SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET"));
  assert.ok(html.includes("failed in phase setup (RAC_HTTP) before doing anything"));
  assert.ok(!html.includes("nothing to do"), "a failed tick's summary says what failed");

  const api = await (await createApp(f.deps).request("/api/status", { headers: bearer() })).json();
  assert.equal(api.activation.state, "token_failing");
  assert.match(api.activation.hint, /check SMARTLINK_CLIENT_ID/);
  assert.equal(api.activation.tokenErrorCode, "RAC_HTTP");
});

dbTest(
  "GET / when not configured lists every step: handlers file, the Activation page (or variables), doctor",
  async (db) => {
    const f = fakeDeps(db);
    f.state.activation = { activated: false, subscriptions: [] };
    const html = await (await createApp(f.deps).request("/", { headers: basic() })).text();
    const steps = /<ol class="small">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? "";
    const items = [...steps.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]);
    assert.equal(items.length, 3);
    assert.match(items[0], /SMARTLINK_HANDLERS.*a restart reads it/s);
    assert.match(items[1], /<a href="\/activation">Activation<\/a>.*Test, then Activate.*no restart/s);
    assert.match(items[1], /SMARTLINK_CLIENT_ID.*SMARTLINK_CLIENT_SECRET/s);
    assert.match(items[2], /deno task cli doctor/);
  },
);

Deno.test("createTokenProvider() state() keeps the code, status and OAuth2 error of a refused request", async () => {
  const { createTokenProvider } = await import("../src/rac/token_provider.ts");
  const { createMemoryLogger } = await import("../src/log.ts");
  const tokens = createTokenProvider({
    tokenUrl: "https://rac.test/token",
    clientId: "id",
    clientSecret: "wrong-secret",
    fetch: () =>
      Promise.resolve(Response.json({ error: "invalid_client", error_description: "bad secret" }, { status: 400 })),
    timeoutMs: 1000,
    logger: createMemoryLogger("error"),
  });
  await assert.rejects(tokens.getToken(), /HTTP 400/);
  const s = tokens.state();
  assert.equal(s.lastErrorCode, "RAC_HTTP");
  assert.equal(s.lastErrorStatus, 400);
  assert.equal(s.lastOauthError, "invalid_client");
  assert.equal(
    activationState({
      ...base,
      tokenError: s.lastError,
      tokenErrorCode: s.lastErrorCode,
      tokenErrorStatus: 400,
      tokenOauthError: s.lastOauthError,
    }).credentialsRejected,
    true,
  );
});
