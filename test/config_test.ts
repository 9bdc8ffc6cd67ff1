import assert from "node:assert/strict";
import { assertServeSafe, ConfigError, loadConfig, resolveRetry } from "../src/config.ts";
import { DEFAULT_PROFILE } from "../src/profile/wire_profile.ts";

const base = {};

Deno.test("loadConfig() applies the defaults of the configuration table", () => {
  const c = loadConfig(base);
  assert.equal(c.env, "prod");
  assert.equal(c.linkUrl, "https://link.totvs.app");
  assert.equal(c.racTokenUrl, "https://admin.rac.totvs.app/totvs.rac/connect/token");
  assert.equal(c.schedule, "* * * * *");
  assert.equal(c.retentionDays, 30);
  assert.equal(c.concurrency, 4);
  assert.equal(c.ackConcurrency, 32);
  assert.equal(c.maxPerTick, 10_000);
  assert.equal(c.httpTimeoutMs, 30_000);
  assert.equal(c.maxMessageBytes, 1_048_576);
  assert.equal(c.handlerTimeoutMs, 60_000);
  assert.equal(c.logLevel, "info");
  assert.equal(c.dataDir, "./data");
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.port, 8080);
  assert.deepEqual(c.profile, DEFAULT_PROFILE);
  assert.deepEqual(c.retryOverrides, {});
  assert.equal(c.clientId, undefined);
  assert.ok(Object.isFrozen(c));
});

Deno.test("loadConfig() picks staging and dev URLs from SMARTLINK_ENV", () => {
  assert.equal(loadConfig({ SMARTLINK_ENV: "staging" }).linkUrl, "https://link.staging.totvs.app");
  assert.equal(
    loadConfig({ SMARTLINK_ENV: "dev" }).racTokenUrl,
    "https://admin.rac.dev.totvs.app/totvs.rac/connect/token",
  );
  assert.equal(loadConfig({ SMARTLINK_ENV: "dev", SMARTLINK_LINK_URL: "http://x.test/" }).linkUrl, "http://x.test");
});

const valid: [string, string, (c: ReturnType<typeof loadConfig>) => unknown, unknown][] = [
  ["SMARTLINK_QTDE_TENTATIVAS_EXEC", "5", (c) => c.retryOverrides.qtdeTentativasExec, 5],
  ["SMARTLINK_FATOR_TEMPO_EXECUCAO", "1.5", (c) => c.retryOverrides.fatorTempoExecucao, 1.5],
  ["SMARTLINK_FATOR_TEMPO_EXECUCAO", "0", (c) => c.retryOverrides.fatorTempoExecucao, 0],
  ["SMARTLINK_MINUTES_INTERVAL", "0.001", (c) => c.retryOverrides.minutesInterval, 0.001],
  ["SMARTLINK_MINUTES_INTERVAL", "2", (c) => c.retryOverrides.minutesInterval, 2],
  ["SMARTLINK_SCHEDULE", "*/5 * * * *", (c) => c.schedule, "*/5 * * * *"],
  ["SMARTLINK_RETENTION_DAYS", "7", (c) => c.retentionDays, 7],
  ["SMARTLINK_CONCURRENCY", "16", (c) => c.concurrency, 16],
  ["SMARTLINK_ACK_CONCURRENCY", "64", (c) => c.ackConcurrency, 64],
  ["SMARTLINK_MAX_PER_TICK", "50", (c) => c.maxPerTick, 50],
  ["SMARTLINK_HTTP_TIMEOUT_S", "2.5", (c) => c.httpTimeoutMs, 2500],
  ["SMARTLINK_MAX_MESSAGE_BYTES", "2048", (c) => c.maxMessageBytes, 2048],
  ["SMARTLINK_LOG_LEVEL", "debug", (c) => c.logLevel, "debug"],
  ["SMARTLINK_HANDLER_TIMEOUT_S", "0.5", (c) => c.handlerTimeoutMs, 500],
  ["SMARTLINK_SUBSCRIPTIONS", "A, B,A", (c) => c.subscriptions, ["A", "B"]],
  ["SMARTLINK_ROUTES", '{"ack":"DELETE /api/v1/link/ack/{id}"}', (c) => c.profile.ack, {
    method: "DELETE",
    path: "/api/v1/link/ack/$ackId",
  }],
  ["PORT", "0", (c) => c.port, 0],
  ["DATABASE_URL", "postgres://u@h:5432/db", (c) => c.databaseUrl, "postgres://u@h:5432/db"],
];
for (const [name, value, get, expected] of valid) {
  Deno.test(`loadConfig() accepts ${name}=${value}`, () => {
    assert.deepEqual(get(loadConfig({ [name]: value })), expected);
  });
}

const invalid: [string, string, RegExp][] = [
  ["SMARTLINK_ENV", "production", /one of dev, staging, prod/],
  ["SMARTLINK_QTDE_TENTATIVAS_EXEC", "0", /integer from 1/],
  ["SMARTLINK_QTDE_TENTATIVAS_EXEC", "2.5", /integer/],
  ["SMARTLINK_FATOR_TEMPO_EXECUCAO", "-1", /number from 0/],
  ["SMARTLINK_FATOR_TEMPO_EXECUCAO", "abc", /number/],
  ["SMARTLINK_MINUTES_INTERVAL", "0", /greater than 0/],
  ["SMARTLINK_SCHEDULE", "* * *", /5-field cron/],
  ["SMARTLINK_SCHEDULE", "61 * * * *", /minute/],
  ["SMARTLINK_LINK_URL", "ftp://x", /http\(s\) URL/],
  ["SMARTLINK_RAC_TOKEN_URL", "not a url", /http\(s\) URL/],
  ["SMARTLINK_CONCURRENCY", "0", /integer from 1 to 256/],
  ["SMARTLINK_ACK_CONCURRENCY", "0", /SMARTLINK_ACK_CONCURRENCY: expected an integer from 1 to 256/],
  ["SMARTLINK_ACK_CONCURRENCY", "300", /integer from 1 to 256/],
  ["SMARTLINK_MAX_PER_TICK", "-3", /integer/],
  ["SMARTLINK_HTTP_TIMEOUT_S", "0", /seconds/],
  ["SMARTLINK_MAX_MESSAGE_BYTES", "10", /1024/],
  ["SMARTLINK_ROUTES", "{bad json", /JSON/],
  ["SMARTLINK_ROUTES", '{"get":"FETCH /x"}', /JSON like/],
  ["SMARTLINK_ROUTES", '{"nope":"GET /x"}', /keys setup, get, ack, nack, send/],
  ["SMARTLINK_LOG_LEVEL", "verbose", /debug, info, warn, error/],
  ["SMARTLINK_SUBSCRIPTIONS", "a,..", /message types/],
  ["SMARTLINK_CONFIG", "ftp://x/config.json", /file path or an http\(s\) URL/],
  ["DATABASE_URL", "mysql://x", /postgres:\/\//],
  ["PORT", "70000", /port number/],
  ["HOST", "bad host!", /host name/],
];
for (const [name, value, expected] of invalid) {
  Deno.test(`loadConfig() rejects ${name}=${JSON.stringify(value)} naming the variable`, () => {
    assert.throws(() => loadConfig({ [name]: value }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.variable, name);
      assert.match(err.message, new RegExp(`^Invalid ${name}: expected`));
      assert.match(err.message, expected);
      return true;
    });
  });
}

Deno.test("loadConfig() reads *_FILE secrets and never puts a secret in an error", () => {
  const files: Record<string, string> = { "/s/id": "client-1\n", "/s/secret": "s3cr3t-value\n" };
  const readTextFile = (p: string) => {
    if (p in files) return files[p];
    throw new Deno.errors.NotFound(p);
  };
  const c = loadConfig({ SMARTLINK_CLIENT_ID_FILE: "/s/id", SMARTLINK_CLIENT_SECRET_FILE: "/s/secret" }, {
    readTextFile,
  });
  assert.equal(c.clientId, "client-1");
  assert.equal(c.clientSecret, "s3cr3t-value");
  assert.throws(
    () => loadConfig({ SMARTLINK_CLIENT_ID: "x", SMARTLINK_CLIENT_SECRET_FILE: "/missing" }, { readTextFile }),
    /Invalid SMARTLINK_CLIENT_SECRET_FILE: expected a readable file holding the value \(file not found\)/,
  );
  assert.throws(
    () => loadConfig({ SMARTLINK_CLIENT_SECRET: "s3cr3t-value", SMARTLINK_CLIENT_SECRET_FILE: "/s/secret" }),
    /either SMARTLINK_CLIENT_SECRET or SMARTLINK_CLIENT_SECRET_FILE/,
  );
  try {
    loadConfig({ SMARTLINK_CLIENT_SECRET: "s3cr3t-value" });
    assert.fail("a secret without an id must be rejected");
  } catch (err) {
    assert.match((err as Error).message, /SMARTLINK_CLIENT_ID/);
    assert.doesNotMatch((err as Error).message, /s3cr3t/);
  }
  try {
    loadConfig({ SMARTLINK_ADMIN_TOKEN: "short" });
    assert.fail("a short admin token must be rejected");
  } catch (err) {
    assert.doesNotMatch((err as Error).message, /short"/);
  }
});

Deno.test("assertServeSafe() refuses a non-loopback HOST without SMARTLINK_ADMIN_TOKEN", () => {
  assert.throws(() => assertServeSafe(loadConfig({ HOST: "0.0.0.0" })), /SMARTLINK_ADMIN_TOKEN/);
  assertServeSafe(loadConfig({ HOST: "0.0.0.0", SMARTLINK_ADMIN_TOKEN: "a-long-admin-token" }));
  for (const host of ["127.0.0.1", "localhost", "::1", "127.1.2.3"]) assertServeSafe(loadConfig({ HOST: host }));
});

Deno.test("resolveRetry() gives environment > config file > defaults", () => {
  assert.deepEqual(resolveRetry({}, undefined), { qtdeTentativasExec: 3, fatorTempoExecucao: 1, minutesInterval: 1 });
  assert.deepEqual(resolveRetry({ minutesInterval: 0.5 }, { minutesInterval: 2, qtdeTentativasExec: 7 }), {
    qtdeTentativasExec: 7,
    fatorTempoExecucao: 1,
    minutesInterval: 0.5,
  });
});

Deno.test("loadConfig() refuses an admin token that cannot travel as a Bearer token, without quoting it", () => {
  for (const token of ["admin!token-with-bang", "two words token here", "tóken-with-accent-1234"]) {
    try {
      loadConfig({ SMARTLINK_ADMIN_TOKEN: token });
      assert.fail(`${JSON.stringify(token)} must be rejected`);
    } catch (err) {
      assert.match((err as Error).message, /SMARTLINK_ADMIN_TOKEN.*Bearer/);
      assert.equal((err as Error).message.includes(token), false);
    }
  }
  assert.equal(
    loadConfig({ SMARTLINK_ADMIN_TOKEN: "Abc.def_ghi~jkl+mno/pqr-stu==" }).adminToken,
    "Abc.def_ghi~jkl+mno/pqr-stu==",
  );
});
