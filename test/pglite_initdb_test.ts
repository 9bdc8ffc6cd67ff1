import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { initdbInChild, needsInitdb } from "../src/db/pglite_initdb.ts";

Deno.test({
  name: "initdbInChild() creates the embedded database in a child process that openDatabase() then opens",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "smartlink-initdb-" });
    try {
      const path = `${dir}/pglite`;
      await Deno.mkdir(path);
      assert.equal(needsInitdb(path), true);
      await initdbInChild(path);
      assert.equal(needsInitdb(path), false, "PG_VERSION written by the child");
      const db = await openDatabase({ dataDir: dir });
      try {
        assert.ok((await migrate(db)).length > 0, "a fresh database, migrated in this process");
        const [{ n }] = await db.rows<{ n: number }>(sql`select 1 as n`);
        assert.equal(n, 1);
      } finally {
        await db.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("initdbInChild() says what failed when the child cannot create the database", async () => {
  const file = await Deno.makeTempFile({ prefix: "smartlink-initdb-" });
  try {
    await assert.rejects(() => initdbInChild(`${file}/pglite`), /could not be created in a child process \(exit \d+\)/);
  } finally {
    await Deno.remove(file);
  }
});
