/**
 * The rule for a message value placed in an HTTP header (`X-Smartlink-Type`,
 * `X-Smartlink-Correlation-Id`): printable ASCII is sent as it is; anything
 * else (a character above U+007E, a control character such as CR or LF,
 * leading or trailing white space) is sent as `UTF-8''` followed by the
 * value's UTF-8 bytes percent-encoded (the RFC 8187 notation), so building
 * the request never fails. A value that itself starts with `UTF-8''` is
 * encoded too, so the prefix always means "decode me".
 */

const ENCODED_PREFIX = "UTF-8''";

/** True when `value` can be sent as it is. */
export function isPlainHeaderValue(value: string): boolean {
  return /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value) && !value.startsWith(ENCODED_PREFIX);
}

/** `value` as it is when plain, else `UTF-8''` + percent-encoded UTF-8 (lone surrogates as U+FFFD). */
export function encodeHeaderValue(value: string): string {
  if (value === "" || isPlainHeaderValue(value)) return value;
  return ENCODED_PREFIX + encodeURIComponent(value.toWellFormed()).replace(
    /['()*!~]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The value an `encodeHeaderValue` result stands for (what an ERP does to read it). */
export function decodeHeaderValue(value: string): string {
  return value.startsWith(ENCODED_PREFIX) ? decodeURIComponent(value.slice(ENCODED_PREFIX.length)) : value;
}
