/**
 * `/activation`, RM's "Ativação Totvs Apps": where the credentials come from,
 * the form (client id, secret, environment or custom URLs), the last test's
 * answer and deactivation. Pure; the secret is never in its input, at most
 * the last 2 characters of a stored one.
 */
import type { CredentialsView } from "../../activation/credentials.ts";
import type { TestResult } from "../../activation/test_credentials.ts";
import type { ActivationFormValues } from "../activation_form.ts";
import { activationState } from "../activation_state.ts";
import type { Activation } from "../deps.ts";
import type { FieldErrors } from "../filters.ts";
import { formatDuration, formatRelative } from "../format.ts";
import { ActionForm, Badge, CsrfField, ErrorList, Time } from "./parts.tsx";

export interface ActivationPageData {
  view: CredentialsView;
  activation: Activation;
  now: Date;
  nextTickAt?: Date;
  values: ActivationFormValues;
  /** URLs fixed by the environment. */
  locked: { linkUrl?: string; racTokenUrl?: string };
  errors?: FieldErrors;
  test?: { result: TestResult; clientId: string; pending?: string };
  csrf: string;
}

const ENV_LABELS: [string, string][] = [
  ["prod", "Production (prod)"],
  ["staging", "Staging"],
  ["dev", "Development (dev)"],
];

const envName = (env: string | undefined) =>
  env === "custom" ? "custom URLs" : ENV_LABELS.find(([k]) => k === env)?.[1] ?? env ?? "—";

function Current(props: { d: ActivationPageData }) {
  const { view: v, activation: a, now } = props.d;
  const st = activationState(a);
  return (
    <section class="card" id="current">
      <h2>
        Status <Badge value={st.label} kind={st.kind} />
      </h2>
      {v.problem && <p class="problem small" role="alert">{v.problem}.</p>}
      {v.source === "env" && (
        <p class="small">
          The credentials come from the environment (<code>SMARTLINK_CLIENT_ID</code>,{" "}
          <code>SMARTLINK_CLIENT_SECRET</code>): they take precedence over anything stored here. To manage them on this
          page, remove both variables and restart.
        </p>
      )}
      {v.source === "none" && !v.problem && (
        <p class="small">
          Not activated: enter the client id and secret TOTVS sent for this tenant, Test, then Activate.
        </p>
      )}
      {v.clientId && (
        <dl class="kv">
          <dt>Client id</dt>
          <dd class="mono">{v.clientId}</dd>
          <dt>Environment</dt>
          <dd>{envName(v.env)}</dd>
          <dt>Smart Link URL</dt>
          <dd class="mono small">{v.linkUrl}</dd>
          <dt>RAC token URL</dt>
          <dd class="mono small">{v.racTokenUrl}</dd>
          <dt>Client secret</dt>
          <dd>
            {v.source === "env"
              ? "from the environment"
              : v.secretEnding
              ? `stored, ending in ••${v.secretEnding}`
              : v.storedKeyId
              ? "stored"
              : "—"}
            {v.storedKeyId && <span class="muted small">{` (encrypted, key id ${v.storedKeyId})`}</span>}
          </dd>
          {v.storedAt && (
            <>
              <dt>Stored</dt>
              <dd>
                <Time at={v.storedAt} /> <span class="muted small">by {v.storedBy}</span>
              </dd>
            </>
          )}
          <dt>Tenant</dt>
          <dd class="mono">{a.tenantId ?? "—"}</dd>
          <dt>Token valid until</dt>
          <dd>
            <Time at={a.tokenValidUntil} />{" "}
            {a.tokenValidUntil && <span class="muted small">({formatRelative(a.tokenValidUntil, now)})</span>}
          </dd>
        </dl>
      )}
      {v.storedOverridden && (
        <p class="muted small">
          Credentials for client id <code>{v.storedOverridden.clientId}</code>{" "}
          are also stored in the database; the environment's are used.
        </p>
      )}
    </section>
  );
}

function NoKey() {
  return (
    <section class="card" id="secret-key">
      <h2>
        Secret key <Badge value="not set" kind="warning" />
      </h2>
      <p class="small">
        Credentials entered here are stored in the database encrypted (AES-256-GCM) under a key that only this server
        holds. Without it this page is read-only: Test works, Activate does not. To set it:
      </p>
      <ol class="small">
        <li>
          Generate 32 random bytes: <code>openssl rand -base64 32</code>{" "}
          and write them to a file only the service user can read, e.g. <code>/etc/smartlink/secret.key</code>.
        </li>
        <li>
          Set <code>SMARTLINK_SECRET_KEY_FILE=/etc/smartlink/secret.key</code> (or <code>SMARTLINK_SECRET_KEY</code>
          {" "}
          to the value) for every process on this database, the same key for all.
        </li>
        <li>Restart the client, then come back here. Keep a copy of the key: without it the stored secret is lost.</li>
      </ol>
    </section>
  );
}

function TestAnswer(props: { test: NonNullable<ActivationPageData["test"]>; canStore: boolean; csrf: string }) {
  const r = props.test.result;
  if (!r.ok) {
    return (
      <section class="card" id="test-result">
        <h2>
          Test <Badge value="failed" kind="error" />
        </h2>
        <dl class="kv">
          <dt>Answer</dt>
          <dd class="small">{r.message}</dd>
          <dt>What to check</dt>
          <dd class="small">{r.check}.</dd>
        </dl>
        <p class="muted small">Nothing was stored.</p>
      </section>
    );
  }
  return (
    <section class="card" id="test-result">
      <h2>
        Test <Badge value={r.setup.ok ? "passed" : "token ok, setup failed"} kind={r.setup.ok ? "ok" : "warning"} />
      </h2>
      <dl class="kv">
        <dt>Client id</dt>
        <dd class="mono">{props.test.clientId}</dd>
        <dt>Tenant</dt>
        <dd class="mono">{r.tenantId ?? "(the token names no tenant)"}</dd>
        <dt>Token lifetime</dt>
        <dd>
          {formatDuration(r.lifetimeS * 1000)}{" "}
          <span class="muted small">
            (until <Time at={r.validUntil} />)
          </span>
        </dd>
        <dt>Setup</dt>
        <dd class="small">
          {r.setup.ok
            ? `answered: ${r.setup.subscriptions.length} subscription(s) ${r.setup.subscriptions.join(", ")}`
            : r.setup.message}
        </dd>
        {!r.setup.ok && (
          <>
            <dt>What to check</dt>
            <dd class="small">{r.setup.check}.</dd>
          </>
        )}
      </dl>
      <p class="muted small">Nothing was stored.</p>
      {props.test.pending && props.canStore && (
        <div class="actions">
          <form method="post" action="/activation">
            <CsrfField token={props.csrf} />
            <input type="hidden" name="pending" value={props.test.pending} />
            <button type="submit" name="activate" value="tested">Activate these credentials</button>
          </form>
          <span class="muted small">
            The tested secret is held on the server for 10 minutes; it is not in this page.
          </span>
        </div>
      )}
    </section>
  );
}

function CredentialsForm(props: { d: ActivationPageData; canStore: boolean }) {
  const { values, locked, errors, view } = props.d;
  const bothLocked = locked.linkUrl !== undefined && locked.racTokenUrl !== undefined;
  const custom = values.env === "custom";
  return (
    <section class="card" id="credentials">
      <h2>{view.source === "stored" ? "Replace the credentials" : "Credentials"}</h2>
      <ErrorList errors={errors} />
      <form method="post" action="/activation/test" class="stacked" autocomplete="off">
        <CsrfField token={props.d.csrf} />
        <label>
          Client id
          <input type="text" name="clientId" value={values.clientId} maxlength={200} required spellcheck={false} />
        </label>
        <label>
          Client secret
          <input
            type="password"
            name="clientSecret"
            maxlength={1000}
            autocomplete="new-password"
            placeholder={view.secretEnding ? `stored, ending in ••${view.secretEnding}; type to replace` : ""}
          />
        </label>
        {bothLocked
          ? (
            <p class="small">
              <input type="hidden" name="env" value="custom" />
              <code>SMARTLINK_LINK_URL</code> and <code>SMARTLINK_RAC_TOKEN_URL</code> (or{" "}
              <code>SMARTLINK_ENV</code>) are set in the environment and take precedence: Smart Link{" "}
              <code>{locked.linkUrl}</code>, RAC <code>{locked.racTokenUrl}</code>.
            </p>
          )
          : (
            <fieldset>
              <legend>Environment</legend>
              {ENV_LABELS.map(([value, label]) => (
                <label class="inline">
                  <input type="radio" name="env" value={value} checked={values.env === value} /> {label}
                </label>
              ))}
              <details open={custom}>
                <summary>Advanced: custom URLs</summary>
                <label class="inline">
                  <input type="radio" name="env" value="custom" checked={custom} /> Use these URLs
                </label>
                <label>
                  Smart Link URL
                  <input
                    type="url"
                    name="linkUrl"
                    value={custom ? values.linkUrl : ""}
                    placeholder="https://link.totvs.app"
                  />
                </label>
                <label>
                  RAC token URL
                  <input
                    type="url"
                    name="racTokenUrl"
                    value={custom ? values.racTokenUrl : ""}
                    placeholder="https://admin.rac.totvs.app/totvs.rac/connect/token"
                  />
                </label>
              </details>
            </fieldset>
          )}
        <div class="actions">
          <button type="submit" class="secondary">Test</button>
          <button type="submit" formaction="/activation" disabled={!props.canStore}>Activate</button>
          <span class="muted small">
            Test takes a token and asks setup, storing nothing. Activate tests again, stores the credentials encrypted
            and syncing starts at the next tick{props.d.nextTickAt ? " (" : ""}
            {props.d.nextTickAt && <Time at={props.d.nextTickAt} />}
            {props.d.nextTickAt ? ")" : ""}.
          </span>
        </div>
      </form>
    </section>
  );
}

export function ActivationView(props: ActivationPageData) {
  const v = props.view;
  const canStore = v.keyId !== undefined && v.source !== "env";
  // Without the key this page changes nothing: removing credentials other processes can read would stop them too.
  const stored = v.storedKeyId !== undefined && v.keyId !== undefined;
  return (
    <>
      <h1>Activation</h1>
      <div class="grid">
        <Current d={props} />
        {v.keyId === undefined && <NoKey />}
      </div>
      {props.test && <TestAnswer test={props.test} canStore={canStore} csrf={props.csrf} />}
      <CredentialsForm d={props} canStore={canStore} />
      {stored && (
        <section class="card" id="deactivate">
          <h2>Deactivate</h2>
          <p class="small">
            Removes the stored credentials: this client and every other on this database stop syncing at their next
            tick. Every stored message stays; activate again to resume.
            {v.source === "env" && " The environment's credentials stay in use."}
          </p>
          <div class="actions">
            <ActionForm
              action="/activation/deactivate"
              csrf={props.csrf}
              label="Deactivate"
              danger
              confirm="Yes, stop syncing"
            />
          </div>
        </section>
      )}
    </>
  );
}
