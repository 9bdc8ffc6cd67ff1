/**
 * A fake AppDeps for route tests: a real database (from dbTest), a fixed
 * clock, a recording sync control and publish, a settable activation. Plus
 * seeding helpers for the three tables and request helpers for the auth modes.
 */
import { type Config, DEFAULT_RETRY, loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/client.ts";
import {
  log,
  message,
  messageExec,
  type MessageRow,
  type NewExecRow,
  type NewLogRow,
  type NewMessageRow,
} from "../../src/db/schema.ts";
import { createMemoryLogger } from "../../src/log.ts";
import { emptySummary, type TickSummary } from "../../src/sync/summary.ts";
import type { CredentialsView } from "../../src/activation/credentials.ts";
import type {
  Activation,
  ActivationControl,
  AppDeps,
  DrainState,
  PublishInput,
  SyncRunResult,
} from "../../src/web/deps.ts";

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const NOW = new Date("2025-03-10T12:30:00.000Z");

export interface FakeState {
  now: Date;
  running: boolean;
  activated: boolean;
  last?: TickSummary;
  nextAt?: Date;
  draining?: DrainState;
  activation: Activation;
  /** What the next `sync.run` returns when it runs. */
  nextSummary?: TickSummary;
}

export interface FakeDeps {
  deps: AppDeps;
  state: FakeState;
  syncCalls: string[];
  published: PublishInput[];
  logger: ReturnType<typeof createMemoryLogger>;
}

export function fakeDeps(
  db: Database,
  options: { adminToken?: string | null; env?: Record<string, string> } = {},
): FakeDeps {
  const token = options.adminToken === null ? undefined : options.adminToken ?? ADMIN_TOKEN;
  const config: Config = loadConfig({
    SMARTLINK_CLIENT_ID: "client-id",
    SMARTLINK_CLIENT_SECRET: "client-secret-value",
    ...(token ? { SMARTLINK_ADMIN_TOKEN: token } : {}),
    ...options.env,
  });
  const state: FakeState = {
    now: NOW,
    running: false,
    activated: true,
    nextAt: new Date(NOW.getTime() + 60_000),
    activation: {
      activated: true,
      tenantId: "tenant-42",
      tokenValidUntil: new Date(NOW.getTime() + 3_600_000),
      subscriptions: ["SGDPMaskCommand", "Ping"],
    },
  };
  const syncCalls: string[] = [];
  const published: PublishInput[] = [];
  const logger = createMemoryLogger("debug");
  const deps: AppDeps = {
    db,
    config,
    logger,
    now: () => state.now,
    sync: {
      run: (trigger): Promise<SyncRunResult> => {
        syncCalls.push(trigger);
        if (!state.activation.activated) return Promise.resolve({ ran: false, reason: "not_activated" });
        if (state.running) return Promise.resolve({ ran: false, reason: "busy" });
        const summary = state.nextSummary ?? { ...emptySummary(trigger, state.now), durationMs: 12, executed: 1 };
        state.last = summary;
        return Promise.resolve({ ran: true, summary });
      },
      running: () => state.running,
      last: () => state.last,
      nextAt: () => state.nextAt,
      draining: () => state.draining,
    },
    publish: (input) => {
      published.push(input);
      return Promise.resolve({ id: crypto.randomUUID() });
    },
    activation: () => state.activation,
    activationControl: fixedActivationControl(),
    retryParams: () => DEFAULT_RETRY,
  };
  return { deps, state, syncCalls, published, logger };
}

/** An activation port whose credentials come from the environment: the page only shows them. */
export function fixedActivationControl(
  view: CredentialsView = { source: "env", clientId: "client-id" },
): ActivationControl {
  const refuse = () => Promise.reject(new Error("fixedActivationControl: credentials come from the environment"));
  return { view: () => view, test: refuse, activate: refuse, deactivate: refuse };
}

// ---------------------------------------------------------------- seeding

export async function insertMessage(db: Database, row: Partial<NewMessageRow> = {}): Promise<MessageRow> {
  const [inserted] = await db.orm.insert(message).values({
    direcao: "DOWN",
    tipo: "SGDPMaskCommand",
    conteudo: JSON.stringify({ requestID: "r-1", cpf: "123" }),
    status: "PENDING",
    dataCriacao: NOW,
    dataAlteracao: NOW,
    dataTentativaExec: NOW,
    ...row,
  }).returning();
  return inserted;
}

export async function insertExec(db: Database, row: Partial<NewExecRow> & { idMensagem: string }) {
  const [inserted] = await db.orm.insert(messageExec).values({
    direcao: "DOWN",
    tipo: "SGDPMaskCommand",
    tentativa: 1,
    sucesso: true,
    dataInicio: NOW,
    dataFim: NOW,
    resultado: "SUCCESS",
    ...row,
  }).returning();
  return inserted;
}

export async function insertLog(db: Database, row: Partial<NewLogRow> = {}) {
  const [inserted] = await db.orm.insert(log).values({
    logType: 0,
    logMensagem: "info",
    logDate: NOW,
    ...row,
  }).returning();
  return inserted;
}

// ---------------------------------------------------------------- requests

export const bearer = (token = ADMIN_TOKEN) => ({ Authorization: `Bearer ${token}` });
export const basic = (token = ADMIN_TOKEN, user = "admin") => ({ Authorization: `Basic ${btoa(`${user}:${token}`)}` });

/** A same-origin form POST with the CSRF cookie and field, as a browser on http://localhost sends it. */
export function formPost(
  fields: Record<string, string>,
  csrf: string,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method: "POST",
    headers: {
      ...basic(),
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: "http://localhost",
      Cookie: `sl_csrf=${csrf}`,
      ...headers,
    },
    body: new URLSearchParams({ csrf, ...fields }).toString(),
  };
}

/** A CSRF token as the server would issue it (the double-submit cookie value). */
export const CSRF = "A".repeat(43);
