/**
 * `SMARTLINK_ENV_FILE`: settings as `KEY=VALUE` lines, the subset of systemd's
 * `EnvironmentFile` syntax that both a Linux unit and the Windows service read
 * the same way. Blank lines and `#` comments are skipped; a value may be
 * quoted with `"` or `'`. The process environment wins over the file.
 */
import { invalidConfig } from "./config.ts";

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/** Parses the file's text. @throws ConfigError naming the line that is not `KEY=VALUE` */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = LINE.exec(line);
    if (!m) throw invalidConfig("SMARTLINK_ENV_FILE", `KEY=VALUE on line ${i + 1}`, line.slice(0, 80));
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) value = value.slice(1, -1);
    out[m[1]] = value;
  });
  return out;
}

/**
 * The process environment over the file named by its `SMARTLINK_ENV_FILE`, if any.
 * @throws ConfigError when the file cannot be read or a line is not `KEY=VALUE`
 */
export function withEnvFile(
  processEnv: Record<string, string>,
  readText: (path: string) => string = Deno.readTextFileSync,
): Record<string, string> {
  const path = processEnv.SMARTLINK_ENV_FILE;
  if (!path) return processEnv;
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    throw invalidConfig("SMARTLINK_ENV_FILE", "a readable file", `${path} (${(err as Error).message})`);
  }
  return { ...parseEnvFile(text), ...processEnv };
}
