/**
 * `totvsAppConfig_v2.json` (RM's file): the retry parameters under
 * `TotvsAppGlobalConfig.IntegrationSmartLinkInfo`. Read from a local path or
 * an http(s) URL (conditional GET with ETag), re-read every tick; the last
 * valid copy is kept when a read fails or the JSON is invalid.
 */
import * as v from "valibot";
import { AppError } from "./errors.ts";
import type { RetryParams } from "./config.ts";
import { errorFields, type Logger } from "./log.ts";

const positive = v.pipe(v.number(), v.minValue(0));
const AppConfigSchema = v.object({
  TotvsAppGlobalConfig: v.optional(
    v.object({
      IntegrationSmartLinkInfo: v.optional(
        v.object({
          QtdeTentativasExec: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
          FatorTempoExecucao: v.optional(positive),
          MinutesInterval: v.optional(v.pipe(v.number(), v.gtValue(0))),
        }),
      ),
    }),
  ),
});

export class AppConfigError extends AppError<"APP_CONFIG_INVALID"> {
  override name = "AppConfigError";
}

/** Parses the file's text into the retry parameters it sets. @throws AppConfigError */
export function parseAppConfig(text: string): Partial<RetryParams> {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new AppConfigError(
      "APP_CONFIG_INVALID",
      `totvsAppConfig_v2.json is not valid JSON: ${(err as Error).message}`,
    );
  }
  const result = v.safeParse(AppConfigSchema, json);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".") ?? "(root)";
    throw new AppConfigError(
      "APP_CONFIG_INVALID",
      `totvsAppConfig_v2.json has an invalid value at "${path}": ${issue.message}`,
    );
  }
  const info = result.output.TotvsAppGlobalConfig?.IntegrationSmartLinkInfo ?? {};
  const out: Partial<RetryParams> = {};
  if (info.QtdeTentativasExec !== undefined) out.qtdeTentativasExec = info.QtdeTentativasExec;
  if (info.FatorTempoExecucao !== undefined) out.fatorTempoExecucao = info.FatorTempoExecucao;
  if (info.MinutesInterval !== undefined) out.minutesInterval = info.MinutesInterval;
  return out;
}

export interface AppConfigSource {
  /** Re-reads the source; returns the last valid parameters (empty when none yet). */
  refresh(): Promise<Partial<RetryParams>>;
  /** The parameters of the last valid copy, without reading. */
  current(): Partial<RetryParams>;
  /** The error of the last read, if it failed. */
  lastError(): string | undefined;
}

export interface AppConfigSourceOptions {
  source: string;
  fetch?: typeof fetch;
  readTextFile?: (path: string) => Promise<string>;
  logger: Logger;
  timeoutMs?: number;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/**
 * Loads the file once at start. A local file that is missing or invalid is a
 * start-up error; an unreachable or invalid URL logs one warning and defaults
 * apply until a valid copy arrives.
 * @throws AppConfigError for an invalid local file
 */
export async function createAppConfigSource(options: AppConfigSourceOptions): Promise<AppConfigSource> {
  const { source, logger } = options;
  const doFetch = options.fetch ?? fetch;
  const readTextFile = options.readTextFile ?? Deno.readTextFile;
  let valid: Partial<RetryParams> = {};
  let etag: string | undefined;
  let error: string | undefined;
  let warnedAbout: string | undefined;

  async function read(): Promise<Partial<RetryParams> | "unchanged"> {
    if (!isUrl(source)) {
      let text: string;
      try {
        text = await readTextFile(source);
      } catch (err) {
        throw new AppConfigError(
          "APP_CONFIG_INVALID",
          `Cannot read SMARTLINK_CONFIG file "${source}": ${(err as Error).message}`,
        );
      }
      return parseAppConfig(text);
    }
    const headers: HeadersInit = etag ? { "If-None-Match": etag } : {};
    let res: Response;
    try {
      // The URL may carry a credential (user info, a query token): a redirect is reported, never followed.
      res = await doFetch(source, {
        headers,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        redirect: "manual",
      });
    } catch (err) {
      throw new AppConfigError("APP_CONFIG_INVALID", `Cannot fetch SMARTLINK_CONFIG URL: ${(err as Error).message}`);
    }
    if (res.status >= 300 && res.status <= 399) {
      await res.body?.cancel();
      const location = res.headers.get("location") ?? "(no Location header)";
      throw new AppConfigError(
        "APP_CONFIG_INVALID",
        `SMARTLINK_CONFIG URL answered HTTP ${res.status}, a redirect to "${redact(location)}": not followed; ` +
          `set SMARTLINK_CONFIG to the final URL`,
      );
    }
    if (res.status === 304) {
      await res.body?.cancel();
      return "unchanged";
    }
    const text = await res.text();
    if (!res.ok) throw new AppConfigError("APP_CONFIG_INVALID", `SMARTLINK_CONFIG URL answered HTTP ${res.status}`);
    const parsed = parseAppConfig(text);
    etag = res.headers.get("etag") ?? undefined;
    return parsed;
  }

  async function refresh(): Promise<Partial<RetryParams>> {
    try {
      const next = await read();
      if (next !== "unchanged") valid = next;
      if (error !== undefined) logger.info("SMARTLINK_CONFIG is valid again", { source: redact(source) });
      error = undefined;
      warnedAbout = undefined;
    } catch (err) {
      error = (err as Error).message;
      if (warnedAbout !== error) {
        logger.warn("SMARTLINK_CONFIG could not be used; keeping the last valid copy", {
          source: redact(source),
          ...errorFields(err),
        });
        warnedAbout = error;
      }
    }
    return valid;
  }

  if (!isUrl(source)) {
    valid = await read() as Partial<RetryParams>; // a bad local file stops start-up
  } else {
    await refresh();
  }
  return { refresh, current: () => valid, lastError: () => error };
}

/** A URL without user info or query string, safe to log. */
function redact(source: string): string {
  if (!isUrl(source)) return source;
  try {
    const u = new URL(source);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
