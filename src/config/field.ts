/**
 * One environment variable read against a valibot schema (`field`), and the
 * schemas the configuration's variables use: integers, decimals, http(s) URLs.
 * A secret variable's value never appears in the error.
 */
import * as v from "valibot";
import { invalidConfig } from "./config_error.ts";

export type Env = Record<string, string | undefined>;

const SECRET_VARIABLES = new Set([
  "SMARTLINK_CLIENT_SECRET",
  "SMARTLINK_ADMIN_TOKEN",
  "SMARTLINK_CLIENT_ID",
  "SMARTLINK_ALERT_WEBHOOK",
  "SMARTLINK_SECRET_KEY",
]);

/** The trimmed value of `name` parsed by `schema`, or `fallback` when unset. @throws ConfigError */
export function field<T>(env: Env, name: string, expected: string, schema: v.GenericSchema<string, T>, fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const result = v.safeParse(schema, raw.trim());
  if (!result.success) {
    throw invalidConfig(name, expected, SECRET_VARIABLES.has(name) ? undefined : raw);
  }
  return result.output;
}

export const integer = (min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number), v.number(), v.minValue(min), v.maxValue(max));
export const decimal = (min: number, max: number, exclusiveMin = false) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+(\.\d+)?$|^\.\d+$/),
    v.transform(Number),
    v.number(),
    v.check((n) => (exclusiveMin ? n > min : n >= min) && n <= max),
  );
export const httpUrl = v.pipe(
  v.string(),
  v.url(),
  v.check((s) => /^https?:\/\//i.test(s)),
  v.transform((s) => s.replace(/\/+$/, "")),
);
