/**
 * The credentials entered on the page or by `cli activate`, in
 * `smartlink_setting` under the key `credentials`: client id and URLs in
 * clear, the secret only as AES-256-GCM ciphertext with its key id. One row
 * shared by every process on the database.
 */
import { eq } from "drizzle-orm";
import * as v from "valibot";
import { AppError } from "../errors.ts";
import type { Database } from "./client.ts";
import { setting } from "./schema.ts";

export const CREDENTIALS_KEY = "credentials";

const StoredSchema = v.object({
  v: v.literal(1),
  clientId: v.pipe(v.string(), v.minLength(1)),
  /** `prod`, `staging`, `dev`, or `custom` for URLs typed in. */
  env: v.picklist(["prod", "staging", "dev", "custom"]),
  linkUrl: v.pipe(v.string(), v.url()),
  racTokenUrl: v.pipe(v.string(), v.url()),
  keyId: v.pipe(v.string(), v.minLength(1)),
  iv: v.pipe(v.string(), v.minLength(1)),
  ciphertext: v.pipe(v.string(), v.minLength(1)),
  /** Who stored them: "admin 127.0.0.1", "cli". */
  storedBy: v.string(),
});

export type StoredCredentials = v.InferOutput<typeof StoredSchema>;

export interface StoredCredentialsRow {
  value: StoredCredentials;
  updatedAt: Date;
}

export class CredentialsStoreError extends AppError<"CREDENTIALS_UNREADABLE"> {
  override name = "CredentialsStoreError";
}

/** The stored credentials, or undefined when none. @throws CredentialsStoreError when the row is not valid */
export async function readStoredCredentials(db: Database): Promise<StoredCredentialsRow | undefined> {
  const [row] = await db.orm.select().from(setting).where(eq(setting.key, CREDENTIALS_KEY));
  if (!row) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(row.value);
  } catch {
    throw new CredentialsStoreError(
      "CREDENTIALS_UNREADABLE",
      `Setting "${CREDENTIALS_KEY}" is not JSON: deactivate and activate again`,
    );
  }
  const parsed = v.safeParse(StoredSchema, json);
  if (!parsed.success) {
    const fields = parsed.issues.map((i) => v.getDotPath(i) ?? "value").join(", ");
    throw new CredentialsStoreError(
      "CREDENTIALS_UNREADABLE",
      `Setting "${CREDENTIALS_KEY}" is invalid (bad or missing ${fields}): deactivate and activate again`,
    );
  }
  return { value: parsed.output, updatedAt: row.updatedAt };
}

/** Stores (or replaces) the credentials. */
export async function writeStoredCredentials(db: Database, value: StoredCredentials, now: Date): Promise<void> {
  const text = JSON.stringify(v.parse(StoredSchema, value));
  await db.orm.insert(setting).values({ key: CREDENTIALS_KEY, value: text, updatedAt: now })
    .onConflictDoUpdate({ target: setting.key, set: { value: text, updatedAt: now } });
}

/** Removes the stored credentials; false when there were none. */
export async function deleteStoredCredentials(db: Database): Promise<boolean> {
  const gone = await db.orm.delete(setting).where(eq(setting.key, CREDENTIALS_KEY)).returning({ key: setting.key });
  return gone.length > 0;
}
