/**
 * The shape of the last `get` answer, in `smartlink_setting` under
 * `connection.get_shape`, so `doctor` (another process) can print it.
 */
import * as v from "valibot";
import type { Database } from "./client.ts";
import { readSettingJson, writeSettingJson } from "./setting_json.ts";

export const GET_SHAPE_KEY = "connection.get_shape";

const ShapeSchema = v.object({ time: v.string(), status: v.number(), shape: v.string() });
export type StoredGetShape = v.InferOutput<typeof ShapeSchema>;

/** Stores (or replaces) the last get shape. */
export async function writeGetShape(db: Database, shape: StoredGetShape, now: Date): Promise<void> {
  await writeSettingJson(db, { key: GET_SHAPE_KEY, schema: ShapeSchema }, { value: shape, now });
}

/** The stored get shape; undefined when none was stored or the row is not readable (the next get replaces it). */
export async function readGetShape(db: Database): Promise<StoredGetShape | undefined> {
  const read = await readSettingJson(db, { key: GET_SHAPE_KEY, schema: ShapeSchema });
  return read.found && read.ok ? read.value : undefined;
}
