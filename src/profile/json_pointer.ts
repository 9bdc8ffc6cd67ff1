/** RFC 6901 JSON pointers over untrusted JSON: `""` is the whole value, `/a/0/b~1c` walks keys and indexes. */

/** Why a text is not a JSON pointer, or undefined when it is one. */
export function pointerProblem(pointer: string): string | undefined {
  if (pointer === "") return undefined;
  if (!pointer.startsWith("/")) return 'a JSON pointer must be "" or start with "/"';
  if (/~(?![01])/.test(pointer)) return 'in a JSON pointer "~" must be followed by 0 or 1';
  return undefined;
}

/** The reference tokens of a valid pointer, unescaped (`~1` → `/`, then `~0` → `~`). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The value `pointer` designates in `value`, or undefined when any step is missing. Never throws. */
export function resolvePointer(value: unknown, pointer: string): unknown {
  let current = value;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}
