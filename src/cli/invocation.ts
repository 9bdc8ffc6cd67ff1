/** How this program was started, as the usage text names it. Pure. */

export interface StartInfo {
  /** `Deno.build.standalone`: a `deno compile` executable. */
  standalone: boolean;
  mainModule: string;
  execPath: string;
}

const base = (path: string) => path.replace(/\\/g, "/").split("/").pop() ?? path;

/** "deno task cli", "deno run -A --unstable-cron smartlink-client.js" or "./smartlink-client". */
export function invocation(info: StartInfo): string {
  if (info.standalone) return `./${base(info.execPath)}`;
  if (/\/src\/main\.ts$/.test(info.mainModule)) return "deno task cli";
  return `deno run -A --unstable-cron ${base(decodeURIComponent(new URL(info.mainModule).pathname))}`;
}
