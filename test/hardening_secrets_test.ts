/**
 * Finding 3 of issue 9: secrets echoed by a remote party are never stored,
 * logged, rendered or returned. A Smart Link Server whose error bodies quote
 * the `Authorization` header, an ERP whose 401 quotes the handler's headers
 * and a RAC whose error quotes the form; then every surface is searched for
 * every secret in every form: the API, the pages, the log lines, every
 * column of every table.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { runtimeAppDeps } from "../src/runtime.ts";
import { createRedactor, MASK, secretForms } from "../src/secrets/redactor.ts";
import { generateCommand } from "../src/simulator/generator.ts";
import { publishMessage } from "../src/sync/publish.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { createFlow, ERP, runTick, SIM } from "./helpers/flow.ts";

const CLIENT_SECRET = "SPC SECRET+/=&Z-778";
const ADMIN_TOKEN = "adm-Token-9f8e7d6c5b4a";
const ERP_TOKEN = 'erp-Tok"en Z1y2X3w4';
const TENANT = "b6572633-6ab6-4d5f-9d36-1a0b2c3d4e5f";
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

Deno.test("createRedactor() masks each secret raw, URL-encoded, JSON-escaped and base64, and JWT-shaped text", () => {
  let live = "first-secret-1";
  const r = createRedactor(() => [CLIENT_SECRET, live]);
  const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
  const samples = [
    CLIENT_SECRET,
    encodeURIComponent(CLIENT_SECRET),
    lowerHex(encodeURIComponent(CLIENT_SECRET)),
    new URLSearchParams({ client_secret: CLIENT_SECRET }).toString(),
    JSON.stringify({ s: CLIENT_SECRET }),
    b64(CLIENT_SECRET),
    b64(`admin:${CLIENT_SECRET}`),
    b64(`ab:${CLIENT_SECRET}`),
    b64(`x${CLIENT_SECRET}`).replaceAll("+", "-").replaceAll("/", "_"),
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
  ];
  for (const s of samples) {
    const out = r.redact(`before ${s} after`);
    assert.ok(out.includes(MASK), `${s} → ${out}`);
    assert.ok(!out.includes("SECRET") && !out.includes("eyJzdWI"), `${s} → ${out}`);
  }
  assert.equal(r.redact("nothing here"), "nothing here");
  live = "second-secret-2";
  assert.equal(r.redact("a second-secret-2 b"), `a ${MASK} b`, "a source's new value is covered at once");
  r.addSource(() => ["added-later-3"]);
  assert.equal(r.redact("added-later-3"), MASK, "a source added later is covered");
  assert.deepEqual(r.redactValue({ a: [CLIENT_SECRET], n: 1 }), { a: [MASK], n: 1 });
});

dbTest(
  "secrets echoed by the Smart Link Server, the ERP and RAC reach no API, page, log line or column",
  async (db) => {
    const seenTokens = new Set<string>();
    let racEchoes = 1;
    const flow = await createFlow(db, {
      clientSecret: CLIENT_SECRET,
      env: { SMARTLINK_CLIENT_SECRET: CLIENT_SECRET, SMARTLINK_ADMIN_TOKEN: ADMIN_TOKEN, ERP_TOKEN },
      handlers: {
        SGDPMaskCommand: {
          kind: "http",
          url: `${ERP}/echo-401`,
          headers: { Authorization: "Bearer ${ERP_TOKEN}" },
          reply: { type: "SGDPMaskResponse", audience: "SGDP" },
        },
      },
      wrapFetch: (inner) => async (input, init) => {
        const req = new Request(input, init);
        const auth = req.headers.get("authorization") ?? "";
        if (auth.startsWith("Bearer ey")) seenTokens.add(auth.slice(7));
        if (req.url.endsWith("/connect/token") && racEchoes-- > 0) {
          const form = await req.text();
          return Response.json({ error: "invalid_request", error_description: `cannot parse ${form}` }, {
            status: 400,
          });
        }
        if (req.url.startsWith(`${SIM}/api/v1/link/send/`)) {
          // Quotes the header raw, JSON-escaped and base64.
          const body = JSON.stringify({ message: `Rejected request with Authorization: ${auth}`, echo: btoa(auth) });
          return new Response(body, { status: 400, headers: { "Content-Type": "application/json" } });
        }
        if (req.url.startsWith(`${ERP}/echo-401`)) {
          const headers = [...req.headers].map(([k, v]) => `${k}: ${v}`).join("; ");
          const basic = btoa(`admin:${ADMIN_TOKEN}`);
          return new Response(
            `Unauthorized. You sent ${headers}; try Basic ${basic} or ${encodeURIComponent(ERP_TOKEN)}`,
            {
              status: 401,
            },
          );
        }
        return inner(req);
      },
    });
    try {
      const failed = await runTick(flow); // RAC echoes the form: no token this tick
      assert.equal(failed.error?.code, "SL_TOKEN");
      await publishMessage(db, { type: "SGDPMaskResponse", audience: "SGDP", data: { n: 1 } }, {
        now: flow.clock.now,
        tenantId: () => TENANT,
      });
      flow.sim.enqueue(generateCommand("SGDPMaskCommand", 1, TENANT, flow.clock.now()));
      flow.clock.advance(60_000);
      const s = await runTick(flow);
      assert.equal(s.sendRejected, 1, JSON.stringify(s));
      assert.equal(s.dead, 1, "the ERP's 401 makes the command DEAD");
      assert.ok(seenTokens.size >= 1, "a RAC token was used");

      const app = createApp(runtimeAppDeps(flow.runtime, () => undefined));
      const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
      const basicAuth = { Authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` };
      const ids = (await db.rows<{ id: string }>(sql`select id from gtotvslinkmessage`)).map((r) => r.id);
      assert.ok(ids.length >= 2);
      const surfaces: [string, string][] = [];
      for (const path of ["/api/messages", "/api/logs?limit=500", "/api/executions?limit=500", "/api/status"]) {
        surfaces.push([path, await (await app.request(path, { headers: auth })).text()]);
      }
      for (const id of ids) {
        surfaces.push([
          `/api/messages/${id}`,
          await (await app.request(`/api/messages/${id}`, { headers: auth })).text(),
        ]);
        surfaces.push([`/messages/${id}`, await (await app.request(`/messages/${id}`, { headers: basicAuth })).text()]);
      }
      for (const path of ["/", "/messages", "/logs?limit=500", "/history?limit=500"]) {
        surfaces.push([path, await (await app.request(path, { headers: basicAuth })).text()]);
      }
      surfaces.push(["log lines", JSON.stringify(flow.logger.lines)]);
      for (const table of ["gtotvslinkmessage", "gtotvslinkmessageexec", "gtotvslinklog", "smartlink_setting"]) {
        surfaces.push([table, JSON.stringify(await db.rows(sql.raw(`select * from ${table}`)))]);
      }
      // The echoes did arrive (masked): the test is not vacuous.
      const allText = surfaces.map(([, t]) => t).join("\n");
      assert.ok(
        allText.includes(`Rejected request with Authorization: Bearer ${MASK}`),
        "the server's echo is shown masked",
      );
      assert.ok(allText.includes("Unauthorized. You sent"), "the ERP's echo is shown masked");
      assert.ok(allText.includes("cannot parse"), "RAC's echo is shown masked");

      const secrets = [CLIENT_SECRET, ADMIN_TOKEN, ERP_TOKEN, `Bearer ${ERP_TOKEN}`, ...seenTokens];
      const forms = secrets.flatMap((s) => [...secretForms(s), lowerHex(encodeURIComponent(s))]);
      for (const [where, text] of surfaces) {
        for (const form of forms) {
          assert.ok(
            !text.includes(form),
            `${where} shows a secret form ${JSON.stringify(form)}`,
          );
        }
        assert.ok(!/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./.test(text), `${where} shows a JWT`);
      }
      console.log(`secret surfaces searched: ${surfaces.length}; forms per secret searched: ${forms.length}; found: 0`);
    } finally {
      await flow.cleanup();
    }
  },
);
