/**
 * The one rule for a value placed into a URL path segment (a message type,
 * an audience, an id): it is URL-encoded, so `/`, `?`, `#` and `%` stay
 * inside the segment, and it can never be empty, `.` or `..` — a URL parser
 * resolves those (also `%2e`/`%2E` spellings) against the path and would walk
 * the request to another endpoint.
 */
import { AppError, type AppErrorOptions } from "../errors.ts";

/** A value that cannot be placed into a path segment. */
export class PathSegmentError extends AppError<"PATH_SEGMENT_INVALID"> {
  override name = "PathSegmentError";
  readonly param: string;
  readonly value: string;

  constructor(
    code: "PATH_SEGMENT_INVALID",
    message: string,
    options: AppErrorOptions & { param: string; value: string },
  ) {
    super(code, message, options);
    this.param = options.param;
    this.value = options.value;
  }
}

/** Why `value` cannot be a path segment, or undefined when it can. */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === "") return "must not be empty";
  if (value === "." || value === "..") return `must not be "." or ".."`;
  return undefined;
}

/**
 * `value` URL-encoded for one path segment.
 * @throws PathSegmentError when it is empty, `.` or `..`
 */
export function encodePathSegment(param: string, value: string): string {
  if (pathSegmentProblem(value) !== undefined) {
    const message = `Value ${JSON.stringify(value)} of "${param}" cannot be placed in a URL path segment: ` +
      `it must not be empty, "." or ".."`;
    throw new PathSegmentError("PATH_SEGMENT_INVALID", message, { param, value });
  }
  // encodeURIComponent leaves "." alone; it is safe inside a longer segment. A lone surrogate cannot be
  // UTF-8 encoded, so it becomes U+FFFD first instead of throwing.
  return encodeURIComponent(value.toWellFormed());
}
