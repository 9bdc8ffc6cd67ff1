/**
 * The V8 flags the service runs with, read from the `start` task of
 * deno.json (the one place they are set; the compile tasks and the
 * Dockerfile's build carry the same), so the benches measure the client as
 * it ships. BENCH_V8_FLAGS overrides them ("" for none), to weigh other flags.
 */
export function serviceV8Flags(): string | undefined {
  const override = Deno.env.get("BENCH_V8_FLAGS");
  if (override !== undefined) return override || undefined;
  const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));
  return (config.tasks.start as string).match(/--v8-flags=(\S+)/)?.[1];
}
