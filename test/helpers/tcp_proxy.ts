/**
 * A TCP proxy for database fault tests: forwards 127.0.0.1:<port> to a
 * target, and can sever every connection until restored — a database outage
 * without touching the database. While severed, new connections are either
 * refused (the port is closed, like a stopped PostgreSQL) or accepted and
 * closed at once (like a proxy whose backend is down).
 */

export type SeverMode = "refuse" | "accept-and-close";

export interface TcpProxy {
  readonly port: number;
  /** Connections forwarded so far. */
  readonly accepted: number;
  /** Connections closed at once while severed (`accept-and-close`). */
  readonly rejected: number;
  /** Closes every open connection; new ones fail as `mode` says until `restore()`. */
  sever(mode?: SeverMode): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port. */
export function startTcpProxy(target: { hostname: string; port: number }): TcpProxy {
  let listener: Deno.Listener | undefined = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const open = new Set<Deno.Conn>();
  const pumps = new Set<Promise<void>>();
  const loops = new Set<Promise<void>>();
  let up = true;
  let closed = false;
  let accepted = 0;
  let rejected = 0;

  const closeQuietly = (conn: Deno.Conn) => {
    open.delete(conn);
    try {
      conn.close();
    } catch (err) {
      if (!(err instanceof Deno.errors.BadResource)) throw err; // already closed by the other side
    }
  };

  const pump = async (from: Deno.Conn, to: Deno.Conn) => {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch (err) {
      // A severed or reset connection ends the pump; anything else is a bug in the test.
      if (
        !(err instanceof Deno.errors.BadResource || err instanceof Deno.errors.ConnectionReset ||
          err instanceof Deno.errors.BrokenPipe || err instanceof Deno.errors.Interrupted)
      ) throw err;
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  };

  const serve = async (client: Deno.Conn) => {
    if (!up) {
      rejected++;
      return closeQuietly(client);
    }
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: target.hostname, port: target.port });
    } catch (err) {
      closeQuietly(client);
      if (!(err instanceof Deno.errors.ConnectionRefused)) throw err;
      return;
    }
    if (!up) {
      closeQuietly(client);
      return closeQuietly(upstream);
    }
    accepted++;
    open.add(client);
    open.add(upstream);
    await Promise.all([pump(client, upstream), pump(upstream, client)]);
  };

  const acceptLoop = (l: Deno.Listener) => {
    const loop = (async () => {
      try {
        for await (const conn of l) {
          open.add(conn);
          const p = serve(conn).finally(() => pumps.delete(p));
          pumps.add(p);
        }
      } catch (err) {
        if (!(err instanceof Deno.errors.BadResource)) throw err; // the listener was closed
      }
    })().finally(() => loops.delete(loop));
    loops.add(loop);
  };
  acceptLoop(listener);

  const closeListener = () => {
    listener?.close();
    listener = undefined;
  };

  return {
    port,
    get accepted() {
      return accepted;
    },
    get rejected() {
      return rejected;
    },
    sever(mode = "refuse") {
      up = false;
      if (mode === "refuse") closeListener();
      for (const conn of [...open]) closeQuietly(conn);
    },
    restore() {
      if (closed) return;
      up = true;
      if (!listener) {
        listener = Deno.listen({ hostname: "127.0.0.1", port });
        acceptLoop(listener);
      }
    },
    async close() {
      closed = true;
      up = false;
      closeListener();
      for (const conn of [...open]) closeQuietly(conn);
      await Promise.all([...loops]);
      await Promise.all([...pumps]);
    },
  };
}
