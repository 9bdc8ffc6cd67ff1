/**
 * Checks that the modules of `src/` keep the architecture: no import cycle,
 * and no import that points up the layers
 * `main → cli/simulator → runtime → web → sync/activation → smartlink/handlers/rac → db → base`
 * (`runtime.ts` is the one composition root that the commands share; `runtime/` holds what it wires).
 * Type-only imports count too: a type owned by an upper layer is still an
 * upward dependency. Run by `deno task ok`; exits 1 with one line per finding.
 *
 *   deno run --allow-read scripts/check_layers.ts [src]
 */
import { dirname, join, normalize, relative } from "node:path";

/** Lower rank = lower layer. A module may import its own rank or below. */
const RANKS: readonly [prefix: string, rank: number][] = [
  ["main.ts", 7],
  ["dev.ts", 7],
  ["cli/", 6],
  ["simulator/", 6],
  ["runtime.ts", 5],
  ["runtime/", 5],
  ["web/", 4],
  ["sync/", 3],
  ["activation/", 3],
  ["smartlink/", 2],
  ["handlers/", 2],
  ["rac/", 2],
  ["db/", 1],
];

export function rankOf(path: string): number {
  for (const [prefix, rank] of RANKS) {
    if (prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix) return rank;
  }
  return 0; // base: config.ts, config/, log.ts, errors.ts, async/, secrets/ …
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

/** The relative imports of one module's text, as paths relative to `root`. */
export function importsOf(root: string, file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    const target = normalize(join(dirname(file), spec));
    const rel = relative(root, target).replaceAll("\\", "/");
    if (!rel.startsWith("..")) out.push(rel);
  }
  return out;
}

/** Strongly connected components with more than one module, or a module importing itself. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return found;
}

async function collect(root: string, dir = root, graph = new Map<string, string[]>()): Promise<Map<string, string[]>> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) await collect(root, path, graph);
    else if (/\.tsx?$/.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) {
      const rel = relative(root, path).replaceAll("\\", "/");
      graph.set(rel, importsOf(root, path, await Deno.readTextFile(path)));
    }
  }
  return graph;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? "src";
  const graph = await collect(root);
  const problems: string[] = [];
  for (const [from, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    for (const to of targets) {
      if (rankOf(to) > rankOf(from)) problems.push(`upward import: ${root}/${from} imports ${root}/${to}`);
    }
  }
  for (const scc of cycles(graph)) problems.push(`import cycle: ${scc.map((f) => `${root}/${f}`).join(" ↔ ")}`);
  for (const p of problems) console.log(p);
  console.log(`layers: ${graph.size} modules, ${problems.length} problem(s)`);
  if (problems.length > 0) Deno.exit(1);
}
