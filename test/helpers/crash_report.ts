/**
 * What the crash scenario found, from three records kept apart: the
 * simulator (acks, replies), the ERP stand-in (every handler call) and the
 * client's database (message rows, EXEC history).
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client.ts";
import { REMOVED_COPY_TEXT } from "../../src/db/queue/claim.ts";
import type { ErpCall } from "../../src/simulator/erp.ts";
import type { SentMessage } from "../../src/simulator/state.ts";

export interface CrashFindings {
  messagesChecked: number;
  /** Commands without a recorded success, a handler call or a reply: `<id>: <what it has, counted>`. */
  lost: string[];
  /** Commands whose handler was called after their success was recorded. */
  duplicatesAfterSuccess: string[];
  /** Success EXEC rows without the handler call they claim. */
  inconsistentExec: string[];
  /** Commands with more than one success EXEC row. */
  doubleSuccess: string[];
  /** Handler calls beyond the first per message (crash before the outcome was recorded). */
  reExecutionsBeforeRecording: number;
  handlerCalls: number;
  abandonedAttempts: number;
  maxAttempt: number;
  repliesSent: number;
  duplicateReplies: number;
  /** Rows still in GTOTVSLINKMESSAGE at the end, by direction and status. */
  rowsLeft: Record<string, number>;
  /** Second copies of succeeded commands the claim removed instead of running (their LOG rows). */
  copiesRemovedByClaim: number;
}

export interface CrashReport extends CrashFindings {
  seed: number;
  messages: number;
  killsSurvived: number;
  killsDuringTick: number;
  killsBetweenTicks: number;
  lives: number;
  ticks: number;
  /** Commands whose success was recorded before the last kill. */
  doneDuringKills: number;
  acksChecked: number;
  /** Acks the server received for ids the database did not hold at that moment. */
  ackedBeforeCommit: string[];
  finalExitCode: number | null;
  /** Exits the harness did not cause: code 0 or a signal means another program stopped it; other codes are crashes. */
  unexpectedExits: { life: number; code: number; signal: string | null }[];
  durationMs: number;
  logFile: string;
}

/** True when the database holds `idExterno` as a message row or in EXEC history (it was committed). */
export async function isCommitted(db: Database, idExterno: string): Promise<boolean> {
  const [row] = await db.rows<{ ok: boolean }>(sql`select
    exists(select 1 from gtotvslinkmessage where idexterno = ${idExterno})
    or exists(select 1 from gtotvslinkmessageexec where idexterno = ${idExterno}) as ok`);
  return row.ok === true;
}

/** The figures, one per line, for the test output and the bench. */
export function formatCrashReport(r: CrashReport): string {
  return [
    `seed ${r.seed} (replay: CRASH_SEED=${r.seed})`,
    `kills survived: ${r.killsSurvived} (${r.killsDuringTick} during a tick, ${r.killsBetweenTicks} between ticks; ${r.lives} process lives, ${r.ticks} ticks)`,
    `messages checked: ${r.messagesChecked} (${r.doneDuringKills} done before the last kill)`,
    `acks checked against the database: ${r.acksChecked}; acked before commit: ${r.ackedBeforeCommit.length}`,
    `messages lost: ${r.lost.length}${r.lost.length > 0 ? ` (${r.lost.slice(0, 10).join("; ")})` : ""}`,
    `duplicate executions after recorded success: ${r.duplicatesAfterSuccess.length}; second copies removed by the claim: ${r.copiesRemovedByClaim}`,
    `success EXEC rows without their handler call: ${r.inconsistentExec.length}; double successes: ${r.doubleSuccess.length}`,
    `re-executions before recording (allowed): ${r.reExecutionsBeforeRecording} of ${r.handlerCalls} handler calls`,
    `abandoned attempts recovered: ${r.abandonedAttempts}; highest attempt: ${r.maxAttempt}`,
    `replies sent: ${r.repliesSent} (duplicates, at-least-once resends: ${r.duplicateReplies})`,
    `rows left: ${JSON.stringify(r.rowsLeft)}; last life exit code ${r.finalExitCode}`,
    `exits not caused by the harness: ${JSON.stringify(r.unexpectedExits)}`,
    `duration: ${(r.durationMs / 1000).toFixed(1)} s; client log ${r.logFile}`,
  ].join("\n");
}

/** Compares the three records of a finished run. */
export async function checkCrashRun(
  db: Database,
  commands: { id: string; requestID: string }[],
  erpCalls: ErpCall[],
  sent: SentMessage[],
): Promise<CrashFindings> {
  const execRows = await db.rows<{
    idmensagem: string;
    idexterno: string | null;
    direcao: string;
    tentativa: number;
    sucesso: boolean;
    resultado: string;
    datafim: string | Date;
  }>(sql`select idmensagem, idexterno, direcao, tentativa, sucesso, resultado, datafim from gtotvslinkmessageexec`);
  const left = await db.rows<{ direcao: string; status: string; n: number }>(
    sql`select direcao, status, count(*)::int as n from gtotvslinkmessage group by 1, 2`,
  );
  const [removed] = await db.rows<{ n: number }>(
    sql`select count(*)::int as n from gtotvslinklog where logmensagem = ${REMOVED_COPY_TEXT}`,
  );
  const rowsLeft: Record<string, number> = {};
  for (const r of left) rowsLeft[`${r.direcao}/${r.status}`] = Number(r.n);

  const callsByMessage = new Map<string, { attempt: number; at: number }[]>();
  // By command, whatever local row carried it: a second copy of a command has its own local ID.
  const callTimesByRequest = new Map<string, number[]>();
  for (const call of erpCalls) {
    const id = call.headers["x-smartlink-message-id"];
    const list = callsByMessage.get(id) ?? [];
    list.push({ attempt: Number(call.headers["x-smartlink-attempt"]), at: call.at.getTime() });
    callsByMessage.set(id, list);
    try {
      const requestID = JSON.parse(call.body)?.content?.requestID;
      if (typeof requestID === "string") {
        callTimesByRequest.set(requestID, [...(callTimesByRequest.get(requestID) ?? []), call.at.getTime()]);
      }
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
    }
  }
  const successes = new Map<string, typeof execRows>();
  for (const e of execRows) {
    if (e.direcao !== "DOWN" || !e.sucesso || e.idexterno === null) continue;
    successes.set(e.idexterno, [...(successes.get(e.idexterno) ?? []), e]);
  }
  const replies = new Map<string, number>();
  for (const s of sent) {
    const requestID = JSON.parse(s.body)?.content?.requestID;
    replies.set(requestID, (replies.get(requestID) ?? 0) + 1);
  }

  const lost: string[] = [];
  const duplicatesAfterSuccess: string[] = [];
  const inconsistentExec: string[] = [];
  const doubleSuccess: string[] = [];
  for (const c of commands) {
    const ok = successes.get(c.id) ?? [];
    const callTimes = callTimesByRequest.get(c.requestID) ?? [];
    if (ok.length === 0 || callTimes.length === 0 || !replies.has(c.requestID)) {
      lost.push(
        `${c.id}: ${ok.length} success EXEC rows, ${callTimes.length} handler calls, ${
          replies.get(c.requestID) ?? 0
        } replies`,
      );
      continue;
    }
    if (ok.length > 1) doubleSuccess.push(c.id);
    const firstSuccessEnd = Math.min(...ok.map((e) => new Date(e.datafim).getTime()));
    if (callTimes.some((at) => at > firstSuccessEnd)) duplicatesAfterSuccess.push(c.id);
    for (const e of ok) {
      const end = new Date(e.datafim).getTime();
      const calls = callsByMessage.get(e.idmensagem) ?? [];
      if (!calls.some((call) => call.attempt === e.tentativa && call.at <= end)) inconsistentExec.push(c.id);
    }
  }
  let reExecutions = 0;
  for (const calls of callsByMessage.values()) reExecutions += calls.length - 1;
  let duplicateReplies = 0;
  for (const n of replies.values()) duplicateReplies += n - 1;
  return {
    messagesChecked: commands.length,
    lost,
    duplicatesAfterSuccess,
    inconsistentExec,
    doubleSuccess,
    reExecutionsBeforeRecording: reExecutions,
    handlerCalls: erpCalls.length,
    abandonedAttempts: execRows.filter((e) => e.resultado === "ABANDONED").length,
    maxAttempt: Math.max(0, ...execRows.map((e) => e.tentativa)),
    repliesSent: sent.length,
    duplicateReplies,
    rowsLeft,
    copiesRemovedByClaim: removed.n,
  };
}
