// deno-lint-ignore-file jsx-key -- hono/jsx renders `key` as an HTML attribute; server-rendered lists need none.
/** `/messages`: GTOTVSLINKMESSAGE newest first, filters and keyset paging. */
import type { MessageListItem } from "../../db/admin_queries.ts";
import { DIRECTIONS, STATUSES } from "../../db/schema.ts";
import type { FieldErrors } from "../filters.ts";
import { nextAttemptAt } from "../next_attempt.ts";
import { truncate } from "../format.ts";
import { Badge, ErrorList, Pager, Time } from "./parts.tsx";

export interface MessagesData {
  items: MessageListItem[];
  /** The raw query values, to refill the form. */
  query: Record<string, string>;
  errors?: FieldErrors;
  next?: string;
  first?: string;
}

function Select(props: { name: string; label: string; options: readonly string[]; value?: string }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">any</option>
        {props.options.map((o) => <option value={o} selected={props.value?.toUpperCase() === o}>{o}</option>)}
      </select>
    </label>
  );
}

export function MessagesView(props: MessagesData) {
  const q = props.query;
  return (
    <>
      <h1>Messages</h1>
      <form class="filters" method="get" action="/messages">
        <Select name="direction" label="Direction" options={DIRECTIONS} value={q.direction} />
        <Select name="status" label="Status" options={STATUSES} value={q.status} />
        <label>
          Type
          <input type="text" name="type" value={q.type ?? ""} maxlength={200} placeholder="e.g. SGDPMaskCommand" />
        </label>
        <label>
          ID, external ID or correlation
          <input type="text" name="text" value={q.text ?? ""} maxlength={200} placeholder="exact or prefix" />
        </label>
        <button type="submit">Filter</button>
        <a class="button secondary" href="/messages">Clear</a>
      </form>
      <ErrorList errors={props.errors} />
      <div class="table-wrap">
        <table class="stack">
          <thead>
            <tr>
              <th>ID</th>
              <th>Status</th>
              <th>Type</th>
              <th>Created</th>
              <th>Dir.</th>
              <th class="num">Attempts</th>
              <th>Next attempt</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {props.items.length === 0 && (
              <tr>
                <td colspan={8} class="muted">No messages match.</td>
              </tr>
            )}
            {props.items.map((m) => (
              <tr>
                <td class="nowrap mono" data-label="ID">
                  <a href={`/messages/${m.id}`} title={m.id}>{m.id.slice(0, 8)}…</a>
                </td>
                <td data-label="Status">
                  <Badge value={m.status} />
                </td>
                <td class="wrap" data-label="Type">{m.tipo}</td>
                <td class="nowrap" data-label="Created">
                  <Time at={m.dataCriacao} />
                </td>
                <td data-label="Direction">{m.direcao}</td>
                <td class="num" data-label="Attempts">{m.qtdeTentativaExec}</td>
                <td class="nowrap" data-label="Next attempt">
                  {m.status === "DEAD" ? <span class="muted">none</span> : <Time at={nextAttemptAt(m)} />}
                </td>
                <td class="wrap small" data-label="Last error">{truncate(m.ultimoErro, 160)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager next={props.next} first={props.first} count={props.items.length} />
    </>
  );
}
