/**
 * Start-up check of the handlers' configured headers: every `${NAME}` must be
 * set and every value, once substituted, must be sendable as it is (printable
 * ASCII), so a bad header is a configuration error at start — naming the
 * handler, the header and the variable, never the value — instead of
 * commands going DEAD later. The substituted values are also what the
 * redactor masks.
 */
import { ENV_REFERENCE } from "./http.ts";
import { isPlainHeaderValue } from "./header_value.ts";

/** The part of a handlers file this check reads (a `HandlersFile` is one), kept structural so registry.ts can import it. */
type HeaderSpecs = Readonly<
  Record<string, { readonly kind: string; readonly headers?: Readonly<Record<string, string>> }>
>;

/** Each configured header value after `${NAME}` substitution (unset variables left out). */
export function resolvedHeaderValues(file: HeaderSpecs, env: (name: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const spec of Object.values(file)) {
    if (spec.kind !== "http") continue;
    for (const template of Object.values(spec.headers ?? {})) {
      let complete = true;
      const value = template.replace(ENV_REFERENCE, (_m, name: string) => {
        const v = env(name);
        if (v === undefined) complete = false;
        return v ?? "";
      });
      if (complete) out.push(value);
      // The variables' own values are secrets too, whatever surrounds them.
      for (const m of template.matchAll(ENV_REFERENCE)) {
        const v = env(m[1]);
        if (v !== undefined) out.push(v);
      }
    }
  }
  return out;
}

/** What is wrong with the configured headers, one sentence each; empty when all can be sent. */
export function headerProblems(file: HeaderSpecs, env: (name: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const [type, spec] of Object.entries(file)) {
    if (spec.kind !== "http") continue;
    for (const [header, template] of Object.entries(spec.headers ?? {})) {
      const where = `handler ${JSON.stringify(type)} header ${JSON.stringify(header)}`;
      const missing = [...template.matchAll(ENV_REFERENCE)].map((m) => m[1]).filter((name) => env(name) === undefined);
      if (missing.length > 0) {
        for (const name of missing) problems.push(`${where} needs environment variable "${name}", which is not set`);
        continue;
      }
      const value = template.replace(ENV_REFERENCE, (_m, name: string) => env(name)!);
      if (!isPlainHeaderValue(value)) {
        const names = [...template.matchAll(ENV_REFERENCE)].map((m) => `"${m[1]}"`);
        const with_ = names.length > 0 ? ` (with ${names.join(", ")})` : "";
        problems.push(
          `${where}${with_} has a value that cannot be sent in a header: ` +
            "expected printable ASCII without leading or trailing space",
        );
      }
    }
  }
  return problems;
}
