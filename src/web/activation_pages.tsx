/**
 * `/activation` routes: GET the page; POST `/activation/test` (a token and
 * setup with what was typed, nothing stored), POST `/activation` (test, then
 * store encrypted), POST `/activation/deactivate` (confirmation required).
 * Behind HTTP Basic and CSRF like every page; no answer carries the secret.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import type { CredentialsInput } from "../activation/credentials.ts";
import type { TestResult } from "../activation/test_credentials.ts";
import { type ActivationFormValues, lockedUrls, parseActivationForm } from "./activation_form.ts";
import type { AppDeps } from "./deps.ts";
import type { FieldErrors } from "./filters.ts";
import type { FlashStore } from "./flash.ts";
import { formatDateTime } from "./format.ts";
import { renderPage } from "./pages.tsx";
import { createPendingTests } from "./pending_tests.ts";
import { clientAddress } from "./client_address.ts";
import type { WebEnv } from "./middleware/csrf.ts";
import { ActivationView } from "./views/activation.tsx";

interface Shown {
  values?: ActivationFormValues;
  errors?: FieldErrors;
  test?: { result: TestResult; clientId: string; pending?: string };
}

export function createActivationPages(deps: AppDeps, flashes: FlashStore): Hono<WebEnv> {
  const html = new Hono<WebEnv>();
  const pending = createPendingTests({ now: deps.now });
  const control = deps.activationControl;
  const actor = (c: Context) => ({ via: "admin" as const, address: clientAddress(c) });

  const defaults = (): ActivationFormValues => {
    const v = control.view();
    return {
      clientId: v.clientId ?? "",
      env: v.env ?? deps.config.env,
      linkUrl: v.linkUrl ?? deps.config.linkUrl,
      racTokenUrl: v.racTokenUrl ?? deps.config.racTokenUrl,
    };
  };
  const show = (c: Context, shown: Shown = {}, status: 200 | 400 = 200) =>
    renderPage(
      c,
      flashes,
      "Activation",
      "activation",
      <ActivationView
        view={control.view()}
        activation={deps.activation()}
        now={deps.now()}
        nextTickAt={deps.sync.nextAt()}
        values={shown.values ?? defaults()}
        locked={lockedUrls(deps.config)}
        errors={shown.errors}
        test={shown.test}
        csrf={c.get("csrf")}
      />,
      status,
    );
  const redirect = async (c: Context, kind: "ok" | "error", text: string) => {
    await flashes.set(c, { kind, text });
    return c.redirect("/activation", 303);
  };
  const activated = (clientId: string) => {
    const next = deps.sync.nextAt();
    return `Activated client id "${clientId}": syncing starts at the next tick${
      next ? ` (${formatDateTime(next)})` : ""
    }.`;
  };

  html.get("/activation", (c) => show(c));

  html.post("/activation/test", async (c) => {
    const parsed = parseActivationForm(await c.req.parseBody(), deps.config);
    if (!parsed.ok) return show(c, { values: parsed.values, errors: parsed.errors }, 400);
    const result = await control.test(parsed.input, actor(c));
    const held = result.ok ? pending.put(parsed.input) : undefined;
    return show(c, { values: parsed.values, test: { result, clientId: parsed.input.clientId, pending: held } });
  });

  html.post("/activation", async (c) => {
    const body = await c.req.parseBody();
    let input: CredentialsInput | undefined;
    let values: ActivationFormValues;
    if (typeof body.pending === "string" && body.pending !== "") {
      input = pending.take(body.pending);
      if (!input) {
        return redirect(
          c,
          "error",
          "The tested credentials are no longer held (10 minutes passed or the server restarted): type the secret again.",
        );
      }
      values = { clientId: input.clientId, env: input.env, linkUrl: input.linkUrl, racTokenUrl: input.racTokenUrl };
    } else {
      const parsed = parseActivationForm(body, deps.config);
      if (!parsed.ok) return show(c, { values: parsed.values, errors: parsed.errors }, 400);
      input = parsed.input;
      values = parsed.values;
    }
    const result = await control.activate(input, actor(c));
    if (result.ok) return redirect(c, "ok", activated(input.clientId));
    if (result.code === "NO_SECRET_KEY") return redirect(c, "error", result.message);
    return show(c, { values, test: { result: result.test, clientId: input.clientId } }, 400);
  });

  html.post("/activation/deactivate", async (c) => {
    const body = await c.req.parseBody();
    if (body.confirm !== "yes") return redirect(c, "error", "Tick the confirmation box to deactivate.");
    if (control.view().keyId === undefined) {
      return redirect(c, "error", "Nothing was changed: SMARTLINK_SECRET_KEY is not set, so this page is read-only.");
    }
    const removed = await control.deactivate(actor(c));
    return removed
      ? redirect(c, "ok", "Deactivated: syncing stops at the next tick; every stored message is kept.")
      : redirect(c, "error", "Nothing was stored: there is nothing to deactivate.");
  });

  return html;
}
