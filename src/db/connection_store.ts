/**
 * The shape of the last `get` answer, in `smartlink_setting` under
 * `connection.get_shape`, so `doctor` (another process) can print it.
 */
import { eq } from "drizzle-orm";
import * as v from "valibot";
import type { Database } from "./client.ts";
import { setting } from "./schema.ts";

export const GET_SHAPE_KEY = "connection.get_shape";

const ShapeSchema = v.object({ time: v.string(), status: v.number(), shape: v.string() });
export type StoredGetShape = v.InferOutput<typeof ShapeSchema>;

/** Stores (or replaces) the last get shape. */
export async function writeGetShape(db: Database, shape: StoredGetShape, now: Date): Promise<void> {
  const text = JSON.stringify(v.parse(ShapeSchema, shape));
  await db.orm.insert(setting).values({ key: GET_SHAPE_KEY, value: text, updatedAt: now })
    .onConflictDoUpdate({ target: setting.key, set: { value: text, updatedAt: now } });
}

/** The stored get shape; undefined when none was stored or the row is not readable. */
export async function readGetShape(db: Database): Promise<StoredGetShape | undefined> {
  const [row] = await db.orm.select().from(setting).where(eq(setting.key, GET_SHAPE_KEY));
  if (!row) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(row.value);
  } catch {
    return undefined; // written by this module only; an unreadable row is replaced by the next get
  }
  const parsed = v.safeParse(ShapeSchema, json);
  return parsed.success ? parsed.output : undefined;
}
