/** Credentials, keys and a no-credentials flow for the activation tests; `everything()` for the secret grep. */
import { sql } from "drizzle-orm";
import type { CredentialsInput } from "../../src/activation/credentials.ts";
import type { Database } from "../../src/db/client.ts";
import { createFlow, type Flow, type FlowOptions, SIM } from "./flow.ts";

export const SECRET = "Tenant-S3cret-Value-7Q";
export const KEY_A = btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => 200 - i)));
export const KEY_B = "0123456789abcdef".repeat(4);

export const simInput = (secret = SECRET): CredentialsInput => ({
  clientId: "sim-client",
  clientSecret: secret,
  env: "custom",
  linkUrl: SIM,
  racTokenUrl: `${SIM}/totvs.rac/connect/token`,
});

/** A flow with no credentials and no URLs in the environment, a secret key, and a simulator that wants SECRET. */
export function pageFlow(
  db: Database,
  key: string | null = KEY_A,
  extra: FlowOptions = {},
) {
  return createFlow(db, {
    envCredentials: false,
    envUrls: false,
    clientSecret: SECRET,
    env: key ? { SMARTLINK_SECRET_KEY: key } : {},
    ...extra,
  });
}

/** Every text column of every table, and every log line, as one string. */
export async function everything(db: Database, flows: Flow[]): Promise<string> {
  const tables = ["gtotvslinkmessage", "gtotvslinkmessageexec", "gtotvslinklog", "smartlink_setting"];
  const parts: string[] = [];
  for (const t of tables) parts.push(JSON.stringify(await db.rows(sql.raw(`select * from ${t}`))));
  for (const f of flows) parts.push(JSON.stringify(f.logger.lines));
  return parts.join("\n");
}
