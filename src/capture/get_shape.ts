/**
 * A one-line description of a `get` answer's structure, for an operator
 * confirming the wire profile: "object; items at /messages: array of 3; item
 * keys data, id, type". Keys and counts only, never values.
 */
import { pointerTokens, resolvePointer } from "../profile/json_pointer.ts";

const MAX_KEYS = 12;

function kind(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

function keys(value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return kind(value);
  const names = Object.keys(value).sort();
  if (names.length === 0) return "no keys";
  const shown = names.slice(0, MAX_KEYS).join(", ");
  return names.length > MAX_KEYS ? `${shown} (+${names.length - MAX_KEYS} more)` : shown;
}

function describeItems(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "array of 0";
    return `array of ${value.length}; item keys ${keys(value[0])}`;
  }
  return `one ${kind(value)}; item keys ${keys(value)}`;
}

/** True for a description of an answer that plainly says "queue empty" (no body, no or zero items). */
export function isEmptyAnswer(shape: string): boolean {
  return /\(queue empty\)$|array of 0$/.test(shape);
}

/** Describes a `get` answer; `items` is the profile's pointer (undefined = tolerant detection). */
export function describeGetAnswer(status: number, text: string, items: string | undefined): string {
  if (text.trim() === "") return `HTTP ${status}, no body (queue empty)`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `HTTP ${status}, not JSON (${new TextEncoder().encode(text).length} bytes)`;
  }
  const top = kind(json);
  if (items !== undefined) {
    const at = items === "" ? "the answer itself" : items;
    const found = resolvePointer(json, items);
    if (found === undefined) {
      const missing = pointerTokens(items).length > 0 ? `nothing at ${at}` : "nothing";
      return `${top}; ${missing} (queue empty, or get.items is wrong); top keys ${keys(json)}`;
    }
    if (found === null) return `${top}; null at ${at} (queue empty)`;
    return `${top}; items at ${at}: ${describeItems(found)}`;
  }
  if (Array.isArray(json)) return describeItems(json);
  if (typeof json === "object" && json !== null) {
    const messages = Object.keys(json).find((k) => k.toLowerCase() === "messages");
    if (messages !== undefined) {
      return `object; items at /${messages}: ${describeItems((json as Record<string, unknown>)[messages])}`;
    }
    if (Object.keys(json).length === 0) return "object with no keys (queue empty)";
    return `object (one item); item keys ${keys(json)}`;
  }
  return `${top} (not an array or object)`;
}
