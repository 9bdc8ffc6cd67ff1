/** Calls the running server's JSON API (the CLI's path while `serve` holds the embedded database). */
import { AppError } from "../errors.ts";
import { describeFetchError } from "../net/fetch_error.ts";

/** How long the CLI waits for the running server: a frozen one is reported in seconds, not minutes. */
export const API_TIMEOUT_MS = 5_000;

/** The running server did not answer, or cannot prove it is the one the lock file names. */
export class ApiCallError extends AppError<"API_TIMEOUT" | "API_UNREACHABLE" | "SERVER_NOT_PROVEN"> {
  override name = "ApiCallError";
}

/** One JSON API call; returns status and parsed body. @throws ApiCallError when the server does not answer */
export async function callApi(
  baseUrl: string,
  path: string,
  options: { method?: string; token?: string; body?: unknown; timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const timeoutMs = options.timeoutMs ?? API_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await (options.fetch ?? fetch)(`${baseUrl}${path}`, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal,
      // It may carry the admin token: a redirect is never followed.
      redirect: "manual",
    });
    text = await res.text();
  } catch (err) {
    if (signal.aborted) {
      throw new ApiCallError(
        "API_TIMEOUT",
        `The running server at ${baseUrl} is not answering (no reply to ${path.split("?")[0]} within ${
          timeoutMs / 1000
        } s): check its log, or restart it`,
      );
    }
    throw new ApiCallError(
      "API_UNREACHABLE",
      `The running server at ${baseUrl} cannot be reached: ${describeFetchError(err)}`,
    );
  }
  let body: unknown = text;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: res.status, body };
}
