/**
 * The CLI as issue 13 wants it: usage with no command, one plain sentence and
 * one exit code per class of start-up failure, the same exit code whether a
 * command opens the database or goes through the running server, a frozen
 * server reported in seconds, ID prefixes, and the dev instance found.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { EXIT } from "../src/cli/exit_codes.ts";
import { invocation } from "../src/cli/invocation.ts";
import { type Service, startService } from "../src/cli/serve.ts";
import { loadConfig } from "../src/config.ts";
import { createMemoryLogger } from "../src/log.ts";

const main = new URL("../src/main.ts", import.meta.url).pathname;
const configFile = new URL("../deno.json", import.meta.url).pathname;

function spawnCli(env: Record<string, string>, args: string[], cwd?: string) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", configFile, main, ...args],
    env: { PATH: Deno.env.get("PATH") ?? "", ...env },
    clearEnv: true,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function cli(env: Record<string, string>, args: string[], cwd?: string) {
  const out = await spawnCli(env, args, cwd).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

async function serve(env: Record<string, string>): Promise<Service> {
  return await startService({
    config: loadConfig({ PORT: "0", ...env }),
    logger: createMemoryLogger(),
    env: (n) => env[n],
    cron: false,
  });
}

/** A plain sentence: one line, no JSON log line, no stack. */
function assertPlain(stderr: string) {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, stderr);
  assert.ok(!lines[0].startsWith("{"), `not a JSON log line: ${stderr}`);
  assert.ok(!/\n\s+at /.test(stderr), "no stack");
}

Deno.test("invocation() names the way the program was started", () => {
  const base = { standalone: false, execPath: "/usr/bin/deno" };
  assert.equal(invocation({ ...base, mainModule: "file:///srv/app/src/main.ts" }), "deno task cli");
  assert.equal(
    invocation({ ...base, mainModule: "file:///opt/sl/smartlink-client.js" }),
    "deno run -A --unstable-cron smartlink-client.js",
  );
  assert.equal(
    invocation({ standalone: true, mainModule: "file:///x/main.ts", execPath: "/app/smartlink-client" }),
    "./smartlink-client",
  );
});

Deno.test({
  name: "cli with no command prints the usage and the exit codes, even while a server runs",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const service = await serve({ SMARTLINK_DATA_DIR: dir });
    try {
      const r = await cli({ SMARTLINK_DATA_DIR: dir }, []);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: deno task cli <command>/);
      assert.match(r.stdout, /Exit codes: 0 done · 1 failed · 2 usage or configuration error · 3 not activated/);
      assert.ok(!r.stdout.includes("DB_IN_USE") && !r.stderr.includes("DB_IN_USE"));
    } finally {
      await service.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serve start-up failures: one plain sentence naming the variable, exit 4 (surroundings) or 2 (config)",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    try {
      const inUse = await cli({ SMARTLINK_DATA_DIR: `${dir}/a`, HOST: "127.0.0.1", PORT: String(port) }, ["serve"]);
      assert.equal(inUse.code, EXIT.UNAVAILABLE, inUse.stderr);
      assertPlain(inUse.stderr);
      assert.match(inUse.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use: .*set PORT`));

      await Deno.writeTextFile(`${dir}/file`, "");
      const unwritable = await cli({ SMARTLINK_DATA_DIR: `${dir}/file/data`, PORT: "0" }, ["serve"]);
      assert.equal(unwritable.code, EXIT.UNAVAILABLE, unwritable.stderr);
      assertPlain(unwritable.stderr);
      assert.match(unwritable.stderr, /The data folder ".*file\/data" cannot be written .*set SMARTLINK_DATA_DIR/);

      await Deno.writeTextFile(`${dir}/bad.json`, '{"X":{"kind":"ftp"}}');
      const badHandlers = await cli(
        { SMARTLINK_DATA_DIR: `${dir}/b`, PORT: "0", SMARTLINK_HANDLERS: `${dir}/bad.json` },
        ["serve"],
      );
      assert.equal(badHandlers.code, EXIT.USAGE, badHandlers.stderr);
      assertPlain(badHandlers.stderr);
      assert.match(
        badHandlers.stderr,
        /^Configuration error: Invalid handlers file .*"ftp": fix the file SMARTLINK_HANDLERS names/,
      );

      const badVar = await cli({ SMARTLINK_DATA_DIR: `${dir}/c`, PORT: "eighty" }, ["serve"]);
      assert.equal(badVar.code, EXIT.USAGE);
      assertPlain(badVar.stderr);
      assert.match(badVar.stderr, /^Configuration error: Invalid PORT/);
    } finally {
      taken.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serve without Deno.cron names the --unstable-cron flag and exits 2",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const cron = Deno.cron;
    Object.defineProperty(Deno, "cron", { value: undefined, configurable: true, writable: true });
    try {
      const err = await startService({
        config: loadConfig({ SMARTLINK_DATA_DIR: dir, PORT: "0" }),
        logger: createMemoryLogger(),
        env: () => undefined,
      }).then(() => undefined, (e) => e);
      assert.equal(err?.exitCode, EXIT.USAGE);
      assert.match(err.message, /Deno\.cron is not available: start with the --unstable-cron flag/);
    } finally {
      Object.defineProperty(Deno, "cron", { value: cron, configurable: true, writable: true });
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cli: same exit code and explanation whether a command opens the database or goes through the server",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const env = { SMARTLINK_DATA_DIR: dir };
    const stopped = {
      sync: await cli(env, ["sync"]),
      doctor: await cli(env, ["doctor"]),
      badId: await cli(env, ["retry", "xyz"]),
      missing: await cli(env, ["discard", "00000000"]),
    };
    const service = await serve(env);
    try {
      const db = service.runtime.db;
      const [row] = await db.rows<{ id: string }>(sql`insert into gtotvslinkmessage
        (idexterno, direcao, tipo, conteudo, status) values ('x-1', 'DOWN', 'T', '{}', 'DEAD') returning id`);
      await db.rows(sql`insert into gtotvslinkmessageexec (idmensagem, direcao, tipo, tentativa, sucesso,
        datainicio, datafim, resultado) values (gen_random_uuid(), 'DOWN', 'T', 1, true,
        now() - interval '40 days', now() - interval '40 days', 'SUCCESS')`);
      const served = {
        sync: await cli(env, ["sync"]),
        doctor: await cli(env, ["doctor"]),
        badId: await cli(env, ["retry", "xyz"]),
        missing: await cli(env, ["discard", "00000000"]),
      };
      for (const k of ["sync", "doctor", "badId", "missing"] as const) {
        assert.equal(served[k].code, stopped[k].code, `${k}: ${served[k].stdout}${served[k].stderr}`);
      }
      assert.equal(stopped.sync.code, EXIT.NOT_ACTIVATED);
      assert.equal(served.sync.stdout, stopped.sync.stdout);
      assert.equal(stopped.badId.code, EXIT.USAGE);
      assert.equal(stopped.missing.code, EXIT.FAILED);
      assert.match(served.missing.stdout, /MESSAGE_NOT_FOUND: No message ID starts with "00000000"/);
      // doctor: the same checks with the same outcome; the server path says where they ran.
      const checks = (text: string) =>
        text.split("\n").filter((l) => /^(OK|WARN|FAIL|SKIP) /.test(l)).map((l) => l.split(":")[0].replace(/ +/, " "));
      assert.equal(stopped.doctor.code, 1);
      assert.deepEqual(checks(served.doctor.stdout), checks(stopped.doctor.stdout));
      assert.deepEqual(checks(stopped.doctor.stdout), [
        "OK config",
        "OK database",
        "WARN handlers",
        "FAIL activation",
        "SKIP token",
        "SKIP setup",
      ]);
      assert.match(served.doctor.stdout, /^INFO +server: checks run by the running server/m);
      assert.doesNotMatch(served.doctor.stdout, /checked by the running server/);

      // A prefix of 8 characters works through the server.
      const retried = await cli(env, ["retry", row.id.slice(0, 8)]);
      assert.equal(retried.code, 0, retried.stdout + retried.stderr);
      assert.match(retried.stdout, new RegExp(`Message ${row.id} is due now`));

      // purge through the server purges.
      const purged = await cli(env, ["purge"]);
      assert.equal(purged.code, 0, purged.stdout + purged.stderr);
      assert.match(purged.stdout, /Purged 1 GTOTVSLINKMESSAGEEXEC/);
      assert.equal((await db.rows(sql`select 1 from gtotvslinkmessageexec where resultado = 'SUCCESS'`)).length, 0);
    } finally {
      await service.stop();
    }
    try {
      // healthcheck with no server: exit 1 and a line saying why.
      const health = await cli({ ...env, PORT: "9" }, ["healthcheck"]);
      assert.equal(health.code, 1);
      assert.match(health.stderr, /^Unhealthy: no server answered at http:\/\/127\.0\.0\.1:9\/healthz/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cli status against a frozen server gives up in seconds and says the server is not answering",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const service = await serve({ SMARTLINK_DATA_DIR: dir });
    try {
      const child = spawnCli({ SMARTLINK_DATA_DIR: dir }, ["status"]);
      // Freeze this process (and so the server in it) for 12 s: the CLI must give up on its own.
      const started = performance.now();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 12_000);
      const out = await child.output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.ok(performance.now() - started < 20_000);
      assert.equal(out.code, EXIT.UNAVAILABLE, stderr);
      assertPlain(stderr);
      assert.match(
        stderr,
        /The running server at http:\/\/127\.0\.0\.1:\d+ is not answering \(no reply to \/(api\/status|lock-proof) within 5 s\)/,
      );
    } finally {
      await service.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cli finds the dev instance in ./data/dev when SMARTLINK_DATA_DIR is not set, and says so",
  fn: async () => {
    const cwd = await Deno.makeTempDir();
    const service = await serve({ SMARTLINK_DATA_DIR: `${cwd}/data/dev` });
    try {
      await service.runtime.db.rows(sql`insert into gtotvslinkmessage (idexterno, direcao, tipo, conteudo, status)
        values ('dev-1', 'DOWN', 'SGDPMaskCommand', '{}', 'RETRY')`);
      const r = await cli({}, ["status"], cwd);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /DOWN +RETRY +1 +SGDPMaskCommand/);
      assert.match(r.stderr, /Using the dev instance \(deno task dev, pid \d+, .*\) in "\.\/data\/dev"/);
      assert.match(r.stderr, /set SMARTLINK_DATA_DIR to choose/);
    } finally {
      await service.stop();
      await Deno.remove(cwd, { recursive: true });
    }
  },
});
