/**
 * The three RM tables. PostgreSQL folds unquoted names to lower case, so the
 * physical names are lower case and `SELECT * FROM GTOTVSLINKMESSAGE` works
 * for an RM DBA. Tables live in the connection's default schema.
 */
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const DIRECTIONS = ["DOWN", "UP"] as const;
export type Direction = typeof DIRECTIONS[number];
export const STATUSES = ["PENDING", "RUNNING", "RETRY", "DEAD"] as const;
export type Status = typeof STATUSES[number];

/** Messages still to be executed (DOWN) or sent (UP); a row is deleted when its message succeeds. */
export const message = pgTable("gtotvslinkmessage", {
  id: uuid("id").primaryKey().defaultRandom(),
  /** Server message id (downstream); unique among rows. */
  idExterno: text("idexterno"),
  direcao: text("direcao").$type<Direction>().notNull(),
  tipo: text("tipo").notNull(),
  audiencia: text("audiencia"),
  idCorrelacao: text("idcorrelacao"),
  conteudo: text("conteudo").notNull(),
  status: text("status").$type<Status>().notNull().default("PENDING"),
  qtdeTentativaExec: integer("qtdetentativaexec").notNull().default(0),
  dataTentativaExec: ts("datatentativaexec").notNull().defaultNow(),
  ultimoErro: text("ultimoerro"),
  dataCriacao: ts("datacriacao").notNull().defaultNow(),
  dataAlteracao: ts("dataalteracao").notNull().defaultNow(),
  /** Who claimed the row while RUNNING (process id), null otherwise. */
  executor: text("executor"),
  /** When the current RUNNING attempt started. */
  dataInicioExec: ts("datainicioexec"),
}, (t) => [
  uniqueIndex("gtotvslinkmessage_idexterno_uq").on(t.idExterno),
  // The claims (downstream and outbox): due rows of one direction in their order (time, then id), so a
  // claim reads only the rows it takes instead of sorting the whole backlog for each batch.
  index("gtotvslinkmessage_due_ix").on(t.direcao, t.dataTentativaExec, t.id).where(sql`status in ('PENDING', 'RETRY')`),
  // The outbox: due UP rows oldest first (creation, then id), read in that order instead of sorted each pass.
  index("gtotvslinkmessage_outbox_ix").on(t.dataCriacao, t.id).where(
    sql`direcao = 'UP' and status in ('PENDING', 'RETRY')`,
  ),
  // Recovery of RUNNING rows left by a crashed process.
  index("gtotvslinkmessage_running_ix").on(t.dataInicioExec).where(sql`status = 'RUNNING'`),
  // The admin list: newest first, keyset paging.
  index("gtotvslinkmessage_created_ix").on(t.dataCriacao.desc(), t.id.desc()),
  check("gtotvslinkmessage_direcao_ck", sql`${t.direcao} in ('DOWN', 'UP')`),
  check("gtotvslinkmessage_status_ck", sql`${t.status} in ('PENDING', 'RUNNING', 'RETRY', 'DEAD')`),
]);

export const EXEC_RESULTS = ["SUCCESS", "RETRY", "DEAD", "ABANDONED", "DISCARDED"] as const;
export type ExecResult = typeof EXEC_RESULTS[number];

/** One row per execution attempt, never updated; the only history once a message succeeded. */
export const messageExec = pgTable("gtotvslinkmessageexec", {
  id: uuid("id").primaryKey().defaultRandom(),
  /** `GTOTVSLINKMESSAGE.ID` of the message. */
  idMensagem: uuid("idmensagem").notNull(),
  idExterno: text("idexterno"),
  direcao: text("direcao").$type<Direction>().notNull(),
  tipo: text("tipo").notNull(),
  audiencia: text("audiencia"),
  idCorrelacao: text("idcorrelacao"),
  conteudo: text("conteudo"),
  tentativa: integer("tentativa").notNull(),
  sucesso: boolean("sucesso").notNull(),
  erro: text("erro"),
  dataInicio: ts("datainicio").notNull(),
  dataFim: ts("datafim").notNull(),
  /** What the attempt led to: SUCCESS, RETRY, DEAD, ABANDONED or DISCARDED. */
  resultado: text("resultado").$type<ExecResult>().notNull(),
}, (t) => [
  // Redelivery dedup: has this server id already succeeded?
  index("gtotvslinkmessageexec_idexterno_ix").on(t.idExterno).where(sql`sucesso`),
  index("gtotvslinkmessageexec_idmensagem_ix").on(t.idMensagem, t.dataInicio),
  // Purge, the 24-hour chart and date filters.
  index("gtotvslinkmessageexec_datafim_ix").on(t.dataFim),
  index("gtotvslinkmessageexec_tipo_ix").on(t.tipo, t.dataFim),
]);

/** `LOGTYPE` of a GTOTVSLINKLOG row, by name: the one place the numbers are written. */
export const LOG_TYPES = { info: 0, warning: 1, error: 2 } as const;
export type LogTypeName = keyof typeof LOG_TYPES;
export type LogType = typeof LOG_TYPES[LogTypeName];
/** `[LOGTYPE, name]` in LOGTYPE order: `[0, "info"], [1, "warning"], [2, "error"]`. */
export const LOG_TYPE_ENTRIES: readonly (readonly [LogType, LogTypeName])[] = Object.entries(LOG_TYPES)
  .map(([name, type]) => [type, name as LogTypeName] as const)
  .sort((a, b) => a[0] - b[0]);

/** Business and tick logs; `IDMENSAGEM` is null for tick-level entries. */
export const log = pgTable("gtotvslinklog", {
  id: uuid("id").primaryKey().defaultRandom(),
  idMensagem: uuid("idmensagem"),
  logType: integer("logtype").$type<LogType>().notNull(),
  logMensagem: text("logmensagem").notNull(),
  logDate: ts("logdate").notNull().defaultNow(),
  /** Extra detail, JSON text. */
  dataDebug: text("datadebug"),
  /** The message type, when the entry is about one message (for filters). */
  tipo: text("tipo"),
}, (t) => [
  index("gtotvslinklog_idmensagem_ix").on(t.idMensagem, t.logDate),
  index("gtotvslinklog_logdate_ix").on(t.logDate),
  index("gtotvslinklog_logtype_ix").on(t.logType, t.logDate),
]);

/**
 * The client's own state, not an RM table: one JSON value per key (installation
 * identity, credentials entered on the page, encrypted). Shared by every
 * process on one database, so an active/passive pair sees the same values.
 */
export const setting = pgTable("smartlink_setting", {
  key: text("key").primaryKey(),
  /** JSON text. */
  value: text("value").notNull(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

export const schema = { message, messageExec, log, setting };
export type MessageRow = typeof message.$inferSelect;
export type NewMessageRow = typeof message.$inferInsert;
export type ExecRow = typeof messageExec.$inferSelect;
export type NewExecRow = typeof messageExec.$inferInsert;
export type LogRow = typeof log.$inferSelect;
export type NewLogRow = typeof log.$inferInsert;
export type SettingRow = typeof setting.$inferSelect;
