/** `bodyDetail`: a short, log-safe description of an error body from the Smart Link Server. */
import { cutUtf8 } from "./text.ts";

/** A short, log-safe description of an error body: its `message`/`error` field or the text itself. */
export function bodyDetail(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  try {
    const json = JSON.parse(trimmed);
    if (typeof json === "object" && json !== null) {
      const err = (json as Record<string, unknown>).error;
      const candidates = [
        (json as Record<string, unknown>).message,
        typeof err === "object" && err !== null ? (err as Record<string, unknown>).message : err,
        (json as Record<string, unknown>).error_description,
      ];
      const found = candidates.find((c) => typeof c === "string" && c.trim() !== "");
      if (typeof found === "string") return cutUtf8(found, 300);
    }
  } catch {
    // Not JSON: quote the text itself below.
  }
  return cutUtf8(trimmed.replace(/\s+/g, " "), 300);
}
