import assert from "node:assert/strict";
import { Hono } from "hono";
import { CODE_HANDLERS } from "../src/handlers/code/registry.ts";
import {
  buildRegistry,
  findMissingVariables,
  HandlersConfigError,
  loadHandlers,
  parseHandlersFile,
} from "../src/handlers/registry.ts";
import type { HandlerContext, HandlerMessage } from "../src/handlers/types.ts";
import { createMemoryLogger } from "../src/log.ts";

const NOW = new Date("2024-05-06T07:08:09.010Z");

/** The handlers file of SPEC 7, verbatim. */
const SPEC_FILE = `{
  "SGDPDataCommand": { "kind": "http", "url": "http://127.0.0.1:9000/sgdp/data",
                       "headers": { "Authorization": "Bearer \${ERP_TOKEN}" },
                       "timeoutSeconds": 30,
                       "reply": { "type": "SGDPDataResponse", "audience": "SGDP" } },
  "SGDPMaskCommand": { "kind": "http", "url": "http://127.0.0.1:9000/sgdp/mask",
                       "reply": { "type": "SGDPMaskResponse", "audience": "SGDP" } },
  "Ping": { "kind": "noop" }
}`;

const noEnv = () => undefined;
const deps = { env: noEnv, defaultTimeoutMs: 1_000 };

function message(content: unknown, extra: Partial<HandlerMessage> = {}): HandlerMessage {
  return { id: "local-1", type: "SGDPDataCommand", content: JSON.stringify(content), ...extra };
}

function context(): HandlerContext {
  return {
    attempt: 1,
    signal: new AbortController().signal,
    tenantId: "tenant-token",
    now: () => NOW,
    logger: createMemoryLogger(),
  };
}

/** Runs `fn` and returns the HandlersConfigError it threw; fails otherwise. */
function configError(fn: () => unknown): HandlersConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HandlersConfigError, `expected HandlersConfigError, got ${err}`);
    assert.equal(err.code, "HANDLERS_INVALID");
    return err;
  }
  assert.fail("expected a HandlersConfigError");
}

Deno.test("parseHandlersFile() accepts the SPEC 7 example", () => {
  const file = parseHandlersFile(SPEC_FILE, "handlers.json");
  assert.deepEqual(Object.keys(file), ["SGDPDataCommand", "SGDPMaskCommand", "Ping"]);
  assert.deepEqual(file.SGDPDataCommand, {
    kind: "http",
    url: "http://127.0.0.1:9000/sgdp/data",
    headers: { Authorization: "Bearer ${ERP_TOKEN}" },
    timeoutSeconds: 30,
    reply: { type: "SGDPDataResponse", audience: "SGDP" },
  });
  assert.deepEqual(file.Ping, { kind: "noop" });
});

Deno.test("parseHandlersFile() accepts an empty file object and a code handler", () => {
  assert.deepEqual(parseHandlersFile("{}", "empty.json"), {});
  const file = parseHandlersFile(
    JSON.stringify({
      "Echo.Command:v1": { kind: "code", name: "echo", reply: { type: "EchoReply", audience: "APP" } },
    }),
    "code.json",
  );
  assert.equal(file["Echo.Command:v1"].kind, "code");
});

Deno.test("parseHandlersFile() rejects invalid files with a message naming the type and the field", () => {
  const table: Array<[string, string, RegExp]> = [
    ["invalid JSON", "{ not json", /^Invalid handlers file "x\.json": not valid JSON: .+/],
    ["not an object", "[]", /^Invalid handlers file "x\.json": expected a JSON object keyed by message type$/],
    [
      "unknown kind",
      JSON.stringify({ SGDPDataCommand: { kind: "ftp" } }),
      /handler "SGDPDataCommand": kind: expected one of "http", "noop", "code", got "ftp"/,
    ],
    ["missing kind", JSON.stringify({ Ping: {} }), /handler "Ping": kind: expected one of "http", "noop", "code"/],
    ["entry not an object", JSON.stringify({ Ping: "noop" }), /handler "Ping": expected an object/],
    [
      "bad url",
      JSON.stringify({ SGDPDataCommand: { kind: "http", url: "ftp://erp/x" } }),
      /^Invalid handlers file "x\.json": handler "SGDPDataCommand": url: expected an http\(s\) URL$/,
    ],
    [
      "url not a URL",
      JSON.stringify({ SGDPDataCommand: { kind: "http", url: "not a url" } }),
      /handler "SGDPDataCommand": url: expected an http\(s\) URL/,
    ],
    ["missing url", JSON.stringify({ A: { kind: "http" } }), /handler "A": url: required/],
    [
      "missing reply.audience",
      JSON.stringify({ A: { kind: "http", url: "http://erp/a", reply: { type: "R" } } }),
      /handler "A": reply\.audience: required/,
    ],
    [
      "bad reply.type",
      JSON.stringify({ A: { kind: "http", url: "http://erp/a", reply: { type: "..", audience: "SGDP" } } }),
      /handler "A": reply\.type: expected a message type: 1 to 200 characters/,
    ],
    [
      "unknown field",
      JSON.stringify({ A: { kind: "http", url: "http://erp/a", retries: 3 } }),
      /handler "A": retries: unknown field/,
    ],
    ["unknown field on noop", JSON.stringify({ A: { kind: "noop", url: "http://erp" } }), /handler "A": url: unknown/],
    [
      "bad timeout",
      JSON.stringify({ A: { kind: "http", url: "http://erp/a", timeoutSeconds: 0 } }),
      /handler "A": timeoutSeconds: expected a number of seconds above 0/,
    ],
    [
      "timeout as string",
      JSON.stringify({ A: { kind: "http", url: "http://erp/a", timeoutSeconds: "30" } }),
      /handler "A": timeoutSeconds: expected a number of seconds/,
    ],
    [
      "bad header reference",
      JSON.stringify({ A: { kind: "http", url: "http://erp/a", headers: { Authorization: "Bearer ${ERP-TOKEN}" } } }),
      /handler "A": headers\.Authorization: expected \$\{NAME\} references/,
    ],
    [
      "headers as an array",
      JSON.stringify({ A: { kind: "http", url: "http://erp/a", headers: ["Authorization: x"] } }),
      /handler "A": headers: expected an object of header values/,
    ],
    [
      "reserved header",
      JSON.stringify({ A: { kind: "http", url: "http://erp/a", headers: { "X-Smartlink-Attempt": "9" } } }),
      /handler "A": headers\.X-Smartlink-Attempt: X-Smartlink-\* headers are set by the client/,
    ],
    [
      "bad type key",
      JSON.stringify({ "SGDP,Command": { kind: "noop" } }),
      /handler "SGDP,Command": message type must not contain a comma \(expected 1 to 200/,
    ],
    ["empty type key", JSON.stringify({ "": { kind: "noop" } }), /handler "": message type must not be empty/],
    [
      "unknown code handler",
      JSON.stringify({ A: { kind: "code", name: "does-not-exist" } }),
      /handler "A": name: unknown code handler "does-not-exist": expected one of "echo"/,
    ],
  ];
  for (const [label, text, expected] of table) {
    const err = configError(() => parseHandlersFile(text, "x.json"));
    assert.match(err.message, expected, label);
  }
});

Deno.test("parseHandlersFile() reports every invalid entry at once", () => {
  const text = JSON.stringify({ A: { kind: "ftp" }, Ok: { kind: "noop" }, B: { kind: "http", url: "nope" } });
  const err = configError(() => parseHandlersFile(text, "x.json"));
  assert.match(err.message, /handler "A": kind/);
  assert.match(err.message, /handler "B": url/);
  assert.doesNotMatch(err.message, /"Ok"/);
});

Deno.test("parseHandlersFile() checks code handler names against the given set", () => {
  const text = JSON.stringify({ A: { kind: "code", name: "custom" } });
  configError(() => parseHandlersFile(text, "x.json"));
  const custom = { custom: () => Promise.resolve(undefined) };
  assert.equal(parseHandlersFile(text, "x.json", custom).A.kind, "code");
});

Deno.test("buildRegistry() builds one handler per type; noop succeeds with no reply", async () => {
  const registry = buildRegistry(parseHandlersFile(SPEC_FILE, "handlers.json"), deps);
  assert.deepEqual([...registry.keys()], ["SGDPDataCommand", "SGDPMaskCommand", "Ping"]);
  const ping = registry.get("Ping");
  assert.ok(ping);
  assert.deepEqual(await ping(message({}), context()), {});
});

Deno.test("buildRegistry() wires http handlers to the injected fetch and env", async () => {
  const seen: Array<{ path: string; auth: string | undefined }> = [];
  const app = new Hono();
  app.post("/sgdp/:op", (c) => {
    seen.push({ path: c.req.path, auth: c.req.header("authorization") });
    return c.json({ applicationId: "rm" });
  });
  const registry = buildRegistry(parseHandlersFile(SPEC_FILE, "handlers.json"), {
    env: (name) => (name === "ERP_TOKEN" ? "tok" : undefined),
    defaultTimeoutMs: 1_000,
    fetch: (input, init) => Promise.resolve(app.fetch(new Request(input, init))),
  });
  const command = message({ header: { type: "SGDPDataCommand" }, content: { requestID: "req-9" } });
  const result = await registry.get("SGDPDataCommand")!(command, context());
  assert.deepEqual(seen, [{ path: "/sgdp/data", auth: "Bearer tok" }]);
  assert.ok(result.reply);
  assert.equal(result.reply.type, "SGDPDataResponse");
  assert.equal(result.reply.audience, "SGDP");
  assert.deepEqual(JSON.parse(result.reply.envelope).content, { requestID: "req-9", applicationId: "rm" });
});

Deno.test("buildRegistry() runs the echo code handler and publishes to the configured reply", async () => {
  const file = parseHandlersFile(
    JSON.stringify({ EchoCommand: { kind: "code", name: "echo", reply: { type: "EchoResponse", audience: "APP" } } }),
    "code.json",
  );
  assert.equal(typeof CODE_HANDLERS.echo, "function");
  const echo = buildRegistry(file, deps).get("EchoCommand");
  assert.ok(echo);
  const command = { specversion: "1.0", type: "EchoCommand", correlationid: "c-7", data: { n: 1 } };
  const result = await echo(message(command, { type: "EchoCommand" }), context());
  assert.ok(result.reply);
  assert.equal(result.reply.type, "EchoResponse");
  assert.equal(result.reply.audience, "APP");
  assert.deepEqual(JSON.parse(result.reply.envelope), {
    header: { type: "EchoResponse", tenantId: "tenant-token", generatedOn: NOW.toISOString(), locale: "pt_BR" },
    content: { requestID: "c-7", echo: command },
  });
});

Deno.test("buildRegistry() warns when a code handler returns a reply but none is configured", async () => {
  const file = parseHandlersFile(JSON.stringify({ EchoCommand: { kind: "code", name: "echo" } }), "code.json");
  const result = await buildRegistry(file, deps).get("EchoCommand")!(message({ a: 1 }), context());
  assert.equal(result.reply, undefined);
  assert.equal(result.warnings?.length, 1);
  assert.match(result.warnings[0], /code handler "echo" returned a reply but none is configured/);
});

Deno.test("buildRegistry() rejects a code handler missing from the injected set", () => {
  const file = parseHandlersFile(JSON.stringify({ A: { kind: "code", name: "echo" } }), "x.json");
  const err = configError(() => buildRegistry(file, { ...deps, codeHandlers: {} }));
  assert.match(err.message, /unknown code handler "echo"/);
});

Deno.test("findMissingVariables() lists unset ${NAME} header references", () => {
  const file = parseHandlersFile(SPEC_FILE, "handlers.json");
  assert.deepEqual(findMissingVariables(file, noEnv), [
    { type: "SGDPDataCommand", header: "Authorization", variable: "ERP_TOKEN" },
  ]);
  assert.deepEqual(findMissingVariables(file, () => "set"), []);
});

Deno.test("loadHandlers() without a path gives an empty registry", async () => {
  const registry = await loadHandlers(undefined, {
    ...deps,
    readTextFile: () => Promise.reject(new Error("must not read")),
  });
  assert.equal(registry.size, 0);
});

Deno.test("loadHandlers() names SMARTLINK_HANDLERS and the path when the file is missing", async () => {
  const path = "/nonexistent/handlers.json";
  await assert.rejects(
    () => loadHandlers(path, { ...deps, readTextFile: () => Promise.reject(new Deno.errors.NotFound("gone")) }),
    (err: unknown) => {
      assert.ok(err instanceof HandlersConfigError);
      assert.match(err.message, /SMARTLINK_HANDLERS/);
      assert.ok(err.message.includes(`"${path}"`));
      assert.match(err.message, /does not exist/);
      return true;
    },
  );
});

Deno.test("loadHandlers() reads a real file and names it in validation errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = `${dir}/handlers.json`;
    await Deno.writeTextFile(good, SPEC_FILE);
    const registry = await loadHandlers(good, { ...deps, env: (n) => (n === "ERP_TOKEN" ? "tok" : undefined) });
    assert.deepEqual([...registry.keys()], ["SGDPDataCommand", "SGDPMaskCommand", "Ping"]);

    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(bad, JSON.stringify({ Ping: { kind: "nope" } }));
    await assert.rejects(() => loadHandlers(bad, deps), (err: unknown) => {
      assert.ok(err instanceof HandlersConfigError);
      assert.ok(err.message.startsWith(`Invalid handlers file "${bad}": handler "Ping": kind:`));
      return true;
    });

    await assert.rejects(() => loadHandlers(`${dir}/missing.json`, deps), /SMARTLINK_HANDLERS.*does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
