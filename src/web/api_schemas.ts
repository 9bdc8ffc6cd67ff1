/**
 * The JSON API's answers as valibot schemas: the OpenAPI document
 * (`GET /api/openapi.json`) is generated from these and from the request
 * schemas the routes validate with; the route tests check real answers
 * against the document. Dates are ISO 8601 strings, as `c.json` writes them.
 */
import * as v from "valibot";
import { DIRECTIONS, EXEC_RESULTS, LOG_TYPE_ENTRIES, STATUSES } from "../db/schema.ts";

const isoTime = v.pipe(v.string(), v.isoTimestamp());
const uuid = v.pipe(v.string(), v.uuid());
const int = v.pipe(v.number(), v.integer());
const text = v.nullable(v.string());

/** Every error: `{error:{code,message,details?}}`. */
export const ErrorBody = v.object({
  error: v.object({
    code: v.pipe(v.string(), v.description("Stable, upper-case code, e.g. MESSAGE_NOT_FOUND")),
    message: v.pipe(v.string(), v.description("What went wrong and what to do, for a person")),
    details: v.optional(v.record(v.string(), v.unknown())),
  }),
});

const messageColumns = {
  id: uuid,
  idExterno: text,
  direcao: v.picklist(DIRECTIONS),
  tipo: v.string(),
  audiencia: text,
  idCorrelacao: text,
  status: v.picklist(STATUSES),
  qtdeTentativaExec: int,
  dataTentativaExec: isoTime,
  ultimoErro: text,
  dataCriacao: isoTime,
  dataAlteracao: isoTime,
  executor: text,
  dataInicioExec: v.nullable(isoTime),
};

/** A GTOTVSLINKMESSAGE row without CONTEUDO. */
export const MessageSummary = v.object(messageColumns);
const nextAttemptAt = v.pipe(v.nullable(isoTime), v.description("When it is tried next; null for DEAD"));
export const MessageListItem = v.object({ ...messageColumns, conteudoBytes: int, nextAttemptAt });
export const Message = v.object({ ...messageColumns, conteudo: v.string(), nextAttemptAt });

/** A GTOTVSLINKMESSAGEEXEC row without CONTEUDO. */
export const Execution = v.object({
  id: uuid,
  idMensagem: uuid,
  idExterno: text,
  direcao: v.picklist(DIRECTIONS),
  tipo: v.string(),
  audiencia: text,
  idCorrelacao: text,
  tentativa: int,
  sucesso: v.boolean(),
  erro: text,
  dataInicio: isoTime,
  dataFim: isoTime,
  resultado: v.picklist(EXEC_RESULTS),
});

/** A GTOTVSLINKLOG row. */
export const LogEntry = v.object({
  id: uuid,
  idMensagem: v.nullable(uuid),
  logType: v.pipe(
    v.picklist(LOG_TYPE_ENTRIES.map(([type]) => type)),
    v.description(LOG_TYPE_ENTRIES.map(([type, name]) => `${type} ${name}`).join(", ")),
  ),
  logMensagem: v.string(),
  logDate: isoTime,
  dataDebug: v.pipe(text, v.description("JSON text")),
  tipo: text,
});

const page = <T extends v.GenericSchema>(item: T) =>
  v.object({
    items: v.array(item),
    nextCursor: v.pipe(v.nullable(v.string()), v.description("Pass as `cursor` for the next page; null at the end")),
  });

export const MessagePage = page(MessageListItem);
export const ExecutionPage = page(Execution);
export const LogPage = page(LogEntry);

export const MessageDetailBody = v.object({
  message: v.pipe(v.nullable(Message), v.description("Null once the message succeeded or was discarded")),
  executions: v.array(Execution),
  logs: v.array(LogEntry),
  historyContent: v.optional(v.nullable(v.string())),
});

export const RetryBody = v.object({ message: MessageSummary });
export const DiscardBody = v.object({ message: MessageSummary, execution: Execution });
export const PublishAccepted = v.object({ id: uuid });

const PHASES = ["config", "setup", "upstream", "downstream", "execute", "purge", "lock", "database"] as const;

/** What one tick did (`TickSummary`). */
export const TickSummaryBody = v.object({
  trigger: v.picklist(["cron", "api", "cli", "publish", "admin", "test"]),
  startedAt: isoTime,
  finishedAt: isoTime,
  durationMs: int,
  sent: int,
  sendRejected: int,
  downloaded: int,
  stored: int,
  duplicates: int,
  invalid: int,
  skipped: int,
  acked: int,
  ackFailed: int,
  executed: int,
  succeeded: int,
  retried: int,
  dead: int,
  recovered: int,
  purgedExec: int,
  purgedLog: int,
  phaseMs: v.object({ setup: int, upstream: int, downstream: int, execute: int, purge: int }),
  error: v.optional(v.object({ phase: v.picklist(PHASES), code: v.string(), message: v.string() })),
});

const statusCells = v.object(
  Object.fromEntries(STATUSES.map((s) => [s, int])) as Record<typeof STATUSES[number], typeof int>,
);

export const StatusBody = v.object({
  activation: v.object({
    activated: v.boolean(),
    state: v.picklist(["not_configured", "configured", "token_failing", "active"]),
    hint: text,
    tokenErrorCode: text,
    tenantId: text,
    tokenValidUntil: v.nullable(isoTime),
    tokenError: text,
    setupError: text,
    setupAt: v.nullable(isoTime),
    subscriptions: v.array(v.string()),
  }),
  counts: v.object({
    total: int,
    byDirection: v.object({ DOWN: statusCells, UP: statusCells }),
    byType: v.array(v.object({ type: v.string(), counts: statusCells })),
    rows: v.array(
      v.object({ direction: v.picklist(DIRECTIONS), status: v.picklist(STATUSES), type: v.string(), count: int }),
    ),
  }),
  oldestPendingSeconds: v.nullable(int),
  oldestDueAt: v.nullable(isoTime),
  lastTick: v.nullable(v.object({ ...TickSummaryBody.entries, source: v.picklist(["process", "log"]) })),
  nextTickAt: v.nullable(isoTime),
  syncRunning: v.boolean(),
  now: isoTime,
});

export const HealthBodySchema = v.object({
  status: v.picklist(["ok", "degraded", "not_activated", "unavailable"]),
  checks: v.object({
    database: v.picklist(["ok", "error"]),
    activation: v.picklist(["activated", "not_activated", "unknown"]),
    activationState: v.picklist(["not_configured", "configured", "token_failing", "active", "unknown"]),
    token: v.picklist(["ok", "error", "none", "not_activated", "unknown"]),
    lastTick: v.nullable(v.object({
      finishedAt: isoTime,
      durationMs: int,
      error: v.nullable(v.object({ phase: v.string(), code: v.string() })),
    })),
    oldestPendingSeconds: v.nullable(int),
    /** `mismatch`: this database is a copy of the installation recorded for the tenant; sync paused. */
    installation: v.picklist(["ok", "mismatch", "unknown"]),
  }),
  reasons: v.array(v.string()),
});

/** `GET /api/doctor`: the checks `deno task cli doctor` prints, run by this server. */
export const DoctorBody = v.object({
  checks: v.array(v.object({
    status: v.picklist(["OK", "WARN", "FAIL", "SKIP", "INFO"]),
    name: v.string(),
    detail: v.string(),
  })),
  failed: v.pipe(v.boolean(), v.description("True when a check is FAIL: the CLI exits 1")),
});

/** `POST /api/purge`: rows deleted, older than the cutoff. */
export const PurgeBody = v.object({ exec: int, log: int, cutoff: isoTime });
