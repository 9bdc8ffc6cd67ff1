/** `secret`: a secret read from `NAME` or from the file that `NAME_FILE` names. */
import { invalidConfig } from "./config_error.ts";
import type { Env } from "./field.ts";

/** A secret from `NAME` or from the file named by `NAME_FILE` (one of them). @throws ConfigError */
export function secret(env: Env, name: string, readTextFile: (path: string) => string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== "" && file !== undefined && file !== "") {
    throw invalidConfig(name, `either ${name} or ${name}_FILE, not both`);
  }
  if (file !== undefined && file !== "") {
    let text: string;
    try {
      text = readTextFile(file);
    } catch (err) {
      const reason = err instanceof Deno.errors.NotFound ? "file not found" : "file not readable";
      throw invalidConfig(`${name}_FILE`, `a readable file holding the value (${reason})`, file);
    }
    const value = text.replace(/\r?\n$/, "").trim();
    if (value === "") throw invalidConfig(`${name}_FILE`, "a file holding a non-empty value", file);
    return value;
  }
  return direct === undefined || direct.trim() === "" ? undefined : direct.trim();
}
