import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../src/config.ts";
import { SmartLinkError } from "../src/smartlink/errors.ts";
import { pointerProblem, resolvePointer } from "../src/profile/json_pointer.ts";
import { applyRoutes, DEFAULT_PROFILE, parseProfile, ProfileError } from "../src/profile/wire_profile.ts";
import { renderRequest } from "../src/smartlink/template.ts";
import { parseGetBody } from "../src/smartlink/wire.ts";

const BASE = "http://link.test";

Deno.test("resolvePointer() follows RFC 6901 keys, escapes and array indexes", () => {
  const doc = { a: { "b/c": [10, { "~d": "x" }] }, "": 1 };
  const cases: [string, unknown][] = [
    ["", doc],
    ["/a/b~1c/0", 10],
    ["/a/b~1c/1/~0d", "x"],
    ["/", 1],
    ["/a/missing", undefined],
    ["/a/b~1c/01", undefined],
    ["/a/b~1c/2", undefined],
    ["/a/b~1c/0/deeper", undefined],
  ];
  for (const [pointer, expected] of cases) assert.deepEqual(resolvePointer(doc, pointer), expected, pointer);
  assert.equal(pointerProblem("messages"), 'a JSON pointer must be "" or start with "/"');
  assert.match(pointerProblem("/a~2")!, /followed by 0 or 1/);
});

Deno.test("parseProfile() keeps the defaults for omitted keys and drops the ack body when the path names the id", () => {
  const p = parseProfile({ ack: { method: "delete", path: "/api/v1/link/ack/$ackId" }, get: { batch: 5 } });
  assert.deepEqual(p.ack, { method: "DELETE", path: "/api/v1/link/ack/$ackId" });
  assert.deepEqual(p.setup, DEFAULT_PROFILE.setup);
  assert.equal(p.get.path, DEFAULT_PROFILE.get.path);
  assert.equal(p.get.batch, 5);
  assert.equal(p.nack, undefined);
  assert.deepEqual(parseProfile({ send: { body: null } }).send.body, undefined, "null sends no body");
  assert.ok(Object.isFrozen(p.ack));
});

Deno.test("parseProfile() names the key path and what was expected", () => {
  const cases: [unknown, RegExp][] = [
    [{ get: { fields: { id: 5 } } }, /key "get\.fields\.id": expected a JSON pointer.*, got 5/],
    [{ get: { fields: { id: "id" } } }, /key "get\.fields\.id": expected a JSON pointer/],
    [{ get: { fields: { ident: "/id" } } }, /key "get\.fields\.ident": expected no key of that name/],
    [{ get: { items: "messages" } }, /key "get\.items"/],
    [{ get: { batch: 0 } }, /key "get\.batch": expected an integer from 1 to 10000, got 0/],
    [{ ack: { method: "FETCH" } }, /key "ack\.method": expected one of GET, POST/],
    [{ ack: { path: "api/ack" } }, /key "ack\.path": expected a path starting with "\/"/],
    [
      { ack: { path: "/ack/$deliveryTag" } },
      /key "ack\.path": expected placeholders among \$id, \$ackId, \$type, got "\$deliveryTag"/,
    ],
    [{ get: { query: { max: "$envelope" } } }, /key "get\.query\.max": expected placeholders among \$batch/],
    [{ nack: { body: { r: "$error" } } }, /key "nack\.path": expected a path/],
    [{ ack: { body: { ids: ["x-$ackId"] } } }, /key "ack\.body\.ids\.0": expected a placeholder as the whole string/],
    [{ send: { path: "/send/$envelope" } }, /key "send\.path": expected \$envelope only as a whole body value/],
    [{ sned: {} }, /key "sned": expected no key of that name/],
    [[], /key "\(top level\)"/],
  ];
  for (const [json, pattern] of cases) {
    assert.throws(() => parseProfile(json), (err: unknown) => {
      assert.ok(err instanceof ProfileError);
      assert.match(err.message, pattern, JSON.stringify(json));
      return true;
    });
  }
});

Deno.test("loadConfig() reads SMARTLINK_PROFILE as JSON or a file and reports the variable", () => {
  const p = loadConfig({ SMARTLINK_PROFILE: '{"get":{"items":"/messages"}}' }).profile;
  assert.equal(p.get.items, "/messages");
  const fromFile = loadConfig({ SMARTLINK_PROFILE: "/etc/p.json" }, { readTextFile: () => '{"get":{"batch":7}}' });
  assert.equal(fromFile.profile.get.batch, 7);
  assert.throws(
    () => loadConfig({ SMARTLINK_PROFILE: '{"get":{"fields":{"id":"id"}}}' }),
    (err: unknown) =>
      err instanceof ConfigError && err.variable === "SMARTLINK_PROFILE" &&
      /Invalid SMARTLINK_PROFILE: expected key "get\.fields\.id" to be a JSON pointer/.test(err.message),
  );
  assert.throws(() => loadConfig({ SMARTLINK_PROFILE: "{oops" }), /Invalid SMARTLINK_PROFILE: expected JSON/);
  assert.throws(
    () => loadConfig({ SMARTLINK_PROFILE: "/nope.json" }, { readTextFile: () => Deno.readTextFileSync("/nope.json") }),
    /Invalid SMARTLINK_PROFILE: expected a readable JSON file \(file not found\), got "\/nope\.json"/,
  );
  // SMARTLINK_ROUTES stays a shorthand over the profile.
  const both = loadConfig({
    SMARTLINK_PROFILE: '{"get":{"batch":3}}',
    SMARTLINK_ROUTES: '{"get":"POST /x/get","ack":"DELETE /x/ack/{id}"}',
  }).profile;
  assert.deepEqual([both.get.method, both.get.path, both.get.batch], ["POST", "/x/get", 3]);
  assert.deepEqual(both.ack, { method: "DELETE", path: "/x/ack/$ackId" });
});

Deno.test("renderRequest() fills placeholders in path, query and body with their JSON types", () => {
  const profile = parseProfile({
    get: { method: "POST", query: { max: "$batch", q: "fixed" }, body: { take: "$batch", opts: [{ n: "$batch" }] } },
    ack: { path: "/ack/$type/$ackId", body: { ids: ["$ackId"], message: "$id" } },
    nack: { path: "/nack", body: { id: "$ackId", reason: "$error" } },
    send: { path: "/send", body: { to: "$audience", kind: "$type", message: "$envelope" } },
  });
  const get = renderRequest("get", profile.get, BASE, { batch: 25 });
  assert.equal(get.url, `${BASE}/api/v1/link/get?max=25&q=fixed`);
  assert.deepEqual(JSON.parse(get.body!), { take: 25, opts: [{ n: 25 }] });
  const ack = renderRequest("ack", profile.ack, BASE, { ackId: "t 1/2", id: "m1", type: "A.B" });
  assert.equal(ack.url, `${BASE}/ack/A.B/t%201%2F2`);
  assert.deepEqual(JSON.parse(ack.body!), { ids: ["t 1/2"], message: "m1" });
  const nack = renderRequest("nack", profile.nack!, BASE, { ackId: "t1", error: "MSG_NO_TYPE: no type" });
  assert.deepEqual(JSON.parse(nack.body!), { id: "t1", reason: "MSG_NO_TYPE: no type" });
  const envelope = '{"header":{"type":"R"},"content":{"requestID":"r1"}}';
  const send = renderRequest("send", profile.send, BASE, { type: "R", audience: "SGDP", envelope });
  assert.deepEqual(JSON.parse(send.body!), { to: "SGDP", kind: "R", message: JSON.parse(envelope) });
  const setup = renderRequest("setup", DEFAULT_PROFILE.setup, BASE, { subscriptions: ["A", "B"] });
  assert.deepEqual(JSON.parse(setup.body!), { subscriptions: ["A", "B"] });
  // The default send posts the stored envelope text byte for byte.
  const spaced = '{ "header" : {"type":"R"} }';
  assert.equal(
    renderRequest("send", DEFAULT_PROFILE.send, BASE, { type: "R", audience: "X", envelope: spaced }).body,
    spaced,
  );
  assert.equal(
    renderRequest("get", DEFAULT_PROFILE.get, BASE, { batch: 50 }).body,
    undefined,
    "no body template, no body",
  );
});

Deno.test("renderRequest() refuses a dot segment or an empty value in a path, and a non-JSON envelope inside a body", () => {
  const ack = applyRoutes(DEFAULT_PROFILE, { ack: { method: "DELETE", path: "/ack/{id}" } }).ack;
  for (const bad of [".", "..", ""]) {
    assert.throws(() => renderRequest("ack", ack, BASE, { ackId: bad }), (err: unknown) => {
      assert.ok(err instanceof SmartLinkError);
      assert.equal(err.code, "SL_BAD_PATH");
      return true;
    });
  }
  assert.equal(renderRequest("ack", ack, BASE, { ackId: "..." }).url, `${BASE}/ack/...`);
  const send = parseProfile({ send: { path: "/send", body: { message: "$envelope" } } }).send;
  assert.throws(
    () => renderRequest("send", send, BASE, { type: "T", audience: "A", envelope: "not json" }),
    (err: unknown) => err instanceof SmartLinkError && err.kind === "rejected" && /not JSON/.test(err.message),
  );
});

Deno.test("parseGetBody() reads items and fields at the profile's pointers", () => {
  const layout = {
    items: "/result/list",
    fields: { id: "/meta/key", ackId: "/tag", type: "/meta/kind", data: "/body", correlationId: "/meta/corr" },
  };
  const body = JSON.stringify({
    result: {
      list: [
        { meta: { key: "m1", kind: "T", corr: "c1" }, tag: "dt-1", body: { header: { type: "Other" } }, id: "ignored" },
        { meta: { key: "m2" }, tag: "dt-2", body: "not json" },
      ],
    },
  });
  const [first, second] = parseGetBody(200, body, 1_048_576, layout);
  assert.ok(first.ok);
  assert.deepEqual(
    [first.message.id, first.message.ackId, first.message.type, first.message.correlationId],
    ["m1", "dt-1", "T", "c1"],
  );
  assert.equal(first.message.content, '{"header":{"type":"Other"}}');
  assert.ok(!second.ok);
  assert.deepEqual([second.id, second.ackId, second.code], ["m2", "dt-2", "MSG_INVALID_JSON"]);
  // One item object at the pointer; nothing, null or {} there = empty queue; a scalar is a bad answer.
  assert.equal(
    parseGetBody(200, '{"result":{"list":{"meta":{"key":"x","kind":"T"},"body":{}}}}', 1024, layout).length,
    1,
  );
  for (
    const empty of ['{"result":{}}', '{"result":{"list":null}}', '{"result":{"list":[]}}', '{"result":{"list":{}}}']
  ) {
    assert.deepEqual(parseGetBody(200, empty, 1024, layout), [], empty);
  }
  assert.throws(() => parseGetBody(200, '{"result":{"list":"x"}}', 1024, layout), /string at "\/result\/list"/);
  assert.deepEqual(parseGetBody(204, "", 1024, layout), []);
});
