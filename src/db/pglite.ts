/**
 * The embedded database: PGlite with its wasm and data bundle embedded in the
 * program (bytes imports), so a bundle or binary runs from an empty folder.
 * Loaded with a dynamic import only when `DATABASE_URL` is unset.
 */
import { PGlite } from "@electric-sql/pglite";
import pgliteWasm from "@electric-sql/pglite/pglite.wasm" with { type: "bytes" };
import initdbWasm from "@electric-sql/pglite/initdb.wasm" with { type: "bytes" };
import pgliteData from "@electric-sql/pglite/pglite.data" with { type: "bytes" };

/** pglite.data's ArrayBuffer, shared with the import when it spans it exactly. */
function bundleBuffer(): ArrayBuffer {
  const b = pgliteData.buffer as ArrayBuffer;
  return pgliteData.byteOffset === 0 && pgliteData.byteLength === b.byteLength ? b : pgliteData.slice().buffer;
}

let pgliteModule: Promise<WebAssembly.Module> | undefined;
let initdbModule: Promise<WebAssembly.Module> | undefined;

/**
 * Opens (creating when missing) a PGlite database; in memory when `dataDir` is undefined.
 * `initdb: false` (the folder holds a database) skips compiling initdb's module, which would stay resident.
 */
export async function openPglite(dataDir: string | undefined, options: { initdb?: boolean } = {}): Promise<PGlite> {
  const pgliteWasmModule = await (pgliteModule ??= WebAssembly.compile(pgliteWasm));
  const initdbWasmModule = options.initdb === false
    ? undefined
    : await (initdbModule ??= WebAssembly.compile(initdbWasm));
  return await PGlite.create({
    dataDir,
    pgliteWasmModule,
    initdbWasmModule,
    // The bundle's bytes as they are: a Blob would copy them (6 MB) and PGlite
    // would copy the Blob again into an ArrayBuffer it keeps for good.
    fsBundle: { arrayBuffer: () => Promise.resolve(bundleBuffer()) } as unknown as Blob,
    // PostgreSQL's 128 MB of shared buffers doubled the idle footprint of an
    // embedded database that holds a small queue and its history; the OS cache
    // still holds the files. 16 MB instead of 32 MB: ~20 MB less resident (measured).
    // WAL kept between two checkpoints of `maintainEmbedded` (there is no
    // checkpointer) is recycled down to 32-64 MB instead of up to 1 GB.
    // ANALYZE samples 300 × the statistics target rows and the wasm memory
    // never shrinks: 3,000 rows instead of 30,000 keep the history's sample
    // from adding ~25 MB resident for good (measured); the sync path's
    // statements are index lookups that need no finer statistics.
    startParams: [
      ...PGlite.defaultStartParams,
      ...["-c", "shared_buffers=16MB", "-c", "max_wal_size=64MB", "-c", "min_wal_size=32MB"],
      ...["-c", "default_statistics_target=10"],
    ],
  });
}
