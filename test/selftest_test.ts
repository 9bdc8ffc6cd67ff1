import assert from "node:assert/strict";
import { selftestCommand } from "../src/cli/selftest.ts";
import { createMemoryLogger } from "../src/log.ts";

Deno.test("selftestCommand() runs the crash and fault scenario and prints PASS for every guarantee", async () => {
  const lines: string[] = [];
  const logger = createMemoryLogger("warn");
  const code = await selftestCommand({ print: (line) => lines.push(line), logger });
  const output = lines.join("\n");
  console.log(output);
  assert.equal(code, 0, output);
  for (
    const property of [
      "no message lost",
      "acked only after commit",
      "no re-execution after recorded success",
      "replies sent",
      "bad input goes DEAD with a reason",
    ]
  ) {
    assert.ok(lines.includes(`PASS  ${property}`), `missing "PASS  ${property}"`);
  }
  assert.ok(!lines.some((l) => l.startsWith("FAIL")), output);
  assert.deepEqual(logger.lines, [], "the self-test itself logged no problem");
});

Deno.test("selftestCommand() prints FAIL and exits 1 when the scenario cannot finish", async () => {
  const lines: string[] = [];
  const logger = createMemoryLogger("warn");
  const code = await selftestCommand({ print: (line) => lines.push(line), logger, messages: 9, timeoutMs: 1 });
  assert.equal(code, 1);
  assert.ok(
    lines.some((l) => /^FAIL {2}self-test finished: Scenario not finished within 1 ms/.test(l)),
    lines.join("\n"),
  );
  assert.ok(!lines.some((l) => l.startsWith("PASS")), "nothing passes when nothing was checked");
  assert.equal(logger.lines.length, 1, "one error line for the self-test failure");
});
