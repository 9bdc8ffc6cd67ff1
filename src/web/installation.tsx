/**
 * Adopting this database as the tenant's installation after a mismatch:
 * `POST /installation/confirm` (dashboard form, CSRF-protected) and
 * `POST /api/installation/confirm` (JSON). Both are logged as operator actions.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import * as v from "valibot";
import { type Actor, logOperatorAction } from "../db/message_actions.ts";
import { describeIdentity } from "../db/installation_store.ts";
import { type InstallationState, TenantUnavailableError } from "../sync/installation_guard.ts";
import { ErrorBody } from "./api_schemas.ts";
import type { AppDeps } from "./deps.ts";
import type { FlashStore } from "./flash.ts";
import { documented } from "./openapi.ts";
import { apiError } from "./api_error.ts";
import { clientAddress } from "./client_address.ts";
import type { WebEnv } from "./middleware/csrf.ts";

const ConfirmBody = v.object({
  status: v.picklist(["ok", "mismatch", "unknown"]),
  tenantId: v.optional(v.string()),
  identity: v.optional(v.string()),
});

async function confirm(deps: AppDeps, actor: Actor): Promise<InstallationState> {
  const state = await deps.confirmInstallation!(`${actor.via} ${actor.address}`);
  await logOperatorAction(deps.db, {
    action: "installation.confirm",
    text: `Installation identity adopted for tenant "${state.tenantId}": ${
      state.live ? describeIdentity(state.live) : ""
    }`,
    now: deps.now(),
    actor,
    detail: { tenantId: state.tenantId },
  });
  return state;
}

/** `POST /installation/confirm` under `/api`. */
export function createInstallationApi(deps: AppDeps): Hono {
  const api = new Hono();
  api.post(
    "/installation/confirm",
    documented({
      summary: "Adopt this database as the installation of the tenant (after a copy was detected)",
      tags: ["sync"],
      responses: {
        200: ["The identity now recorded", ConfirmBody],
        409: [
          "Not activated, or no token: no tenant to record an installation for (NOT_ACTIVATED, NO_TENANT)",
          ErrorBody,
        ],
      },
    }),
    async (c) => {
      if (!deps.confirmInstallation) {
        return apiError(c, 409, "NOT_ACTIVATED", "Not activated: no tenant to confirm for");
      }
      const state = await confirm(deps, { via: "api", address: clientAddress(c) });
      return c.json({
        status: state.status,
        tenantId: state.tenantId,
        identity: state.live ? describeIdentity(state.live) : undefined,
      });
    },
  );
  return api;
}

/** The dashboard form's target. */
export function createInstallationPage(deps: AppDeps, flashes: FlashStore): Hono<WebEnv> {
  const html = new Hono<WebEnv>();
  html.post("/installation/confirm", async (c: Context) => {
    if (!deps.confirmInstallation) {
      await flashes.set(c, {
        kind: "error",
        text: "Not activated: there is no tenant to confirm an installation for.",
      });
      return c.redirect("/", 303);
    }
    const form = await c.req.parseBody();
    if (form.confirm !== "yes") {
      await flashes.set(c, { kind: "error", text: "Nothing was changed: tick the confirmation box first." });
      return c.redirect("/", 303);
    }
    let state: InstallationState;
    try {
      state = await confirm(deps, { via: "admin", address: clientAddress(c) });
    } catch (err) {
      if (!(err instanceof TenantUnavailableError)) throw err;
      await flashes.set(c, { kind: "error", text: `Nothing was changed: ${err.message}.` });
      return c.redirect("/", 303);
    }
    await flashes.set(c, {
      kind: "ok",
      text: `This database is now the installation of tenant "${state.tenantId}"; the next tick syncs.`,
    });
    return c.redirect("/", 303);
  });
  return html;
}
