import assert from "node:assert/strict";
import { SmartLinkError } from "../src/smartlink/errors.ts";
import {
  cutUtf8,
  type InboundMessage,
  isEnvelope,
  type ItemError,
  normalizeItem,
  type ParsedItem,
  parseGetBody,
  wrapTotvsEnvelope,
} from "../src/smartlink/wire.ts";

const MAX = 1_048_576;

// PROTOCOL.md 4.2: SGDPDataCommand in the TOTVS envelope.
const SGDP_DATA = {
  header: {
    type: "SGDPDataCommand",
    tenantId: "b6572633-aaaa",
    generatedOn: "2020-11-05T14:45:53.000823-03:00",
    locale: "en_GB",
  },
  content: { requestID: "c88a464b-req", identifiers: { CPF: "111.111.111-11" } },
};
// PROTOCOL.md 4.1: CloudEvents.
const CLOUD_EVENT = {
  specversion: "1.0",
  time: "2022-04-19T19:05:23.9308049Z",
  correlationid: "f95a7e8c-corr",
  tenantid: "e21c8e75-tenant",
  id: "abc3845f-ce",
  source: "recorrencia",
  type: "Financeiro",
  data: { CPF: "40254898765" },
};
// PROTOCOL.md 4.1: what Protheus sends upstream (mixed-case tenantId, data array).
const PROTHEUS_CE = {
  specversion: "1.0",
  time: "2024-01-01T00:00:00Z",
  type: "CONXrespXGsp",
  tenantId: "T1-tenant",
  id: "prt-1",
  data: [{ a: 1 }],
};

function ok(item: ParsedItem): InboundMessage {
  assert.ok(item.ok, `expected ok, got ${JSON.stringify(item)}`);
  return item.message;
}

function bad(item: ParsedItem): ItemError {
  assert.ok(!item.ok, `expected an item error, got ${JSON.stringify(item)}`);
  return item;
}

Deno.test("normalizeItem() reads the envelopes of PROTOCOL.md", async (t) => {
  const cases: { name: string; raw: unknown; want: Omit<InboundMessage, "content">; content: unknown }[] = [
    {
      name: "transport item with a TOTVS envelope",
      raw: { id: "m1", type: "SGDPDataCommand", audience: "ERP", data: SGDP_DATA },
      want: {
        id: "m1",
        type: "SGDPDataCommand",
        audience: "ERP",
        correlationId: "c88a464b-req",
        tenantId: "b6572633-aaaa",
      },
      content: SGDP_DATA,
    },
    {
      name: "type from header.type when the transport has none",
      raw: { id: "m2", data: SGDP_DATA },
      want: { id: "m2", type: "SGDPDataCommand", correlationId: "c88a464b-req", tenantId: "b6572633-aaaa" },
      content: SGDP_DATA,
    },
    {
      name: "transport item with a CloudEvents data",
      raw: { id: "m3", data: CLOUD_EVENT },
      want: { id: "m3", type: "Financeiro", correlationId: "f95a7e8c-corr", tenantId: "e21c8e75-tenant" },
      content: CLOUD_EVENT,
    },
    {
      name: "the item is itself a CloudEvents envelope",
      raw: CLOUD_EVENT,
      want: { id: "abc3845f-ce", type: "Financeiro", correlationId: "f95a7e8c-corr", tenantId: "e21c8e75-tenant" },
      content: CLOUD_EVENT,
    },
    {
      name: "the item is itself a TOTVS envelope with an id",
      raw: { id: "m5", ...SGDP_DATA },
      want: { id: "m5", type: "SGDPDataCommand", correlationId: "c88a464b-req", tenantId: "b6572633-aaaa" },
      content: { id: "m5", ...SGDP_DATA },
    },
    {
      name: "Protheus CloudEvents: mixed-case tenantId, array data, correlation falls back to id",
      raw: PROTHEUS_CE,
      want: { id: "prt-1", type: "CONXrespXGsp", correlationId: "prt-1", tenantId: "T1-tenant" },
      content: PROTHEUS_CE,
    },
    {
      name: "mixed-case keys everywhere",
      raw: {
        ID: "m7",
        Audience: "SGDP",
        DATA: { Header: { TYPE: "SGDPMaskCommand", TenantID: "t7" }, Content: { RequestId: "r7" } },
      },
      want: { id: "m7", type: "SGDPMaskCommand", audience: "SGDP", correlationId: "r7", tenantId: "t7" },
      content: { Header: { TYPE: "SGDPMaskCommand", TenantID: "t7" }, Content: { RequestId: "r7" } },
    },
    {
      name: "transport correlationId and tenantId win over the envelope",
      raw: { id: "m8", type: "X", correlationId: "c-transport", tenantid: "t-transport", data: SGDP_DATA },
      want: { id: "m8", type: "X", correlationId: "c-transport", tenantId: "t-transport" },
      content: SGDP_DATA,
    },
    {
      name: "numeric delivery tag as id",
      raw: { deliveryTag: 42, type: "Ping", data: {} },
      want: { id: "42", type: "Ping" },
      content: {},
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const message = ok(normalizeItem(c.raw, MAX));
      const { content, ...rest } = message;
      assert.deepEqual(rest, c.want);
      assert.deepEqual(JSON.parse(content), c.content);
    });
  }
});

Deno.test("normalizeItem() keeps a string data verbatim", () => {
  const text = ' {"header":{"type":"SGDPLogsCommand"},"content":{"requestID":"r1"}} ';
  const fromEnvelope = ok(normalizeItem({ id: "s1", data: text }, MAX));
  assert.equal(fromEnvelope.content, text);
  assert.equal(fromEnvelope.type, "SGDPLogsCommand");
  assert.equal(fromEnvelope.correlationId, "r1");

  const xml = "<pedido><id>9</id></pedido>";
  const notJson = ok(normalizeItem({ id: "s2", type: "PedidoXml", data: xml }, MAX));
  assert.equal(notJson.content, xml);
  assert.equal(notJson.type, "PedidoXml");
});

Deno.test("normalizeItem() reports bad items with specific codes", async (t) => {
  const cases: { name: string; raw: unknown; code: ItemError["code"]; id?: string; error: RegExp }[] = [
    {
      name: "no type anywhere",
      raw: { id: "b1", data: { content: {} } },
      code: "MSG_NO_TYPE",
      id: "b1",
      error: /"b1" has no type/,
    },
    {
      name: "string data without a transport type is not JSON",
      raw: { id: "b2", data: "{not json" },
      code: "MSG_INVALID_JSON",
      id: "b2",
      error: /not JSON/,
    },
    {
      name: "type with a control character",
      raw: { id: "b3", type: "Bad\nType", data: {} },
      code: "MSG_BAD_TYPE",
      id: "b3",
      error: /invalid type "Bad\\nType"/,
    },
    {
      name: "type too long",
      raw: { id: "b4", type: "T".repeat(201), data: {} },
      code: "MSG_BAD_TYPE",
      id: "b4",
      error: /1 to 200/,
    },
    { name: "type is a number", raw: { id: "b5", type: 7, data: {} }, code: "MSG_BAD_TYPE", id: "b5", error: /number/ },
    {
      name: "NUL in a string data",
      raw: { id: "b6", type: "T", data: "a\u0000b" },
      code: "MSG_NUL_BYTES",
      id: "b6",
      error: /NUL/,
    },
    {
      name: "NUL inside an object data",
      raw: { id: "b7", type: "T", data: { name: "x\u0000y" } },
      code: "MSG_NUL_BYTES",
      id: "b7",
      error: /NUL/,
    },
    {
      name: "escaped NUL inside JSON string data",
      raw: { id: "b8", data: '{"type":"T","v":"\\u0000"}' },
      code: "MSG_NUL_BYTES",
      id: "b8",
      error: /NUL/,
    },
    {
      name: "data is a number",
      raw: { id: "b9", type: "T", data: 5 },
      code: "MSG_BAD_SHAPE",
      id: "b9",
      error: /number/,
    },
    {
      name: "data is null",
      raw: { id: "b10", type: "T", data: null },
      code: "MSG_BAD_SHAPE",
      id: "b10",
      error: /null/,
    },
    { name: "no id", raw: { type: "T", data: {} }, code: "MSG_NO_ID", error: /no id/ },
    { name: "empty id", raw: { id: "  ", type: "T", data: {} }, code: "MSG_NO_ID", error: /no id/ },
    { name: "not an object", raw: "hello", code: "MSG_NO_ID", error: /not a JSON object \(got string\)/ },
    { name: "an array", raw: [1], code: "MSG_NO_ID", error: /got array/ },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const item = bad(normalizeItem(c.raw, MAX));
      assert.equal(item.code, c.code);
      assert.equal(item.id, c.id);
      assert.match(item.error, c.error);
      if (c.id !== undefined) {
        assert.equal(typeof item.content, "string");
        assert.ok(!item.content!.includes("\u0000"), "stored content must hold no NUL");
      }
    });
  }
});

Deno.test("normalizeItem() cuts a too-large message to the limit and keeps its type", () => {
  const max = 1024;
  const big = { header: { type: "SGDPDataCommand" }, content: { blob: "é".repeat(2000) } };
  const item = bad(normalizeItem({ id: "big", data: big }, max));
  assert.equal(item.code, "MSG_TOO_LARGE");
  assert.equal(item.type, "SGDPDataCommand");
  assert.match(item.error, /"big" is \d+ bytes: larger than the limit of 1024 bytes/);
  const bytes = new TextEncoder().encode(item.content).length;
  assert.ok(bytes <= max && bytes >= max - 3, `cut to ${bytes} bytes`);
  assert.ok(JSON.stringify(big).startsWith(item.content!));

  const exact = "x".repeat(max);
  assert.ok(normalizeItem({ id: "edge", type: "T", data: exact }, max).ok, "exactly the limit is accepted");
  assert.equal(bad(normalizeItem({ id: "edge2", type: "T", data: exact + "x" }, max)).code, "MSG_TOO_LARGE");
});

Deno.test("cutUtf8() never splits a character", () => {
  assert.equal(cutUtf8("abc", 10), "abc");
  assert.equal(cutUtf8("aé", 2), "a"); // é is two bytes
  assert.equal(cutUtf8("a😀b", 4), "a");
  assert.equal(cutUtf8("a😀b", 5), "a😀");
});

Deno.test("parseGetBody() treats 204, empty and [] as an empty queue", () => {
  const empties: [number, string][] = [[204, ""], [200, ""], [200, "  \n"], [200, "[]"], [200, "null"], [200, "{}"], [
    200,
    '{"messages":[]}',
  ], [200, '{"messages":null}']];
  for (const [status, text] of empties) assert.deepEqual(parseGetBody(status, text, MAX), [], JSON.stringify(text));
});

Deno.test("parseGetBody() accepts an array, a single object and {messages:[…]}", () => {
  const a = { id: "a", type: "T", data: { v: 1 } };
  const b = { id: "b", type: "T", data: "two" };
  const ids = (items: ParsedItem[]) => items.map((i) => (i.ok ? i.message.id : i.id));
  assert.deepEqual(ids(parseGetBody(200, JSON.stringify([a, b]), MAX)), ["a", "b"]);
  assert.deepEqual(ids(parseGetBody(200, JSON.stringify(a), MAX)), ["a"]);
  assert.deepEqual(ids(parseGetBody(200, JSON.stringify({ messages: [a, b] }), MAX)), ["a", "b"]);
  assert.deepEqual(ids(parseGetBody(200, JSON.stringify({ Messages: [b] }), MAX)), ["b"]);
  const mixed = parseGetBody(200, JSON.stringify([a, { type: "T" }]), MAX);
  assert.equal(mixed[1].ok, false);
  assert.equal(!mixed[1].ok && mixed[1].code, "MSG_NO_ID");
});

Deno.test("parseGetBody() throws SL_BAD_RESPONSE with the raw body cut at 4 KiB", () => {
  const cases = ["<html>" + "x".repeat(10_000), '"just a string"', "42", '{"messages":5}'];
  for (const text of cases) {
    assert.throws(() => parseGetBody(200, text, MAX), (err: unknown) => {
      assert.ok(err instanceof SmartLinkError);
      assert.equal(err.code, "SL_BAD_RESPONSE");
      assert.equal(err.kind, "transient");
      assert.equal(err.op, "get");
      assert.equal(err.rawBody, text.slice(0, 4096));
      assert.match(err.message, /^Smart Link get returned/);
      return true;
    });
  }
});

Deno.test("isEnvelope() recognises header and specversion", () => {
  const cases: [unknown, boolean][] = [
    [SGDP_DATA, true],
    [CLOUD_EVENT, true],
    [{ SpecVersion: "1.0" }, true],
    [{ header: "text" }, false],
    [{ content: {} }, false],
    [[SGDP_DATA], false],
    ["header", false],
    [null, false],
  ];
  for (const [value, want] of cases) assert.equal(isEnvelope(value), want, JSON.stringify(value));
});

Deno.test("wrapTotvsEnvelope() builds the header and copies requestID when missing", () => {
  const now = new Date("2025-05-01T10:00:00.000Z");
  const env = wrapTotvsEnvelope({
    type: "SGDPMaskResponse",
    tenantId: "t1",
    content: { exceptionAttributes: {}, requestID: null },
    now,
    requestId: "req-9",
  });
  assert.deepEqual(env, {
    header: { type: "SGDPMaskResponse", tenantId: "t1", generatedOn: "2025-05-01T10:00:00.000Z", locale: "pt_BR" },
    content: { exceptionAttributes: {}, requestID: "req-9" },
  });
  assert.ok(isEnvelope(env));
  const kept = wrapTotvsEnvelope({
    type: "X",
    content: { requestID: "own" },
    now,
    requestId: "other",
    locale: "en_GB",
  });
  assert.deepEqual(kept.content, { requestID: "own" });
  assert.equal(kept.header.locale, "en_GB");
  assert.equal("tenantId" in kept.header, false);
});

Deno.test("normalizeItem() gives an unusable id a stable stand-in and keeps the id as sent for the ack", () => {
  for (const rawId of ["a\u0000b", "x".repeat(1001), 1.5]) {
    const item = bad(normalizeItem({ id: rawId, type: "T", data: { n: 1 } }, MAX));
    assert.equal(item.code, "MSG_BAD_ID");
    assert.equal(item.ackId, String(rawId));
    assert.match(item.id!, /^bad-id:[0-9a-f]{16}$/);
    assert.equal(bad(normalizeItem({ id: rawId, type: "T", data: {} }, MAX)).id, item.id, "stable across deliveries");
    assert.ok(!item.error.includes("\u0000") && !item.content!.includes("\u0000"), "storable text");
  }
  assert.notEqual(
    bad(normalizeItem({ id: 1.5, type: "T" }, MAX)).id,
    bad(normalizeItem({ id: 2.5, type: "T" }, MAX)).id,
  );
});
