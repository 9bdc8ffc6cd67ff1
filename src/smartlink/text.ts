/**
 * Text helpers of the wire: cut to a number of UTF-8 bytes without splitting a
 * character, text the database accepts, NUL detection in JSON, and the kind of
 * a JSON value for error messages.
 */
import { isRecord } from "./json_keys.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The kind of a JSON value, for error messages: `null`, `array`, or its `typeof`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end));
}

/** The number of UTF-8 bytes of `text`. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** True when any string (or key) inside `value` holds U+0000; iterative, so deep JSON cannot overflow the stack. */
export function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === "string") {
      if (item.includes("\0")) return true;
    } else if (Array.isArray(item)) {
      stack.push(...item);
    } else if (isRecord(item)) {
      for (const [k, val] of Object.entries(item)) {
        if (k.includes("\0")) return true;
        stack.push(val);
      }
    }
  }
  return false;
}

/** Text the database accepts: NUL escaped, lone surrogates as U+FFFD, cut to `maxBytes`. */
export function storable(text: string, maxBytes: number): string {
  return cutUtf8(text.replaceAll("\0", "\\u0000").toWellFormed(), maxBytes);
}
