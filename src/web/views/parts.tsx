// deno-lint-ignore-file jsx-key -- hono/jsx renders `key` as an HTML attribute; server-rendered lists need none.
/** Small pieces shared by the pages. */
import type { Child } from "hono/jsx";
import { CSRF_FIELD } from "../middleware/csrf.ts";
import type { FieldErrors } from "../filters.ts";
import { formatDateTime, prettyContent } from "../format.ts";

export function Time(props: { at: Date | string | null | undefined }) {
  if (props.at === null || props.at === undefined) return <span class="muted">—</span>;
  const d = typeof props.at === "string" ? new Date(props.at) : props.at;
  return <time datetime={Number.isNaN(d.getTime()) ? undefined : d.toISOString()}>{formatDateTime(d)}</time>;
}

export function Badge(props: { value: string; kind?: string }) {
  return <span class={`badge ${props.kind ?? props.value}`}>{props.value}</span>;
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

/** A form of one button that POSTs to `action` with the CSRF token. */
export function ActionForm(
  props: { action: string; csrf: string; label: string; danger?: boolean; confirm?: string; children?: Child },
) {
  return (
    <form method="post" action={props.action}>
      <CsrfField token={props.csrf} />
      {props.children}
      {props.confirm && (
        <label class="small">
          <input type="checkbox" name="confirm" value="yes" required /> {props.confirm}
        </label>
      )}
      <button type="submit" class={props.danger ? "danger" : undefined}>{props.label}</button>
    </form>
  );
}

export function Pager(props: { next?: string; first?: string; count: number }) {
  return (
    <div class="pager">
      <span class="muted small">{props.count} row{props.count === 1 ? "" : "s"} on this page</span>
      {props.first && <a class="button secondary" href={props.first}>First page</a>}
      {props.next && <a class="button" href={props.next} rel="next">Next page →</a>}
    </div>
  );
}

export function ErrorList(props: { errors?: FieldErrors }) {
  if (!props.errors) return null;
  return (
    <ul class="errors" role="alert">
      {Object.entries(props.errors).map(([field, msgs]) => <li>{field ? `${field}: ` : ""}{msgs.join("; ")}</li>)}
    </ul>
  );
}

/** JSON (or other) text shown pretty-printed in a <pre>; always escaped by JSX. */
export function Content(props: { text: string | null | undefined }) {
  const shown = prettyContent(props.text);
  return <pre class="content">{shown.text}</pre>;
}

/** DATADEBUG: collapsed, pretty-printed. */
export function Debug(props: { text: string | null | undefined }) {
  if (!props.text) return null;
  return (
    <details>
      <summary>detail</summary>
      <pre>{prettyContent(props.text).text}</pre>
    </details>
  );
}

/** The href of `path` with `params` (empty values dropped). */
export function href(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
