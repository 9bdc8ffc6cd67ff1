/**
 * Issue 13 in a real browser (Chromium through playwright-core), desktop
 * 1366 px and phone 390 px: the 24-hour chart opens on the current hour and
 * the queue tables fit on a phone; activation states and the not-activated
 * steps; a command links its reply and back; the history's result filter; the
 * Alerts card. Screenshots go to `test-artifacts/operator_*.png`. Skipped when
 * /usr/bin/chromium is absent.
 */
import assert from "node:assert/strict";
import { messageExec } from "../src/db/schema.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { emptySummary } from "../src/sync/summary.ts";
import { createApp } from "../src/web/app.tsx";
import { artifact, chromiumTest, DESKTOP, PHONE } from "./helpers/chromium.ts";
import { createFlow, runTick } from "./helpers/flow.ts";
import { ADMIN_TOKEN, fakeDeps, insertExec, insertMessage } from "./helpers/web_deps.ts";

const shot = (name: string) => artifact(`operator_${name}.png`);

chromiumTest(
  "admin view at 1366 and 390 px: chart on the current hour, tables that fit, activation, reply links, alerts",
  async ({ db, serve }) => {
    // A command and its reply, written by the real tick.
    const flow = await createFlow(db, { start: new Date() });
    flow.sim.enqueue(generateCommand("SGDPMaskCommand", 1, "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f", new Date()));
    assert.equal((await runTick(flow)).succeeded, 1);
    await flow.cleanup();
    const execs = await db.orm.select().from(messageExec);
    const command = execs.find((e) => e.direcao === "DOWN")!;
    const reply = execs.find((e) => e.direcao === "UP")!;

    const f = fakeDeps(db);
    const now = new Date();
    f.state.now = now;
    f.state.nextAt = new Date(Math.ceil(now.getTime() / 60_000) * 60_000);
    f.state.activation = {
      activated: true,
      subscriptions: ["SGDPMaskCommand", "SGDPDataCommand"],
      tokenError: 'RAC token request failed: HTTP 401 from "https://admin.rac.totvs.app/totvs.rac/connect/token": ' +
        "invalid_client (Client authentication failed)",
      tokenErrorCode: "RAC_HTTP",
      tokenErrorStatus: 401,
      tokenOauthError: "invalid_client",
    };
    f.state.last = {
      ...emptySummary("cron", new Date(now.getTime() - 40_000)),
      durationMs: 212,
      error: { phase: "setup", code: "SL_TOKEN", message: "No RAC token: HTTP 401 invalid_client" },
    };
    f.deps.alerts = () => ({
      target: "https://hooks.slack.com",
      active: ["ticks_failing", "token_unavailable"],
      waiting: 0,
      lastSent: {
        at: new Date(now.getTime() - 120_000).toISOString(),
        condition: "ticks_failing",
        event: "raised",
        count: 1,
        text: "🔴 Smart Link Client: 3 sync ticks failed in a row, the last in phase setup (SL_TOKEN)",
      },
      lastError: {
        at: new Date(now.getTime() - 60_000).toISOString(),
        message:
          'Alert "token_unavailable" raised not delivered after 5 attempt(s): https://hooks.slack.com answered ' +
          "HTTP 503",
      },
    });
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    const dead = await insertMessage(db, {
      status: "DEAD",
      tipo: "SGDPMaskCommand",
      qtdeTentativaExec: 3,
      ultimoErro: "HTTP_400: ERP refused the command",
      dataCriacao: minutesAgo(50),
      dataTentativaExec: minutesAgo(20),
    });
    await insertMessage(db, { status: "RETRY", tipo: "SGDPDataCommand", dataTentativaExec: minutesAgo(-2) });
    await insertMessage(db, {
      status: "PENDING",
      direcao: "UP",
      tipo: "SGDPMaskResponse",
      audiencia: "SGDP",
      dataCriacao: minutesAgo(1),
      dataTentativaExec: minutesAgo(1),
    });
    // Only the last six hours have executions: the current hour must be in view on a phone.
    for (let h = 0; h < 6; h++) {
      for (let i = 0; i < h + 2; i++) {
        await insertExec(db, {
          idMensagem: crypto.randomUUID(),
          dataInicio: minutesAgo(h * 60 + i),
          dataFim: minutesAgo(h * 60 + i),
          ...(i === 0 && h % 2 === 0 ? { sucesso: false, resultado: "DEAD" as const, erro: "HTTP_400: refused" } : {}),
        });
      }
    }

    const { base, page, problems } = await serve(createApp(f.deps));
    const httpCredentials = { username: "operator", password: ADMIN_TOKEN };
    const desktop = await page({ ...DESKTOP, httpCredentials });

    await desktop.goto(`${base}/`);
    const activation = (await desktop.locator("#activation").textContent()) ?? "";
    assert.match(activation, /Configured, token failing/);
    assert.match(activation, /check SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET/);
    assert.ok(!activation.includes("Active"));
    assert.match((await desktop.locator("body").textContent()) ?? "", /failed in phase setup \(SL_TOKEN\)/);
    const alerts = (await desktop.locator("#alerts").textContent()) ?? "";
    assert.match(alerts, /delivery failing/);
    assert.match(alerts, /3 sync ticks failed in a row/);
    assert.match(alerts, /answered HTTP 503/);
    await desktop.screenshot({ path: shot("dashboard_desktop"), fullPage: true });

    await desktop.goto(`${base}/messages/${command.idMensagem}`);
    await desktop.click(`a[href="/messages/${reply.idMensagem}"]`);
    await desktop.waitForURL(`**/messages/${reply.idMensagem}`);
    assert.match((await desktop.locator(".related").textContent()) ?? "", /Reply to command/);
    await desktop.screenshot({ path: shot("reply_desktop"), fullPage: true });
    await desktop.click(`.related a[href="/messages/${command.idMensagem}"]`);
    await desktop.waitForURL(`**/messages/${command.idMensagem}`);
    await desktop.screenshot({ path: shot("command_desktop"), fullPage: true });

    await desktop.goto(`${base}/messages/${dead.id}`);
    assert.match((await desktop.locator("dl.kv").first().textContent()) ?? "", /none \(DEAD: retried only/);

    await desktop.goto(`${base}/history`);
    await desktop.selectOption("select[name=result]", "DEAD");
    await desktop.click("form.filters button[type=submit]");
    await desktop.waitForURL("**/history?*result=DEAD*");
    const results = await desktop.locator("td[data-label=Result] .badge").allTextContents();
    assert.ok(results.length >= 3 && results.every((r) => r === "DEAD"), results.join());
    await desktop.screenshot({ path: shot("history_dead_desktop"), fullPage: true });

    const phone = await page({ ...PHONE, httpCredentials });
    await phone.goto(`${base}/`);
    // Every queue table fits its card: no header cut ("DEA").
    const fits = await phone.evaluate(`[...document.querySelectorAll("table.counts")]
        .map((t) => ({ table: t.scrollWidth, wrap: t.parentElement.clientWidth }))`) as {
      table: number;
      wrap: number;
    }[];
    assert.equal(fits.length, 2);
    for (const f of fits) assert.ok(f.table <= f.wrap, `table ${f.table} px in ${f.wrap} px`);
    // The chart opens on its newest hours: the last bar is inside the visible part of the scroller.
    const chart = await phone.evaluate(`(() => {
        const scroller = document.querySelector(".chart-scroll").getBoundingClientRect();
        const bars = [...document.querySelectorAll("svg.chart rect")].map((r) => r.getBoundingClientRect());
        const last = bars.reduce((a, b) => (b.right > a.right ? b : a));
        return { left: scroller.left, right: scroller.right, lastLeft: last.left, lastRight: last.right };
      })()`) as { left: number; right: number; lastLeft: number; lastRight: number };
    assert.ok(
      chart.lastLeft >= chart.left && chart.lastRight <= chart.right,
      `newest bar visible: ${JSON.stringify(chart)}`,
    );
    await phone.screenshot({ path: shot("dashboard_phone"), fullPage: true });
    await phone.goto(`${base}/messages/${command.idMensagem}`);
    await phone.screenshot({ path: shot("command_phone"), fullPage: true });
    await phone.goto(`${base}/history?result=DEAD`);
    await phone.screenshot({ path: shot("history_dead_phone"), fullPage: true });

    // Not configured: every step, on both sizes.
    f.state.activation = { activated: false, subscriptions: [] };
    f.deps.alerts = undefined;
    await desktop.goto(`${base}/`);
    const steps = await desktop.locator("#activation ol li").allTextContents();
    assert.equal(steps.length, 3);
    assert.match(steps.join(" | "), /SMARTLINK_HANDLERS.*\| Open Activation.*SMARTLINK_CLIENT_ID.*\| .*doctor/);
    await desktop.screenshot({ path: shot("not_configured_desktop"), fullPage: true });
    await phone.goto(`${base}/`);
    await phone.screenshot({ path: shot("not_configured_phone"), fullPage: true });

    assert.deepEqual(problems, [], "no console errors (e.g. CSP violations)");
  },
);
