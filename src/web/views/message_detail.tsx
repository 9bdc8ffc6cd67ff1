/** `/messages/:id`: every column, the content, the actions, EXEC history and logs. */
import type { ExecSummary, MessageDetail } from "../../db/admin_queries.ts";
import type { LogRow, MessageRow } from "../../db/schema.ts";
import { formatBytes, formatRelative, LOG_TYPE_NAMES } from "../format.ts";
import { nextAttemptAt, NO_NEXT_ATTEMPT } from "../next_attempt.ts";
import { relatedMessages } from "../related.ts";
import { ActionForm, Badge, Content, Debug, href, Time } from "./parts.tsx";

export interface MessageDetailData extends MessageDetail {
  id: string;
  now: Date;
  csrf: string;
}

function Columns(props: { m: MessageRow; now: Date }) {
  const m = props.m;
  const next = nextAttemptAt(m);
  return (
    <dl class="kv">
      <dt>ID</dt>
      <dd class="mono">{m.id}</dd>
      <dt>IDEXTERNO</dt>
      <dd class="mono">{m.idExterno ?? "—"}</dd>
      <dt>DIRECAO</dt>
      <dd>{m.direcao}</dd>
      <dt>TIPO</dt>
      <dd class="mono">{m.tipo}</dd>
      <dt>AUDIENCIA</dt>
      <dd class="mono">{m.audiencia ?? "—"}</dd>
      <dt>IDCORRELACAO</dt>
      <dd class="mono">{m.idCorrelacao ?? "—"}</dd>
      <dt>STATUS</dt>
      <dd>
        <Badge value={m.status} />
      </dd>
      <dt>QTDETENTATIVAEXEC</dt>
      <dd>{m.qtdeTentativaExec}</dd>
      <dt>Next attempt</dt>
      <dd>
        {next
          ? (
            <>
              <Time at={next} /> <span class="muted small">({formatRelative(next, props.now)})</span>
            </>
          )
          : <span class="muted">{NO_NEXT_ATTEMPT}</span>}
      </dd>
      <dt>DATATENTATIVAEXEC</dt>
      <dd>
        <Time at={m.dataTentativaExec} /> <span class="muted small">(last scheduled attempt)</span>
      </dd>
      <dt>ULTIMOERRO</dt>
      <dd class="small">{m.ultimoErro ?? "—"}</dd>
      <dt>DATACRIACAO</dt>
      <dd>
        <Time at={m.dataCriacao} />
      </dd>
      <dt>DATAALTERACAO</dt>
      <dd>
        <Time at={m.dataAlteracao} />
      </dd>
      <dt>EXECUTOR</dt>
      <dd class="mono">{m.executor ?? "—"}</dd>
      <dt>DATAINICIOEXEC</dt>
      <dd>
        <Time at={m.dataInicioExec} />
      </dd>
      <dt>Content size</dt>
      <dd>{formatBytes(new TextEncoder().encode(m.conteudo).length)}</dd>
    </dl>
  );
}

function Executions(props: { rows: ExecSummary[] }) {
  return (
    <div class="table-wrap">
      <table class="stack">
        <thead>
          <tr>
            <th>Started</th>
            <th>Finished</th>
            <th class="num">Attempt</th>
            <th>Result</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 && (
            <tr>
              <td colspan={5} class="muted">No execution yet.</td>
            </tr>
          )}
          {props.rows.map((e) => (
            <tr>
              <td class="nowrap" data-label="Started">
                <Time at={e.dataInicio} />
              </td>
              <td class="nowrap" data-label="Finished">
                <Time at={e.dataFim} />
              </td>
              <td class="num" data-label="Attempt">{e.tentativa}</td>
              <td data-label="Result">
                <Badge value={e.resultado} />
              </td>
              <td class="wrap small" data-label="Error">{e.erro ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LogTable(props: { rows: LogRow[]; showMessage?: boolean }) {
  const cols = props.showMessage ? 5 : 3;
  return (
    <div class="table-wrap">
      <table class="stack">
        <thead>
          <tr>
            <th>Date</th>
            <th>Level</th>
            <th>Message</th>
            {props.showMessage && <th>Type</th>}
            {props.showMessage && <th>Message ID</th>}
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 && (
            <tr>
              <td colspan={cols} class="muted">No log rows.</td>
            </tr>
          )}
          {props.rows.map((l) => (
            <tr>
              <td class="nowrap" data-label="Date">
                <Time at={l.logDate} />
              </td>
              <td data-label="Level">
                <Badge value={LOG_TYPE_NAMES[l.logType] ?? String(l.logType)} />
              </td>
              <td class="wrap" data-label="Message">
                <div>
                  {l.logMensagem}
                  <Debug text={l.dataDebug} />
                </div>
              </td>
              {props.showMessage && <td class="wrap mono small" data-label="Type">{l.tipo ?? ""}</td>}
              {props.showMessage && (
                <td class="nowrap mono" data-label="Message ID">
                  {l.idMensagem
                    ? <a href={`/messages/${l.idMensagem}`} title={l.idMensagem}>{l.idMensagem.slice(0, 8)}…</a>
                    : "—"}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "Reply: <id>" on a command, "Reply to command: <id>" on a reply. */
function RelatedLinks(props: { logs: LogRow[] }) {
  const r = relatedMessages(props.logs);
  if (!r.replyId && !r.commandId) return null;
  return (
    <p class="related">
      {r.replyId && (
        <span>
          Reply: <a class="mono" href={`/messages/${r.replyId}`} rel="related">{r.replyId}</a>
        </span>
      )}
      {r.commandId && (
        <span>
          Reply to command: <a class="mono" href={`/messages/${r.commandId}`} rel="related">{r.commandId}</a>
        </span>
      )}
    </p>
  );
}

export function MessageDetailView(props: MessageDetailData) {
  const m = props.message;
  const last = props.executions[0];
  return (
    <>
      <h1>
        Message <span class="mono">{props.id}</span>
      </h1>
      <RelatedLinks logs={props.logs} />
      {m
        ? (
          <>
            <section class="card">
              <h2>Actions</h2>
              {m.status === "RUNNING"
                ? <p class="muted">An attempt is running; actions are available when it ends.</p>
                : (
                  <div class="actions">
                    <ActionForm action={`/messages/${m.id}/retry`} csrf={props.csrf} label="Retry now" />
                    <ActionForm
                      action={`/messages/${m.id}/discard`}
                      csrf={props.csrf}
                      label="Discard"
                      danger
                      confirm="I want to delete this message"
                    />
                  </div>
                )}
              <p class="muted small">
                Retry makes the message due now with a fresh attempt budget; the next tick runs it. Discard deletes it
                and records the discard in the history.
              </p>
            </section>
            <section class="card">
              <h2>Columns</h2>
              <Columns m={m} now={props.now} />
            </section>
            <section class="card">
              <h2>Content (CONTEUDO)</h2>
              <Content text={m.conteudo} />
            </section>
          </>
        )
        : (
          <section class="card">
            <p>
              This message is no longer in GTOTVSLINKMESSAGE
              {last
                ? (
                  <>
                    : its last recorded outcome is <Badge value={last.resultado} />.
                  </>
                )
                : "."}
            </p>
            {last && (
              <dl class="kv">
                <dt>TIPO</dt>
                <dd class="mono">{last.tipo}</dd>
                <dt>DIRECAO</dt>
                <dd>{last.direcao}</dd>
                <dt>IDEXTERNO</dt>
                <dd class="mono">{last.idExterno ?? "—"}</dd>
                <dt>IDCORRELACAO</dt>
                <dd class="mono">{last.idCorrelacao ?? "—"}</dd>
              </dl>
            )}
            {props.historyContent != null && (
              <>
                <h2>Content (from the history)</h2>
                <Content text={props.historyContent} />
              </>
            )}
          </section>
        )}
      <section class="card">
        <h2>Executions (GTOTVSLINKMESSAGEEXEC)</h2>
        <Executions rows={props.executions} />
        <p class="small">
          <a href={href("/history", { message: props.id })}>Filter the history by this message →</a>
        </p>
      </section>
      <section class="card">
        <h2>Logs (GTOTVSLINKLOG)</h2>
        <LogTable rows={props.logs} />
        <p class="small">
          <a href={href("/logs", { message: props.id })}>Filter the logs by this message →</a>
        </p>
      </section>
    </>
  );
}
