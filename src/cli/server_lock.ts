/**
 * PGlite is one process: while `serve` holds the embedded database it keeps a
 * lock file in SMARTLINK_DATA_DIR naming its pid and URL, and the CLI
 * commands act through that server's API instead of opening the database.
 */
import { AppError } from "../errors.ts";

export interface LockInfo {
  pid: number;
  /** Distinguishes two servers of one process (tests). */
  instance: string;
  url: string;
  startedAt: string;
  /** Random; the server proves it knows it (`GET /lock-proof`) before the CLI sends it the admin token. */
  nonce?: string;
}

export const LOCK_FILE = "serve.lock";

export class ServerLockError extends AppError<"DB_IN_USE"> {
  override name = "ServerLockError";
}

function lockPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, "")}/${LOCK_FILE}`;
}

function processAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    if (Deno.build.os !== "linux") {
      try {
        Deno.kill(pid, "SIGCONT"); // harmless to a running process; throws when there is none
        return true;
      } catch {
        return false;
      }
    }
    return false;
  }
}

/** The running server holding the embedded database, or undefined (a stale lock is removed). */
export function readServerLock(dataDir: string): LockInfo | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(lockPath(dataDir));
  } catch {
    return undefined;
  }
  let info: LockInfo;
  try {
    info = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof info.pid !== "number" || !processAlive(info.pid)) {
    try {
      Deno.removeSync(lockPath(dataDir));
    } catch {
      // Another process removed it first.
    }
    return undefined;
  }
  return info;
}

/**
 * Takes the lock for this `serve` process.
 * @throws ServerLockError when a live server already holds the database
 */
export function acquireServerLock(dataDir: string, url: string, nonce: string): { release(): void } {
  const held = readServerLock(dataDir);
  if (held) {
    throw new ServerLockError(
      "DB_IN_USE",
      `The embedded database in "${dataDir}" is used by a running server (pid ${held.pid}, ${held.url}); stop it or set another SMARTLINK_DATA_DIR`,
    );
  }
  Deno.mkdirSync(dataDir, { recursive: true });
  const info: LockInfo = {
    pid: Deno.pid,
    instance: crypto.randomUUID(),
    url,
    startedAt: new Date().toISOString(),
    nonce,
  };
  Deno.writeTextFileSync(lockPath(dataDir), JSON.stringify(info));
  return {
    release() {
      try {
        const now = readServerLock(dataDir);
        if (now?.instance === info.instance) Deno.removeSync(lockPath(dataDir));
      } catch {
        // Already gone.
      }
    },
  };
}
