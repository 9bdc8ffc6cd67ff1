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

/** The value under `key`: absent, valid, or why it is not (not JSON, or the fields that are wrong). */
export async function readSettingJson<T>(
  db: Database,
  key: string,
  schema: v.GenericSchema<unknown, T>,
): Promise<SettingRead<T>> {
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

/** Stores (or replaces) the value under `key`, validated first. @throws v.ValiError for a value off the schema */
export async function writeSettingJson<T>(
  db: Database,
  key: string,
  schema: v.GenericSchema<unknown, T>,
  value: T,
  now: Date,
): Promise<void> {
  const text = JSON.stringify(v.parse(schema, value));
  await db.orm.insert(setting).values({ key, value: text, updatedAt: now })
    .onConflictDoUpdate({ target: setting.key, set: { value: text, updatedAt: now } });
}
