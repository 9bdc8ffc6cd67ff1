/**
 * Finding 11 of issue 9: the CLI sends the admin token only to a loopback
 * URL of a live server that proves it holds the lock file. A lock pointing
 * at another server (pid 1, which is always alive) or off the machine gets
 * nothing; the real server proves itself and answers.
 */
import assert from "node:assert/strict";
import { ApiCallError } from "../src/cli/api_client.ts";
import { statusCommand } from "../src/cli/commands.ts";
import { startService } from "../src/cli/serve.ts";
import { LOCK_FILE } from "../src/cli/server_lock.ts";
import { loadConfig } from "../src/config.ts";
import { createMemoryLogger } from "../src/log.ts";

const ADMIN = "cli-admin-token-0123456789";

Deno.test({
  name: "cli status never sends the admin token where the lock file points unless that server proves the lock",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "smartlink-lock-" });
    const seen: string[] = [];
    const thief = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      seen.push(`${new URL(req.url).pathname} ${req.headers.get("authorization") ?? "-"}`);
      return Response.json({ proof: "0".repeat(64), counts: [] });
    });
    const env: Record<string, string> = { SMARTLINK_DATA_DIR: `${dir}/data`, SMARTLINK_ADMIN_TOKEN: ADMIN, PORT: "0" };
    const get = (n: string) => env[n];
    const cli = (printed: string[]) => ({
      config: loadConfig(env),
      logger: createMemoryLogger(),
      env: get,
      args: [],
      print: (l: string) => void printed.push(l),
    });
    try {
      await Deno.mkdir(`${dir}/data`, { recursive: true });
      const lock = (url: string, nonce?: string) =>
        Deno.writeTextFile(
          `${dir}/data/${LOCK_FILE}`,
          JSON.stringify({ pid: 1, instance: "x", url, startedAt: new Date().toISOString(), nonce }),
        );
      for (const url of [`http://127.0.0.1:${thief.addr.port}`, "http://evil.example:8080", "https://127.0.0.1:1"]) {
        await lock(url, "a".repeat(64));
        const err = await statusCommand(cli([])).then(() => undefined, (e) => e);
        assert.ok(err instanceof ApiCallError, `${url}: ${err}`);
        assert.equal(err.code, "SERVER_NOT_PROVEN", url);
      }
      await lock(`http://127.0.0.1:${thief.addr.port}`); // no nonce at all
      assert.equal(((await statusCommand(cli([])).catch((e) => e)) as ApiCallError).code, "SERVER_NOT_PROVEN");
      assert.ok(seen.every((s) => s.endsWith(" -")), `the admin token reached nobody: ${seen.join(", ")}`);
      assert.ok(seen.every((s) => s.startsWith("/lock-proof")), "only the proof was asked for");
      await Deno.remove(`${dir}/data/${LOCK_FILE}`);

      const service = await startService({
        config: loadConfig(env),
        logger: createMemoryLogger(),
        env: get,
        cron: false,
      });
      try {
        const printed: string[] = [];
        assert.equal(await statusCommand(cli(printed)), 0, printed.join("\n"));
      } finally {
        await service.stop();
      }
    } finally {
      await thief.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
