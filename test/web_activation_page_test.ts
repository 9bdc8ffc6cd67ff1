/**
 * The /activation page against a real runtime and the simulator (no socket):
 * Test shows the tenant, the token's lifetime and setup, or RAC's answer and
 * what to check; Activate stores and the next tick syncs; Deactivate needs its
 * confirmation; without the key the page changes nothing. No answer carries
 * the secret.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { readStoredCredentials } from "../src/db/credentials_store.ts";
import { runtimeAppDeps } from "../src/runtime.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { createApp } from "../src/web/app.tsx";
import { everything, pageFlow, SECRET } from "./helpers/activation.ts";
import { dbTest } from "./helpers/db.ts";
import { createFlow, type Flow, SIM } from "./helpers/flow.ts";
import { CSRF, formPost, insertMessage } from "./helpers/web_deps.ts";

const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";
const BASE = "http://localhost";

/** A browser-like client: keeps the flash cookie between a POST and the page it redirects to. */
function browser(flow: Flow) {
  const app = createApp(runtimeAppDeps(flow.runtime, () => new Date(flow.clock.now().getTime() + 60_000)));
  let flash = "";
  const bodies: string[] = [];
  const keep = (res: Response) => {
    const set = res.headers.getSetCookie().find((c) => c.startsWith("sl_flash="));
    if (set) flash = set.split(";")[0];
  };
  return {
    bodies,
    async get(path: string) {
      const res = await app.request(`${BASE}${path}`, { headers: { Cookie: `sl_csrf=${CSRF}; ${flash}` } });
      keep(res);
      const text = await res.text();
      bodies.push(text);
      return { status: res.status, text };
    },
    async post(path: string, fields: Record<string, string>, init: RequestInit = formPost(fields, CSRF)) {
      const res = await app.request(`${BASE}${path}`, init);
      keep(res);
      const text = await res.text();
      bodies.push(text);
      return { status: res.status, text, location: res.headers.get("location") };
    },
  };
}

const customFields = (secret = SECRET) => ({
  clientId: "sim-client",
  clientSecret: secret,
  env: "custom",
  linkUrl: SIM,
  racTokenUrl: `${SIM}/totvs.rac/connect/token`,
});

dbTest(
  "/activation: Test, then Activate with the tested secret held on the server, then the next tick syncs",
  async (db) => {
    const flow = await pageFlow(db);
    const b = browser(flow);
    try {
      const empty = await b.get("/activation");
      assert.equal(empty.status, 200);
      assert.match(empty.text, /Not configured/);
      assert.match(empty.text, /name="clientSecret"/);
      assert.doesNotMatch(empty.text, /Secret key <span/, "a key is set: no how-to");
      assert.doesNotMatch(empty.text, /formaction="\/activation" disabled/);

      const tested = await b.post("/activation/test", customFields());
      assert.equal(tested.status, 200);
      assert.match(tested.text, new RegExp(TENANT));
      assert.match(tested.text, /Token lifetime<\/dt><dd>1 h/);
      assert.match(tested.text, /answered: 3 subscription\(s\) SGDPDataCommand, SGDPLogsCommand, SGDPMaskCommand/);
      assert.match(tested.text, /Nothing was stored/);
      assert.equal(await readStoredCredentials(db), undefined, "Test stores nothing");
      const pending = /name="pending" value="([^"]+)"/.exec(tested.text)?.[1];
      assert.ok(pending);

      const done = await b.post("/activation", { pending });
      assert.equal(done.status, 303);
      assert.equal(done.location, "/activation");
      const after = await b.get("/activation");
      assert.match(after.text, /Activated client id &quot;sim-client&quot;: syncing starts at the next tick/);
      assert.match(after.text, /stored, ending in ••7Q/);
      assert.match(after.text, /Deactivate/);
      assert.equal((await b.post("/activation", { pending })).status, 303, "a held test is used once");
      assert.match((await b.get("/activation")).text, /no longer held/);

      flow.sim.enqueue(generateCommand("SGDPMaskCommand", 1, TENANT, flow.clock.now()));
      const tick = await flow.runtime.runner.run("cron");
      assert.ok(tick.ran && tick.summary.succeeded === 1, JSON.stringify(tick));
      const dash = await b.get("/");
      assert.match(dash.text, /Manage activation/);
      assert.match(dash.text, new RegExp(TENANT));
      await b.get("/api/status");
      await b.get("/healthz");
      await b.get("/logs");
      assert.ok(!b.bodies.join("\n").includes(SECRET), "no page or API answer carries the secret");
      assert.ok(!(await everything(db, [flow])).includes(SECRET));
    } finally {
      await flow.cleanup();
    }
  },
);

dbTest(
  "/activation/test with a wrong secret shows RAC's answer and what to check; Activate stores nothing",
  async (db) => {
    const flow = await pageFlow(db);
    const b = browser(flow);
    try {
      const wrong = "Typed-Wrong-Secret-31";
      const t = await b.post("/activation/test", customFields(wrong));
      assert.equal(t.status, 200);
      assert.match(t.text, /Test <span class="badge error">failed/);
      assert.match(t.text, /HTTP 401 from &quot;http:\/\/sim.test\/totvs.rac\/connect\/token&quot;: invalid_client/);
      assert.match(t.text, /What to check<\/dt><dd class="small">RAC refused the credentials: check the client id/);
      assert.doesNotMatch(t.text, /name="pending"/);
      const a = await b.post("/activation", customFields(wrong));
      assert.equal(a.status, 400);
      assert.match(a.text, /Nothing was stored/);
      assert.equal(await readStoredCredentials(db), undefined);
      assert.ok(!b.bodies.join("\n").includes(wrong));
      const logged = await db.rows<{ m: string }>(
        sql`select logmensagem as m from gtotvslinklog where logtype = 1 and idmensagem is null`,
      );
      assert.ok(logged.some((r) => /Credentials test failed: RAC token request failed: HTTP 401/.test(r.m)));
      assert.ok(!(await everything(db, [flow])).includes(wrong));
    } finally {
      await flow.cleanup();
    }
  },
);

dbTest(
  "/activation refuses bad fields with a reason per field, never echoing the secret, and checks CSRF",
  async (db) => {
    const flow = await pageFlow(db);
    const b = browser(flow);
    try {
      const bad = await b.post("/activation", {
        clientId: "has space",
        clientSecret: SECRET,
        env: "custom",
        linkUrl: "ftp://x",
        racTokenUrl: "",
      });
      assert.equal(bad.status, 400);
      assert.match(bad.text, /clientId: Expected the client id: 1 to 200 printable characters, no spaces/);
      assert.match(bad.text, /linkUrl: Expected the Smart Link URL as an http\(s\) URL/);
      assert.match(bad.text, /racTokenUrl: Expected the RAC token URL/);
      const missing = await b.post("/activation/test", { clientId: "sim-client", env: "prod" });
      assert.match(missing.text, /clientSecret: Expected the client secret/);
      const env = await b.post("/activation/test", { clientId: "sim-client", clientSecret: "x", env: "moon" });
      assert.match(env.text, /env: Expected one of prod, staging, dev, custom; got &quot;moon&quot;/);

      const noToken = formPost(customFields(), CSRF);
      noToken.body = new URLSearchParams(customFields()).toString();
      const forbidden = await b.post("/activation", {}, noToken);
      assert.equal(forbidden.status, 403);
      const cross = await b.post("/activation", {}, formPost(customFields(), CSRF, { Origin: "http://evil.example" }));
      assert.equal(cross.status, 403);
      assert.equal(await readStoredCredentials(db), undefined);
      assert.ok(!b.bodies.join("\n").includes(SECRET));
    } finally {
      await flow.cleanup();
    }
  },
);

dbTest("/activation/deactivate needs the confirmation, stops syncing and keeps every message", async (db) => {
  const flow = await pageFlow(db);
  const b = browser(flow);
  try {
    assert.equal((await b.post("/activation", customFields())).status, 303);
    const kept = await insertMessage(db, { status: "RETRY" });
    await b.post("/activation/deactivate", {});
    assert.match((await b.get("/activation")).text, /Tick the confirmation box to deactivate/);
    assert.ok(await readStoredCredentials(db));
    await b.post("/activation/deactivate", { confirm: "yes" });
    assert.match(
      (await b.get("/activation")).text,
      /Deactivated: syncing stops at the next tick; every stored message/,
    );
    assert.equal(await readStoredCredentials(db), undefined);
    assert.deepEqual(await flow.runtime.runner.run("cron"), { ran: false, reason: "not_activated" });
    const rows = await db.rows<{ id: string }>(sql`select id from gtotvslinkmessage`);
    assert.deepEqual(rows.map((r) => r.id), [kept.id]);
    const dash = await b.get("/");
    assert.match(dash.text, /<a href="\/activation">Activation<\/a>, paste the client id and secret/);
  } finally {
    await flow.cleanup();
  }
});

dbTest("/activation without SMARTLINK_SECRET_KEY explains how to set it and stores nothing", async (db) => {
  const flow = await pageFlow(db, null);
  const b = browser(flow);
  try {
    const page = await b.get("/activation");
    assert.match(page.text, /openssl rand -base64 32/);
    assert.match(page.text, /SMARTLINK_SECRET_KEY_FILE=\/etc\/smartlink\/secret.key/);
    assert.match(page.text, /formaction="\/activation" disabled/);
    const t = await b.post("/activation/test", customFields());
    assert.match(t.text, new RegExp(TENANT), "Test works without the key");
    assert.doesNotMatch(t.text, /name="pending"/, "but offers no Activate");
    await b.post("/activation", customFields());
    assert.match((await b.get("/activation")).text, /Credentials cannot be stored: SMARTLINK_SECRET_KEY/);
    assert.equal(await readStoredCredentials(db), undefined);
  } finally {
    await flow.cleanup();
  }
});

dbTest("/activation with environment credentials says they take precedence and offers no Activate", async (db) => {
  const flow = await createFlow(db, { env: { SMARTLINK_SECRET_KEY: "ab".repeat(32) } });
  const b = browser(flow);
  try {
    const page = await b.get("/activation");
    assert.match(page.text, /The credentials come from the environment/);
    assert.match(page.text, /from the environment<\/dd>|from the environment<span/);
    assert.match(page.text, /SMARTLINK_LINK_URL<\/code> and <code>SMARTLINK_RAC_TOKEN_URL<\/code>/);
    assert.match(page.text, /formaction="\/activation" disabled/);
    assert.ok(!page.text.includes("sim-secret"));
  } finally {
    await flow.cleanup();
  }
});
