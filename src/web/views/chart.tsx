/** The 24-hour executions chart: inline SVG drawn on the server, success stacked under failure per hour. */
import type { HourBucket } from "../../db/admin_queries.ts";

const W = 800;
const H = 230;
const LEFT = 40;
const RIGHT = 8;
const TOP = 12;
const BOTTOM = 26;

/** 1, 2, 5, 10, 20, 50 … at or above `n`. */
export function niceMax(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

export function HourChart(props: { buckets: HourBucket[] }) {
  const { buckets } = props;
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.success + b.failure)));
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number) => TOP + plotH - (v / max) * plotH;
  const total = buckets.reduce((n, b) => n + b.success + b.failure, 0);
  const failed = buckets.reduce((n, b) => n + b.failure, 0);
  return (
    <figure class="chart-figure">
      <div class="chart-scroll">
        <svg
          class="chart"
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-label={`Executions per hour, last 24 hours: ${total} in total, ${failed} failed`}
        >
          {[0, max / 2, max].map((v) => (
            <g>
              <line class={v === 0 ? "axis" : "grid-line"} x1={LEFT} x2={W - RIGHT} y1={y(v)} y2={y(v)} />
              <text x={LEFT - 6} y={y(v) + 4} text-anchor="end">{Number.isInteger(v) ? v : v.toFixed(1)}</text>
            </g>
          ))}
          {buckets.map((b, i) => {
            const x = LEFT + i * slot + (slot - barW) / 2;
            const hour = b.hour.toISOString().slice(11, 13);
            return (
              <g>
                <title>
                  {`${
                    b.hour.toISOString().slice(0, 13).replace("T", " ")
                  }:00 UTC: ${b.success} succeeded, ${b.failure} failed`}
                </title>
                {b.success > 0 && (
                  <rect
                    class="ok"
                    x={x.toFixed(1)}
                    y={y(b.success).toFixed(1)}
                    width={barW.toFixed(1)}
                    height={(plotH * b.success / max).toFixed(1)}
                  />
                )}
                {b.failure > 0 && (
                  <rect
                    class="fail"
                    x={x.toFixed(1)}
                    y={y(b.success + b.failure).toFixed(1)}
                    width={barW.toFixed(1)}
                    height={(plotH * b.failure / max).toFixed(1)}
                  />
                )}
                {i % 3 === 0 && <text x={(x + barW / 2).toFixed(1)} y={H - 8} text-anchor="middle">{hour}h</text>}
              </g>
            );
          })}
        </svg>
      </div>
      <div class="legend">
        <span>
          <span class="swatch ok"></span>succeeded
        </span>
        <span>
          <span class="swatch fail"></span>failed
        </span>
        <span>{total} executions, {failed} failed (UTC hours)</span>
      </div>
    </figure>
  );
}
