import assert from "node:assert/strict";
import { createMemoryLogger } from "../src/log.ts";
import { createTokenProvider, RacError } from "../src/rac/token_provider.ts";
import { createSimulator } from "../src/simulator/app.ts";
import { createSmartLinkClient, parseRetryAfter, USER_AGENT } from "../src/smartlink/client.ts";
import { SmartLinkError } from "../src/smartlink/errors.ts";
import { applyRoutes, DEFAULT_PROFILE, type WireProfile } from "../src/profile/wire_profile.ts";

const T0 = Date.parse("2025-03-01T12:00:00Z");
const BASE = "http://link.test";
const MAX = 1_048_576;

interface Recorded {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

function harness(
  options: { profile?: WireProfile; timeoutMs?: number; fetch?: typeof fetch; maxRetryAfterMs?: number } = {},
) {
  const clock = { t: T0 };
  const sim = createSimulator({ now: () => clock.t });
  const logger = createMemoryLogger();
  const provider = createTokenProvider({
    tokenUrl: "http://rac.test/totvs.rac/connect/token",
    clientId: "sim-client",
    clientSecret: "sim-secret",
    fetch: sim.fetch,
    now: () => clock.t,
    timeoutMs: 5_000,
    logger,
  });
  let invalidations = 0;
  const tokens = {
    getToken: () => provider.getToken(),
    invalidate: () => {
      invalidations++;
      provider.invalidate();
    },
  };
  const requests: Recorded[] = [];
  const recording: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    requests.push({ method: req.method, url: req.url, headers: req.headers, body: await req.clone().text() });
    return (options.fetch ?? sim.fetch)(req);
  };
  const sleeps: number[] = [];
  const client = createSmartLinkClient({
    baseUrl: BASE + "/",
    profile: options.profile,
    fetch: recording,
    tokens,
    timeoutMs: options.timeoutMs ?? 5_000,
    maxMessageBytes: MAX,
    logger,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    maxRetryAfterMs: options.maxRetryAfterMs,
    now: () => clock.t,
  });
  return { sim, client, logger, requests, sleeps, clock, invalidations: () => invalidations };
}

async function smartLinkError(promise: Promise<unknown>): Promise<SmartLinkError> {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof SmartLinkError, `expected a SmartLinkError, got ${err}`);
  return err;
}

const item = (id: string, type = "SGDPDataCommand") => ({
  id,
  type,
  data: { header: { type, tenantId: "t" }, content: { requestID: `req-${id}` } },
});

Deno.test("setup() posts the subscriptions with the protocol headers", async () => {
  const h = harness();
  await h.client.setup(["SGDPDataCommand", "SGDPMaskCommand"]);
  assert.deepEqual(h.sim.state.subscriptions, ["SGDPDataCommand", "SGDPMaskCommand"]);
  const [req] = h.requests;
  assert.equal(req.method, "POST");
  assert.equal(req.url, `${BASE}/api/v1/link/setup`);
  assert.deepEqual(JSON.parse(req.body), { subscriptions: ["SGDPDataCommand", "SGDPMaskCommand"] });
  assert.match(req.headers.get("authorization") ?? "", /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(req.headers.get("accept"), "application/json");
  assert.equal(req.headers.get("user-agent"), USER_AGENT);
  assert.equal(req.headers.get("content-type"), "application/json");
});

Deno.test("get() reads each shape the simulator serves and [] when the queue is empty", async () => {
  for (const getMode of ["array", "single", "wrapped"] as const) {
    const h = harness();
    h.sim.state.mode.getMode = getMode;
    h.sim.enqueue([item("m1"), item("m2")]);
    const items = await h.client.get();
    const expected = getMode === "single" ? ["m1"] : ["m1", "m2"];
    assert.deepEqual(items.map((i) => i.ok && i.message.id), expected, getMode);
    assert.ok(items[0].ok && items[0].message.correlationId === "req-m1");
    assert.equal(h.requests[0].method, "GET");
    assert.equal(h.requests[0].headers.get("content-type"), null, "no body, no content type");

    for (const i of items) if (i.ok) await h.client.ack(i.message.id);
    if (getMode === "single") await h.client.ack((await h.client.get()).map((i) => i.ok && i.message.id)[0] as string);
    assert.deepEqual(await h.client.get(), [], `${getMode}: empty queue`);
  }
});

Deno.test("get() delivers un-acked messages again", async () => {
  const h = harness();
  h.sim.enqueue(item("again"));
  assert.equal((await h.client.get()).length, 1);
  assert.equal((await h.client.get()).length, 1);
  assert.equal(h.sim.state.queue[0].deliveries, 2);
});

Deno.test("ack() posts the id, and a 404 (already gone) counts as acked", async () => {
  const h = harness();
  h.sim.enqueue(item("a1"));
  await h.client.ack("a1");
  assert.deepEqual(h.sim.state.acked, ["a1"]);
  assert.deepEqual(JSON.parse(h.requests[0].body), { id: "a1" });
  await h.client.ack("a1"); // unknown now: the simulator answers 404
  assert.deepEqual(h.sim.state.requests.filter((r) => r.op === "ack").map((r) => r.status), [200, 404]);
});

Deno.test("ack() puts the id in the path, encoded and without a body, when the route has {id}", async () => {
  const h = harness({
    profile: applyRoutes(DEFAULT_PROFILE, { ack: { method: "DELETE", path: "/api/v1/link/ack/{id}" } }),
  });
  h.sim.enqueue(item("a b/c"));
  await h.client.ack("a b/c");
  assert.deepEqual(h.sim.state.acked, ["a b/c"]);
  assert.equal(h.requests[0].method, "DELETE");
  assert.equal(h.requests[0].url, `${BASE}/api/v1/link/ack/a%20b%2Fc`);
  assert.equal(h.requests[0].body, "");
  assert.equal(h.requests[0].headers.get("content-type"), null);
});

Deno.test("send() posts the envelope as it is to the encoded type and audience", async () => {
  const h = harness();
  const envelope = '{"header":{"type":"SGDPMaskResponse"},"content":{"requestID":"r1"}}';
  await h.client.send("SGDPMaskResponse", "SGDP/x", envelope);
  assert.equal(h.requests[0].url, `${BASE}/api/v1/link/send/SGDPMaskResponse/SGDP%2Fx`);
  assert.equal(h.sim.state.sent.length, 1);
  assert.equal(h.sim.state.sent[0].body, envelope);
  assert.equal(h.sim.state.sent[0].audience, "SGDP/x");
  assert.equal(h.sim.state.sent[0].contentType, "application/json");
});

Deno.test("every op turns 5xx, 403 and 404 into transient errors", async () => {
  const cases = [[503, "SL_HTTP_5XX"], [500, "SL_HTTP_5XX"], [403, "SL_FORBIDDEN"], [404, "SL_NOT_FOUND"]] as const;
  const ops = {
    setup: (h: ReturnType<typeof harness>) => h.client.setup(["T"]),
    get: (h: ReturnType<typeof harness>) => h.client.get(),
    ack: (h: ReturnType<typeof harness>) => h.client.ack("x"),
    send: (h: ReturnType<typeof harness>) => h.client.send("T", "A", "{}"),
  };
  const h = harness();
  for (const [status, code] of cases) {
    for (const [op, run] of Object.entries(ops)) {
      if (op === "ack" && status === 404) continue; // ack 404 = success
      if (op === "send" && status === 404) continue; // send 404 = a rejected attempt (below)
      h.sim.fault({ op: op as keyof typeof ops, status, count: 1 });
      const err = await smartLinkError(run(h));
      assert.equal(err.code, code, `${op} ${status}`);
      assert.equal(err.kind, "transient", `${op} ${status}`);
      assert.equal(err.status, status);
      assert.equal(err.op, op);
      assert.ok(
        err.message.startsWith(`Smart Link ${op} failed: HTTP ${status} from "${BASE}/api/v1/link/`),
        err.message,
      );
    }
  }
});

Deno.test("send() turns other 4xx (404 and 410 included) into rejected errors carrying the server's message", async () => {
  const h = harness();
  for (const status of [400, 404, 410, 413, 422]) {
    h.sim.fault({ op: "send", status, count: 1, body: JSON.stringify({ message: "Payload invalid" }) });
    const err = await smartLinkError(h.client.send("T", "A", "{}"));
    assert.equal(err.code, status === 404 ? "SL_NOT_FOUND" : "SL_REJECTED");
    assert.equal(err.kind, "rejected");
    assert.equal(err.status, status);
    assert.match(err.message, new RegExp(`HTTP ${status} from ".*": Payload invalid$`));
  }
  assert.equal(h.sim.state.sent.length, 0);
  h.sim.fault({ op: "get", status: 400, count: 1 });
  const onGet = await smartLinkError(h.client.get());
  assert.equal(onGet.code, "SL_REJECTED");
  assert.equal(onGet.kind, "transient", "only send has an attempt to burn");
});

Deno.test("a 401 invalidates the token and retries once; a second 401 is transient SL_UNAUTHORIZED", async () => {
  const h = harness();
  h.sim.fault({ op: "get", status: 401, count: 1 });
  h.sim.enqueue(item("after-401"));
  const items = await h.client.get();
  assert.equal(items.length, 1);
  assert.equal(h.invalidations(), 1);
  assert.equal(h.sim.state.tokensIssued, 2);

  const h2 = harness();
  h2.sim.fault({ op: "get", status: 401, count: 2 });
  const err = await smartLinkError(h2.client.get());
  assert.equal(err.code, "SL_UNAUTHORIZED");
  assert.equal(err.kind, "transient");
  assert.equal(h2.invalidations(), 1);
  assert.deepEqual(h2.sim.state.requests.filter((r) => r.op === "get").map((r) => r.status), [401, 401]);
  assert.equal(h2.sim.state.tokensIssued, 2);
  const [first, second] = h2.requests.filter((r) => r.url.endsWith("/link/get"));
  assert.notEqual(first.headers.get("authorization"), second.headers.get("authorization"));
});

Deno.test("a 429 waits for Retry-After once, then retries once", async () => {
  const h = harness();
  h.sim.fault({ op: "send", status: 429, count: 1, retryAfterS: 7 });
  await h.client.send("T", "A", "{}");
  assert.deepEqual(h.sleeps, [7_000]);
  assert.equal(h.sim.state.sent.length, 1);

  const h2 = harness({ maxRetryAfterMs: 2_000 });
  h2.sim.fault({ op: "get", status: 429, count: 2, retryAfterS: 30 });
  const err = await smartLinkError(h2.client.get());
  assert.deepEqual(h2.sleeps, [2_000], "the wait is capped by maxRetryAfterMs");
  assert.equal(err.code, "SL_RATE_LIMITED");
  assert.equal(err.kind, "transient");
  assert.equal(err.retryAfterMs, 30_000);
  assert.equal(h2.sim.state.requests.filter((r) => r.op === "get").length, 2);
});

Deno.test("parseRetryAfter() reads seconds and HTTP dates", () => {
  const now = Date.parse("2025-03-01T12:00:00Z");
  assert.equal(parseRetryAfter("120", now), 120_000);
  assert.equal(parseRetryAfter("Sat, 01 Mar 2025 12:00:30 GMT", now), 30_000);
  assert.equal(parseRetryAfter("Sat, 01 Mar 2025 11:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

Deno.test("a request that outlives timeoutMs is aborted as transient SL_TIMEOUT", async () => {
  const hang: typeof fetch = (input, init) => {
    const req = new Request(input, init);
    return new Promise((_resolve, reject) => req.signal.addEventListener("abort", () => reject(req.signal.reason)));
  };
  const h = harness({ timeoutMs: 10, fetch: hang });
  const err = await smartLinkError(h.client.get());
  assert.equal(err.code, "SL_TIMEOUT");
  assert.equal(err.kind, "transient");
  assert.match(
    err.message,
    /^Smart Link get failed: timed out after 10 ms waiting for "http:\/\/link\.test\/api\/v1\/link\/get"$/,
  );
});

Deno.test("a network failure is transient SL_NETWORK", async () => {
  const refused: typeof fetch = () => Promise.reject(new TypeError("Connection refused (os error 111)"));
  const h = harness({ fetch: refused });
  const err = await smartLinkError(h.client.ack("x"));
  assert.equal(err.code, "SL_NETWORK");
  assert.equal(err.kind, "transient");
  assert.match(err.message, /network error reaching ".*\/ack": connection refused/);
});

Deno.test("a token failure is transient SL_TOKEN with the RacError as cause", async () => {
  const h = harness();
  h.sim.fault({ op: "token", status: 500, count: 1 });
  const err = await smartLinkError(h.client.setup(["T"]));
  assert.equal(err.code, "SL_TOKEN");
  assert.equal(err.kind, "transient");
  assert.ok(err.cause instanceof RacError);
  assert.equal(err.cause.code, "RAC_HTTP");
  assert.equal(h.requests.length, 0, "no Smart Link request without a token");
});

Deno.test("get() logs a malformed body cut at 4 KiB and throws SL_BAD_RESPONSE", async () => {
  const h = harness();
  const body = "<html>" + "y".repeat(9_000);
  h.sim.fault({ op: "get", body, count: 1 });
  const err = await smartLinkError(h.client.get());
  assert.equal(err.code, "SL_BAD_RESPONSE");
  assert.equal(err.kind, "transient");
  const line = h.logger.lines.find((l) => l.level === "warn" && l.code === "SL_BAD_RESPONSE");
  assert.ok(line, "a warning is logged");
  assert.equal(line.body, body.slice(0, 4096));
  assert.equal(line.component, "smartlink");
});

Deno.test("get() returns item errors for bad items next to good ones", async () => {
  const h = harness();
  h.sim.enqueue([item("good"), { id: "no-type", data: { content: {} } }, { type: "T", data: {} }]);
  const items = await h.client.get();
  assert.deepEqual(items.map((i) => (i.ok ? "ok" : i.code)), ["ok", "MSG_NO_TYPE", "MSG_NO_ID"]);
});
