/**
 * Admin view latency with a month of history: seeds 1,000,000 EXEC and
 * 1,000,000 LOG rows (INSERT … SELECT generate_series) plus a few thousand
 * messages into a fresh PostgreSQL schema, then times pages through
 * `app.request()` (20 runs after warm-up) and prints median and p95 in ms.
 * The schema is dropped at the end.
 *
 *   deno run -A bench/admin_bench.ts        (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 *
 * BENCH_EXEC_ROWS / BENCH_LOG_ROWS change the history size; BENCH_KEEP_SCHEMA=1
 * keeps the schema for EXPLAIN sessions (drop it by hand).
 */
import { sql } from "drizzle-orm";
import { DEFAULT_RETRY, loadConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { createLogger } from "../src/log.ts";
import { createApp } from "../src/web/app.tsx";
import type { AppDeps } from "../src/web/deps.ts";
import { fixedActivationControl } from "../test/helpers/web_deps.ts";

const URL_ = Deno.env.get("DATABASE_URL") || "postgres://postgres@127.0.0.1:5432/test";
const EXEC_ROWS = Number(Deno.env.get("BENCH_EXEC_ROWS") ?? 1_000_000);
const LOG_ROWS = Number(Deno.env.get("BENCH_LOG_ROWS") ?? 1_000_000);
const MESSAGE_ROWS = 5_000;
const RUNS = 20;
const WARMUP = 3;
const TOKEN = "bench-admin-token-0123456789";
const schema = `bench_admin_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;

const out = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));

async function seed(db: Awaited<ReturnType<typeof openDatabase>>, now: Date): Promise<string> {
  const t = now.toISOString();
  // Messages: 8 types, both directions, every status, created over 30 days.
  await db.orm.execute(sql`
    insert into gtotvslinkmessage (idexterno, direcao, tipo, audiencia, idcorrelacao, conteudo, status,
                                   qtdetentativaexec, datatentativaexec, ultimoerro, datacriacao, dataalteracao)
    select 'ext-' || i,
           case when i % 5 = 0 then 'UP' else 'DOWN' end,
           'Type' || (i % 8),
           case when i % 5 = 0 then 'SGDP' end,
           'corr-' || i,
           '{"requestID":"req-' || i || '","payload":"' || repeat('x', 200) || '"}',
           (array['PENDING','RETRY','DEAD','DEAD','PENDING','RUNNING'])[1 + i % 6],
           i % 4,
           ${t}::timestamptz - (i % 600) * interval '1 second',
           case when i % 3 = 0 then 'HTTP_503: ERP answered 503' end,
           ${t}::timestamptz - i * interval '8 minutes',
           ${t}::timestamptz - i * interval '4 minutes'
      from generate_series(1, ${MESSAGE_ROWS}) i`);
  // EXEC: about three attempts per message id, finished over 30 days, 90 % success.
  await db.orm.execute(sql`
    insert into gtotvslinkmessageexec (idmensagem, idexterno, direcao, tipo, idcorrelacao, conteudo, tentativa,
                                       sucesso, erro, datainicio, datafim, resultado)
    select md5('m' || (i / 3))::uuid, 'hist-' || (i / 3), case when i % 5 = 0 then 'UP' else 'DOWN' end,
           'Type' || (i % 8), 'corr-h' || (i / 3), '{"requestID":"req-h' || (i / 3) || '"}', 1 + i % 3,
           i % 10 <> 0, case when i % 10 = 0 then 'HTTP_503: ERP answered 503' end,
           ${t}::timestamptz - i * (interval '30 days' / ${EXEC_ROWS}) - interval '250 milliseconds',
           ${t}::timestamptz - i * (interval '30 days' / ${EXEC_ROWS}),
           case when i % 10 <> 0 then 'SUCCESS' when i % 30 = 0 then 'DEAD' else 'RETRY' end
      from generate_series(1, ${EXEC_ROWS}) i`);
  // LOG: 30 % tick-level rows ("Tick finished" with a summary), the rest per message; 5 % errors.
  await db.orm.execute(sql`
    insert into gtotvslinklog (idmensagem, logtype, logmensagem, logdate, datadebug, tipo)
    select case when i % 10 < 3 then null else md5('m' || (i / 3))::uuid end,
           case when i % 20 = 0 then 2 when i % 7 = 0 then 1 else 0 end,
           case when i % 10 < 3 then 'Tick finished in ' || (i % 900) || ' ms'
                when i % 20 = 0 then 'Attempt failed: HTTP 503'
                else 'Attempt succeeded' end,
           ${t}::timestamptz - i * (interval '30 days' / ${LOG_ROWS}),
           case when i % 10 < 3 then
             '{"trigger":"cron","startedAt":"' || to_char(${t}::timestamptz - i * (interval '30 days' / ${LOG_ROWS}),
               'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '","finishedAt":"' ||
               to_char(${t}::timestamptz - i * (interval '30 days' / ${LOG_ROWS}), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') ||
               '","durationMs":' || (i % 900) || ',"sent":0,"sendRejected":0,"downloaded":3,"stored":3,' ||
               '"duplicates":0,"invalid":0,"skipped":0,"acked":3,"ackFailed":0,"executed":3,"succeeded":3,' ||
               '"retried":0,"dead":0,"recovered":0,"purgedExec":0,"purgedLog":0}'
           end,
           case when i % 10 < 3 then null else 'Type' || (i % 8) end
      from generate_series(1, ${LOG_ROWS}) i`);
  await db.orm.execute(sql`analyze`);
  const [row] = await db.rows<{ id: string }>(
    sql`select id from gtotvslinkmessage where status = 'DEAD' order by datacriacao desc limit 1`,
  );
  // Give the detail target a history and logs like a real DEAD message.
  await db.orm.execute(sql`
    insert into gtotvslinkmessageexec (idmensagem, direcao, tipo, tentativa, sucesso, erro, datainicio, datafim, resultado)
    select ${row.id}::uuid, 'DOWN', 'Type1', a, false, 'HTTP_503', ${t}::timestamptz - a * interval '1 minute',
           ${t}::timestamptz - a * interval '1 minute', case when a = 3 then 'DEAD' else 'RETRY' end
      from generate_series(1, 3) a`);
  await db.orm.execute(sql`
    insert into gtotvslinklog (idmensagem, logtype, logmensagem, logdate, tipo)
    select ${row.id}::uuid, 2, 'Attempt ' || a || ' failed', ${t}::timestamptz - a * interval '1 minute', 'Type1'
      from generate_series(1, 3) a`);
  return row.id;
}

function stats(samples: number[]): { median: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95) };
}

async function main() {
  const admin = await openDatabase({ databaseUrl: URL_, maxConnections: 1 });
  await admin.orm.execute(sql.raw(`create schema ${schema}`));
  const db = await openDatabase({ databaseUrl: URL_, searchPath: schema, maxConnections: 4 });
  try {
    await migrate(db);
    const now = new Date();
    const t0 = performance.now();
    const detailId = await seed(db, now);
    out(
      `seeded ${MESSAGE_ROWS} messages, ${EXEC_ROWS} EXEC and ${LOG_ROWS} LOG rows in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s (schema ${schema})`,
    );

    const deps: AppDeps = {
      db,
      config: loadConfig({
        SMARTLINK_ADMIN_TOKEN: TOKEN,
        SMARTLINK_CLIENT_ID: "id",
        SMARTLINK_CLIENT_SECRET: "secret",
      }),
      logger: createLogger({ level: "error" }),
      now: () => now,
      sync: {
        run: () => Promise.resolve({ ran: false, reason: "busy" }),
        running: () => false,
        last: () => undefined, // as after a restart: the last tick comes from GTOTVSLINKLOG
        nextAt: () => new Date(now.getTime() + 60_000),
        draining: () => undefined,
      },
      publish: () => Promise.resolve({ id: crypto.randomUUID() }),
      activation: () => ({
        activated: true,
        tenantId: "bench",
        tokenValidUntil: new Date(now.getTime() + 3_600_000),
        subscriptions: [],
      }),
      activationControl: fixedActivationControl(),
      retryParams: () => DEFAULT_RETRY,
    };
    const app = createApp(deps);
    const basic = { Authorization: `Basic ${btoa(`admin:${TOKEN}`)}` };
    const bearer = { Authorization: `Bearer ${TOKEN}` };
    const cases: [string, string, Record<string, string>, boolean][] = [
      ["dashboard", "/", basic, true],
      ["messages (filtered)", "/messages?direction=DOWN&status=DEAD&type=Type1", basic, true],
      ["message detail", `/messages/${detailId}`, basic, true],
      ["messages (text prefix)", "/messages?text=ext-12", basic, false],
      ["history (type)", "/history?type=Type3", basic, false],
      ["history (message)", `/history?message=${detailId}`, basic, false],
      ["logs (errors)", "/logs?logtype=2", basic, false],
      ["logs (type, 1 day)", `/logs?type=Type5&from=${now.toISOString().slice(0, 10)}`, basic, false],
      ["api status", "/api/status", bearer, false],
      ["metrics", "/metrics", bearer, false],
      ["healthz", "/healthz", {}, false],
    ];
    out(`\n${"page".padEnd(24)} ${"median ms".padStart(10)} ${"p95 ms".padStart(10)}  target`);
    let failed = false;
    for (const [name, path, headers, targeted] of cases) {
      const samples: number[] = [];
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const start = performance.now();
        const res = await app.request(path, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
        if (i >= WARMUP) samples.push(performance.now() - start);
      }
      const { median, p95 } = stats(samples);
      const verdict = targeted ? (median < 100 ? "< 100 ms ok" : "OVER 100 ms") : "";
      if (targeted && median >= 100) failed = true;
      out(`${name.padEnd(24)} ${median.toFixed(1).padStart(10)} ${p95.toFixed(1).padStart(10)}  ${verdict}`);
    }
    if (failed) Deno.exitCode = 1;
  } finally {
    await db.close();
    if (Deno.env.get("BENCH_KEEP_SCHEMA") === "1") out(`kept schema ${schema}`);
    else await admin.orm.execute(sql.raw(`drop schema if exists ${schema} cascade`));
    await admin.close();
  }
}

await main();
