// deno-lint-ignore-file jsx-key -- hono/jsx renders `key` as an HTML attribute; server-rendered lists need none.
/** `/`: activation, ticks, queue counts, the 24-hour chart and recent errors. */
import type { RetryParams } from "../../config.ts";
import type { HourBucket } from "../../db/admin_queries.ts";
import { DIRECTIONS, LOG_TYPES, type LogRow, STATUSES } from "../../db/schema.ts";
import { formatDuration, formatRelative, truncate } from "../format.ts";
import { activationState } from "../activation_state.ts";
import type { AlertsView } from "../deps.ts";
import { tickSummaryText } from "../tick_text.ts";
import { statusGrid, type StatusSnapshot, typeGrid } from "../status.ts";
import type { InstallationState } from "../../sync/installation_guard.ts";
import { HourChart } from "./chart.tsx";
import { InstallationBanner } from "./installation_banner.tsx";
import { ActionForm, Badge, href, Time } from "./parts.tsx";

export interface DashboardData {
  status: StatusSnapshot;
  /** Undefined when SMARTLINK_ALERT_WEBHOOK is not set. */
  alerts?: AlertsView;
  installation?: InstallationState;
  buckets: HourBucket[];
  errors: LogRow[];
  retry: RetryParams;
  schedule: string;
  csrf: string;
}

function Activation(props: { s: StatusSnapshot }) {
  const a = props.s.activation;
  const st = activationState(a);
  return (
    <section class="card" id="activation">
      <h2>
        Activation <Badge value={st.label} kind={st.kind} />
      </h2>
      {st.state === "not_configured" ? <NotActivatedSteps problem={a.credentialsProblem} /> : (
        <>
          {st.hint && <p class={st.kind === "error" ? "problem small" : "muted small"}>{st.hint}.</p>}
          <dl class="kv">
            <dt>Tenant</dt>
            <dd class="mono">{a.tenantId ?? "—"}</dd>
            <dt>Token valid until</dt>
            <dd>
              <Time at={a.tokenValidUntil} />{" "}
              {a.tokenValidUntil && <span class="muted small">({formatRelative(a.tokenValidUntil, props.s.now)})</span>}
            </dd>
            {a.tokenError && (
              <>
                <dt>Token error</dt>
                <dd class="small">{a.tokenError}</dd>
              </>
            )}
            <dt>Setup</dt>
            <dd>
              {a.setupError ? <span class="small">{a.setupError}</span> : a.setupAt ? <Time at={a.setupAt} /> : "—"}
            </dd>
            <dt>Subscriptions</dt>
            <dd class="small">{a.subscriptions.length ? a.subscriptions.join(", ") : "—"}</dd>
          </dl>
          <p class="small">
            <a href="/activation">
              {a.source === "env" ? "Credentials (from the environment) →" : "Manage activation →"}
            </a>
          </p>
        </>
      )}
    </section>
  );
}

/** Every step from a fresh install to a syncing client. */
function NotActivatedSteps(props: { problem?: string }) {
  return (
    <div class="steps">
      {props.problem && <p class="problem small">{props.problem}.</p>}
      <p class="small">Not syncing: this client has no tenant credentials yet. To activate it:</p>
      <ol class="small">
        <li>
          Write the handlers file (which command type goes to which ERP endpoint) and point{" "}
          <code>SMARTLINK_HANDLERS</code> at it (a restart reads it); see the README's "Handlers file".
        </li>
        <li>
          Open{" "}
          <a href="/activation">Activation</a>, paste the client id and secret TOTVS sent, press Test, then Activate:
          syncing starts at the next tick, no restart. (Or set <code>SMARTLINK_CLIENT_ID</code> and{" "}
          <code>SMARTLINK_CLIENT_SECRET</code> / <code>SMARTLINK_CLIENT_SECRET_FILE</code> and restart.)
        </li>
        <li>
          Run <code>deno task cli doctor</code>: every check should say <code>OK</code>; a <code>FAIL</code>{" "}
          line says what to fix.
        </li>
      </ol>
    </div>
  );
}

function Sync(props: { s: StatusSnapshot; schedule: string; retry: RetryParams; csrf: string }) {
  const { s } = props;
  const t = s.lastTick?.summary;
  return (
    <section class="card">
      <h2>Sync</h2>
      <dl class="kv">
        <dt>Last tick</dt>
        <dd>
          {t
            ? (
              <>
                <Time at={t.finishedAt} /> <span class="muted small">({formatRelative(t.finishedAt, s.now)})</span>{" "}
                {t.error ? <Badge value="failed" /> : <Badge value="ok" />}
              </>
            )
            : "never"}
        </dd>
        {t && (
          <>
            <dt>Duration</dt>
            <dd>{t.durationMs} ms · {t.trigger}</dd>
            <dt>Summary</dt>
            <dd class="small">{tickSummaryText(t)}</dd>
          </>
        )}
        {t?.error && (
          <>
            <dt>Error</dt>
            <dd class="small">{t.error.phase}: {t.error.code} — {t.error.message}</dd>
          </>
        )}
        {s.draining && (
          <>
            <dt>Draining</dt>
            <dd>
              <Badge value="draining" kind="RUNNING" /> {s.draining.fetched} fetched so far in {s.draining.ticks}{" "}
              tick{s.draining.ticks === 1 ? "" : "s"} since <Time at={s.draining.since} />
            </dd>
          </>
        )}
        <dt>Next tick</dt>
        <dd>
          <Time at={s.nextTickAt} />{" "}
          {s.nextTickAt && <span class="muted small">({formatRelative(s.nextTickAt, s.now)})</span>}
        </dd>
        <dt>Schedule</dt>
        <dd class="mono">{props.schedule}</dd>
        <dt>Retries</dt>
        <dd class="small">
          {props.retry.qtdeTentativasExec} attempts · interval {props.retry.minutesInterval} min × factor{" "}
          {props.retry.fatorTempoExecucao}
        </dd>
      </dl>
      <div class="actions">
        {s.syncRunning
          ? <Badge value="sync running" kind="RUNNING" />
          : <ActionForm action="/sync" csrf={props.csrf} label="Sync now" />}
      </div>
    </section>
  );
}

function Queue(props: { s: StatusSnapshot }) {
  const grid = statusGrid(props.s.counts);
  const byType = typeGrid(props.s.counts);
  const total = props.s.counts.reduce((n, c) => n + c.count, 0);
  const waiting = props.s.oldestPendingSeconds;
  return (
    <section class="card">
      <h2>Queue</h2>
      <div class="kpis">
        <div>
          <div class="big">{total}</div>
          <div class="label">unfinished message{total === 1 ? "" : "s"}</div>
        </div>
        <div>
          <div class="big">{waiting === null ? "—" : formatDuration(waiting * 1000)}</div>
          <div class="label">oldest due message waiting</div>
        </div>
        <div>
          <div class="big">{grid.DOWN.DEAD + grid.UP.DEAD}</div>
          <div class="label">
            <a href="/messages?status=DEAD">dead messages</a>
          </div>
        </div>
      </div>
      <div class="split">
        <div class="table-wrap">
          <table class="counts">
            <thead>
              <tr>
                <th>Direction</th>
                {STATUSES.map((st) => <th class="num">{st}</th>)}
              </tr>
            </thead>
            <tbody>
              {DIRECTIONS.map((d) => (
                <tr>
                  <td>{d}</td>
                  {STATUSES.map((st) => (
                    <td class="num">
                      {grid[d][st] > 0
                        ? <a href={href("/messages", { direction: d, status: st })}>{grid[d][st]}</a>
                        : 0}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {byType.length > 0 && (
          <div class="table-wrap" id="by-type">
            <table class="counts">
              <thead>
                <tr>
                  <th>Type</th>
                  {STATUSES.map((st) => <th class="num">{st}</th>)}
                </tr>
              </thead>
              <tbody>
                {byType.map((row) => (
                  <tr>
                    <td class="wrap">
                      <a href={href("/messages", { type: row.type })}>{row.type}</a>
                    </td>
                    {STATUSES.map((st) => <td class="num">{row.counts[st]}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}

function Alerts(props: { alerts?: AlertsView; now: Date }) {
  const a = props.alerts;
  return (
    <section class="card" id="alerts">
      <h2>
        Alerts {a
          ? a.lastError && (!a.lastSent || a.lastError.at > a.lastSent.at)
            ? <Badge value="delivery failing" kind="error" />
            : <Badge value="on" kind="ok" />
          : <Badge value="off" kind="DISCARDED" />}
      </h2>
      {!a
        ? <p class="muted small">Set SMARTLINK_ALERT_WEBHOOK to be told about trouble without watching this page.</p>
        : (
          <dl class="kv">
            <dt>Webhook</dt>
            <dd class="mono">{a.target}</dd>
            <dt>Active</dt>
            <dd class="small">{a.active.length ? a.active.join(", ") : "none"}</dd>
            <dt>Last sent</dt>
            <dd class="small">
              {a.lastSent
                ? (
                  <>
                    <Time at={a.lastSent.at} /> <span class="muted">({formatRelative(a.lastSent.at, props.now)})</span>
                    <div>{a.lastSent.text}</div>
                  </>
                )
                : "nothing yet"}
            </dd>
            {a.lastError && (
              <>
                <dt>Delivery error</dt>
                <dd class="small problem">
                  <Time at={a.lastError.at} /> {a.lastError.message}
                </dd>
              </>
            )}
            {a.waiting > 0 && (
              <>
                <dt>Waiting</dt>
                <dd class="small">{a.waiting} (throttled to one per condition per 15 minutes, or being retried)</dd>
              </>
            )}
          </dl>
        )}
    </section>
  );
}

function RecentErrors(props: { errors: LogRow[] }) {
  return (
    <section class="card">
      <h2>Recent errors</h2>
      {props.errors.length === 0 ? <p class="muted">No errors logged.</p> : (
        <ul class="plain">
          {props.errors.map((e) => (
            <li>
              <Time at={e.logDate} /> {e.tipo && <span class="mono small">{e.tipo}</span>}
              <div>{truncate(e.logMensagem, 300)}</div>
              {e.idMensagem && <a class="small" href={`/messages/${e.idMensagem}`}>message {e.idMensagem}</a>}
            </li>
          ))}
        </ul>
      )}
      <p class="small">
        <a href={`/logs?logtype=${LOG_TYPES.error}`}>All errors →</a>
      </p>
    </section>
  );
}

export function DashboardView(props: DashboardData) {
  const s = props.status;
  return (
    <>
      <h1>Dashboard</h1>
      <InstallationBanner state={props.installation} csrf={props.csrf} />
      <div class="grid">
        <Activation s={s} />
        <Sync s={s} schedule={props.schedule} retry={props.retry} csrf={props.csrf} />
      </div>
      <Queue s={s} />
      <section class="card">
        <h2>Executions, last 24 hours</h2>
        <HourChart buckets={props.buckets} />
      </section>
      <div class="grid">
        <RecentErrors errors={props.errors} />
        <Alerts alerts={props.alerts} now={s.now} />
      </div>
    </>
  );
}
