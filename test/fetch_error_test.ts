/** Network errors name their kind, from real loopback failures (issue 13, item 5). */
import assert from "node:assert/strict";
import { classifyFetchError } from "../src/net/fetch_error.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createTokenProvider } from "../src/rac/token_provider.ts";

async function failure(url: string, init: RequestInit = {}): Promise<unknown> {
  try {
    const res = await fetch(url, init);
    await res.body?.cancel();
  } catch (err) {
    return err;
  }
  throw new Error(`fetch ${url} did not fail`);
}

function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("classifyFetchError() says connection refused for a closed loopback port", async () => {
  const e = classifyFetchError(await failure(`http://127.0.0.1:${closedPort()}/`));
  assert.equal(e.kind, "connection_refused");
  assert.match(e.text, /^connection refused/);
});

Deno.test("classifyFetchError() says DNS lookup failed for a name that does not resolve", async () => {
  const e = classifyFetchError(await failure("http://no-such-host.invalid/"));
  assert.equal(e.kind, "dns");
  assert.match(e.text, /DNS lookup failed/);
});

Deno.test("classifyFetchError() says TLS/certificate error and names DENO_CERT for an untrusted certificate", async () => {
  const server = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: Deno.readTextFileSync(new URL("./fixtures/selfsigned_cert.pem", import.meta.url)),
    key: Deno.readTextFileSync(new URL("./fixtures/selfsigned_key.pem", import.meta.url)),
  });
  const accepted: Promise<void>[] = [];
  const loop = (async () => {
    for await (const conn of server) {
      accepted.push(conn.handshake().then(() => {}, () => {}).finally(() => conn.close()));
    }
  })();
  try {
    const e = classifyFetchError(await failure(`https://localhost:${(server.addr as Deno.NetAddr).port}/`));
    assert.equal(e.kind, "tls");
    assert.match(e.text, /^TLS\/certificate error: .*certificate.*DENO_CERT/);
  } finally {
    server.close();
    await loop.catch(() => {});
    await Promise.all(accepted);
  }
});

Deno.test("classifyFetchError() says timed out when a server accepts and never answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const loop = (async () => {
    for await (const c of listener) conns.push(c);
  })();
  try {
    const signal = AbortSignal.timeout(200);
    const err = await failure(`http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`, { signal });
    const e = classifyFetchError(err, { timedOut: signal.aborted, timeoutMs: 200 });
    assert.equal(e.kind, "timeout");
    assert.equal(e.text, "timed out after 200 ms");
  } finally {
    listener.close();
    for (const c of conns) c.close();
    await loop.catch(() => {});
  }
});

Deno.test("getToken() against a closed port says connection refused, not 'fetch failed'", async () => {
  const tokens = createTokenProvider({
    tokenUrl: `http://127.0.0.1:${closedPort()}/token`,
    clientId: "id",
    clientSecret: "secret-value",
    timeoutMs: 2000,
    logger: createMemoryLogger("error"),
  });
  const err = await tokens.getToken().then(() => undefined, (e: Error) => e);
  assert.ok(err);
  assert.match(err.message, /connection refused/);
  assert.ok(!err.message.includes("fetch failed"));
});
