/**
 * The service's install (`service/deno.json`, `service/deno.lock`) holds what `src/` imports and nothing more;
 * the development config (`deno.json`) holds the same versions plus the test and tool packages.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const readJson = async (path: string) => JSON.parse(await Deno.readTextFile(new URL(path, root)));

/** Bare package names imported by the TypeScript files under `dir` (relative and `node:` imports left out). */
async function importedPackages(dir: URL): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) {
      for (const name of await importedPackages(url)) found.add(name);
      continue;
    }
    if (!/\.tsx?$/.test(entry.name)) continue;
    const text = await Deno.readTextFile(url);
    const statements = text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm);
    const bare = text.matchAll(/^import\s+"([^"]+)"/gm);
    const dynamic = text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g);
    for (const m of [...statements, ...bare, ...dynamic]) {
      const spec = m[1];
      if (spec.startsWith(".") || spec.startsWith("node:") || spec.startsWith("npm:")) continue;
      const parts = spec.split("/");
      found.add(spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
    }
  }
  return found;
}

Deno.test("service/deno.json imports exactly the packages src/ uses, at the development config's versions", async () => {
  const dev = (await readJson("deno.json")).imports as Record<string, string>;
  const service = (await readJson("service/deno.json")).imports as Record<string, string>;
  for (const [key, value] of Object.entries(service)) {
    assert.equal(dev[key], value, `deno.json must import "${key}" as "${value}", like service/deno.json`);
  }
  const used = await importedPackages(new URL("src/", root));
  const declared = new Set(Object.keys(service).map((k) => k.replace(/\/$/, "")));
  for (const name of used) assert.ok(declared.has(name), `src/ imports "${name}": add it to service/deno.json`);
  for (const name of declared) assert.ok(used.has(name), `service/deno.json imports "${name}", which src/ never uses`);
});

Deno.test("service/deno.lock holds none of the development-only packages", async () => {
  const lock = await readJson("service/deno.lock");
  const packages = Object.keys(lock.npm ?? {});
  assert.ok(packages.some((p) => p.startsWith("hono@")), "the lock should hold the runtime packages");
  for (
    const devOnly of ["playwright-core@", "drizzle-kit@", "esbuild@", "@sinonjs/", "@apidevtools/", "@types/node@"]
  ) {
    assert.deepEqual(packages.filter((p) => p.startsWith(devOnly)), [], `"${devOnly}" must stay out of the service`);
  }
});
