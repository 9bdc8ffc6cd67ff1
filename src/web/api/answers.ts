/** The answers the API route groups share: the error of a failed lookup or query, their documentation, the actor. */
import type { Context } from "hono";
import type { ActionFailure } from "../../db/message_actions.ts";
import type { ResolvedId } from "../../db/resolve_id.ts";
import { apiError } from "../api_error.ts";
import { ErrorBody } from "../api_schemas.ts";
import { clientAddress } from "../client_address.ts";
import type { Parsed } from "../filters.ts";

/** Who did an operator action through the API. */
export const apiActor = (c: Context) => ({ via: "api" as const, address: clientAddress(c) });

/** 409 for a RUNNING message, 404 otherwise. */
export function failureResponse(c: Context, f: ActionFailure) {
  return apiError(c, f.code === "MESSAGE_RUNNING" ? 409 : 404, f.code, f.message);
}

/** 400 for a malformed ID, 404 when nothing matches, 409 when a prefix matches several messages. */
export function unresolved(c: Context, r: ResolvedId & { ok: false }) {
  const status = r.code === "INVALID_ID" ? 400 : r.code === "AMBIGUOUS_ID" ? 409 : 404;
  return apiError(c, status, r.code, r.message, r.candidates ? { candidates: r.candidates } : undefined);
}

export function badQuery<T>(c: Context, parsed: Parsed<T> & { ok: false }) {
  return apiError(c, 400, "INVALID_QUERY", "Invalid query parameters", { fields: parsed.errors });
}

export const badQueryDoc: [string, typeof ErrorBody] = [
  "A query parameter is invalid (INVALID_QUERY, details.fields)",
  ErrorBody,
];

export const badIdDoc = {
  400: ["Malformed ID (INVALID_ID)", ErrorBody],
  404: ["No such message (MESSAGE_NOT_FOUND)", ErrorBody],
} as const;
