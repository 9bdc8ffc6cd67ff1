/**
 * Keeps a copy of the production database from stealing production's
 * messages: at the first successful token the installation identity is
 * recorded with the tenant; when the same tenant runs on a database whose
 * identity differs, setup, get and send stop (a transient `SL_INSTALLATION`
 * error, so nothing loses an attempt) until an operator confirms the new
 * identity (`cli activate --confirm`, or the dashboard).
 */
import {
  describeIdentity,
  type InstallationIdentity,
  type InstallationRecord,
  liveIdentity,
  readInstallation,
  sameIdentity,
  writeInstallation,
} from "../db/installation_store.ts";
import { AppError } from "../errors.ts";
import type { Database } from "../db/client.ts";
import type { Logger } from "../log.ts";
import type { SmartLinkClient } from "../smartlink/client.ts";
import { SmartLinkError, type SmartLinkOp } from "../smartlink/errors.ts";

export interface InstallationState {
  /** `unknown` until the first check (it needs a token). */
  status: "unknown" | "ok" | "mismatch";
  tenantId?: string;
  live?: InstallationIdentity;
  recorded?: InstallationRecord;
  /** Why the sync is paused, for the banner, `/healthz` reasons, doctor and the tick error. */
  message?: string;
  checkedAt?: Date;
}

export interface InstallationGuard {
  /** Compares this database with the one recorded for the tenant (recording it the first time). */
  check(): Promise<InstallationState>;
  /** The last result, without I/O. */
  state(): InstallationState;
  /** Adopts this database as the tenant's installation; `actor` says who ("cli", "admin 127.0.0.1"). */
  confirm(actor: string): Promise<InstallationState>;
}

export interface InstallationGuardOptions {
  db: Database;
  /** The tenant of the credentials (gets a token when needed). */
  tenantId: () => Promise<string>;
  now: () => Date;
  logger: Logger;
  /** A result is reused for this long, so a tick checks once; default 5 000 ms. */
  reuseMs?: number;
}

function mismatchMessage(tenantId: string, recorded: InstallationRecord, live: InstallationIdentity): string {
  return `This database is not the installation recorded for tenant "${tenantId}": recorded ${
    describeIdentity(recorded.identity)
  } (${recorded.recordedBy}, ${recorded.recordedAt}), this is ${describeIdentity(live)}. ` +
    "Setup, downloads and sends are paused so the recorded installation keeps its messages (every client with the " +
    'same credentials drains the same queue). If this database is now the production one, run "deno task cli ' +
    'activate --confirm" or confirm on the dashboard; a test copy needs credentials of its own';
}

/** No tenant could be had (the token request failed): nothing is known about the installation yet. */
export class TenantUnavailableError extends AppError<"TENANT_UNAVAILABLE"> {
  override name = "TenantUnavailableError";
}

async function tenantOf(opts: InstallationGuardOptions): Promise<string> {
  try {
    return await opts.tenantId();
  } catch (err) {
    throw new TenantUnavailableError("TENANT_UNAVAILABLE", `no RAC token: ${(err as Error).message}`, { cause: err });
  }
}

/** Creates the guard. Does no I/O until `check()`. */
export function createInstallationGuard(opts: InstallationGuardOptions): InstallationGuard {
  const reuseMs = opts.reuseMs ?? 5_000;
  const log = opts.logger.child({ component: "installation" });
  let current: InstallationState = { status: "unknown" };
  let inflight: Promise<InstallationState> | undefined;

  async function evaluate(): Promise<InstallationState> {
    const tenantId = await tenantOf(opts);
    const live = await liveIdentity(opts.db);
    const recorded = await readInstallation(opts.db);
    const now = opts.now();
    if (!recorded || recorded.tenantId !== tenantId) {
      const record: InstallationRecord = {
        v: 1,
        tenantId,
        identity: live,
        recordedAt: now.toISOString(),
        recordedBy: "first token",
      };
      await writeInstallation(opts.db, record, now);
      log.info(
        recorded
          ? `Credentials of another tenant on this database: installation recorded for tenant "${tenantId}"`
          : `Installation recorded for tenant "${tenantId}": ${describeIdentity(live)}`,
        { tenantId, previousTenantId: recorded?.tenantId },
      );
      return { status: "ok", tenantId, live, recorded: record, checkedAt: now };
    }
    if (sameIdentity(recorded.identity, live)) return { status: "ok", tenantId, live, recorded, checkedAt: now };
    const message = mismatchMessage(tenantId, recorded, live);
    if (current.status !== "mismatch") log.error(message, { tenantId });
    return { status: "mismatch", tenantId, live, recorded, message, checkedAt: now };
  }

  return {
    check() {
      const fresh = current.checkedAt && opts.now().getTime() - current.checkedAt.getTime() < reuseMs;
      if (fresh) return Promise.resolve(current);
      inflight ??= evaluate().then((s) => (current = s)).finally(() => (inflight = undefined));
      return inflight;
    },
    state: () => current,
    async confirm(actor) {
      const tenantId = await tenantOf(opts);
      const live = await liveIdentity(opts.db);
      const now = opts.now();
      const previous = await readInstallation(opts.db).catch(() => undefined);
      const record: InstallationRecord = {
        v: 1,
        tenantId,
        identity: live,
        recordedAt: now.toISOString(),
        recordedBy: actor,
      };
      await writeInstallation(opts.db, record, now);
      log.warn(`Installation identity adopted for tenant "${tenantId}" by ${actor}: ${describeIdentity(live)}`, {
        tenantId,
        previous: previous ? describeIdentity(previous.identity) : undefined,
      });
      current = { status: "ok", tenantId, live, recorded: record, checkedAt: now };
      return current;
    },
  };
}

/** `client` with setup, get and send refused while the guard reports a mismatch; ack and nack pass. */
export function guardClient(client: SmartLinkClient, guard: InstallationGuard): SmartLinkClient {
  const refuseIfCopy = async (op: SmartLinkOp) => {
    let state: InstallationState;
    try {
      state = await guard.check();
    } catch (err) {
      if (!(err instanceof TenantUnavailableError)) throw err;
      throw new SmartLinkError("SL_TOKEN", `Smart Link ${op} failed: ${err.message}`, {
        kind: "transient",
        op,
        cause: err,
      });
    }
    if (state.status === "mismatch") {
      throw new SmartLinkError("SL_INSTALLATION", `Smart Link ${op} paused: ${state.message}`, {
        kind: "transient",
        op,
      });
    }
  };
  const guarded: SmartLinkClient = {
    async setup(types) {
      await refuseIfCopy("setup");
      return client.setup(types);
    },
    async get() {
      await refuseIfCopy("get");
      return client.get();
    },
    ack: (ackId, message) => client.ack(ackId, message),
    async send(type, audience, envelope) {
      await refuseIfCopy("send");
      return client.send(type, audience, envelope);
    },
  };
  if (client.nack) guarded.nack = client.nack.bind(client);
  return guarded;
}
