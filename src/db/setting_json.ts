/** One JSON value of `smartlink_setting`, validated by a valibot schema on the way in and out. */
import { eq } from "drizzle-orm";
import * as v from "valibot";
import type { Database } from "./client.ts";
import { setting } from "./schema.ts";

export type SettingRead<T> = { found: false } | { found: true; ok: true; value: T } | {
  found: true;
  ok: false;
  problem: string;
};

/** One setting: its key and the schema of its value. */
export interface SettingSpec<T> {
  key: string;
  schema: v.GenericSchema<unknown, T>;
}

/** The value of `spec`: absent, valid, or why it is not (not JSON, or the fields that are wrong). */
export async function readSettingJson<T>(db: Database, spec: SettingSpec<T>): Promise<SettingRead<T>> {
  const { key, schema } = spec;
  const [row] = await db.orm.select().from(setting).where(eq(setting.key, key));
  if (!row) return { found: false };
  let json: unknown;
  try {
    json = JSON.parse(row.value);
  } catch {
    return { found: true, ok: false, problem: "not JSON" };
  }
  const parsed = v.safeParse(schema, json);
  if (parsed.success) return { found: true, ok: true, value: parsed.output };
  return { found: true, ok: false, problem: `bad or missing ${parsed.issues.map((i) => v.getDotPath(i) ?? "value")}` };
}

/** Stores (or replaces) the value of `spec`, validated first. @throws v.ValiError for a value off the schema */
export async function writeSettingJson<T>(
  db: Database,
  spec: SettingSpec<T>,
  options: { value: T; now: Date },
): Promise<void> {
  const { key } = spec;
  const { now } = options;
  const text = JSON.stringify(v.parse(spec.schema, options.value));
  await db.orm.insert(setting).values({ key, value: text, updatedAt: now })
    .onConflictDoUpdate({ target: setting.key, set: { value: text, updatedAt: now } });
}
