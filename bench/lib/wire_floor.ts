/**
 * The wire floor: what a bare consumer drains from the same server with no
 * database and no handler — one RAC token, then `get` until empty, one `ack`
 * per message with FLOOR_ACKS in flight (the same number the client uses),
 * through the client's own `SmartLinkClient` over real HTTP. A batch is acked
 * before the next `get`, as the client must (un-acked items come back).
 * Prints one JSON line: `{messages, seconds, cpuSeconds}`.
 */
import { createLogger } from "../../src/log.ts";
import { ownCpuSeconds } from "./cpu.ts";
import { simClient } from "./sim_client.ts";

const base = Deno.env.get("FLOOR_BASE") ?? "http://127.0.0.1:8090";
const acks = Number(Deno.env.get("FLOOR_ACKS") ?? 32);
const logger = createLogger({ level: "warn", write: (line) => console.error(line) });
const { tokens, client } = simClient(base, { timeoutMs: 30_000, logger });

let messages = 0;
const t0 = performance.now();
const cpu0 = ownCpuSeconds();
await tokens.getToken();
for (;;) {
  const items = await client.get();
  if (items.length === 0) break;
  const ids = items.map((item) => (item.ok ? item.message.id : item.id!));
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(acks, ids.length) }, async () => {
    while (next < ids.length) await client.ack(ids[next++]);
  }));
  messages += ids.length;
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ messages, seconds, cpuSeconds: ownCpuSeconds() - cpu0 }));
