/**
 * `activate --confirm`: adopts this database as the installation of the
 * tenant of the configured credentials, after the client found it to be a
 * copy (a restored backup that has become production, a moved data folder).
 * Logged as an operator action. Through the running server when it holds the
 * embedded database.
 */
import { describeIdentity } from "../db/installation_store.ts";
import { logOperatorAction } from "../db/message_actions.ts";
import { createRuntime } from "../runtime.ts";
import { callApi } from "./api_client.ts";
import { apiErrorText, type CommandOptions, heldByServer } from "./command_options.ts";
import { EXIT } from "./exit_codes.ts";

const NOT_ACTIVATED =
  "Not activated: set SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET (or SMARTLINK_CLIENT_SECRET_FILE) first";

/** Records this database for the tenant; exit 0 done, 1 failed, 3 not activated. */
export async function activateConfirmCommand(o: CommandOptions): Promise<number> {
  const held = heldByServer(o);
  if (held) {
    const res = await callApi(held.lock.url, "/api/installation/confirm", {
      method: "POST",
      token: o.config.adminToken,
      fetch: o.fetch,
    });
    if (res.status === 409) {
      o.print(NOT_ACTIVATED);
      return EXIT.NOT_ACTIVATED;
    }
    if (res.status !== 200) {
      o.print(`Not confirmed by the server at ${held.lock.url}: ${apiErrorText(res.body)}`);
      return EXIT.FAILED;
    }
    const body = res.body as { tenantId?: string; identity?: string };
    o.print(`This database is now the installation of tenant "${body.tenantId}": ${body.identity}`);
    return EXIT.OK;
  }
  const runtime = await createRuntime({ config: o.config, logger: o.logger, env: o.env, fetch: o.fetch });
  try {
    if (!runtime.activation().activated) {
      o.print(NOT_ACTIVATED);
      return EXIT.NOT_ACTIVATED;
    }
    const before = await runtime.installation.check().catch(() => undefined);
    const state = await runtime.installation.confirm("cli");
    const identity = describeIdentity(state.live!);
    await logOperatorAction(runtime.db, {
      action: "installation.confirm",
      text: `Installation identity adopted for tenant "${state.tenantId}": ${identity}`,
      now: runtime.now(),
      actor: { via: "cli", address: "local" },
      detail: { tenantId: state.tenantId },
    });
    if (before?.status === "mismatch" && before.recorded) {
      o.print(`Was: ${describeIdentity(before.recorded.identity)} (${before.recorded.recordedBy})`);
    }
    o.print(`This database is now the installation of tenant "${state.tenantId}": ${identity}`);
    return EXIT.OK;
  } finally {
    await runtime.close();
  }
}
