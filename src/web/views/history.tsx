// deno-lint-ignore-file jsx-key -- hono/jsx renders `key` as an HTML attribute; server-rendered lists need none.
/** `/history` (GTOTVSLINKMESSAGEEXEC) and `/logs` (GTOTVSLINKLOG): filtered by message, type, level and date. */
import { EXEC_RESULTS, type ExecRow, LOG_TYPE_ENTRIES, type LogRow } from "../../db/schema.ts";
import type { FieldErrors } from "../filters.ts";
import { formatMs } from "../format.ts";
import { LogTable } from "./message_detail.tsx";
import { Badge, ErrorList, Pager, Time } from "./parts.tsx";

interface ListPage<T> {
  items: T[];
  query: Record<string, string>;
  errors?: FieldErrors;
  next?: string;
  first?: string;
}

function Filters(props: { action: string; query: Record<string, string>; logType?: boolean; result?: boolean }) {
  const q = props.query;
  return (
    <form class="filters" method="get" action={props.action}>
      <label>
        Message ID
        <input type="text" name="message" value={q.message ?? ""} maxlength={36} placeholder="uuid" />
      </label>
      {props.logType && (
        <label>
          Level
          <select name="logtype">
            <option value="">any</option>
            {LOG_TYPE_ENTRIES.map(([type, label]) => (
              <option value={String(type)} selected={q.logtype === String(type)}>{label}</option>
            ))}
          </select>
        </label>
      )}
      {props.result && (
        <label>
          Result
          <select name="result">
            <option value="">any</option>
            {EXEC_RESULTS.map((r) => <option value={r} selected={q.result?.toUpperCase() === r}>{r}</option>)}
          </select>
        </label>
      )}
      <label>
        Type
        <input type="text" name="type" value={q.type ?? ""} maxlength={200} />
      </label>
      <label>
        From (UTC)
        <input type="datetime-local" name="from" value={q.from ?? ""} />
      </label>
      <label>
        To (UTC)
        <input type="datetime-local" name="to" value={q.to ?? ""} />
      </label>
      <button type="submit">Filter</button>
      <a class="button secondary" href={props.action}>Clear</a>
    </form>
  );
}

export function HistoryView(props: ListPage<Omit<ExecRow, "conteudo">>) {
  return (
    <>
      <h1>Execution history</h1>
      <Filters action="/history" query={props.query} result />
      <ErrorList errors={props.errors} />
      <div class="table-wrap">
        <table class="stack">
          <thead>
            <tr>
              <th>Finished</th>
              <th>Result</th>
              <th>Message</th>
              <th>Type</th>
              <th class="num">Attempt</th>
              <th class="num">Took</th>
              <th>Dir.</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {props.items.length === 0 && (
              <tr>
                <td colspan={8} class="muted">No executions match.</td>
              </tr>
            )}
            {props.items.map((e) => (
              <tr>
                <td class="nowrap" data-label="Finished">
                  <Time at={e.dataFim} />
                </td>
                <td data-label="Result">
                  <Badge value={e.resultado} />
                </td>
                <td class="nowrap mono" data-label="Message">
                  <a href={`/messages/${e.idMensagem}`} title={e.idMensagem}>{e.idMensagem.slice(0, 8)}…</a>
                </td>
                <td class="wrap mono small" data-label="Type">{e.tipo}</td>
                <td class="num" data-label="Attempt">{e.tentativa}</td>
                <td class="num nowrap" data-label="Took">{formatMs(e.dataFim.getTime() - e.dataInicio.getTime())}</td>
                <td data-label="Direction">{e.direcao}</td>
                <td class="wrap small" data-label="Error">{e.erro ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager next={props.next} first={props.first} count={props.items.length} />
    </>
  );
}

export function LogsView(props: ListPage<LogRow>) {
  return (
    <>
      <h1>Logs</h1>
      <Filters action="/logs" query={props.query} logType />
      <ErrorList errors={props.errors} />
      <LogTable rows={props.items} showMessage />
      <Pager next={props.next} first={props.first} count={props.items.length} />
    </>
  );
}
