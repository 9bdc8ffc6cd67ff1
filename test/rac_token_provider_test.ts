import assert from "node:assert/strict";
import { createMemoryLogger } from "../src/log.ts";
import {
  createTokenProvider,
  RacError,
  refreshSkewMs,
  TENANT_CLAIM,
  type TokenProviderOptions,
} from "../src/rac/token_provider.ts";
import { createSimulator } from "../src/simulator/app.ts";

const T0 = Date.parse("2025-03-01T12:00:00Z");
const SECRET = "s3cr3t-Value-42";
const TOKEN_URL = "https://rac.test/totvs.rac/connect/token";

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** An unsigned JWT: the provider decodes without verifying. */
function fakeJwt(claims: Record<string, unknown>): string {
  return `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url(claims)}.c2ln`;
}

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch answering from a queue of responders; records each call. */
function scriptedFetch(...responders: ((call: Call) => Response | Promise<Response>)[]) {
  const calls: Call[] = [];
  const fn: typeof fetch = (input, init) => {
    const call = { url: String(input), init: init ?? {} };
    calls.push(call);
    const responder = responders[Math.min(calls.length - 1, responders.length - 1)];
    return Promise.resolve().then(() => responder(call));
  };
  return { fetch: fn, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function setup(fetchFn: typeof fetch, extra: Partial<TokenProviderOptions> = {}) {
  const clock = { t: T0 };
  const logger = createMemoryLogger();
  const provider = createTokenProvider({
    tokenUrl: TOKEN_URL,
    clientId: "client-1",
    clientSecret: SECRET,
    fetch: fetchFn,
    now: () => clock.t,
    timeoutMs: 5_000,
    logger,
    ...extra,
  });
  return { provider, clock, logger };
}

function assertNoSecrets(err: unknown, ...secrets: string[]) {
  assert.ok(err instanceof Error);
  const text = `${err.message} ${err.cause instanceof Error ? err.cause.message : ""} ${JSON.stringify(err)}`;
  for (const s of secrets) assert.ok(!text.includes(s), `error text leaks ${JSON.stringify(s)}: ${text}`);
}

Deno.test("refreshSkewMs() is max(60 s, 10 %) but never more than half the lifetime", () => {
  const cases: [lifetimeS: number, skewS: number][] = [
    [3600, 360],
    [7200, 720],
    [600, 60],
    [300, 60],
    [120, 60],
    [100, 50],
    [10, 5],
  ];
  for (const [lifetime, skew] of cases) {
    assert.equal(refreshSkewMs(lifetime * 1000), skew * 1000, `lifetime ${lifetime} s`);
  }
});

Deno.test("getToken() posts the client-credentials form and caches the token", async () => {
  const token = fakeJwt({ exp: T0 / 1000 + 3600, [TENANT_CLAIM]: "tenant-abc" });
  const f = scriptedFetch(() => json({ access_token: token, expires_in: 3600, token_type: "Bearer" }));
  const { provider, clock } = setup(f.fetch);

  assert.equal(await provider.getToken(), token);
  assert.equal(await provider.getToken(), token);
  assert.equal(f.calls.length, 1);
  const { url, init } = f.calls[0];
  assert.equal(url, TOKEN_URL);
  assert.equal(init.method, "POST");
  assert.match(new Headers(init.headers).get("content-type") ?? "", /^application\/x-www-form-urlencoded/);
  const form = new URLSearchParams(String(init.body));
  assert.equal(form.get("grant_type"), "client_credentials");
  assert.equal(form.get("client_id"), "client-1");
  assert.equal(form.get("client_secret"), SECRET);
  assert.equal(form.get("scope"), "authorization_api");
  assert.ok(init.signal instanceof AbortSignal);

  const state = provider.state();
  assert.equal(state.tenantId, "tenant-abc");
  assert.equal(state.validUntil?.getTime(), T0 + 3_600_000);
  assert.equal(state.lastSuccessAt?.getTime(), clock.t);
  assert.equal(state.lastError, undefined);
});

Deno.test("getToken() refreshes exactly at expiry minus the skew", async () => {
  // 3600 s lifetime → skew 360 s → refresh at 3240 s.
  let n = 0;
  const f = scriptedFetch(() => json({ access_token: `opaque-${++n}`, expires_in: 3600 }));
  const { provider, clock } = setup(f.fetch);
  assert.equal(await provider.getToken(), "opaque-1");
  clock.t = T0 + 3_240_000 - 1;
  assert.equal(await provider.getToken(), "opaque-1");
  assert.equal(f.calls.length, 1);
  clock.t = T0 + 3_240_000;
  assert.equal(await provider.getToken(), "opaque-2");
  assert.equal(f.calls.length, 2);
  assert.equal(provider.state().validUntil?.getTime(), T0 + 3_240_000 + 3_600_000);
});

Deno.test("getToken() uses the JWT exp when it is earlier than expires_in", async () => {
  // exp at +600 s → lifetime 600 s → skew 60 s → refresh at 540 s.
  const first = fakeJwt({ exp: T0 / 1000 + 600 });
  const second = fakeJwt({ exp: T0 / 1000 + 5000 });
  const f = scriptedFetch(
    () => json({ access_token: first, expires_in: 3600 }),
    () => json({ access_token: second, expires_in: 3600 }),
  );
  const { provider, clock } = setup(f.fetch);
  assert.equal(await provider.getToken(), first);
  assert.equal(provider.state().validUntil?.getTime(), T0 + 600_000);
  clock.t = T0 + 539_999;
  assert.equal(await provider.getToken(), first);
  clock.t = T0 + 540_000;
  assert.equal(await provider.getToken(), second);
  assert.equal(f.calls.length, 2);
});

Deno.test("getToken() falls back to expires_in for a token that is not a JWT", async () => {
  // 100 s lifetime → skew capped at half: 50 s.
  const f = scriptedFetch(() => json({ access_token: "not-a-jwt", expires_in: 100 }));
  const { provider, clock } = setup(f.fetch);
  assert.equal(await provider.getToken(), "not-a-jwt");
  const state = provider.state();
  assert.equal(state.validUntil?.getTime(), T0 + 100_000);
  assert.equal(state.tenantId, undefined);
  clock.t = T0 + 49_999;
  await provider.getToken();
  assert.equal(f.calls.length, 1);
  clock.t = T0 + 50_000;
  await provider.getToken();
  assert.equal(f.calls.length, 2);
});

Deno.test("getToken() shares one request among concurrent callers", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const f = scriptedFetch(async () => {
    await gate;
    return json({ access_token: "shared", expires_in: 3600 });
  });
  const { provider } = setup(f.fetch);
  const pending = Array.from({ length: 5 }, () => provider.getToken());
  await Promise.resolve();
  release();
  assert.deepEqual(await Promise.all(pending), Array(5).fill("shared"));
  assert.equal(f.calls.length, 1);
});

Deno.test("getToken() keeps a still-valid token when a refresh fails and waits 30 s before retrying", async () => {
  const f = scriptedFetch(
    () => json({ access_token: "first", expires_in: 3600 }),
    () => json({ error: "server_error" }, 503),
    () => json({ access_token: "second", expires_in: 3600 }),
  );
  const { provider, clock } = setup(f.fetch);
  assert.equal(await provider.getToken(), "first");

  clock.t = T0 + 3_300_000; // inside the refresh window, still valid
  assert.equal(await provider.getToken(), "first");
  assert.equal(f.calls.length, 2);
  assert.match(provider.state().lastError ?? "", /HTTP 503/);

  clock.t += 29_999; // backoff: no request, the valid token is served
  assert.equal(await provider.getToken(), "first");
  assert.equal(f.calls.length, 2);

  clock.t += 1;
  assert.equal(await provider.getToken(), "second");
  assert.equal(f.calls.length, 3);
  assert.equal(provider.state().lastErrorAt?.getTime(), T0 + 3_300_000);
});

Deno.test("getToken() without a valid token rethrows the stored error until 30 s pass", async () => {
  const f = scriptedFetch(
    () => json({ error: "temporarily_unavailable" }, 503),
    () => json({ access_token: "late", expires_in: 3600 }),
  );
  const { provider, clock } = setup(f.fetch);
  const first = await provider.getToken().catch((e) => e);
  assert.ok(first instanceof RacError);
  assert.equal(first.code, "RAC_HTTP");

  clock.t += 29_999;
  const again = await provider.getToken().catch((e) => e);
  assert.equal(again, first);
  assert.equal(f.calls.length, 1);

  clock.t += 1;
  assert.equal(await provider.getToken(), "late");
  assert.equal(f.calls.length, 2);
});

Deno.test("getToken() throws once the kept token has expired during the backoff", async () => {
  const f = scriptedFetch(
    () => json({ access_token: "short", expires_in: 100 }), // refresh at 50 s, expiry at 100 s
    () => new Response("down", { status: 502 }),
  );
  const { provider, clock } = setup(f.fetch);
  await provider.getToken();
  clock.t = T0 + 80_000;
  assert.equal(await provider.getToken(), "short");
  clock.t = T0 + 100_000;
  await assert.rejects(provider.getToken(), (err: unknown) => err instanceof RacError && err.status === 502);
  assert.equal(f.calls.length, 2);
});

Deno.test("invalidate() makes the next getToken() request a new token", async () => {
  let n = 0;
  const f = scriptedFetch(() => json({ access_token: `t${++n}`, expires_in: 3600 }));
  const { provider } = setup(f.fetch);
  assert.equal(await provider.getToken(), "t1");
  provider.invalidate();
  assert.equal(provider.state().validUntil, undefined);
  assert.equal(await provider.getToken(), "t2");
  assert.equal(f.calls.length, 2);
});

Deno.test("getToken() reports RAC_NETWORK for a connection failure", async () => {
  const f = scriptedFetch(() => Promise.reject(new TypeError("error sending request: connection refused")));
  const { provider } = setup(f.fetch);
  const err = await provider.getToken().catch((e) => e);
  assert.ok(err instanceof RacError);
  assert.equal(err.code, "RAC_NETWORK");
  assert.match(
    err.message,
    /network error reaching "https:\/\/rac\.test\/totvs\.rac\/connect\/token": .*connection refused/,
  );
  assertNoSecrets(err, SECRET);
});

Deno.test("getToken() reports RAC_TIMEOUT when the request outlives timeoutMs", async () => {
  const hang: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
  const { provider } = setup(hang, { timeoutMs: 10 });
  const err = await provider.getToken().catch((e) => e);
  assert.ok(err instanceof RacError);
  assert.equal(err.code, "RAC_TIMEOUT");
  assert.match(err.message, /timed out after 10 ms/);
  assertNoSecrets(err, SECRET);
});

Deno.test("getToken() reports RAC_HTTP with the server's error and description, secret redacted", async () => {
  const f = scriptedFetch(() =>
    json({ error: "invalid_client", error_description: `Client secret ${SECRET} is wrong` }, 401)
  );
  const { provider, logger } = setup(f.fetch);
  const err = await provider.getToken().catch((e) => e);
  assert.ok(err instanceof RacError);
  assert.equal(err.code, "RAC_HTTP");
  assert.equal(err.status, 401);
  assert.match(err.message, /HTTP 401 from ".*": invalid_client \(Client secret \*\*\* is wrong\)/);
  assertNoSecrets(err, SECRET);
  assert.ok(!JSON.stringify(logger.lines).includes(SECRET));
});

Deno.test("getToken() reports RAC_INVALID_RESPONSE without quoting the token", async () => {
  const leaked = "eyJ-secret-token-value";
  const cases: [string, Response, RegExp][] = [
    ["not JSON", new Response("<html>gateway</html>", { status: 200 }), /is not JSON/],
    ["no access_token", json({ expires_in: 3600 }), /access_token/],
    ["bad expires_in", json({ access_token: leaked, expires_in: "soon" }), /expires_in/],
    ["zero expires_in", json({ access_token: leaked, expires_in: 0 }), /expires_in/],
  ];
  for (const [name, response, pattern] of cases) {
    const { provider, logger } = setup(scriptedFetch(() => response.clone()).fetch);
    const err = await provider.getToken().catch((e) => e);
    assert.ok(err instanceof RacError, name);
    assert.equal(err.code, "RAC_INVALID_RESPONSE", name);
    assert.match(err.message, pattern, name);
    assertNoSecrets(err, SECRET, leaked);
    assert.ok(!JSON.stringify(logger.lines).includes(leaked), name);
  }
});

Deno.test("getToken() against the simulator reads the tenant and exp of a signed JWT", async () => {
  const clock = { t: T0 };
  const sim = createSimulator({ now: () => clock.t, tokenLifetimeS: 1800, tenantId: "tenant-sim" });
  const { provider } = setup(sim.fetch, { clientId: "sim-client", clientSecret: "sim-secret", now: () => clock.t });
  const token = await provider.getToken();
  assert.equal(token.split(".").length, 3);
  assert.equal(provider.state().tenantId, "tenant-sim");
  assert.equal(provider.state().validUntil?.getTime(), T0 + 1_800_000);
  assert.equal(sim.state.tokensIssued, 1);

  const wrong = setup(sim.fetch, { clientId: "sim-client", clientSecret: "wrong-secret" });
  const err = await wrong.provider.getToken().catch((e) => e);
  assert.ok(err instanceof RacError);
  assert.equal(err.status, 401);
  assert.match(err.message, /invalid_client/);
  assertNoSecrets(err, "wrong-secret");
});
