/**
 * The admin view in a real browser (Chromium through playwright-core): HTTP
 * Basic, dashboard → messages → detail, "Retry now" and "Sync now" forms with
 * their CSRF token and flash notices, no CSP violation. Screenshots go to
 * `test-artifacts/`. Skipped when /usr/bin/chromium is absent.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { emptySummary } from "../src/sync/summary.ts";
import { createApp } from "../src/web/app.tsx";
import { artifact, chromiumTest, PHONE } from "./helpers/chromium.ts";
import { ADMIN_TOKEN, fakeDeps, insertExec, insertLog, insertMessage } from "./helpers/web_deps.ts";
import { writeTickRecord } from "../src/sync/tick_record.ts";

chromiumTest(
  "admin view in Chromium: dashboard, message detail, Retry now and Sync now with flash notices",
  async ({ db, serve }) => {
    const f = fakeDeps(db);
    const now = new Date();
    f.state.now = now;
    f.state.nextAt = new Date(Math.ceil(now.getTime() / 60_000) * 60_000);
    f.state.activation = { ...f.state.activation, tokenValidUntil: new Date(now.getTime() + 50 * 60_000) };
    f.state.nextSummary = { ...emptySummary("admin", now), durationMs: 84, downloaded: 2, executed: 2, succeeded: 2 };
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

    const dead = await insertMessage(db, {
      status: "DEAD",
      tipo: "SGDPMaskCommand",
      idExterno: "srv-0001",
      idCorrelacao: "req-7781",
      qtdeTentativaExec: 3,
      ultimoErro: "HTTP_503: ERP answered 503 Service Unavailable",
      conteudo: JSON.stringify({
        requestID: "req-7781",
        subject: { cpf: "***.456.789-**" },
        fields: ["name", "email"],
      }),
      dataCriacao: minutesAgo(42),
      dataAlteracao: minutesAgo(3),
      dataTentativaExec: minutesAgo(3),
    });
    await insertMessage(db, {
      status: "PENDING",
      tipo: "SGDPDataCommand",
      dataCriacao: minutesAgo(2),
      dataTentativaExec: minutesAgo(2),
    });
    await insertMessage(db, {
      status: "RETRY",
      tipo: "SGDPDataCommand",
      qtdeTentativaExec: 1,
      ultimoErro: "HTTP_502: bad gateway",
      dataCriacao: minutesAgo(10),
      dataTentativaExec: new Date(now.getTime() + 120_000),
    });
    await insertMessage(db, {
      status: "PENDING",
      direcao: "UP",
      tipo: "SGDPMaskResponse",
      audiencia: "SGDP",
      dataCriacao: minutesAgo(1),
      dataTentativaExec: minutesAgo(1),
    });
    for (let h = 0; h < 24; h++) {
      for (let i = 0; i < (h * 7) % 5 + 1; i++) {
        const dataFim = minutesAgo(h * 60 + i);
        const dataInicio = new Date(dataFim.getTime() - 40 - 97 * i);
        await insertExec(db, { idMensagem: crypto.randomUUID(), dataInicio, dataFim });
      }
      if (h % 4 === 1) {
        await insertExec(db, {
          idMensagem: dead.id,
          sucesso: false,
          resultado: "RETRY",
          erro: "HTTP_503: ERP answered 503 Service Unavailable",
          dataInicio: new Date(minutesAgo(h * 60).getTime() - 1800),
          dataFim: minutesAgo(h * 60),
        });
      }
    }
    await insertLog(db, {
      idMensagem: dead.id,
      logType: 2,
      logMensagem: "Attempt 3 failed: HTTP 503",
      tipo: "SGDPMaskCommand",
      logDate: minutesAgo(3),
    });
    await writeTickRecord(
      db,
      { ...emptySummary("cron", minutesAgo(1)), durationMs: 130, executed: 1, dead: 1 },
      minutesAgo(1),
    );

    const { base, page: open, problems } = await serve(createApp(f.deps));
    const httpCredentials = { username: "operator", password: ADMIN_TOKEN };
    const page = await open({ httpCredentials, viewport: { width: 1280, height: 900 } });

    await page.goto(`${base}/`);
    assert.equal(await page.locator("h1").textContent(), "Dashboard");
    assert.ok((await page.locator("body").textContent())?.includes("tenant-42"));
    await page.screenshot({ path: artifact("dashboard.png"), fullPage: true });

    await page.click("nav >> text=Messages");
    await page.screenshot({ path: artifact("messages.png"), fullPage: true });
    await page.locator("tr", { hasText: "DEAD" }).locator("a").first().click();
    await page.waitForURL(`**/messages/${dead.id}`);
    assert.ok((await page.locator("pre.content").textContent())?.includes('"requestID": "req-7781"'));
    await page.screenshot({ path: artifact("message_detail.png"), fullPage: true });

    await page.click("button:has-text('Retry now')");
    await page.waitForURL(`**/messages/${dead.id}`);
    const flash = await page.locator(".flash.ok").textContent();
    assert.match(flash ?? "", /fresh attempt budget/);
    const [row] = await db.rows<{ status: string; n: number }>(
      sql`select status, qtdetentativaexec as n from gtotvslinkmessage where id = ${dead.id}`,
    );
    assert.deepEqual({ ...row, n: Number(row.n) }, { status: "PENDING", n: 0 });
    await page.screenshot({ path: artifact("after_retry.png"), fullPage: true });

    await page.click("nav >> text=Dashboard");
    await page.click("button:has-text('Sync now')");
    await page.waitForURL(`${base}/`);
    assert.match((await page.locator(".flash.ok").textContent()) ?? "", /Sync finished in 84 ms/);
    assert.deepEqual(f.syncCalls, ["admin"]);
    await page.screenshot({ path: artifact("after_sync.png"), fullPage: true });

    await page.reload();
    assert.equal(await page.locator(".flash").count(), 0, "the flash notice shows once");

    const mobile = await open({ ...PHONE, httpCredentials });
    await mobile.goto(`${base}/`);
    await mobile.screenshot({ path: artifact("dashboard_phone.png"), fullPage: true });
    await mobile.goto(`${base}/messages`);
    await mobile.screenshot({ path: artifact("messages_phone.png"), fullPage: true });
    await mobile.goto(`${base}/logs`);
    await mobile.screenshot({ path: artifact("logs_phone.png"), fullPage: true });
    await page.goto(`${base}/history`);
    await page.screenshot({ path: artifact("history.png"), fullPage: true });

    assert.deepEqual(problems, [], "no console errors (e.g. CSP violations)");
  },
);
