import assert from "node:assert/strict";
import { createTimeoutQueue } from "../src/async/timeout_queue.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("timeout queue: an entry not cleared aborts after its time, with a TimeoutError", async () => {
  const q = createTimeoutQueue(200);
  const a = q.start();
  await wait(120);
  const b = q.start();
  assert.equal(a.signal.aborted, false);
  await wait(110); // a is due at 200 ms, b at 320 ms
  assert.equal(a.signal.aborted, true);
  assert.equal(a.timedOut, true);
  assert.equal((a.signal.reason as DOMException).name, "TimeoutError");
  b.clear();
  assert.equal(b.signal.aborted, false);
  assert.equal(q.size(), 0);
});

Deno.test("timeout queue: cleared entries never abort, and nothing keeps the process alive once all are cleared", async () => {
  const q = createTimeoutQueue(20);
  const handles = Array.from({ length: 5000 }, () => q.start());
  assert.equal(q.size(), 5000);
  // Out of order: the last ones first, then the head; the queue empties.
  for (const h of handles.slice(1).reverse()) h.clear();
  assert.equal(q.size(), 5000);
  handles[0].clear();
  assert.equal(q.size(), 0);
  await wait(40);
  assert.ok(handles.every((h) => !h.signal.aborted && !h.timedOut));
  // The test's op sanitizer fails the test if a referenced timer was left armed.
});

Deno.test("timeout queue: abort() aborts at once with its reason and is not a timeout", async () => {
  const q = createTimeoutQueue(20);
  const h = q.start();
  const later = q.start();
  h.abort(new Error("shutdown"));
  assert.equal(h.signal.aborted, true);
  assert.equal(h.timedOut, false);
  assert.equal((h.signal.reason as Error).message, "shutdown");
  await wait(40);
  assert.equal(later.timedOut, true);
  assert.equal(q.size(), 0);
});

Deno.test("timeout queue: entries started after the first keep their own deadline", async () => {
  const q = createTimeoutQueue(200);
  const first = q.start();
  await wait(120);
  const second = q.start();
  first.clear();
  await wait(110); // 230 ms since first, 110 since second
  assert.equal(second.signal.aborted, false);
  await wait(150);
  assert.equal(second.signal.aborted, true);
});

Deno.test("timeout queue: an operation after an idle spell still times out", async () => {
  const q = createTimeoutQueue(60);
  q.start().clear(); // the queue is empty again; its timer lingers unreferenced
  await wait(20);
  const h = q.start();
  await wait(120);
  assert.equal(h.timedOut, true);
});
