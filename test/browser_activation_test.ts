/**
 * A newcomer's activation in Chromium (playwright-core): a client started
 * with no credentials, the dashboard's link to Activation, client id and
 * secret pasted with custom URLs of the simulator, Test, Activate, the next
 * tick runs the simulator's commands; a wrong secret on a phone shows RAC's
 * answer. No page carries the secret; no console error. Screenshots at 1366
 * and 390 px go to `test-artifacts/`. Skipped when /usr/bin/chromium is absent.
 */
import assert from "node:assert/strict";
import { runtimeAppDeps } from "../src/runtime.ts";
import { createApp } from "../src/web/app.tsx";
import { everything, pageFlow, SECRET } from "./helpers/activation.ts";
import { artifact, chromiumTest, DESKTOP, PHONE } from "./helpers/chromium.ts";
import { SIM } from "./helpers/flow.ts";

const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";

chromiumTest(
  "activation in Chromium: no credentials → Test → Activate → the next tick syncs; a wrong secret on a phone",
  async ({ db, serve, cleanup }) => {
    const flow = await pageFlow(db, undefined, { start: new Date() });
    cleanup(() => flow.cleanup());
    const app = createApp(runtimeAppDeps(flow.runtime, () => new Date(flow.clock.now().getTime() + 60_000)));
    const { base, page: open, problems } = await serve(app);
    const html: string[] = [];
    const page = await open(DESKTOP);
    const keep = async () => void html.push(await page.content());

    await page.goto(`${base}/`);
    assert.match((await page.locator("#activation").textContent()) ?? "", /Not configured/);
    await page.screenshot({ path: artifact("activation_0_dashboard_not_activated.png"), fullPage: true });
    await page.click("#activation a[href='/activation']");
    await page.waitForURL(`${base}/activation`);

    await page.fill("input[name=clientId]", "sim-client");
    await page.fill("input[name=clientSecret]", SECRET);
    await page.click("summary:has-text('Advanced: custom URLs')");
    await page.check("input[name=env][value=custom]");
    await page.fill("input[name=linkUrl]", SIM);
    await page.fill("input[name=racTokenUrl]", `${SIM}/totvs.rac/connect/token`);
    await page.screenshot({ path: artifact("activation_1_form.png"), fullPage: true });
    await page.click("button:has-text('Test')");
    await page.waitForSelector("#test-result");
    const tested = (await page.locator("#test-result").textContent()) ?? "";
    assert.match(tested, /passed/);
    assert.match(tested, new RegExp(TENANT));
    assert.match(tested, /Token lifetime(1 h|59 min)/); // JWT exp is whole seconds
    assert.match(tested, /answered: 3 subscription/);
    assert.equal(await page.inputValue("input[name=clientSecret]"), "", "the secret is not sent back");
    await keep();
    await page.screenshot({ path: artifact("activation_2_tested.png"), fullPage: true });

    await page.click("button:has-text('Activate these credentials')");
    await page.waitForURL(`${base}/activation`);
    assert.match((await page.locator(".flash.ok").textContent()) ?? "", /Activated client id "sim-client"/);
    assert.match((await page.locator("#current").textContent()) ?? "", /stored, ending in ••7Q/);
    await keep();
    await page.screenshot({ path: artifact("activation_3_active.png"), fullPage: true });

    // The next tick: the simulator's commands run through the handlers and the replies go back.
    flow.sim.generate("SGDPMaskCommand", 3);
    const tick = await flow.runtime.runner.run("cron");
    assert.ok(tick.ran && tick.summary.succeeded === 3 && tick.summary.sent === 3, JSON.stringify(tick));
    await page.goto(`${base}/`);
    assert.match((await page.locator("#activation").textContent()) ?? "", /Active/);
    assert.match((await page.locator("#activation").textContent()) ?? "", new RegExp(TENANT));
    await keep();
    await page.screenshot({ path: artifact("activation_4_dashboard_syncing.png"), fullPage: true });
    await page.goto(`${base}/history`);
    assert.equal(await page.locator("tr", { hasText: "SGDPMaskCommand" }).count() >= 3, true);
    await keep();

    const mobile = await open(PHONE);
    await mobile.goto(`${base}/activation`);
    await mobile.screenshot({ path: artifact("activation_5_active_phone.png"), fullPage: true });
    await mobile.fill("input[name=clientId]", "sim-client");
    await mobile.fill("input[name=clientSecret]", "Wrong-Secret-Pasted-00");
    // The stored credentials' custom URLs come prefilled, the disclosure open.
    assert.equal(await mobile.locator("details").getAttribute("open"), "");
    assert.equal(await mobile.inputValue("input[name=linkUrl]"), SIM);
    await mobile.click("button:has-text('Test')");
    await mobile.waitForSelector("#test-result");
    const wrong = (await mobile.locator("#test-result").textContent()) ?? "";
    assert.match(wrong, /failed/);
    assert.match(wrong, /HTTP 401 from "http:\/\/sim.test\/totvs.rac\/connect\/token": invalid_client/);
    assert.match(wrong, /What to checkRAC refused the credentials/);
    html.push(await mobile.content());
    await mobile.screenshot({ path: artifact("activation_6_wrong_secret_phone.png"), fullPage: true });

    const all = html.join("\n");
    assert.ok(!all.includes(SECRET) && !all.includes("Wrong-Secret-Pasted-00"), "no page carries a secret");
    const stored = await everything(db, [flow]);
    assert.ok(!stored.includes(SECRET) && !stored.includes("Wrong-Secret-Pasted-00"));
    assert.deepEqual(problems, [], "no console errors (e.g. CSP violations)");
  },
);
