/**
 * Bad input corpus: malformed and hostile downstream items and `get` bodies
 * through the real Smart Link client and tick, against the simulator. Each
 * ends DEAD with a specific ULTIMOERRO code, or is handled with a specific
 * logged reason; none crashes or stalls the tick, the tick after them runs a
 * good message normally, and the admin pages render every one escaped.
 */
import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { buildRegistry, parseHandlersFile } from "../src/handlers/registry.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createTokenProvider } from "../src/rac/token_provider.ts";
import { createSimulator } from "../src/simulator/app.ts";
import { createFakeErp } from "../src/simulator/erp.ts";
import { createSmartLinkClient } from "../src/smartlink/client.ts";
import { createSetupTracker } from "../src/sync/setup.ts";
import { tick } from "../src/sync/tick.ts";
import { createApp } from "../src/web/app.tsx";
import { dbTest } from "./helpers/db.ts";
import { fakeClock, testTickDeps } from "./helpers/tick_deps.ts";
import { basic, fakeDeps } from "./helpers/web_deps.ts";

const SIM = "http://sim.test";
const ERP = "http://erp.test";
const MAX_BYTES = 1_048_576;

type Expect =
  /** Stored DEAD (and acked) with ULTIMOERRO starting with the code. */
  | { kind: "dead"; code: string }
  /** A legitimate if odd message: executed once, replied to. */
  | { kind: "success" }
  /** No id at all: logged ("Downstream item without an id skipped"), never stored or acked. */
  | { kind: "skipped" }
  /** An id the client cannot keep: stored DEAD (MSG_BAD_ID) under a stand-in id, acked with the id as sent. */
  | { kind: "badId" }
  /** A second copy of an id that already succeeded: acked, logged, not executed again. */
  | { kind: "duplicate" };

interface Case {
  name: string;
  item: unknown;
  /** Delivered as this raw JSON text in a `get` body of its own (the simulator's JSON.stringify is not involved). */
  raw?: string;
  /** The IDEXTERNO it is stored under, when it has one. */
  id?: string;
  expect: Expect;
}

const SCRIPT = "<script>alert(1)</script>";
const deepText = (n: number) => "[".repeat(n) + "]".repeat(n);
const cmd = (id: string, data: unknown, type: unknown = "SGDPMaskCommand") => ({ id, type, data });
const dead = (code: string): Expect => ({ kind: "dead", code });
const good = (id: string) =>
  cmd(id, {
    header: { type: "SGDPMaskCommand", tenantId: "t-1", generatedOn: "2026-01-05T10:00:00Z", locale: "pt_BR" },
    content: { requestID: `r-${id}` },
  });
const ok: Expect = { kind: "success" };
const skipped: Expect = { kind: "skipped" };
const badId: Expect = { kind: "badId" };

const CASES: Case[] = [
  {
    name: "string data that is not JSON, no transport type",
    item: { id: "bad-01", data: "{not json" },
    expect: dead("MSG_INVALID_JSON"),
  },
  {
    name: "string data that is not JSON, with a type (kept verbatim)",
    item: cmd("bad-02", "plain text, not JSON"),
    expect: ok,
  },
  {
    name: "no type anywhere",
    item: { id: "bad-03", data: { content: { requestID: "r-3" } } },
    expect: dead("MSG_NO_TYPE"),
  },
  {
    name: "type not subscribed, no handler",
    item: cmd("bad-04", {}, "NotSubscribedCommand"),
    expect: dead("HANDLER_MISSING"),
  },
  { name: "5 MiB body", item: cmd("bad-05", { blob: "x".repeat(5 * 1024 * 1024) }), expect: dead("MSG_TOO_LARGE") },
  {
    name: "10,000-deep nesting, handled",
    item: { id: "bad-06" },
    raw: `{"id":"bad-06","type":"SGDPMaskCommand","data":${deepText(10_000)}}`,
    expect: ok,
  },
  {
    name: "10,000-deep nesting, unknown type",
    item: { id: "bad-07" },
    raw: `{"id":"bad-07","type":"DeepCommand","data":{"deep":${deepText(10_000)}}}`,
    expect: dead("HANDLER_MISSING"),
  },
  {
    name: "wrong envelope: header.type a number",
    item: { id: "bad-08", data: { header: { type: 42 }, content: {} } },
    expect: dead("MSG_BAD_TYPE"),
  },
  {
    name: "wrong envelope: header a string",
    item: { id: "bad-09", data: { header: "SGDPMaskCommand", content: {} } },
    expect: dead("MSG_NO_TYPE"),
  },
  { name: "NUL byte in type", item: cmd("bad-10", {}, "SGDP\u0000MaskCommand"), expect: dead("MSG_BAD_TYPE") },
  { name: "NUL byte in content", item: cmd("bad-11", { name: "a\u0000b" }), expect: dead("MSG_NUL_BYTES") },
  {
    name: "escaped NUL in JSON string data",
    item: cmd("bad-12", '{"name":"a\\u0000b"}'),
    expect: dead("MSG_NUL_BYTES"),
  },
  { name: "NUL byte in a key", item: cmd("bad-13", { ["a\u0000"]: 1 }), expect: dead("MSG_NUL_BYTES") },
  { name: "NUL byte in id", item: cmd("bad-14\u0000", {}), expect: badId },
  {
    name: "HTML/script in type and content",
    item: cmd("bad-15", { name: SCRIPT, html: '<img src=x onerror="alert(1)">' }, SCRIPT),
    expect: dead("HANDLER_MISSING"),
  },
  {
    name: "HTML/script in audience and request id",
    item: {
      id: "bad-16",
      type: "SGDPMaskCommand",
      audience: SCRIPT,
      data: { header: { type: "SGDPMaskCommand" }, content: { requestID: SCRIPT } },
    },
    expect: ok,
  },
  {
    name: "handler reply that is not JSON",
    item: cmd("bad-17", { requestID: "r-17" }, "BadReplyCommand"),
    expect: dead("REPLY_NOT_JSON"),
  },
  {
    name: "ERP rejects the content (HTTP 400)",
    item: cmd("bad-18", { requestID: "r-18" }, "RejectCommand"),
    expect: dead("HTTP_400"),
  },
  { name: "duplicate id, first copy", item: cmd("bad-19", { v: 1, requestID: "r-19" }), expect: ok },
  {
    name: "duplicate id with different content",
    item: cmd("bad-19", { v: 2, requestID: "r-19-other" }),
    expect: { kind: "duplicate" },
  },
  { name: "id an object", item: cmd({ nested: true } as unknown as string, {}), expect: skipped },
  { name: "empty id", item: cmd("", {}), expect: skipped },
  { name: "blank id", item: cmd("   ", {}), expect: skipped },
  {
    name: "number as id",
    item: { id: 424242, type: "SGDPMaskCommand", data: { requestID: "r-num" } },
    id: "424242",
    expect: ok,
  },
  { name: "negative number as id", item: { id: -7, type: "SGDPMaskCommand", data: {} }, id: "-7", expect: ok },
  { name: "fractional number as id", item: { id: 1.5, type: "SGDPMaskCommand", data: {} }, expect: badId },
  { name: "huge id (5,000 characters)", item: cmd("i".repeat(5000), {}), expect: badId },
  {
    name: "huge type name (10,000 characters)",
    item: cmd("bad-28", {}, "T".repeat(10_000)),
    expect: dead("MSG_BAD_TYPE"),
  },
  { name: "type a number", item: cmd("bad-29", {}, 42), expect: dead("MSG_BAD_TYPE") },
  { name: "type empty", item: cmd("bad-30", {}, ""), expect: dead("MSG_BAD_TYPE") },
  {
    name: "unicode in id, type-free content",
    item: cmd("bad-31-ção-😀", { nome: "José 😀 — 中文 — עברית", requestID: "r-ü" }),
    expect: ok,
  },
  {
    name: "CloudEvents item with string data",
    item: { specversion: "1.0", id: "bad-32", type: "SGDPMaskCommand", source: "tpd", data: "plain string" },
    expect: ok,
  },
  {
    name: "CloudEvents item without a type",
    item: { specversion: "1.0", id: "bad-33", source: "tpd", data: {} },
    expect: dead("MSG_NO_TYPE"),
  },
  { name: "data a number", item: cmd("bad-34", 42), expect: dead("MSG_BAD_SHAPE") },
  { name: "data null", item: cmd("bad-35", null), expect: dead("MSG_BAD_SHAPE") },
  {
    name: "__proto__ and constructor keys",
    item: cmd("bad-36", JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}')),
    expect: ok,
  },
  { name: "item a bare string", item: "just a string", expect: skipped },
  { name: "item null", item: null, expect: skipped },
  { name: "item an array", item: [1, 2, 3], expect: skipped },
  { name: "keys in upper case", item: { ID: "bad-40", TYPE: "SGDPMaskCommand", DATA: { x: 1 } }, expect: ok },
  { name: "SQL in the id", item: cmd("bad-41'); drop table gtotvslinkmessage; --", {}), expect: ok },
  { name: "lone surrogate in content", item: cmd("bad-42", { s: "\ud800" }), expect: ok },
];

/** Whole `get` bodies: a tick error with the code, or items skipped. */
const BODIES: { name: string; body: string; expect: { error: string } | { skipped: number } }[] = [
  { name: '{"messages":"x"}', body: '{"messages":"x"}', expect: { error: "SL_BAD_RESPONSE" } },
  { name: "an array of nulls", body: "[null,null,null]", expect: { skipped: 3 } },
  { name: "an HTML page with 200", body: `<html><body>${SCRIPT}</body></html>`, expect: { error: "SL_BAD_RESPONSE" } },
  {
    name: "truncated JSON",
    body: '{"messages":[{"id":"w-1","type":"SGDPMaskCommand"',
    expect: { error: "SL_BAD_RESPONSE" },
  },
  { name: "a JSON boolean", body: "true", expect: { error: "SL_BAD_RESPONSE" } },
];

function caseId(c: Case): string | undefined {
  if (c.id) return c.id;
  const item = c.item as Record<string, unknown> | null;
  const id = item && typeof item === "object" ? (item.id ?? item.ID) : undefined;
  return typeof id === "string" ? id : undefined;
}

dbTest(
  "tick() handles a corpus of bad downstream input: DEAD with a code or a logged reason, never stuck",
  async (db) => {
    assert.ok(CASES.length + BODIES.length >= 30);
    const clock = fakeClock();
    const sim = createSimulator({ now: () => clock.now().getTime() });
    const erp = createFakeErp(clock.now);
    erp.app.post("/bad-reply", (c) => c.html(`<html><body>${SCRIPT} done</body></html>`));
    erp.app.post("/reject", (c) => c.json({ error: "invalid payload" }, 400));
    const erpFetch: typeof fetch = (input, init) => Promise.resolve(erp.app.fetch(new Request(input, init)));
    const logger = createMemoryLogger("debug");
    const now = () => clock.now().getTime();
    const tokens = createTokenProvider({
      tokenUrl: `${SIM}/totvs.rac/connect/token`,
      clientId: "sim-client",
      clientSecret: "sim-secret",
      fetch: sim.fetch,
      now,
      timeoutMs: 10_000,
      logger,
    });
    const client = createSmartLinkClient({
      baseUrl: SIM,
      fetch: sim.fetch,
      tokens,
      timeoutMs: 10_000,
      maxMessageBytes: MAX_BYTES,
      logger,
      now,
    });
    const reply = { type: "SGDPMaskResponse", audience: "SGDP" };
    const handlers = buildRegistry(
      parseHandlersFile(
        JSON.stringify({
          SGDPMaskCommand: { kind: "http", url: `${ERP}/sgdp/mask`, reply },
          BadReplyCommand: { kind: "http", url: `${ERP}/bad-reply`, reply },
          RejectCommand: { kind: "http", url: `${ERP}/reject`, reply },
        }),
        "bad-input-handlers.json",
      ),
      { fetch: erpFetch, env: () => undefined, defaultTimeoutMs: 10_000 },
    );
    const deps = testTickDeps(db, client, handlers, {
      setup: createSetupTracker({
        setup: (t) => client.setup(t),
        subscriptions: [...handlers.keys()],
        now: clock.now,
        logger,
      }),
      clock,
      logger,
      executor: "bad-input-test",
      tenantId: () => tokens.state().tenantId,
      handlerTimeoutMs: 10_000,
    });
    const run = async () => {
      const s = await tick(deps, "test");
      // A tick over bad input stays small: no spinning on items that cannot be acked.
      assert.ok(s.downloaded < 200, `tick downloaded ${s.downloaded} items: the download spun`);
      clock.advance(60_000);
      return s;
    };

    // 1. Whole bodies: one tick error each (with the raw body logged) or items skipped; never a crash.
    for (const b of BODIES) {
      sim.fault({ op: "get", status: 200, body: b.body });
      const before = logger.lines.length;
      const s = await run();
      const lines = logger.lines.slice(before);
      if ("error" in b.expect) {
        assert.equal(s.error?.code, b.expect.error, `${b.name}: ${JSON.stringify(s.error)}`);
        const parsed = lines.find((l) => l.msg === "Smart Link get response cannot be parsed");
        assert.equal(parsed?.body, b.body, `${b.name}: the raw body is logged`);
      } else {
        assert.equal(s.error, undefined, b.name);
        assert.equal(s.skipped, b.expect.skipped, b.name);
        const warned = lines.filter((l) => l.msg === "Downstream item without an id skipped" && l.code === "MSG_NO_ID");
        assert.equal(warned.length, b.expect.skipped, `${b.name}: one warning per skipped item`);
      }
    }

    // 2. The item corpus, then a good message behind it.
    for (const c of CASES) if (c.raw) sim.fault({ op: "get", status: 200, body: `[${c.raw}]` });
    sim.enqueue(CASES.filter((c) => !c.raw).map((c) => c.item));
    sim.enqueue(good("good-1"));
    const before = logger.lines.length;
    const summaries = [await run(), await run()];
    for (const s of summaries) assert.equal(s.error, undefined, JSON.stringify(s.error));
    const corpusLines = logger.lines.slice(before);

    const rows = await db.rows<{ id: string; idexterno: string; status: string; ultimoerro: string | null }>(
      sql`select id, idexterno, status, ultimoerro from gtotvslinkmessage`,
    );
    const rowById = new Map(rows.map((r) => [r.idexterno, r]));
    const execs = await db.rows<{ idmensagem: string; idexterno: string | null; sucesso: boolean; tentativa: number }>(
      sql`select idmensagem, idexterno, sucesso, tentativa from gtotvslinkmessageexec where direcao = 'DOWN'`,
    );
    const successById = new Map(execs.filter((e) => e.sucesso).map((e) => [e.idexterno, e]));
    const callsFor = (messageId: string) => erp.calls.filter((c) => c.headers["x-smartlink-message-id"] === messageId);
    const acked = new Set(sim.state.acked);

    const outcomes: string[] = [];
    for (const c of CASES) {
      const id = caseId(c);
      const where = `case "${c.name}"`;
      switch (c.expect.kind) {
        case "dead": {
          const row = rowById.get(id!);
          assert.ok(row, `${where}: stored`);
          assert.equal(row.status, "DEAD", where);
          assert.ok(row.ultimoerro?.startsWith(`${c.expect.code}: `), `${where}: ULTIMOERRO ${row.ultimoerro}`);
          assert.ok(c.raw || acked.has(id!), `${where}: acked`);
          outcomes.push(`DEAD ${c.expect.code.padEnd(16)} ${c.name}`);
          break;
        }
        case "success": {
          const exec = successById.get(id!);
          assert.ok(exec, `${where}: executed`);
          assert.equal(exec.tentativa, 1, where);
          assert.equal(callsFor(exec.idmensagem).length, 1, `${where}: one handler call`);
          assert.ok(c.raw || acked.has(id!), `${where}: acked`);
          outcomes.push(`OK   ${"".padEnd(16)} ${c.name}`);
          break;
        }
        case "duplicate": {
          const first = successById.get(id!);
          assert.ok(first, where);
          const calls = callsFor(first.idmensagem);
          assert.equal(calls.length, 1, `${where}: not executed again`);
          assert.equal(JSON.parse(calls[0].body).v, 1, `${where}: the first copy is the one executed`);
          assert.equal(execs.filter((e) => e.idexterno === id).length, 1, `${where}: no EXEC row for the copy`);
          const [log] = await db.rows<{ n: number }>(sql`select count(*)::int as n from gtotvslinklog
          where idmensagem = ${first.idmensagem} and logmensagem like 'Redelivered message already succeeded%'`);
          assert.equal(Number(log.n), 1, `${where}: the redelivery is logged`);
          assert.equal(sim.state.acked.filter((a) => a === id).length, 2, `${where}: both copies acked`);
          outcomes.push(`DUP  ${"".padEnd(16)} ${c.name}`);
          break;
        }
        case "skipped":
          outcomes.push(`SKIP ${"MSG_NO_ID".padEnd(16)} ${c.name}`);
          break;
        case "badId": {
          const rawId = String((c.item as { id: unknown }).id);
          assert.ok(acked.has(rawId), `${where}: acked with the id as sent`);
          outcomes.push(`DEAD ${"MSG_BAD_ID".padEnd(16)} ${c.name}`);
          break;
        }
      }
    }
    const skippedCases = CASES.filter((c) => c.expect.kind === "skipped").length;
    const noIdWarnings = corpusLines.filter((l) => l.msg === "Downstream item without an id skipped");
    assert.ok(noIdWarnings.length >= skippedCases, `${noIdWarnings.length} no-id warnings for ${skippedCases} items`);
    assert.ok(noIdWarnings.every((l) => l.code === "MSG_NO_ID" && typeof l.error === "string"));
    const deadCodes = new Set(CASES.flatMap((c) => c.expect.kind === "dead" ? [c.expect.code] : []));
    const [{ n: deadRows }] = await db.rows<{ n: number }>(
      sql`select count(*)::int as n from gtotvslinkmessage where status = 'DEAD'`,
    );
    const badIdCases = CASES.filter((c) => c.expect.kind === "badId").length;
    const [{ n: badIdRows }] = await db.rows<{ n: number }>(
      sql`select count(*)::int as n from gtotvslinkmessage
          where status = 'DEAD' and idexterno like 'bad-id:%' and ultimoerro like 'MSG_BAD_ID: %'`,
    );
    assert.equal(Number(badIdRows), badIdCases, "each unusable id stored DEAD under a stand-in id");
    assert.equal(
      Number(deadRows),
      CASES.filter((c) => c.expect.kind === "dead").length + badIdCases,
      "no other row went DEAD",
    );
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined, "no prototype pollution");
    const unicode = erp.calls.find((c) => c.body.includes("José 😀 — 中文 — עברית"));
    assert.ok(unicode, "unicode content reached the ERP intact");
    assert.ok(successById.has("good-1"), "the good message behind the corpus ran");

    // 3. The tick after them runs a good message normally.
    sim.enqueue(good("good-2"));
    const after = await run();
    assert.equal(after.error, undefined);
    assert.equal(after.succeeded, 1);
    assert.equal(after.sent, 1);
    const [good2] = await db.rows<{ tentativa: number; sucesso: boolean }>(
      sql`select tentativa, sucesso from gtotvslinkmessageexec where idexterno = 'good-2'`,
    );
    assert.deepEqual({ ...good2 }, { tentativa: 1, sucesso: true });
    assert.ok(sim.state.sent.some((s) => JSON.parse(s.body).content.requestID === "r-good-2"), "its reply was sent");

    // 4. The admin pages render every stored one, content escaped.
    const app = createApp(fakeDeps(db).deps);
    const pageIds = [...rows.map((r) => r.id), ...[...successById.values()].map((e) => e.idmensagem)];
    let largest = 0;
    for (const id of pageIds) {
      const res = await app.request(`/messages/${id}`, { headers: basic() });
      const html = await res.text();
      assert.equal(res.status, 200, `/messages/${id}`);
      assert.ok(!/<script/i.test(html), `/messages/${id} carries no raw <script>`);
      assert.ok(!html.includes("<img src=x"), `/messages/${id} carries no raw <img>`);
      largest = Math.max(largest, html.length);
    }
    const list = await app.request("/messages?limit=500", { headers: basic() });
    const listHtml = await list.text();
    assert.equal(list.status, 200);
    assert.ok(!/<script/i.test(listHtml), "/messages carries no raw <script>");
    assert.ok(listHtml.includes("&lt;script&gt;"), "the script-named type is shown escaped");

    console.log(
      [
        `bad inputs tried: ${CASES.length} items + ${BODIES.length} get bodies = ${CASES.length + BODIES.length}`,
        `outcomes: ${CASES.filter((c) => c.expect.kind === "dead").length} DEAD (${[...deadCodes].join(", ")}), ` +
        `${CASES.filter((c) => c.expect.kind === "success").length} handled, ${skippedCases} skipped (no usable id), ` +
        `1 duplicate, ${BODIES.filter((b) => "error" in b.expect).length} tick errors`,
        `pages rendered: ${pageIds.length} detail + 1 list; largest ${(largest / 1024).toFixed(0)} KiB`,
        ...outcomes,
      ].join("\n"),
    );
  },
);
