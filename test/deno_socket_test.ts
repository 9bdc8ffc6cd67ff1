/**
 * postgres.js over `DenoSocket` (src/db/deno_socket.ts) behaves as over its
 * own node:net socket: pipelined queries, answers and parameters bigger than
 * one read or the write high-water mark, a refused connection, a backend
 * killed by the server, a clean end. The outage cases through a TCP proxy are
 * test/db_faults_test.ts, which runs the client as `serve` wires it (with
 * this socket).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { denoSocketOption } from "../src/db/deno_socket.ts";
import { TEST_DATABASE_URL } from "./helpers/db.ts";

const pgTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `${name} [postgres]`, ignore: !TEST_DATABASE_URL, fn });

/** A client of TEST_DATABASE_URL through DenoSocket (or node:net with `node`). */
function client(url = TEST_DATABASE_URL!, extra: Record<string, unknown> = {}, node = false) {
  const socket = denoSocketOption(url);
  assert.ok(socket, `DenoSocket applies to ${url}`);
  return postgres(url, { max: 1, onnotice: () => {}, ...(node ? {} : { socket }), ...extra } as never);
}

Deno.test("denoSocketOption: plain TCP to one host only", () => {
  assert.equal(typeof denoSocketOption("postgres://u@127.0.0.1:5432/db"), "function");
  assert.equal(typeof denoSocketOption("postgres://u@db.example:5432/db?sslmode=disable"), "function");
  assert.equal(denoSocketOption("postgres://u@db.example/db?sslmode=require"), undefined, "TLS keeps node:net");
  assert.equal(denoSocketOption("postgres://u@db.example/db?ssl=true"), undefined);
  assert.equal(denoSocketOption("postgres://u@/db?host=/var/run/postgresql"), undefined, "Unix socket");
  assert.equal(denoSocketOption("postgres://u@h1:5432,h2:5432/db"), undefined, "several hosts");
  assert.equal(denoSocketOption("not a url"), undefined);
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(denoSocketOption("postgres://u@h/db", env({ PGSSLMODE: "require" })), undefined, "PGSSLMODE");
  assert.equal(denoSocketOption("postgres://u@h/db", env({ PGSSL: "1" })), undefined, "PGSSL");
  assert.equal(denoSocketOption("postgres://u@h/db", env({ PGHOST: "/run/postgresql" })), undefined, "PGHOST");
  assert.equal(typeof denoSocketOption("postgres://u@h/db", env({ PGUSER: "x" })), "function", "other PG vars");
});

pgTest("DenoSocket: pipelined queries, a 3 MB answer and a 2 MB parameter come back whole", async () => {
  const sql = client();
  try {
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => sql`select ${i}::int as n`));
    assert.deepEqual(many.map((r) => r[0].n), Array.from({ length: 200 }, (_, i) => i));
    const [big] = await sql`select repeat('ab', 1500000) as s, md5(repeat('ab', 1500000)) as h`;
    assert.equal(big.s.length, 3_000_000);
    const param = "x".repeat(2_000_000) + "end";
    const [echo] = await sql`select length(${param}::text) as n, right(${param}::text, 3) as tail`;
    assert.equal(echo.n, 2_000_003);
    assert.equal(echo.tail, "end");
  } finally {
    await sql.end({ timeout: 2 });
  }
});

pgTest("DenoSocket: a refused connection fails the query as node:net does", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  const url = `postgres://postgres@127.0.0.1:${port}/nothing`;
  const codes: string[] = [];
  for (const node of [false, true]) {
    const sql = client(url, { connect_timeout: 1 }, node);
    const t0 = performance.now();
    const err = await sql`select 1`.then(() => undefined, (e) => e as { code?: string });
    assert.ok(err, "the query fails");
    assert.ok(performance.now() - t0 < 5_000, "within the connect timeout, not forever");
    codes.push(String(err.code));
    await sql.end({ timeout: 1 });
  }
  assert.equal(codes[0], codes[1], `same error code as node:net: ${codes.join(" vs ")}`);
});

for (const node of [false, true]) {
  const via = node ? "node:net" : "DenoSocket";
  pgTest(`${via}: a backend terminated by the server fails its query, and the next one reconnects`, async () => {
    // What a fast restart of PostgreSQL does to every backend (FATAL 57P01). Before vendor patch 5 the
    // next query waited forever and the dead backend's error surfaced as an unhandled rejection.
    const sql = client(undefined, {}, node);
    const admin = client();
    try {
      const [{ pid }] = await sql`select pg_backend_pid() as pid`;
      const pending = sql`select pg_sleep(5)`.then(() => "finished", (e) => String(e.code));
      await new Promise((r) => setTimeout(r, 200));
      await admin`select pg_terminate_backend(${pid}::int)`;
      assert.equal(await pending, "CONNECTION_CLOSED");
      const next = await Promise.race([
        sql`select pg_backend_pid() as pid`.then((r) => r[0].pid as number),
        new Promise<string>((r) => setTimeout(() => r("still waiting after 5 s"), 5_000)),
      ]);
      assert.equal(typeof next, "number", String(next));
      assert.notEqual(next, pid, "a new backend answers");
    } finally {
      await sql.end({ timeout: 2 });
      await admin.end({ timeout: 2 });
    }
  });
}

pgTest("DenoSocket: end() closes the backend", async () => {
  const name = `deno-socket-${crypto.randomUUID().slice(0, 8)}`;
  const sql = client(TEST_DATABASE_URL, { connection: { application_name: name } });
  const admin = client();
  try {
    await sql`select 1`;
    const count = async () =>
      Number((await admin`select count(*)::int as n from pg_stat_activity where application_name = ${name}`)[0].n);
    assert.equal(await count(), 1);
    await sql.end({ timeout: 2 });
    let n = 1;
    for (let i = 0; i < 50 && n > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      n = await count();
    }
    assert.equal(n, 0, "the server saw the connection close");
  } finally {
    await admin.end({ timeout: 2 });
  }
});
