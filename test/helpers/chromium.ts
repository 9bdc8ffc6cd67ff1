/** The browser tests' Chromium (/usr/bin/chromium through playwright-core) and where their screenshots go. */
export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);

/** True when /usr/bin/chromium exists; the browser tests are skipped otherwise. */
export function chromiumPresent(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false; // not installed (or not readable): skip
  }
}

/** Launches a headless Chromium with no background traffic. */
export async function launchChromium() {
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
