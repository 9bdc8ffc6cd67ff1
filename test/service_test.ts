import assert from "node:assert/strict";
import { doctorCommand } from "../src/cli/doctor.ts";
import { startService } from "../src/cli/serve.ts";
import { readServerLock } from "../src/cli/server_lock.ts";
import { loadConfig } from "../src/config.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createSimulator } from "../src/simulator/app.ts";

Deno.test({
  name: "serve answers /healthz 503 not_activated without credentials, 503 unavailable once the database is closed",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const env = { SMARTLINK_DATA_DIR: `${dir}/data`, PORT: "0" };
    const service = await startService({
      config: loadConfig(env),
      logger: createMemoryLogger(),
      env: (n) => (env as Record<string, string>)[n],
      cron: false,
    });
    try {
      assert.equal(readServerLock(`${dir}/data`)?.pid, Deno.pid, "lock file names this process");
      const ok = await fetch(`${service.url}/healthz`);
      assert.equal(ok.status, 503);
      const body = await ok.json();
      assert.equal(body.status, "not_activated");
      assert.equal(body.checks.database, "ok");
      assert.equal(body.checks.activation, "not_activated");
      await service.runtime.db.close();
      const down = await fetch(`${service.url}/healthz`);
      assert.equal(down.status, 503);
      assert.equal((await down.json()).status, "unavailable");
    } finally {
      await service.stop();
      await Deno.remove(dir, { recursive: true });
    }
    assert.equal(readServerLock(`${dir}/data`), undefined, "lock released");
  },
});

Deno.test({
  name: "serve refuses a second server on the same embedded database",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const env = { SMARTLINK_DATA_DIR: dir, PORT: "0" };
    const get = (n: string) => (env as Record<string, string>)[n];
    const first = await startService({ config: loadConfig(env), logger: createMemoryLogger(), env: get, cron: false });
    try {
      await assert.rejects(
        startService({ config: loadConfig(env), logger: createMemoryLogger(), env: get, cron: false }),
        /used by a running server/,
      );
    } finally {
      await first.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("serve refuses a non-loopback HOST without SMARTLINK_ADMIN_TOKEN", async () => {
  await assert.rejects(
    startService({ config: loadConfig({ HOST: "0.0.0.0" }), logger: createMemoryLogger(), env: () => undefined }),
    /SMARTLINK_ADMIN_TOKEN/,
  );
});

async function doctor(env: Record<string, string>) {
  const lines: string[] = [];
  const code = await doctorCommand({
    config: loadConfig(env),
    logger: createMemoryLogger(),
    env: (n) => env[n],
    print: (l) => lines.push(l),
  });
  return { code, lines, text: lines.join("\n") };
}

Deno.test({
  name: "doctor exits 0 against a working server and prints one line per check, never the secret",
  fn: async () => {
    const sim = createSimulator({ clientSecret: "very-secret-value" });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, sim.app.fetch);
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/h.json`, JSON.stringify({ Ping: { kind: "noop" } }));
    try {
      const base = `http://127.0.0.1:${server.addr.port}`;
      const r = await doctor({
        SMARTLINK_DATA_DIR: `${dir}/data`,
        SMARTLINK_LINK_URL: base,
        SMARTLINK_RAC_TOKEN_URL: `${base}/totvs.rac/connect/token`,
        SMARTLINK_CLIENT_ID: "sim-client",
        SMARTLINK_CLIENT_SECRET: "very-secret-value",
        SMARTLINK_HANDLERS: `${dir}/h.json`,
      });
      assert.equal(r.code, 0, r.text);
      for (const name of ["config", "database", "handlers", "activation", "token", "setup"]) {
        assert.match(r.text, new RegExp(`^OK +${name}: `, "m"));
      }
      assert.match(r.text, /token: .*valid until \d{4}-/);
      assert.match(r.text, /tenant b6572633/);
      assert.doesNotMatch(r.text, /very-secret-value/);
      assert.deepEqual(sim.state.setups.at(-1)?.subscriptions, ["Ping"]);
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "doctor exits non-zero with a clear line against a stopped server, without credentials, or with a bad handlers file",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const stopped = await doctor({
        SMARTLINK_DATA_DIR: `${dir}/a`,
        SMARTLINK_LINK_URL: "http://127.0.0.1:9",
        SMARTLINK_RAC_TOKEN_URL: "http://127.0.0.1:9/totvs.rac/connect/token",
        SMARTLINK_CLIENT_ID: "id",
        SMARTLINK_CLIENT_SECRET: "secret-xyz",
        SMARTLINK_HTTP_TIMEOUT_S: "2",
      });
      assert.equal(stopped.code, 1);
      assert.match(stopped.text, /^FAIL +token: .*127\.0\.0\.1:9/m);
      assert.doesNotMatch(stopped.text, /secret-xyz/);

      const inactive = await doctor({ SMARTLINK_DATA_DIR: `${dir}/b` });
      assert.equal(inactive.code, 1);
      assert.match(
        inactive.text,
        /^FAIL +activation: not activated: run "deno task cli activate".*SMARTLINK_CLIENT_ID/m,
      );

      await Deno.writeTextFile(`${dir}/bad.json`, '{"X":{"kind":"ftp"}}');
      const bad = await doctor({ SMARTLINK_DATA_DIR: `${dir}/c`, SMARTLINK_HANDLERS: `${dir}/bad.json` });
      assert.equal(bad.code, 1);
      assert.match(bad.text, /^FAIL +handlers: .*"X"/m);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
