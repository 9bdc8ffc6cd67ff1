/**
 * `--preload` for a client process under a bench: every second, writes this
 * process's `Deno.memoryUsage()` split (MB) to the file named by
 * MEMORY_PROBE_FILE, one JSON line replacing the last, for the bench to read
 * beside RSS. Debug only: not part of the program.
 */
const file = Deno.env.get("MEMORY_PROBE_FILE");
if (file) {
  const mb = (n: number) => Math.round(n / 104857.6) / 10;
  const write = () => {
    const m = Deno.memoryUsage();
    const line = JSON.stringify({
      rss: mb(m.rss),
      heapTotal: mb(m.heapTotal),
      heapUsed: mb(m.heapUsed),
      external: mb(m.external),
    });
    try {
      Deno.writeTextFileSync(file, line + "\n");
    } catch {
      // The bench removed its folder: nothing to report to.
    }
  };
  write();
  Deno.unrefTimer(setInterval(write, 1000));
}
