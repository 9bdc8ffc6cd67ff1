/**
 * The embedded database: PGlite with its wasm and data bundle embedded in the
 * program (bytes imports), so a bundle or binary runs from an empty folder.
 * Loaded with a dynamic import only when `DATABASE_URL` is unset.
 */
import { PGlite } from "@electric-sql/pglite";
import pgliteWasm from "@electric-sql/pglite/pglite.wasm" with { type: "bytes" };
import initdbWasm from "@electric-sql/pglite/initdb.wasm" with { type: "bytes" };
import pgliteData from "@electric-sql/pglite/pglite.data" with { type: "bytes" };

let modules: Promise<[WebAssembly.Module, WebAssembly.Module]> | undefined;

/** Opens (creating when missing) a PGlite database; in memory when `dataDir` is undefined. */
export async function openPglite(dataDir: string | undefined): Promise<PGlite> {
  modules ??= Promise.all([WebAssembly.compile(pgliteWasm), WebAssembly.compile(initdbWasm)]);
  const [pgliteWasmModule, initdbWasmModule] = await modules;
  return await PGlite.create({
    dataDir,
    pgliteWasmModule,
    initdbWasmModule,
    fsBundle: new Blob([pgliteData]),
    // PostgreSQL's 128 MB of shared buffers doubled the idle footprint of an
    // embedded database that holds a small queue and its history; the OS cache
    // still holds the files.
    startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=32MB"],
  });
}
