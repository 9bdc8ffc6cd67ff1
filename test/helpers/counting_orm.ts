/** A database whose calls of some Drizzle entry points (`execute`, `update`…) are counted, for tests. */
import type { Database, Orm } from "../../src/db/client.ts";

/** `only`, when given, counts only the calls whose arguments it accepts. */
export function countingOrm(
  db: Database,
  methods: readonly string[],
  only: (args: unknown[]) => boolean = () => true,
): { db: Database; calls: () => number } {
  let n = 0;
  const orm = new Proxy(db.orm, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof prop === "string" && methods.includes(prop) && typeof value === "function") {
        return (...args: unknown[]) => {
          if (only(args)) n++;
          return value.apply(target, args);
        };
      }
      return value;
    },
  }) as Orm;
  return { db: { ...db, orm }, calls: () => n };
}
