import assert from "node:assert/strict";
import { AppConfigError, createAppConfigSource, parseAppConfig } from "../src/app_config.ts";
import { createMemoryLogger } from "../src/log.ts";

const FILE = JSON.stringify({
  TotvsAppGlobalConfig: {
    Environment: "prod",
    IntegrationSmartLinkInfo: { QtdeTentativasExec: 5, FatorTempoExecucao: 0.5, MinutesInterval: 0.001, Other: 1 },
  },
});

Deno.test("parseAppConfig() reads the RM names and ignores unknown keys", () => {
  assert.deepEqual(parseAppConfig(FILE), { qtdeTentativasExec: 5, fatorTempoExecucao: 0.5, minutesInterval: 0.001 });
  assert.deepEqual(parseAppConfig("\uFEFF{}"), {});
});

Deno.test("parseAppConfig() names the invalid path", () => {
  assert.throws(() => parseAppConfig("{"), /not valid JSON/);
  assert.throws(
    () => parseAppConfig('{"TotvsAppGlobalConfig":{"IntegrationSmartLinkInfo":{"QtdeTentativasExec":0}}}'),
    /TotvsAppGlobalConfig\.IntegrationSmartLinkInfo\.QtdeTentativasExec/,
  );
});

Deno.test("createAppConfigSource() stops start-up on an invalid local file", async () => {
  await assert.rejects(
    createAppConfigSource({
      source: "/cfg.json",
      readTextFile: () => Promise.resolve("{oops"),
      logger: createMemoryLogger(),
    }),
    AppConfigError,
  );
  await assert.rejects(
    createAppConfigSource({
      source: "/missing.json",
      readTextFile: () => Promise.reject(new Deno.errors.NotFound("x")),
      logger: createMemoryLogger(),
    }),
    /Cannot read SMARTLINK_CONFIG file "\/missing.json"/,
  );
});

Deno.test("createAppConfigSource() keeps the last valid local copy when the file turns invalid", async () => {
  let text = FILE;
  const logger = createMemoryLogger();
  const src = await createAppConfigSource({ source: "/cfg.json", readTextFile: () => Promise.resolve(text), logger });
  assert.equal(src.current().qtdeTentativasExec, 5);
  text = "{broken";
  assert.equal((await src.refresh()).qtdeTentativasExec, 5);
  assert.match(src.lastError()!, /not valid JSON/);
  await src.refresh();
  assert.equal(logger.lines.filter((l) => l.level === "warn").length, 1, "one warning, not one per tick");
});

Deno.test("createAppConfigSource() over a URL: server down, invalid JSON and 304 keep the last valid copy", async () => {
  const responses: (() => Response | Promise<Response>)[] = [];
  const seen: (string | null)[] = [];
  const fetchFake = ((_url: string, init?: RequestInit) => {
    seen.push(new Headers(init?.headers).get("if-none-match"));
    return Promise.resolve(responses.shift()!());
  }) as typeof fetch;
  const logger = createMemoryLogger();
  // Unreachable at start: defaults apply, one warning.
  responses.push(() => Promise.reject(new TypeError("connection refused")));
  const src = await createAppConfigSource({
    source: "https://cfg.test/totvsAppConfig_v2.json",
    fetch: fetchFake,
    logger,
  });
  assert.deepEqual(src.current(), {});
  assert.equal(logger.lines.filter((l) => l.level === "warn").length, 1);
  // A valid copy with an ETag.
  responses.push(() => new Response(FILE, { headers: { etag: '"v1"' } }));
  assert.equal((await src.refresh()).minutesInterval, 0.001);
  // 304: unchanged, conditional header sent.
  responses.push(() => new Response(null, { status: 304 }));
  assert.equal((await src.refresh()).minutesInterval, 0.001);
  assert.equal(seen.at(-1), '"v1"');
  // Invalid JSON and a 500: last valid copy kept.
  responses.push(() => new Response("{nope", { status: 200 }));
  assert.equal((await src.refresh()).qtdeTentativasExec, 5);
  responses.push(() => new Response("down", { status: 500 }));
  assert.equal((await src.refresh()).qtdeTentativasExec, 5);
  assert.match(src.lastError()!, /HTTP 500/);
});
