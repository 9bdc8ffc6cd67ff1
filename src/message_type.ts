/**
 * The one message-type rule, used wherever a type or an audience enters: the
 * wire (downstream items), the handlers file (keys, `reply`, `errorReply`),
 * `SMARTLINK_SUBSCRIPTIONS`, the admin filters and publish. A type the client
 * stores can therefore always be filtered, given a handler and subscribed to.
 */
import * as v from "valibot";

export const MESSAGE_TYPE_MAX_LENGTH = 200;

/** The rule in words, for error messages. */
export const MESSAGE_TYPE_RULE = `1 to ${MESSAGE_TYPE_MAX_LENGTH} characters without control characters or commas, ` +
  `no leading or trailing space, not "." or ".."`;

/** Why `value` is not a message type (or audience), or undefined when it is one. */
export function messageTypeProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return `expected a string, got ${value === null ? "null" : typeof value}`;
  if (value.length === 0) return "must not be empty";
  if (value.length > MESSAGE_TYPE_MAX_LENGTH) return `must be at most ${MESSAGE_TYPE_MAX_LENGTH} characters`;
  if (/\p{Cc}/u.test(value)) return "must not contain control characters";
  if (!value.isWellFormed()) return "must not contain a lone UTF-16 surrogate";
  if (value.includes(",")) return "must not contain a comma";
  if (value.trim() !== value) return "must not start or end with white space";
  if (value === "." || value === "..") return `must not be "." or ".."`;
  return undefined;
}

/** True when `value` follows the message-type rule. */
export function isMessageType(value: unknown): value is string {
  return messageTypeProblem(value) === undefined;
}

/** A valibot schema of the rule; `message` is the issue text (it defaults to the rule). */
export function messageTypeSchema(message = `expected ${MESSAGE_TYPE_RULE}`) {
  return v.pipe(v.string(message), v.check((s: string) => isMessageType(s), message));
}
