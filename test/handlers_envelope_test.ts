import assert from "node:assert/strict";
import { commandRequestId, isEnvelope, toReplyEnvelope } from "../src/handlers/envelope.ts";
import type { HandlerMessage } from "../src/handlers/types.ts";

const NOW = new Date("2024-05-06T07:08:09.010Z");

function command(content: unknown, extra: Partial<HandlerMessage> = {}): HandlerMessage {
  return {
    id: "local-1",
    type: "SGDPDataCommand",
    content: typeof content === "string" ? content : JSON.stringify(content),
    ...extra,
  };
}

const TOTVS_COMMAND = command({
  header: { type: "SGDPDataCommand", tenantId: "tenant-cmd", generatedOn: "2020-11-05T14:45:53Z", locale: "en_GB" },
  content: { requestID: "req-totvs", identifiers: { CPF: "111.111.111-11" } },
});

const CE_COMMAND = command({
  specversion: "1.0",
  id: "ce-id",
  type: "SGDPDataCommand",
  source: "tpd",
  tenantid: "tenant-ce",
  correlationid: "req-ce",
  data: { CPF: "1" },
});

Deno.test("isEnvelope() recognises TOTVS and CloudEvents envelopes, keys case-insensitive", () => {
  const cases: Array<[unknown, boolean]> = [
    [{ header: { type: "A" }, content: {} }, true],
    [{ Header: { type: "A" } }, true],
    [{ specversion: "1.0", type: "A" }, true],
    [{ SpecVersion: "1.0" }, true],
    [{ header: "not an object" }, false],
    [{ header: null }, false],
    [{ content: { requestID: "x" } }, false],
    [{ requestID: "x" }, false],
    [[{ header: {} }], false],
    [null, false],
    ['{"header":{}}', false],
    [42, false],
  ];
  for (const [value, expected] of cases) {
    assert.equal(isEnvelope(value), expected, JSON.stringify(value));
  }
});

Deno.test("toReplyEnvelope() sends a TOTVS envelope body as it is", () => {
  const body = { header: { type: "Custom", tenantId: "t-erp", locale: "en_GB" }, content: { ok: true } };
  const out = toReplyEnvelope({ type: "SGDPDataResponse", tenantId: "t", body, command: TOTVS_COMMAND, now: NOW });
  assert.deepEqual(JSON.parse(out), body);
});

Deno.test("toReplyEnvelope() sends a CloudEvents body as it is", () => {
  const body = { specversion: "1.0", type: "CONXrespXGsp", tenantId: "t-erp", data: [1, 2] };
  const out = toReplyEnvelope({ type: "SGDPDataResponse", tenantId: "t", body, command: TOTVS_COMMAND, now: NOW });
  assert.deepEqual(JSON.parse(out), body);
});

Deno.test("toReplyEnvelope() wraps a plain body and copies requestID from a TOTVS command", () => {
  const out = toReplyEnvelope({
    type: "SGDPDataResponse",
    tenantId: "tenant-token",
    body: { applicationId: "rm", response: { customers: {} } },
    command: TOTVS_COMMAND,
    now: NOW,
  });
  assert.deepEqual(JSON.parse(out), {
    header: {
      type: "SGDPDataResponse",
      tenantId: "tenant-token",
      generatedOn: "2024-05-06T07:08:09.010Z",
      locale: "pt_BR",
    },
    content: { requestID: "req-totvs", applicationId: "rm", response: { customers: {} } },
  });
});

Deno.test("toReplyEnvelope() copies requestID from a CloudEvents command's correlationid", () => {
  const out = JSON.parse(toReplyEnvelope({ type: "R", tenantId: "t", body: { a: 1 }, command: CE_COMMAND, now: NOW }));
  assert.deepEqual(out.content, { requestID: "req-ce", a: 1 });
});

Deno.test("toReplyEnvelope() falls back to the message correlationId for a bare command", () => {
  const cmd = command({ CPF: "1" }, { correlationId: "corr-msg" });
  const out = JSON.parse(toReplyEnvelope({ type: "R", tenantId: "t", body: { a: 1 }, command: cmd, now: NOW }));
  assert.equal(out.content.requestID, "corr-msg");
});

Deno.test("toReplyEnvelope() does not overwrite a requestID already in the body", () => {
  const out = JSON.parse(
    toReplyEnvelope({
      type: "R",
      tenantId: "t",
      body: { requestID: "erp-own", a: 1 },
      command: TOTVS_COMMAND,
      now: NOW,
    }),
  );
  assert.deepEqual(out.content, { requestID: "erp-own", a: 1 });
});

Deno.test("toReplyEnvelope() treats a differently cased requestId as present", () => {
  const out = JSON.parse(
    toReplyEnvelope({ type: "R", tenantId: "t", body: { requestId: "erp-own" }, command: TOTVS_COMMAND, now: NOW }),
  );
  assert.deepEqual(out.content, { requestId: "erp-own" });
});

Deno.test("toReplyEnvelope() replaces a null requestID with the command's", () => {
  const out = JSON.parse(
    toReplyEnvelope({ type: "R", tenantId: "t", body: { requestID: null, a: 1 }, command: TOTVS_COMMAND, now: NOW }),
  );
  assert.deepEqual(out.content, { requestID: "req-totvs", a: 1 });
});

Deno.test("toReplyEnvelope() leaves non-object content untouched", () => {
  for (const body of [[1, 2], "text", 3, true]) {
    const out = JSON.parse(toReplyEnvelope({ type: "R", tenantId: "t", body, command: TOTVS_COMMAND, now: NOW }));
    assert.deepEqual(out.content, body);
  }
});

Deno.test("toReplyEnvelope() takes the tenant from the command when the token's is unknown", () => {
  const fromTotvs = JSON.parse(toReplyEnvelope({ type: "R", body: {}, command: TOTVS_COMMAND, now: NOW }));
  assert.equal(fromTotvs.header.tenantId, "tenant-cmd");
  const fromCe = JSON.parse(toReplyEnvelope({ type: "R", body: {}, command: CE_COMMAND, now: NOW }));
  assert.equal(fromCe.header.tenantId, "tenant-ce");
  const none = JSON.parse(toReplyEnvelope({ type: "R", body: {}, command: command("not json"), now: NOW }));
  assert.equal("tenantId" in none.header, false);
});

Deno.test("toReplyEnvelope() uses the given locale", () => {
  const out = JSON.parse(
    toReplyEnvelope({ type: "R", tenantId: "t", body: {}, command: TOTVS_COMMAND, now: NOW, locale: "en_GB" }),
  );
  assert.equal(out.header.locale, "en_GB");
});

Deno.test("commandRequestId() reads each source in order", () => {
  const cases: Array<[HandlerMessage, string | undefined]> = [
    [TOTVS_COMMAND, "req-totvs"],
    [command(JSON.parse(TOTVS_COMMAND.content), { correlationId: "corr" }), "req-totvs"],
    [CE_COMMAND, "req-ce"],
    [command({ HEADER: { type: "A" }, Content: { RequestId: "ci" } }), "ci"],
    [command({ header: { type: "A" }, content: {} }, { correlationId: "corr" }), "corr"],
    [command("not json", { correlationId: "corr" }), "corr"],
    [command("not json"), undefined],
  ];
  for (const [msg, expected] of cases) assert.equal(commandRequestId(msg), expected, msg.content);
});
