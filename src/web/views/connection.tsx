/** `/connection`: per operation calls, answers by status, p50/p95, the last error answer, the last get shape. */
import type { ConnectionReport } from "../../capture/connection_stats.ts";
import { Time } from "./parts.tsx";

export interface ConnectionData {
  report: ConnectionReport;
  linkUrl: string;
  racTokenUrl: string;
  capturePath?: string;
}

const ms = (n: number | null) => (n === null ? "—" : `${n} ms`);

export function ConnectionView(props: { data: ConnectionData }) {
  const { report, linkUrl, racTokenUrl, capturePath } = props.data;
  const errors = report.operations.filter((o) => o.lastError);
  return (
    <>
      <h1>Connection</h1>
      <section class="card" id="endpoints">
        <dl class="kv">
          <dt>Smart Link Server</dt>
          <dd class="mono">{linkUrl}</dd>
          <dt>RAC token</dt>
          <dd class="mono">{racTokenUrl}</dd>
          <dt>Capture</dt>
          <dd>{capturePath ? <span class="mono">{capturePath}</span> : "off (set SMARTLINK_CAPTURE)"}</dd>
        </dl>
      </section>
      <section class="card" id="get-shape">
        <h2>Last get answer</h2>
        {report.lastGetShape
          ? (
            <p>
              <span class="mono">{report.lastGetShape.shape}</span>{" "}
              <span class="muted small">
                (HTTP {report.lastGetShape.status}, <Time at={report.lastGetShape.time} />)
              </span>
            </p>
          )
          : <p class="muted">No get answer recorded yet.</p>}
      </section>
      <section class="card" id="operations">
        <h2>Operations since start</h2>
        {report.operations.length === 0 ? <p class="muted">No exchange yet.</p> : (
          <table>
            <thead>
              <tr>
                <th>Operation</th>
                <th>Calls</th>
                <th>Answers by status</th>
                <th>p50</th>
                <th>p95</th>
                <th>Last call</th>
              </tr>
            </thead>
            <tbody>
              {report.operations.map((o) => (
                <tr>
                  <td class="mono">{o.op}</td>
                  <td>{o.calls}</td>
                  <td class="mono">
                    {Object.entries(o.byStatus).map(([status, n]) => `${status}×${n}`).join(" ")}
                  </td>
                  <td>{ms(o.p50Ms)}</td>
                  <td>{ms(o.p95Ms)}</td>
                  <td>
                    <Time at={o.lastAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {errors.length > 0 && (
        <section class="card" id="errors">
          <h2>Last error answer per operation</h2>
          {errors.map((o) => (
            <div>
              <h3 class="mono">
                {o.op}: {o.lastError!.status === undefined ? "no answer" : `HTTP ${o.lastError!.status}`}
              </h3>
              <p class="small">
                <Time at={o.lastError!.time} /> <span class="mono">{o.lastError!.method} {o.lastError!.url}</span>
              </p>
              <pre class="content">{o.lastError!.text || "(empty body)"}</pre>
            </div>
          ))}
        </section>
      )}
    </>
  );
}
