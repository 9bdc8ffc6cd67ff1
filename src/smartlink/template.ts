/**
 * Fills a profile operation's placeholders: in the path each value is one
 * URL-encoded segment (never `.`, `..` or empty), in the query a parameter
 * value, in the body a JSON value of its own type (`"$ackId"` a string,
 * `"$subscriptions"` an array, `"$envelope"` the envelope object, or as the
 * whole body the envelope text exactly as stored). Pure.
 */
import { SmartLinkError, type SmartLinkOp } from "./errors.ts";
import { encodePathSegment, PathSegmentError } from "./path_segment.ts";
import type { JsonValue, PlaceholderName, ProfileOperation } from "../profile/wire_profile.ts";

export type PlaceholderValues = Partial<Record<PlaceholderName, string | number | string[]>>;

export interface RenderedRequest {
  method: string;
  url: string;
  /** JSON text, or undefined for no body. */
  body?: string;
}

const PLACEHOLDER = /\$([A-Za-z]+)/g;

/** One path segment, by the one path-segment rule (`path_segment.ts`). @throws SmartLinkError */
function pathSegment(op: SmartLinkOp, name: string, value: string): string {
  try {
    return encodePathSegment(`$${name}`, value);
  } catch (err) {
    if (!(err instanceof PathSegmentError)) throw err;
    throw new SmartLinkError("SL_BAD_PATH", `Smart Link ${op} not sent: ${err.message}`, {
      kind: "rejected",
      op,
      cause: err,
    });
  }
}

function text(values: PlaceholderValues, name: string): string {
  const value = values[name as PlaceholderName];
  if (value === undefined) return "";
  return Array.isArray(value) ? value.join(",") : String(value);
}

function fillBody(value: JsonValue, values: PlaceholderValues): JsonValue {
  if (typeof value === "string") {
    const name = /^\$([A-Za-z]+)$/.exec(value)?.[1] as PlaceholderName | undefined;
    if (name === undefined || !(name in values)) return value;
    const filled = values[name]!;
    if (name === "envelope") {
      try {
        return JSON.parse(filled as string) as JsonValue;
      } catch (err) {
        throw new SmartLinkError(
          "SL_BAD_REQUEST",
          `Smart Link send not sent: the profile places the envelope inside the body, but it is not JSON: ${
            (err as Error).message
          }`,
          { kind: "rejected", op: "send", cause: err },
        );
      }
    }
    return Array.isArray(filled) ? [...filled] : filled;
  }
  if (Array.isArray(value)) return value.map((item) => fillBody(item, values));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = fillBody(item, values);
    return out;
  }
  return value;
}

/** The request for one operation against `baseUrl` (no trailing slash). @throws SmartLinkError for an unusable path value */
export function renderRequest(
  op: SmartLinkOp,
  operation: ProfileOperation,
  baseUrl: string,
  values: PlaceholderValues,
): RenderedRequest {
  const path = operation.path.replace(PLACEHOLDER, (_, name: string) => pathSegment(op, name, text(values, name)));
  let url = baseUrl + path;
  if (operation.query !== undefined) {
    const params = new URLSearchParams();
    for (const [key, template] of Object.entries(operation.query)) {
      params.append(key, template.replace(PLACEHOLDER, (_, name: string) => text(values, name)));
    }
    const search = params.toString();
    if (search !== "") url += `?${search}`;
  }
  const request: RenderedRequest = { method: operation.method, url };
  if (operation.body === "$envelope" && typeof values.envelope === "string") request.body = values.envelope;
  else if (operation.body !== undefined) request.body = JSON.stringify(fillBody(operation.body, values));
  return request;
}
