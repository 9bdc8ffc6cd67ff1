/**
 * The CLI's only way to call the server named by a lock file: the admin
 * token is sent only to a loopback http URL of a live server that first
 * proves it holds that lock (HMAC of a fresh challenge under the lock's
 * nonce, compared in constant time). A lock pointing anywhere else, or at a
 * server that cannot prove it, gets nothing.
 */
import { isLoopbackHost } from "../config.ts";
import { lockProof, sameText } from "../secrets/lock_proof.ts";
import { ApiCallError, callApi } from "./api_client.ts";
import type { LockInfo } from "./server_lock.ts";

type CallOptions = NonNullable<Parameters<typeof callApi>[2]>;

function refuse(lock: LockInfo, why: string): never {
  throw new ApiCallError(
    "SERVER_NOT_PROVEN",
    `The lock file names ${JSON.stringify(lock.url)} (pid ${lock.pid}), but ${why}: nothing was sent to it; ` +
      "stop whatever holds the data folder, or remove its serve.lock if no server runs",
  );
}

/**
 * Checks that the server at `lock.url` holds `lock`.
 * @throws ApiCallError `SERVER_NOT_PROVEN` when it does not, or cannot say
 */
export async function proveServer(lock: LockInfo, doFetch: typeof fetch = fetch): Promise<void> {
  let url: URL;
  try {
    url = new URL(lock.url);
  } catch {
    refuse(lock, "it is not a URL");
  }
  if (url.protocol !== "http:" || !isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ""))) {
    refuse(lock, "it is not a loopback http URL");
  }
  if (typeof lock.nonce !== "string" || lock.nonce === "") refuse(lock, "the lock carries no nonce to prove");
  const challenge = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  const res = await callApi(lock.url, `/lock-proof?challenge=${challenge}`, { fetch: doFetch });
  const proof = (res.body as { proof?: unknown } | null)?.proof;
  if (res.status !== 200 || typeof proof !== "string") {
    refuse(lock, `the server there does not prove it holds the lock (HTTP ${res.status})`);
  }
  if (!sameText(proof, await lockProof(lock.nonce, challenge))) {
    refuse(lock, "the server there answered with a wrong proof");
  }
}

/** `callApi` against the server of `lock`, once it proved it holds the lock. @throws ApiCallError */
export async function callServer(
  lock: LockInfo,
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; body: unknown }> {
  await proveServer(lock, options.fetch);
  return await callApi(lock.url, path, options);
}
