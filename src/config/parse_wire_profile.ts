/**
 * `parseWireProfile`: the wire profile of the environment, `SMARTLINK_PROFILE`
 * (a file or the JSON itself) over the defaults, then the `SMARTLINK_ROUTES`
 * shorthand over that; a bad one is a `ConfigError` naming its variable.
 */
import * as v from "valibot";
import {
  applyRoutes,
  DEFAULT_PROFILE,
  loadProfile,
  ProfileError,
  type RouteShorthand,
  type WireProfile,
} from "../profile/wire_profile.ts";
import { invalidConfig } from "./config_error.ts";
import type { Env } from "./field.ts";

const RouteSchema = v.pipe(
  v.string(),
  v.regex(/^(GET|POST|PUT|DELETE|PATCH)\s+\/\S*$/i),
  v.transform((s) => {
    const [method, path] = s.trim().split(/\s+/);
    return { method: method.toUpperCase(), path };
  }),
);
const RoutesOverrideSchema = v.strictObject({
  setup: v.optional(RouteSchema),
  get: v.optional(RouteSchema),
  ack: v.optional(RouteSchema),
  nack: v.optional(RouteSchema),
  send: v.optional(RouteSchema),
});

function parseRoutes(raw: string | undefined): RouteShorthand | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const expected = 'JSON like {"get":"GET /api/v1/link/get"} with keys setup, get, ack, nack, send';
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw invalidConfig("SMARTLINK_ROUTES", expected, raw);
  }
  const result = v.safeParse(RoutesOverrideSchema, json);
  if (!result.success) throw invalidConfig("SMARTLINK_ROUTES", expected, raw);
  return result.output;
}

function profileError(variable: string, err: unknown): never {
  if (!(err instanceof ProfileError)) throw err;
  const key = err.keyPath.startsWith("(") ? "" : `key "${err.keyPath}" to be `;
  throw invalidConfig(variable, `${key}${err.expected}${err.received === undefined ? "" : `, got ${err.received}`}`);
}

/** `SMARTLINK_PROFILE` (a file or the JSON itself) over the defaults, then `SMARTLINK_ROUTES` over that. @throws ConfigError */
export function parseWireProfile(env: Env, readTextFile: (path: string) => string): WireProfile {
  const source = env.SMARTLINK_PROFILE?.trim();
  let profile = DEFAULT_PROFILE;
  try {
    if (source) profile = loadProfile(source, readTextFile);
  } catch (err) {
    profileError("SMARTLINK_PROFILE", err);
  }
  const routes = parseRoutes(env.SMARTLINK_ROUTES);
  try {
    return routes ? applyRoutes(profile, routes) : profile;
  } catch (err) {
    profileError("SMARTLINK_ROUTES", err);
  }
}
