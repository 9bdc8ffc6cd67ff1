/**
 * `activate`, `deactivate` and `rotate-key` as an operator runs them: the
 * prompts (answered here), the flags, the page's rules, on PGlite and
 * PostgreSQL; one real `deno task cli` process against a loopback simulator.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { activateCommand, deactivateCommand } from "../src/cli/activate_command.ts";
import type { CommandOptions } from "../src/cli/command_options.ts";
import { CliError } from "../src/cli/exit_codes.ts";
import { rotateKeyCommand } from "../src/cli/rotate_key_command.ts";
import type { Prompter } from "../src/cli/terminal_prompt.ts";
import { loadConfig } from "../src/config.ts";
import { type Database, openDatabase } from "../src/db/client.ts";
import { readStoredCredentials } from "../src/db/credentials_store.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createSimulator } from "../src/simulator/app.ts";
import { KEY_A, KEY_B, SECRET } from "./helpers/activation.ts";
import { freshPostgres, TEST_DATABASE_URL } from "./helpers/db.ts";
import { SIM } from "./helpers/flow.ts";

const URLS = ["--link-url", SIM, "--rac-token-url", `${SIM}/totvs.rac/connect/token`];

function answers(lines: string[], secret?: string): Prompter & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    interactive: true,
    line: (q) => (asked.push(q), Promise.resolve(lines.shift() ?? "")),
    secret: (q) => (asked.push(q), Promise.resolve(secret ?? "")),
  };
}
const noTerminal: Prompter = {
  interactive: false,
  line: () => Promise.reject(new Error("no terminal")),
  secret: () => Promise.reject(new Error("no terminal")),
};

/** The CLI options on one database (PGlite in a folder, or a PostgreSQL schema). */
async function setup(backend: "pglite" | "postgres") {
  const dir = await Deno.makeTempDir({ prefix: "smartlink-cli-activate-" });
  const pg = backend === "postgres" ? await freshPostgres() : undefined;
  const sim = createSimulator({ issuer: `${SIM}/totvs.rac`, clientSecret: SECRET });
  const out: string[] = [];
  const options = (env: Record<string, string>, args: string[]): CommandOptions => ({
    config: loadConfig({ SMARTLINK_DATA_DIR: dir, ...(pg ? { DATABASE_URL: pg.url } : {}), ...env }),
    logger: createMemoryLogger("warn"),
    env: (n) => env[n],
    args,
    print: (l) => out.push(l),
    fetch: sim.fetch,
  });
  const db = async (): Promise<Database> => pg ? pg.db : await openDatabase({ dataDir: dir });
  return {
    dir,
    out,
    options,
    db,
    cleanup: async () => {
      await pg?.drop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

for (const backend of ["pglite", "postgres"] as const) {
  Deno.test({
    name: `cli activate asks for the id and the secret without echo, tests, stores; deactivate confirms [${backend}]`,
    ignore: backend === "postgres" && !TEST_DATABASE_URL,
    fn: async () => {
      const s = await setup(backend);
      try {
        const key = { SMARTLINK_SECRET_KEY: KEY_A };
        const p = answers(["sim-client"], SECRET);
        assert.equal(await activateCommand(s.options(key, URLS), p), 0, s.out.join("\n"));
        assert.deepEqual(p.asked, ["Client id: ", "Client secret (not shown): "]);
        assert.match(s.out.join("\n"), /Token: tenant b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f, lifetime (1 h|59 min)/);
        assert.match(s.out.join("\n"), /Setup: answered/);
        assert.match(s.out.join("\n"), /Stored: client id "sim-client" \(custom\), secret encrypted under key id "k1-/);
        assert.ok(!s.out.join("\n").includes(SECRET));

        // The wrong secret from a file: RAC's answer, what to check, nothing replaced.
        const file = `${s.dir}/secret.txt`;
        await Deno.writeTextFile(file, "Not-The-Secret-123\n");
        s.out.length = 0;
        const args = ["--client-id", "sim-client", "--client-secret-file", file, ...URLS];
        assert.equal(await activateCommand(s.options(key, args), noTerminal), 1);
        assert.match(s.out.join("\n"), /Token: FAILED: RAC token request failed: HTTP 401 .*invalid_client/);
        assert.match(s.out.join("\n"), /What to check: RAC refused the credentials/);
        assert.match(s.out.join("\n"), /Nothing was stored/);

        const db = await s.db();
        try {
          const stored = await readStoredCredentials(db);
          assert.equal(stored?.value.clientId, "sim-client");
          const all = JSON.stringify(await db.rows(sql`select * from smartlink_setting`)) +
            JSON.stringify(await db.rows(sql`select * from gtotvslinklog`));
          assert.ok(!all.includes(SECRET) && !all.includes("Not-The-Secret-123"));

          // rotate-key: the new key opens it, the old one no longer does.
          const keyFile = `${s.dir}/new.key`;
          await Deno.writeTextFile(keyFile, KEY_B + "\n");
          if (backend === "pglite") await db.close();
          s.out.length = 0;
          assert.equal(await rotateKeyCommand(s.options(key, ["--new-key-file", keyFile])), 0, s.out.join("\n"));
          assert.match(s.out[0], /Re-encrypted the secret of client id "sim-client": key id "k1-\w+" → "k1-\w+"/);
          assert.match(s.out[1], /Now set SMARTLINK_SECRET_KEY_FILE=".*new.key" for every process/);
          s.out.length = 0;
          assert.equal(await rotateKeyCommand(s.options(key, ["--new-key-file", keyFile])), 1);
          assert.match(s.out[0], /Nothing was changed: Stored secret is encrypted under key id/);
          const bad = `${s.dir}/bad.key`;
          await Deno.writeTextFile(bad, "short");
          await assert.rejects(
            () => rotateKeyCommand(s.options({ SMARTLINK_SECRET_KEY: KEY_B }, ["--new-key-file", bad])),
            /does not hold a key: expected 32 random bytes/,
          );

          // deactivate: asks, a "no" changes nothing, --yes removes.
          s.out.length = 0;
          assert.equal(await deactivateCommand(s.options({}, []), answers(["no"])), 1);
          assert.deepEqual(s.out, ["Nothing was changed"]);
          await assert.rejects(() => deactivateCommand(s.options({}, []), noTerminal), /give --yes/);
          assert.equal(await deactivateCommand(s.options({}, ["--yes"]), noTerminal), 0);
          assert.match(s.out.at(-1)!, /Deactivated: syncing stops at the next tick; every stored message is kept/);
          const after = await s.db();
          assert.equal(await readStoredCredentials(after), undefined);
          if (backend === "pglite") await after.close();
        } finally {
          if (backend === "pglite") await db.close().catch(() => {});
        }
      } finally {
        await s.cleanup();
      }
    },
  });
}

Deno.test("cli activate refuses clearly: no key, environment credentials, no terminal, bad flags", async () => {
  const s = await setup("pglite");
  try {
    const refused = async (env: Record<string, string>, args: string[], p: Prompter, re: RegExp, code = 2) => {
      await assert.rejects(() => activateCommand(s.options(env, args), p), (e: CliError) => {
        assert.equal(e.exitCode, code);
        assert.match(e.message, re);
        return true;
      });
    };
    const key = { SMARTLINK_SECRET_KEY: KEY_A };
    await refused({}, URLS, answers([]), /SMARTLINK_SECRET_KEY \(or SMARTLINK_SECRET_KEY_FILE\) is not set/);
    await refused(
      { ...key, SMARTLINK_CLIENT_ID: "a", SMARTLINK_CLIENT_SECRET: "b" },
      URLS,
      answers([]),
      /set in the environment and take precedence/,
    );
    await refused(key, URLS, noTerminal, /No terminal to ask on: give --client-id ID/);
    await refused(key, ["--client-id", "x", ...URLS], noTerminal, /give --client-secret-file FILE/);
    await refused(key, ["--client-id"], noTerminal, /--client-id needs a value/);
    await refused(
      key,
      ["--client-id", "x", "--client-secret-file", "/nonexistent/secret"],
      noTerminal,
      /--client-secret-file "\/nonexistent\/secret" is not found/,
    );
    await refused(key, ["--link-url", "ftp://x"], answers(["id"], "s"), /Nothing was stored: --link-url: Expected/);
    assert.deepEqual(s.out, [], "nothing was tested or stored");
  } finally {
    await s.cleanup();
  }
});

Deno.test({
  name: "deno task cli activate --client-id --client-secret-file, then sync, against a loopback simulator",
  fn: async () => {
    const sim = createSimulator({ issuer: "http://127.0.0.1/totvs.rac", clientSecret: SECRET });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, sim.app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/secret`, SECRET + "\n");
      const env = { SMARTLINK_DATA_DIR: dir, SMARTLINK_SECRET_KEY: KEY_A, PATH: Deno.env.get("PATH") ?? "" };
      const main = new URL("../src/main.ts", import.meta.url).pathname;
      const run = async (...args: string[]) => {
        const o = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", main, ...args],
          env,
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const t = new TextDecoder();
        return { code: o.code, out: t.decode(o.stdout), err: t.decode(o.stderr) };
      };
      const a = await run(
        "activate",
        "--client-id",
        "sim-client",
        "--client-secret-file",
        `${dir}/secret`,
        "--link-url",
        base,
        "--rac-token-url",
        `${base}/totvs.rac/connect/token`,
      );
      assert.equal(a.code, 0, a.out + a.err);
      assert.match(a.out, /Stored: client id "sim-client"/);
      sim.generate("SGDPMaskCommand", 2);
      const sync = await run("sync");
      assert.equal(sync.code, 0, sync.out + sync.err);
      assert.match(sync.out, /downloaded 2/);
      const confirm = await run("activate", "--confirm");
      assert.equal(confirm.code, 0, confirm.out + confirm.err);
      assert.match(confirm.out, /This database is now the installation of tenant "b6572633/);
      assert.ok(![a, sync, confirm].some((r) => (r.out + r.err).includes(SECRET)));
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
