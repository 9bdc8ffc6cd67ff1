/** Calls the running server's JSON API (the CLI's path while `serve` holds the embedded database). */

export class ApiCallError extends Error {
  override name = "ApiCallError";
  constructor(readonly code: string, message: string, readonly status?: number) {
    super(message);
  }
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
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(`${baseUrl}${path}`, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    });
  } catch (err) {
    throw new ApiCallError(
      "API_UNREACHABLE",
      `The running server at ${baseUrl} did not answer: ${(err as Error).message}`,
    );
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: res.status, body };
}
