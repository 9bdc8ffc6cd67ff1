/**
 * What the sync engine needs from the rest of the program (its ports) and
 * what it offers back to the HTTP surface. The composition root
 * (`runtime.ts`) provides them; nothing here imports upward.
 */
import type { RetryParams } from "../config.ts";
import type { Database } from "../db/client.ts";
import type { ReplyTarget } from "../handlers/http.ts";
import type { HandlerRegistry } from "../handlers/types.ts";
import type { Logger } from "../log.ts";
import type { ParsedItem } from "../smartlink/wire.ts";
import type { TickSummary } from "./summary.ts";
import type { MaintenanceSchedule } from "./maintenance_schedule.ts";

/** The part of the Smart Link client the tick uses. */
export interface SmartLinkPort {
  get(): Promise<ParsedItem[]>;
  /** `ackId` removes the message; `message` fills `$id`/`$type` of the profile. */
  ack(ackId: string, message?: { id: string; type: string }): Promise<void>;
  /** Set when the profile has a `nack` route: items stored DEAD on arrival are nacked instead of acked. */
  nack?(ackId: string, error: string, message?: { id: string; type: string }): Promise<void>;
  send(type: string, audience: string, envelope: string): Promise<void>;
}

/** Keeps the subscription set registered; `ensure()` calls setup when needed. */
export interface SetupPort {
  ensure(): Promise<void>;
}

export interface TickDeps {
  db: Database;
  client: SmartLinkPort;
  setup: SetupPort;
  handlers: HandlerRegistry;
  now: () => Date;
  logger: Logger;
  /** This process, written to `EXECUTOR` of claimed rows. */
  executor: string;
  /** Re-reads the remote config and returns the effective retry parameters. */
  retryParams: () => Promise<RetryParams>;
  tenantId: () => string | undefined;
  concurrency: number;
  /** Acks in flight at once (`SMARTLINK_ACK_CONCURRENCY`); default `DEFAULT_ACK_CONCURRENCY`. */
  ackConcurrency?: number;
  maxPerTick: number;
  handlerTimeoutMs: number;
  retentionDays: number;
  /** `errorReply` of the handlers file by message type: reported upstream when such a message ends DEAD. */
  errorReplies?: ReadonlyMap<string, ReplyTarget>;
  /** The one redactor, for texts this engine sends out (error replies). */
  redact?: (text: string) => string;
  /** Set on the embedded database, which has no autovacuum nor checkpointer: when the purge phase does their work. */
  maintenance?: MaintenanceSchedule;
  /** Aborted at shutdown: stop claiming and downloading. */
  stopSignal?: AbortSignal;
  /** Aborted when running handlers must give up (shutdown grace over). */
  abortSignal?: AbortSignal;
}

export interface TickOptions {
  /** `upstream` only sends (the flush after a publish). */
  phases?: "all" | "upstream";
  /** Receives the tick's summary as it starts; its counters grow while the tick runs. */
  onStart?: (summary: TickSummary) => void;
}

/** A backlog being drained: ticks that stopped at `SMARTLINK_MAX_PER_TICK` followed at once by another. */
export interface DrainState {
  since: Date;
  /** Ticks of this drain, the running one included. */
  ticks: number;
  /** Downstream items fetched by this drain so far, the running tick's included. */
  fetched: number;
}

/** What asking for a tick gave: its summary, or why none ran. */
export type SyncRunResult = { ran: true; summary: TickSummary } | { ran: false; reason: "busy" | "not_activated" };

/** A message to publish upstream (`POST /api/messages`). */
export interface PublishInput {
  type: string;
  audience: string;
  data: unknown;
  correlationId?: string;
}
