/**
 * The CLI as an operator runs it: `deno task cli …` on the embedded database,
 * directly and through the running server's API while `serve` holds it.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { startService } from "../src/cli/serve.ts";
import { loadConfig } from "../src/config.ts";
import { createMemoryLogger } from "../src/log.ts";

const main = new URL("../src/main.ts", import.meta.url).pathname;

async function cli(env: Record<string, string>, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, ...args],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test({
  name: "cli: migrate, status, retry and discard on the embedded database; errors say what to do",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const env = { SMARTLINK_DATA_DIR: dir, PATH: Deno.env.get("PATH") ?? "" };
    try {
      const migrated = await cli(env, "migrate");
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /Applied: 0000_init/);
      assert.match((await cli(env, "migrate")).stdout, /up to date/);

      const badConfig = await cli({ ...env, SMARTLINK_CONCURRENCY: "lots" }, "status");
      assert.equal(badConfig.code, 2);
      assert.match(badConfig.stderr, /Invalid SMARTLINK_CONCURRENCY: expected an integer from 1 to 256, got "lots"/);

      const usage = await cli(env, "retry");
      assert.equal(usage.code, 2);
      assert.match(usage.stdout, /Usage: deno task cli retry <id>/);
      const bad = await cli(env, "retry", "not-a-uuid");
      assert.equal(bad.code, 2);
      assert.match(bad.stdout, /INVALID_ID: Expected a message ID: a uuid or a prefix of at least 8 hex characters/);

      const missing = await cli(env, "retry", "00000000-0000-4000-8000-000000000000");
      assert.equal(missing.code, 1);
      assert.match(missing.stdout, /MESSAGE_NOT_FOUND/);

      const sync = await cli(env, "sync");
      assert.equal(sync.code, 3, "not activated");
      assert.match(sync.stdout, /Not activated: run "deno task cli activate".*SMARTLINK_CLIENT_ID/);

      const unknown = await cli(env, "frobnicate");
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /Unknown command "frobnicate"/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cli: while serve holds the embedded database, status/retry/discard go through its API",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const env = { SMARTLINK_DATA_DIR: dir, PORT: "0", PATH: Deno.env.get("PATH") ?? "" };
    const service = await startService({
      config: loadConfig(env),
      logger: createMemoryLogger(),
      env: (n) => (env as Record<string, string>)[n],
      cron: false,
    });
    try {
      const db = service.runtime.db;
      const [dead] = await db.rows<{ id: string }>(sql`insert into gtotvslinkmessage
        (idexterno, direcao, tipo, conteudo, status, qtdetentativaexec, ultimoerro)
        values ('x-1', 'DOWN', 'SGDPMaskCommand', '{}', 'DEAD', 3, 'HTTP_503: down') returning id`);
      const status = await cli(env, "status");
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /DOWN +DEAD +1 +SGDPMaskCommand/);

      const retried = await cli(env, "retry", dead.id);
      assert.equal(retried.code, 0, retried.stdout + retried.stderr);
      const [row] = await db.rows<{ status: string; qtdetentativaexec: number }>(
        sql`select status, qtdetentativaexec from gtotvslinkmessage where id = ${dead.id}::uuid`,
      );
      assert.deepEqual([row.status, row.qtdetentativaexec], ["PENDING", 0]);

      const discarded = await cli(env, "discard", dead.id);
      assert.equal(discarded.code, 0, discarded.stdout + discarded.stderr);
      assert.equal((await db.rows(sql`select 1 from gtotvslinkmessage`)).length, 0);
      const [exec] = await db.rows<{ resultado: string }>(sql`select resultado from gtotvslinkmessageexec`);
      assert.equal(exec.resultado, "DISCARDED");
    } finally {
      await service.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
