/**
 * A PostgreSQL connection's socket over `Deno.connect`, for postgres.js's
 * `socket` option. postgres.js writes through `node:net`, whose write path
 * costs about 2.5× a `Deno.Conn.write` of the same bytes here (85 µs against
 * 34 µs for a 30 KB batch, beside HTTP traffic) and was 10–15% of the
 * client's busy time while it drains a backlog.
 *
 * It behaves as the part of `net.Socket` postgres.js uses, so the driver's
 * error, reconnect and timeout handling stays unchanged: it is returned at
 * once and connects in the background (postgres.js starts its connect timer
 * and writes its startup message before the connection exists; the bytes
 * wait); a failed connect emits `error` then `close`, as `net.Socket` does;
 * `data` carries a buffer of its own per read (the driver keeps slices of
 * it); `destroy()` aborts a pending connect; `close` is emitted once.
 *
 * Plain TCP to one host only: TLS (`sslmode`), Unix sockets and several hosts
 * keep the driver's own sockets (`denoSocketOption` returns undefined).
 */
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";

/** Bytes queued before `write` returns false (the driver then waits for `drain`). */
const HIGH_WATER = 1024 * 1024;
const READ_SIZE = 64 * 1024;

type WriteCallback = (err?: Error | null) => void;

export class DenoSocket extends EventEmitter {
  readyState: "opening" | "open" | "closed" = "opening";
  readonly host: string;
  readonly port: number;
  #conn: Deno.TcpConn | undefined;
  #abort = new AbortController();
  #queue: { bytes: Uint8Array; cb?: WriteCallback }[] = [];
  #queued = 0;
  #flushing = false;
  #needDrain = false;
  #endAfterFlush = false;
  #paused = false;
  #resume: (() => void) | undefined;
  #closed = false;
  #keepAlive = false;

  constructor(host: string, port: number) {
    super();
    this.host = host;
    this.port = port;
    this.#open();
  }

  async #open(): Promise<void> {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: this.host, port: this.port, signal: this.#abort.signal });
    } catch (err) {
      if (!this.#closed) this.#fail(err);
      return;
    }
    if (this.#closed) {
      conn.close();
      return;
    }
    this.#conn = conn;
    this.readyState = "open";
    try {
      conn.setNoDelay(true);
      if (this.#keepAlive) conn.setKeepAlive(true);
    } catch {
      // Socket options are a nicety; the connection works without them.
    }
    this.emit("connect");
    this.#flush();
    this.#readLoop(conn);
  }

  async #readLoop(conn: Deno.TcpConn): Promise<void> {
    const scratch = new Uint8Array(READ_SIZE);
    try {
      for (;;) {
        if (this.#paused) await new Promise<void>((r) => this.#resume = r);
        if (this.#closed) return;
        const n = await conn.read(scratch);
        if (n === null) break;
        if (this.#closed) return;
        // The driver keeps slices of what it is given: each read gets its own copy.
        const chunk = Buffer.allocUnsafe(n);
        chunk.set(scratch.subarray(0, n));
        this.emit("data", chunk);
      }
    } catch (err) {
      if (!this.#closed) this.#fail(err);
      return;
    }
    this.#close(false); // the server closed the connection
  }

  /** Queues `data`; false once HIGH_WATER bytes wait (then `drain` follows). */
  write(data: Uint8Array | string, cb?: WriteCallback): boolean {
    if (this.#closed || this.#endAfterFlush) {
      const err = Object.assign(new Error("write after the socket closed"), { code: "ERR_STREAM_DESTROYED" });
      if (cb) queueMicrotask(() => cb(err));
      return false;
    }
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    this.#queue.push({ bytes, cb });
    this.#queued += bytes.byteLength;
    if (this.#conn) this.#flush();
    if (this.#queued >= HIGH_WATER) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  async #flush(): Promise<void> {
    if (this.#flushing || !this.#conn) return;
    this.#flushing = true;
    const conn = this.#conn;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#queue;
        this.#queue = [];
        const bytes = batch.length === 1 ? batch[0].bytes : Buffer.concat(batch.map((w) => w.bytes));
        for (let off = 0; off < bytes.byteLength;) off += await conn.write(bytes.subarray(off));
        this.#queued -= bytes.byteLength;
        for (const w of batch) w.cb?.(null);
        if (this.#needDrain && this.#queued < HIGH_WATER) {
          this.#needDrain = false;
          this.emit("drain");
        }
      }
    } catch (err) {
      if (!this.#closed) this.#fail(err);
      return;
    } finally {
      this.#flushing = false;
    }
    if (this.#endAfterFlush && this.#queue.length === 0) this.#close(false);
  }

  /** Writes `data` (if any), then closes. */
  end(data?: Uint8Array | string): this {
    if (data !== undefined) this.write(data);
    this.#endAfterFlush = true;
    if (!this.#conn) this.#close(false);
    else if (!this.#flushing && this.#queue.length === 0) this.#close(false);
    else this.#flush();
    return this;
  }

  destroy(err?: Error): this {
    if (err) this.#fail(err);
    else this.#close(false);
    return this;
  }

  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    this.#paused = false;
    const r = this.#resume;
    this.#resume = undefined;
    r?.();
    return this;
  }

  setKeepAlive(enable = false, _initialDelayMs?: number): this {
    this.#keepAlive = enable;
    try {
      this.#conn?.setKeepAlive(enable);
    } catch {
      // See #open.
    }
    return this;
  }

  setNoDelay(noDelay = true): this {
    try {
      this.#conn?.setNoDelay(noDelay);
    } catch {
      // See #open.
    }
    return this;
  }

  #fail(err: unknown): void {
    if (this.#closed) return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.#close(true, error);
  }

  /** Closes once: pending writes fail, `error` (if any) then `close` are emitted on the next turn, as net.Socket does. */
  #close(hadError: boolean, err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.readyState = "closed";
    this.#abort.abort();
    try {
      this.#conn?.close();
    } catch {
      // Already closed.
    }
    this.resume();
    const pending = this.#queue;
    this.#queue = [];
    this.#queued = 0;
    queueMicrotask(() => {
      const gone = err ?? Object.assign(new Error("socket closed"), { code: "ERR_STREAM_DESTROYED" });
      for (const w of pending) w.cb?.(gone);
      // After the driver let go of the socket (removeAllListeners), an unheard "error" must not throw.
      if (err && this.listenerCount("error") > 0) this.emit("error", err);
      this.emit("close", hadError);
    });
  }
}

/**
 * postgres.js's `socket` option for `url` when it is plain TCP to a single
 * host (no `sslmode`/`ssl` other than disable, no Unix socket), else undefined.
 * `env` is the environment postgres.js reads too: PGSSL, PGSSLMODE or PGHOST
 * there change the connection the URL alone describes, so they keep node:net.
 */
export function denoSocketOption(
  url: string,
  env: (name: string) => string | undefined = () => undefined,
): ((options: { host: string[]; port: number[] }) => DenoSocket) | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const ssl = u.searchParams.get("sslmode") ?? u.searchParams.get("ssl");
  if (ssl !== null && ssl !== "disable" && ssl !== "false") return undefined;
  if (u.searchParams.has("host") || u.hostname === "" || u.host.includes(",")) return undefined;
  for (const name of ["PGSSL", "PGSSLMODE", "PGHOST"]) if (env(name)) return undefined;
  return (options) => new DenoSocket(options.host[0], options.port[0]);
}
