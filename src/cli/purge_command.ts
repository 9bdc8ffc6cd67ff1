/** `purge`: deletes EXEC and LOG rows older than the retention, here or in the running server. */
import { purgeAll } from "../sync/purge_all.ts";
import { callServer } from "./call_server.ts";
import { apiErrorText, type CommandOptions, heldByServer, withDb } from "./command_options.ts";
import { EXIT } from "./exit_codes.ts";

export async function purgeCommand(o: CommandOptions): Promise<number> {
  const held = heldByServer(o);
  let total: { exec: number; log: number };
  if (held) {
    const res = await callServer(held.lock, "/api/purge", {
      method: "POST",
      token: o.config.adminToken,
      fetch: o.fetch,
      timeoutMs: 120_000,
    });
    if (res.status !== 200) {
      o.print(`purge failed: ${apiErrorText(res.body)}`);
      return EXIT.FAILED;
    }
    total = res.body as { exec: number; log: number };
  } else {
    total = await withDb(o.config, (db) => purgeAll(db, new Date(), o.config.retentionDays));
  }
  o.print(
    `Purged ${total.exec} GTOTVSLINKMESSAGEEXEC and ${total.log} GTOTVSLINKLOG rows older than ${o.config.retentionDays} days`,
  );
  return EXIT.OK;
}
