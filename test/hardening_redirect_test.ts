/**
 * Finding 4 of issue 9: no request that carries a credential follows a
 * redirect. Real loopback servers and the real `fetch`: the first answers
 * 307/302/301 to the second ("another origin"), which must never be reached;
 * each error names the Location.
 */
import assert from "node:assert/strict";
import { createAppConfigSource } from "../src/app_config.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createTokenProvider, RacError } from "../src/rac/token_provider.ts";
import { createSmartLinkClient } from "../src/smartlink/client.ts";
import { createAlerter } from "../src/sync/alerts/alerter.ts";
import { SmartLinkError } from "../src/smartlink/errors.ts";

const SECRET = "SPC SECRET+/=&Z-778";

async function withServers(fn: (redirecting: string, other: string, reached: string[]) => Promise<void>) {
  const reached: string[] = [];
  const other = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    reached.push(`${req.method} ${new URL(req.url).pathname} ${await req.text()}`);
    return Response.json({ access_token: "stolen", expires_in: 3600 });
  });
  const otherUrl = `http://127.0.0.1:${other.addr.port}`;
  const redirecting = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    await req.body?.cancel();
    const status = req.url.includes("/config") ? 301 : req.url.includes("/api/") ? 302 : 307;
    return new Response(null, { status, headers: { Location: `${otherUrl}/steal${new URL(req.url).pathname}` } });
  });
  try {
    await fn(`http://127.0.0.1:${redirecting.addr.port}`, otherUrl, reached);
  } finally {
    await redirecting.shutdown();
    await other.shutdown();
  }
}

Deno.test("RAC, Smart Link, the config URL and the alert webhook never follow a redirect; the error names the Location", async () => {
  await withServers(async (base, other, reached) => {
    const logger = createMemoryLogger();
    const tokens = createTokenProvider({
      tokenUrl: `${base}/totvs.rac/connect/token`,
      clientId: "c",
      clientSecret: SECRET,
      timeoutMs: 5000,
      logger,
    });
    const rac = await tokens.getToken().then(() => undefined, (err) => err);
    assert.ok(rac instanceof RacError);
    assert.equal(rac.code, "RAC_REDIRECT");
    assert.ok(rac.message.includes(`"${other}/steal/totvs.rac/connect/token"`), rac.message);

    const client = createSmartLinkClient({
      baseUrl: base,
      tokens: { getToken: () => Promise.resolve("the-token"), invalidate: () => {} },
      timeoutMs: 5000,
      maxMessageBytes: 1000,
      logger,
    });
    for (const call of [() => client.get(), () => client.send("T", "A", "{}"), () => client.setup(["T"])]) {
      const err = await call().then(() => undefined, (e) => e);
      assert.ok(err instanceof SmartLinkError, String(err));
      assert.equal(err.code, "SL_REDIRECT");
      assert.equal(err.kind, "transient");
      assert.ok(err.message.includes(`redirects to "${other}/steal/api/v1/link/`), err.message);
    }

    const config = await createAppConfigSource({ source: `${base}/config?token=abc`, logger, timeoutMs: 5000 });
    await config.refresh();
    assert.match(config.lastError() ?? "", /HTTP 301, a redirect to "http:\/\/127\.0\.0\.1:\d+\/steal\/config"/);

    const alerter = createAlerter({ url: `${base}/alerts/s3cr3t-key`, now: () => new Date(), logger, retries: 1 });
    alerter.notify({ condition: "token_unavailable", event: "raised", details: {} });
    await alerter.idle();
    assert.match(alerter.status().lastError?.message ?? "", /answered HTTP 307, a redirect to ".*": not followed/);

    assert.deepEqual(reached, [], "the other origin was never reached");
  });
});
