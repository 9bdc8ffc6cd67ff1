import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../src/config.ts";
import { CipherError, openSecret, sealSecret } from "../src/secrets/cipher.ts";
import { importSecretKey, parseSecretKey } from "../src/secrets/secret_key.ts";

const B64_KEY = btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i + 1)));
const HEX_KEY = "ff".repeat(32);

Deno.test("parseSecretKey() accepts 32 bytes as base64, base64url or hex and refuses anything else", () => {
  const cases: [string, boolean][] = [
    [B64_KEY, true],
    [B64_KEY.replaceAll("+", "-").replaceAll("/", "_"), true],
    [` ${HEX_KEY}\n`, true],
    [HEX_KEY.slice(2), false],
    [btoa("x".repeat(16)), false],
    ["not a key at all!", false],
    ["", false],
  ];
  for (const [text, ok] of cases) assert.equal(parseSecretKey(text) !== undefined, ok, JSON.stringify(text));
  assert.deepEqual([...parseSecretKey(HEX_KEY)!], new Array(32).fill(255));
});

Deno.test("sealSecret() and openSecret() round-trip; another key, context or altered byte fails", async () => {
  const key = await importSecretKey(parseSecretKey(B64_KEY)!);
  const other = await importSecretKey(parseSecretKey(HEX_KEY)!);
  assert.match(key.id, /^k1-[0-9a-f]{12}$/);
  assert.notEqual(key.id, other.id);
  assert.equal((await importSecretKey(parseSecretKey(B64_KEY)!)).id, key.id, "the id is stable");

  const sealed = await sealSecret(key, "the-client-secret", "client-1");
  assert.equal(sealed.keyId, key.id);
  assert.ok(!sealed.ciphertext.includes("the-client-secret") && !atob(sealed.ciphertext).includes("client-secret"));
  assert.notEqual((await sealSecret(key, "the-client-secret", "client-1")).iv, sealed.iv, "a fresh IV each time");
  assert.equal(await openSecret(key, sealed, "client-1"), "the-client-secret");

  await assert.rejects(() => openSecret(other, sealed, "client-1"), (e: CipherError) => {
    assert.equal(e.code, "SECRET_KEY_MISMATCH");
    assert.match(e.message, new RegExp(`key id "${sealed.keyId}" but SMARTLINK_SECRET_KEY has id "${other.id}"`));
    return true;
  });
  await assert.rejects(() => openSecret(key, sealed, "client-2"), (e: CipherError) => e.code === "SECRET_UNREADABLE");
  const bytes = Uint8Array.from(atob(sealed.ciphertext), (c) => c.charCodeAt(0));
  bytes[0] ^= 1;
  const altered = { ...sealed, ciphertext: btoa(String.fromCharCode(...bytes)) };
  await assert.rejects(() => openSecret(key, altered, "client-1"), /\(altered or damaged\): activate again/);
});

Deno.test("loadConfig() reads SMARTLINK_SECRET_KEY or _FILE and names the variable, never the value", () => {
  assert.equal(loadConfig({}).secretKey, undefined);
  assert.equal(loadConfig({ SMARTLINK_SECRET_KEY: B64_KEY }).secretKey?.length, 32);
  const fromFile = loadConfig({ SMARTLINK_SECRET_KEY_FILE: "/k" }, { readTextFile: () => HEX_KEY + "\n" });
  assert.equal(fromFile.secretKey?.[0], 255);
  assert.throws(() => loadConfig({ SMARTLINK_SECRET_KEY: "short-key-value" }), (e: ConfigError) => {
    assert.equal(e.variable, "SMARTLINK_SECRET_KEY");
    assert.match(e.message, /openssl rand -base64 32/);
    assert.ok(!e.message.includes("short-key-value"));
    return true;
  });
  assert.throws(
    () => loadConfig({ SMARTLINK_SECRET_KEY_FILE: "/k" }, { readTextFile: () => "abc" }),
    (e: ConfigError) => e.variable === "SMARTLINK_SECRET_KEY_FILE",
  );
  assert.throws(
    () => loadConfig({ SMARTLINK_SECRET_KEY: B64_KEY, SMARTLINK_SECRET_KEY_FILE: "/k" }),
    /either SMARTLINK_SECRET_KEY or SMARTLINK_SECRET_KEY_FILE/,
  );
});
