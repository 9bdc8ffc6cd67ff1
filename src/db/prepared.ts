/**
 * Named prepared statements for the statements Drizzle runs again and again.
 *
 * Drizzle passes `prepare: false` to postgres.js for every statement it was
 * not given a name for, and postgres.js then sends a statement with
 * parameters in two round trips: Parse + Describe, wait for the parameter
 * types, then Bind + Execute. A named prepared statement costs one round trip
 * from its second run on. `withPreparedStatements` returns the same client
 * with `unsafe` (the call Drizzle makes), transactions, savepoints and
 * reserved connections seen through: a statement text is prepared from its
 * second run, up to `maxPrepared` distinct texts (texts that vary with the
 * size of a batch would otherwise fill every connection's statement cache
 * without bound); past the cap a text runs unnamed, as before.
 *
 * `?prepare=false` in DATABASE_URL (PgBouncer in transaction mode) still
 * turns every prepared statement off: postgres.js honours it before any
 * per-query option.
 */
import type { Sql } from "postgres";

/** Distinct statement texts prepared per process (each connection keeps its own copy server-side). */
export const DEFAULT_MAX_PREPARED = 256;
/** Texts seen once are remembered up to this many, then forgotten all together. */
const MAX_SEEN = 4096;

interface QueryOptions {
  prepare?: boolean;
  [key: string]: unknown;
}

/** Decides, per statement text, whether to run it as a named prepared statement. */
export function preparePolicy(maxPrepared = DEFAULT_MAX_PREPARED): (text: string) => boolean {
  const prepared = new Set<string>();
  let seen = new Set<string>();
  return (text) => {
    if (prepared.has(text)) return true;
    if (prepared.size >= maxPrepared) return false;
    if (!seen.has(text)) {
      if (seen.size >= MAX_SEEN) seen = new Set();
      seen.add(text);
      return false;
    }
    seen.delete(text);
    prepared.add(text);
    return true;
  };
}

/** `client`, its repeated statements run as named prepared statements (see the module comment). */
export function withPreparedStatements<T extends Sql>(client: T, maxPrepared = DEFAULT_MAX_PREPARED): T {
  const shouldPrepare = preparePolicy(maxPrepared);
  // deno-lint-ignore no-explicit-any
  type Fn = (...args: any[]) => any;
  // Each wrapped object gets its replacement functions once, not on every property read.
  const wrap = <S extends object>(target: S): S => {
    const replaced = new Map<PropertyKey, Fn>();
    const replacement = (prop: PropertyKey, value: Fn): Fn | undefined => {
      switch (prop) {
        case "unsafe":
          return (text: string, params?: unknown[], options?: QueryOptions) =>
            value.call(target, text, params, {
              ...options,
              prepare: options?.prepare === true || shouldPrepare(text),
            });
        case "begin":
        case "savepoint":
          // begin([options,] fn) / savepoint([name,] fn): the transaction's own sql is seen through too.
          return (...args: unknown[]) => {
            const fn = args.pop() as Fn;
            return value.call(target, ...args, (tx: object) => fn(wrap(tx)));
          };
        case "reserve":
          return async (...args: unknown[]) => wrap(await value.apply(target, args));
        default:
          return undefined;
      }
    };
    return new Proxy(target, {
      get(obj, prop) {
        const value = Reflect.get(obj, prop);
        if (typeof value !== "function") return value;
        let fn = replaced.get(prop);
        if (fn === undefined) {
          fn = replacement(prop, value as Fn);
          if (fn === undefined) return value;
          replaced.set(prop, fn);
        }
        return fn;
      },
    });
  };
  return wrap(client);
}
