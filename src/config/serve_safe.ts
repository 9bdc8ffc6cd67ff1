/** `assertServeSafe`: `serve` refuses an unauthenticated admin surface off loopback. */
import { invalidConfig } from "./config_error.ts";
import type { Config } from "./record.ts";

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * `serve` refuses to expose an unauthenticated admin surface.
 * @throws ConfigError naming SMARTLINK_ADMIN_TOKEN
 */
export function assertServeSafe(config: Config): void {
  if (!config.adminToken && !isLoopbackHost(config.host)) {
    throw invalidConfig(
      "SMARTLINK_ADMIN_TOKEN",
      `a value when HOST is not a loopback address (HOST is "${config.host}"): set SMARTLINK_ADMIN_TOKEN or use HOST=127.0.0.1`,
    );
  }
}
