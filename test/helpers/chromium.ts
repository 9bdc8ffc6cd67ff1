/**
 * The browser tests' set-up: Chromium (/usr/bin/chromium through playwright-core), an in-memory migrated PGlite,
 * the app under test on a loopback port, pages that collect console errors, and screenshots in `test-artifacts/`.
 * `chromiumTest()` registers a test that is skipped when Chromium is absent and closes all of it afterwards.
 */
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);

/** A desktop window and a phone, as the browser tests look at the pages. */
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1366, height: 900 } };
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
};

/** True when /usr/bin/chromium exists; the browser tests are skipped otherwise. */
export function chromiumPresent(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false; // not installed (or not readable): skip
  }
}

/** Launches a headless Chromium with no background traffic. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** The path of the screenshot `name` in `test-artifacts/`. */
export function artifact(name: string): string {
  return new URL(name, ARTIFACTS).pathname;
}

/** The app being looked at, served on loopback, and the Chromium looking at it. */
export interface Served {
  base: string;
  browser: Browser;
  /** Console errors and warnings, and uncaught page errors, of every page `page()` opened. */
  problems: string[];
  /** A page in a context of its own (`DESKTOP`, `PHONE`, credentials…), its problems collected. */
  page(options?: BrowserContextOptions): Promise<Page>;
}

export interface ChromiumKit {
  /** An in-memory PGlite, migrated; closed after the test. */
  db: Database;
  /** Serves `app` on a random loopback port and launches Chromium; both stop after the test. */
  serve(app: { fetch: (req: Request) => Response | Promise<Response> }): Promise<Served>;
  /** Runs `fn` after the browser and the server stopped, before the database closes. */
  cleanup(fn: () => Promise<void>): void;
}

const present = chromiumPresent();
let noticePrinted = false;

/** Registers a browser test; skipped with a notice when /usr/bin/chromium is absent. */
export function chromiumTest(name: string, fn: (kit: ChromiumKit) => Promise<void>): void {
  if (!present && !noticePrinted) {
    noticePrinted = true;
    console.log("notice: chromium not found; browser tests skipped");
  }
  Deno.test({
    name,
    ignore: !present,
    fn: async () => {
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      const db = await openDatabase({});
      let server: Deno.HttpServer<Deno.NetAddr> | undefined;
      let browser: Browser | undefined;
      const cleanups: (() => Promise<void>)[] = [];
      try {
        await migrate(db);
        await fn({
          db,
          cleanup: (f) => void cleanups.push(f),
          serve: async (app) => {
            server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
            browser = await launchChromium();
            const opened = browser;
            const problems: string[] = [];
            return {
              base: `http://127.0.0.1:${server.addr.port}`,
              browser: opened,
              problems,
              page: async (options) => {
                const page = await (await opened.newContext(options)).newPage();
                page.on("console", (m) => ["error", "warning"].includes(m.type()) && problems.push(m.text()));
                page.on("pageerror", (e) => problems.push(String(e)));
                return page;
              },
            };
          },
        });
      } finally {
        await browser?.close();
        await server?.shutdown();
        for (const f of cleanups.reverse()) await f();
        await db.close();
      }
    },
  });
}
