/**
 * The first start of an embedded database in a child process. PGlite's
 * initdb peaks at ~600 MB and its wasm memory never shrinks, so done in the
 * serving process it stays resident for months; in a child that exits, the
 * memory goes back to the system and the server opens a ready folder
 * (~200 MB). The child is this same program (`main.ts initdb-embedded
 * <dir>`): from source, as a bundle or as a compiled binary.
 */
/** The hidden command the child runs: creates the database in `dir` and closes it. */
export const INITDB_COMMAND = "initdb-embedded";

/** True when `dir` holds no database yet. */
export function needsInitdb(dir: string): boolean {
  try {
    Deno.statSync(`${dir}/PG_VERSION`);
    return false;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return true;
    throw err;
  }
}

/** The command line that runs this program with `args`. */
function selfCommand(args: string[]): string[] {
  const main = new URL("../main.ts", import.meta.url);
  const exe = Deno.execPath();
  if (main.protocol === "file:" && exists(main.pathname)) return [exe, "run", "-A", main.pathname, ...args];
  // One file: a compiled binary is the program itself; a bundle is the main module.
  if (Deno.build.standalone) return [exe, ...args];
  return [exe, "run", "-A", new URL(Deno.mainModule).pathname, ...args];
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Runs initdb for `dir` in a child process. @throws Error with the child's output when it fails */
export async function initdbInChild(dir: string): Promise<void> {
  const [cmd, ...args] = selfCommand([INITDB_COMMAND, dir]);
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", stdin: "null" }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim().slice(-500);
    throw new Error(`The embedded database could not be created in a child process (exit ${out.code}): ${text}`);
  }
}

/** The child's side: create the database in `dir`, close it, exit. */
export async function initdbHere(dir: string): Promise<void> {
  // PGlite is loaded only here, so the command line of a PostgreSQL installation never loads it.
  const { openPglite } = await import("./pglite.ts");
  const db = await openPglite(dir);
  await db.close();
}
