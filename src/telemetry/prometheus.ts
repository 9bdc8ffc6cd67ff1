/**
 * Prometheus text exposition (format 0.0.4): gauge families rendered from a
 * snapshot, and the two kinds the process accumulates itself, counters and
 * histograms, keyed by their label values. No I/O; `render()` returns text.
 */

export type Labels = Record<string, string>;
export type Sample = [labels: Labels, value: number];

const escapeLabel = (v: string) => v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
const escapeHelp = (v: string) => v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");

function labelText(labels: Labels): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
  return l ? `{${l}}` : "";
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** One metric family: `# HELP`, `# TYPE`, then a line per sample. */
export function family(name: string, type: "gauge" | "counter", help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(`${name}${labelText(labels)} ${numberText(value)}`);
  return lines.join("\n");
}

const keyOf = (labelNames: readonly string[], labels: Labels) => JSON.stringify(labelNames.map((n) => labels[n] ?? ""));

/** A counter (`…_total`) by label values; every value in `preset` is shown from the start, at 0. */
export class Counter {
  readonly #values = new Map<string, [Labels, number]>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    preset: Labels[] = [],
  ) {
    for (const labels of preset) this.inc(labels, 0);
  }

  inc(labels: Labels, by = 1): void {
    const key = keyOf(this.labelNames, labels);
    const entry = this.#values.get(key);
    if (entry) entry[1] += by;
    else this.#values.set(key, [pick(this.labelNames, labels), by]);
  }

  get(labels: Labels): number {
    return this.#values.get(keyOf(this.labelNames, labels))?.[1] ?? 0;
  }

  render(): string {
    return family(this.name, "counter", this.help, [...this.#values.values()]);
  }
}

interface Series {
  labels: Labels;
  /** Count per bucket (not cumulative); the last one is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

/** A histogram (`_bucket`, `_sum`, `_count`) by label values, with fixed upper bounds in seconds. */
export class Histogram {
  readonly #series = new Map<string, Series>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(this.labelNames, labels);
    let s = this.#series.get(key);
    if (!s) {
      s = {
        labels: pick(this.labelNames, labels),
        buckets: new Array(this.bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      this.#series.set(key, s);
    }
    const i = this.bounds.findIndex((b) => value <= b);
    s.buckets[i === -1 ? this.bounds.length : i]++;
    s.sum += value;
    s.count++;
  }

  /** Observations so far for these labels (for tests and the dashboard). */
  count(labels: Labels): number {
    return this.#series.get(keyOf(this.labelNames, labels))?.count ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += s.buckets[i];
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(bound) })} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${numberText(s.sum)}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

function pick(names: readonly string[], labels: Labels): Labels {
  return Object.fromEntries(names.map((n) => [n, labels[n] ?? ""]));
}
