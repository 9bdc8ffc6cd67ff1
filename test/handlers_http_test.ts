import assert from "node:assert/strict";
import { createHttpHandler, EMPTY_REPLY_WARNING, type HttpHandlerSpec } from "../src/handlers/http.ts";
import {
  FatalHandlerError,
  type HandlerContext,
  type HandlerMessage,
  RetryableHandlerError,
} from "../src/handlers/types.ts";
import { createMemoryLogger } from "../src/log.ts";

const NOW = new Date("2024-05-06T07:08:09.010Z");
const SECRET = "s3cret-token-value";

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

interface LoopbackServer {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with a random port; records every request. */
function startServer(handle: (req: Request, seen: Seen) => Response | Promise<Response>): LoopbackServer {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const entry: Seen = {
      method: req.method,
      path: new URL(req.url).pathname,
      headers: req.headers,
      body: await req.text(),
    };
    seen.push(entry);
    return handle(req, entry);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    close: () => server.shutdown(),
  };
}

function message(extra: Partial<HandlerMessage> = {}): HandlerMessage {
  return {
    id: "0b9c1f7e-0000-4000-8000-000000000001",
    externalId: "ext-1",
    type: "SGDPDataCommand",
    correlationId: "corr-1",
    content: JSON.stringify({
      header: { type: "SGDPDataCommand", tenantId: "tenant-cmd", generatedOn: "2020-11-05T14:45:53Z", locale: "en_GB" },
      content: { requestID: "req-1", identifiers: { CPF: "111.111.111-11" } },
    }),
    ...extra,
  };
}

function context(extra: Partial<HandlerContext> = {}) {
  const logger = createMemoryLogger();
  const ctx: HandlerContext = {
    attempt: 1,
    signal: new AbortController().signal,
    tenantId: "tenant-token",
    now: () => NOW,
    logger,
    ...extra,
  };
  return { ctx, logger };
}

const env = (vars: Record<string, string>) => (name: string) => vars[name];

const REPLY = { type: "SGDPDataResponse", audience: "SGDP" } as const;

function handler(spec: Omit<HttpHandlerSpec, "kind">, vars: Record<string, string> = {}) {
  return createHttpHandler({ kind: "http", ...spec }, { env: env(vars), defaultTimeoutMs: 5_000 });
}

/** Runs `fn` and returns what it rejected with; fails when it resolves. */
async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof Error);
    return err;
  }
  assert.fail("expected a rejection");
}

/** A port nothing listens on (bound, then released). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("createHttpHandler() POSTs the content as-is with the configured and X-Smartlink headers", async () => {
  const server = startServer(() => new Response(null, { status: 204 }));
  try {
    const h = handler({
      url: `${server.url}/sgdp/data?x=1`,
      headers: { Authorization: "Bearer ${ERP_TOKEN}", "X-Static": "plain" },
    }, { ERP_TOKEN: SECRET });
    const msg = message({ content: ' { "raw" : "kept as sent" } ' });
    const { ctx, logger } = context({ attempt: 2 });
    const result = await h(msg, ctx);

    assert.deepEqual(result, {});
    assert.equal(server.seen.length, 1);
    const [req] = server.seen;
    assert.equal(req.method, "POST");
    assert.equal(req.path, "/sgdp/data");
    assert.equal(req.body, msg.content);
    assert.equal(req.headers.get("content-type"), "application/json");
    assert.equal(req.headers.get("authorization"), `Bearer ${SECRET}`);
    assert.equal(req.headers.get("x-static"), "plain");
    assert.equal(req.headers.get("x-smartlink-message-id"), msg.id);
    assert.equal(req.headers.get("x-smartlink-type"), "SGDPDataCommand");
    assert.equal(req.headers.get("x-smartlink-attempt"), "2");
    assert.equal(req.headers.get("x-smartlink-correlation-id"), "corr-1");
    assert.ok(logger.lines.length > 0, "the request is logged at debug level");
    assert.ok(!JSON.stringify(logger.lines).includes(SECRET), "header values are never logged");
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() omits X-Smartlink-Correlation-Id when the correlation is unknown", async () => {
  const server = startServer(() => new Response("ignored body"));
  try {
    const result = await handler({ url: server.url })(message({ correlationId: undefined }), context().ctx);
    assert.deepEqual(result, {});
    assert.equal(server.seen[0].headers.has("x-smartlink-correlation-id"), false);
    assert.equal(server.seen[0].headers.get("x-smartlink-attempt"), "1");
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() fails fatally with HANDLER_ENV_MISSING naming the variable, without a request", async () => {
  const server = startServer(() => new Response(null, { status: 204 }));
  try {
    const h = handler({ url: server.url, headers: { Authorization: "Bearer ${ERP_TOKEN}", "X-Other": SECRET } });
    const err = await rejection(() => h(message(), context().ctx));
    assert.ok(err instanceof FatalHandlerError);
    assert.equal(err.code, "HANDLER_ENV_MISSING");
    assert.match(err.message, /"ERP_TOKEN"/);
    assert.ok(!err.message.includes(SECRET));
    assert.equal(server.seen.length, 0);
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() classifies response statuses", async () => {
  const server = startServer((req) => {
    const status = Number(new URL(req.url).pathname.slice(1));
    if (status === 204) return new Response(null, { status });
    if (status === 200) return Response.json({ done: true });
    if (status === 302) return new Response(null, { status, headers: { Location: "/200" } });
    return new Response(`erp said ${status}`, { status });
  });
  type Outcome = "ok" | "warning" | "retryable" | "fatal";
  const table: Array<[number, Outcome]> = [
    [200, "ok"],
    [204, "warning"],
    [302, "fatal"],
    [400, "fatal"],
    [401, "fatal"],
    [404, "fatal"],
    [422, "fatal"],
    [408, "retryable"],
    [429, "retryable"],
    [500, "retryable"],
    [503, "retryable"],
  ];
  try {
    for (const [status, expected] of table) {
      const h = handler({ url: `${server.url}/${status}`, reply: REPLY });
      const label = `HTTP ${status}`;
      if (expected === "ok" || expected === "warning") {
        const result = await h(message(), context().ctx);
        if (expected === "ok") {
          assert.ok(result.reply, label);
          assert.equal(result.warnings, undefined, label);
        } else {
          assert.equal(result.reply, undefined, label);
          assert.deepEqual(result.warnings, [EMPTY_REPLY_WARNING], label);
        }
        continue;
      }
      const err = await rejection(() => h(message(), context().ctx));
      const type = expected === "retryable" ? RetryableHandlerError : FatalHandlerError;
      assert.ok(err instanceof type, `${label}: got ${err.name}`);
      assert.equal((err as RetryableHandlerError).code, `HTTP_${status}`, label);
      assert.match(err.message, new RegExp(`HTTP ${status}`), label);
      if (status !== 302) assert.match(err.message, new RegExp(`"erp said ${status}"`), label);
    }
    assert.equal(server.seen.length, table.length, "one request per attempt, redirects not followed");
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() quotes at most 500 characters of an error body", async () => {
  const server = startServer(() => new Response("x".repeat(5_000), { status: 500 }));
  try {
    const err = await rejection(() => handler({ url: server.url })(message(), context().ctx));
    assert.ok(err.message.includes(`"${"x".repeat(500)}"`));
    assert.ok(!err.message.includes("x".repeat(501)));
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() ignores the body when no reply is configured", async () => {
  const server = startServer(() => new Response("definitely not json"));
  try {
    const result = await handler({ url: server.url })(message(), context().ctx);
    assert.deepEqual(result, {});
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() fails fatally with REPLY_NOT_JSON on a non-JSON reply", async () => {
  const server = startServer(() => new Response("<html>ok</html>", { status: 200 }));
  try {
    const err = await rejection(() => handler({ url: server.url, reply: REPLY })(message(), context().ctx));
    assert.ok(err instanceof FatalHandlerError);
    assert.equal(err.code, "REPLY_NOT_JSON");
    assert.match(err.message, /^Reply is not JSON/);
    assert.match(err.message, /<html>ok<\/html>/);
    assert.equal(server.seen.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() sends an envelope reply as it is", async () => {
  const envelope = { header: { type: "SGDPDataResponse", tenantId: "erp-tenant", locale: "en_GB" }, content: { x: 1 } };
  const server = startServer(() => Response.json(envelope));
  try {
    const result = await handler({ url: server.url, reply: REPLY })(message(), context().ctx);
    assert.ok(result.reply);
    assert.equal(result.reply.type, "SGDPDataResponse");
    assert.equal(result.reply.audience, "SGDP");
    assert.deepEqual(JSON.parse(result.reply.envelope), envelope);
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() wraps a plain JSON reply with the TOTVS command's requestID", async () => {
  const server = startServer(() => Response.json({ applicationId: "rm", response: { customers: [] } }));
  try {
    const result = await handler({ url: server.url, reply: REPLY })(message(), context().ctx);
    assert.ok(result.reply);
    assert.deepEqual(JSON.parse(result.reply.envelope), {
      header: { type: "SGDPDataResponse", tenantId: "tenant-token", generatedOn: NOW.toISOString(), locale: "pt_BR" },
      content: { requestID: "req-1", applicationId: "rm", response: { customers: [] } },
    });
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() wraps a plain JSON reply with a CloudEvents command's correlationid", async () => {
  const server = startServer(() => Response.json({ ok: true }));
  try {
    const cmd = message({
      correlationId: "transport-corr",
      content: JSON.stringify({ specversion: "1.0", id: "e1", type: "T", correlationid: "ce-corr", data: {} }),
    });
    const result = await handler({ url: server.url, reply: REPLY })(cmd, context().ctx);
    assert.ok(result.reply);
    assert.deepEqual(JSON.parse(result.reply.envelope).content, { requestID: "ce-corr", ok: true });
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() keeps a requestID the reply already has", async () => {
  const server = startServer(() => Response.json({ requestID: "erp-own", ok: true }));
  try {
    const result = await handler({ url: server.url, reply: REPLY })(message(), context().ctx);
    assert.ok(result.reply);
    assert.deepEqual(JSON.parse(result.reply.envelope).content, { requestID: "erp-own", ok: true });
  } finally {
    await server.close();
  }
});

/**
 * A server that never answers on its own: each request hangs until the test
 * closes the server. `received` resolves when a request arrived.
 */
function hangingServer() {
  const received = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const server = startServer(async () => {
    received.resolve();
    await release.promise;
    return new Response(null, { status: 499 });
  });
  const close = () => {
    release.resolve();
    return server.close();
  };
  return { server: { ...server, close }, received: received.promise };
}

Deno.test("createHttpHandler() fails retryably with HANDLER_TIMEOUT after timeoutSeconds", async () => {
  const { server } = hangingServer();
  try {
    const h = handler({ url: server.url, timeoutSeconds: 0.2 });
    const started = performance.now();
    const err = await rejection(() => h(message(), context().ctx));
    assert.ok(err instanceof RetryableHandlerError);
    assert.equal(err.code, "HANDLER_TIMEOUT");
    assert.match(err.message, /200 ms/);
    assert.ok(performance.now() - started < 4_000, "aborted by the handler timeout, not the default");
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() fails retryably with HANDLER_ABORTED when ctx.signal aborts", async () => {
  const { server, received } = hangingServer();
  try {
    const controller = new AbortController();
    const pending = rejection(() =>
      handler({ url: server.url })(message(), context({ signal: controller.signal }).ctx)
    );
    await received;
    controller.abort(new Error("shutdown"));
    const err = await pending;
    assert.ok(err instanceof RetryableHandlerError);
    assert.equal(err.code, "HANDLER_ABORTED");
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() reports HANDLER_TIMEOUT when ctx.signal aborts with a TimeoutError", async () => {
  const { server, received } = hangingServer();
  try {
    const controller = new AbortController();
    const pending = rejection(() =>
      handler({ url: server.url })(message(), context({ signal: controller.signal }).ctx)
    );
    await received;
    controller.abort(new DOMException("tick handler timeout", "TimeoutError"));
    const err = await pending;
    assert.ok(err instanceof RetryableHandlerError);
    assert.equal(err.code, "HANDLER_TIMEOUT");
  } finally {
    await server.close();
  }
});

Deno.test("createHttpHandler() fails retryably with HANDLER_NETWORK when the connection is refused", async () => {
  const url = `http://127.0.0.1:${closedPort()}/sgdp/data`;
  const err = await rejection(() => handler({ url })(message(), context().ctx));
  assert.ok(err instanceof RetryableHandlerError);
  assert.equal(err.code, "HANDLER_NETWORK");
  assert.ok(err.message.includes(`"${url}"`));
});

Deno.test("createHttpHandler() uses an injected fetch", async () => {
  const calls: Request[] = [];
  const h = createHttpHandler({ kind: "http", url: "http://erp.invalid/x", reply: REPLY }, {
    env: env({}),
    defaultTimeoutMs: 1_000,
    fetch: (input, init) => {
      calls.push(new Request(input, init));
      return Promise.resolve(Response.json({ injected: true }));
    },
  });
  const result = await h(message(), context().ctx);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].method, "POST");
  assert.ok(result.reply);
  assert.equal(JSON.parse(result.reply.envelope).content.injected, true);
});

Deno.test("createHttpHandler() fails fatally with REPLY_TOO_LARGE on a reply above the size limit", async () => {
  const big = JSON.stringify({ requestID: "req-1", blob: "x".repeat(5000) });
  const server = startServer(() => new Response(big, { status: 200 }));
  try {
    const small = createHttpHandler({ kind: "http", url: server.url, reply: REPLY }, {
      env: env({}),
      defaultTimeoutMs: 5_000,
      maxReplyBytes: 4096,
    });
    const err = await rejection(() => small(message(), context().ctx));
    assert.ok(err instanceof FatalHandlerError);
    assert.equal(err.code, "REPLY_TOO_LARGE");
    assert.match(err.message, /larger than 4096 bytes/);
    const roomy = createHttpHandler({ kind: "http", url: server.url, reply: REPLY }, {
      env: env({}),
      defaultTimeoutMs: 5_000,
      maxReplyBytes: 8192,
    });
    const ok = await roomy(message(), context().ctx);
    assert.equal(JSON.parse(ok.reply!.envelope).content.blob.length, 5000);
  } finally {
    await server.close();
  }
});
