/**
 * The handlers file (`SMARTLINK_HANDLERS`, SPEC 7): a JSON object keyed by
 * message type, one handler spec per type. Validated strictly per `kind` with
 * valibot at start; every problem is reported in one `HandlersConfigError`
 * naming the file, the message type and the field.
 */
import * as v from "valibot";
import { AppError } from "../errors.ts";
import { MESSAGE_TYPE_RULE, messageTypeProblem, messageTypeSchema } from "../message_type.ts";
import { CODE_HANDLERS } from "./code/registry.ts";
import { type CodeHandler, type CodeHandlerSpec, createCodeHandler } from "./code_handler.ts";
import {
  createHttpHandler,
  ENV_REFERENCE,
  type HttpHandlerDeps,
  type HttpHandlerSpec,
  type ReplyTarget,
} from "./http.ts";
import { headerProblems } from "./header_check.ts";
import { noopHandler } from "./noop.ts";
import type { Handler, HandlerRegistry } from "./types.ts";

/** A `noop` entry of the handlers file. */
export interface NoopHandlerSpec {
  kind: "noop";
  errorReply?: ReplyTarget;
}

export type HandlerSpec = HttpHandlerSpec | NoopHandlerSpec | CodeHandlerSpec;

/** The parsed handlers file: handler spec by message type. */
export type HandlersFile = Readonly<Record<string, HandlerSpec>>;

export const HANDLER_KINDS = ["http", "noop", "code"] as const;

/** An RFC 9110 header field name. */
const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Longest handler timeout accepted, in seconds. */
const MAX_TIMEOUT_SECONDS = 3600;

/** The handlers file is missing, unreadable or invalid. */
export class HandlersConfigError extends AppError<"HANDLERS_INVALID"> {
  override name = "HandlersConfigError";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname } = new URL(value);
  return (protocol === "http:" || protocol === "https:") && hostname !== "";
}

/** `${` only as a well-formed `${NAME}` reference. */
function hasOnlyValidReferences(value: string): boolean {
  return !value.replace(ENV_REFERENCE, "").includes("${");
}

/** Message types (keys of the file, `reply.type`) and audiences follow the one message-type rule. */
const nameSchema = (what: string) => messageTypeSchema(`expected ${what}: ${MESSAGE_TYPE_RULE}`);

const replySchema = v.strictObject({
  type: nameSchema("a message type"),
  audience: nameSchema("an audience"),
}, "expected an object {type, audience}");

const headersSchema = v.pipe(
  v.custom<Record<string, unknown>>(isPlainObject, "expected an object of header values"),
  v.record(
    v.pipe(
      v.string(),
      v.regex(HEADER_NAME_PATTERN, "expected a valid header name"),
      v.check((name) => !name.toLowerCase().startsWith("x-smartlink-"), "X-Smartlink-* headers are set by the client"),
    ),
    v.pipe(
      v.string("expected a string"),
      v.check(hasOnlyValidReferences, "expected ${NAME} references with NAME made of letters, digits and _"),
    ),
    "expected an object of header values",
  ),
);

const httpSchema = v.strictObject({
  kind: v.literal("http"),
  url: v.pipe(v.string("expected an http(s) URL"), v.check(isHttpUrl, "expected an http(s) URL")),
  headers: v.optional(headersSchema),
  timeoutSeconds: v.optional(
    v.pipe(
      v.number("expected a number of seconds"),
      v.check(
        (n) => Number.isFinite(n) && n > 0 && n <= MAX_TIMEOUT_SECONDS,
        `expected a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}`,
      ),
    ),
  ),
  reply: v.optional(replySchema),
  errorReply: v.optional(replySchema),
});

const noopSchema = v.strictObject({ kind: v.literal("noop"), errorReply: v.optional(replySchema) });

const codeSchema = (names: readonly string[]) =>
  v.strictObject({
    kind: v.literal("code"),
    name: v.pipe(
      v.string("expected a string"),
      v.check(
        (name) => names.includes(name),
        (issue) =>
          `unknown code handler ${JSON.stringify(issue.input)}: expected one of ${
            names.map((n) => JSON.stringify(n)).join(", ") || "(none compiled in)"
          }`,
      ),
    ),
    reply: v.optional(replySchema),
    errorReply: v.optional(replySchema),
  });

type AnyIssue = v.BaseIssue<unknown>;

/** One issue as `field: problem`, with clear words for missing and unknown keys. */
function describeIssue(issue: AnyIssue): string {
  const path = v.getDotPath(issue);
  let problem = issue.message;
  if (issue.type === "strict_object") problem = issue.expected === "never" ? "unknown field" : "required";
  return path === null ? problem : `${path}: ${problem}`;
}

/** The problems of one entry, each as `field: problem`; empty when valid. */
function entryProblems(value: unknown, codeNames: readonly string[]): string[] {
  if (!isPlainObject(value)) return ['expected an object with a "kind"'];
  const kind = value.kind;
  const schema = kind === "http"
    ? httpSchema
    : kind === "noop"
    ? noopSchema
    : kind === "code"
    ? codeSchema(codeNames)
    : null;
  if (schema === null) {
    const got = kind === undefined ? "nothing" : JSON.stringify(kind);
    return [`kind: expected one of ${HANDLER_KINDS.map((k) => `"${k}"`).join(", ")}, got ${got}`];
  }
  const result = v.safeParse(schema, value, { abortPipeEarly: true });
  return result.success ? [] : result.issues.map(describeIssue);
}

/**
 * Parses and validates the text of a handlers file; `source` names it in errors.
 * @throws {HandlersConfigError} on invalid JSON, an invalid entry, a bad type key or an unknown code handler.
 */
export function parseHandlersFile(
  text: string,
  source: string,
  codeHandlers: Readonly<Record<string, CodeHandler>> = CODE_HANDLERS,
): HandlersFile {
  const prefix = `Invalid handlers file ${JSON.stringify(source)}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new HandlersConfigError("HANDLERS_INVALID", `${prefix}: not valid JSON: ${detail}`, { cause: err });
  }
  if (!isPlainObject(json)) {
    throw new HandlersConfigError("HANDLERS_INVALID", `${prefix}: expected a JSON object keyed by message type`);
  }
  const codeNames = Object.keys(codeHandlers);
  const problems: string[] = [];
  for (const [type, entry] of Object.entries(json)) {
    const where = `handler ${JSON.stringify(type)}`;
    const problem = messageTypeProblem(type);
    if (problem !== undefined) {
      problems.push(`${where}: message type ${problem} (expected ${MESSAGE_TYPE_RULE})`);
      continue;
    }
    for (const problem of entryProblems(entry, codeNames)) problems.push(`${where}: ${problem}`);
  }
  if (problems.length > 0) throw new HandlersConfigError("HANDLERS_INVALID", `${prefix}: ${problems.join("; ")}`);
  return Object.freeze({ ...json }) as HandlersFile;
}

/** The `errorReply` of each handler that declares one, by message type. */
export function errorReplyTargets(file: HandlersFile): ReadonlyMap<string, ReplyTarget> {
  const out = new Map<string, ReplyTarget>();
  for (const [type, spec] of Object.entries(file)) if (spec.errorReply) out.set(type, { ...spec.errorReply });
  return out;
}

export interface RegistryDeps extends HttpHandlerDeps {
  /** Defaults to the handlers compiled into the binary. */
  codeHandlers?: Readonly<Record<string, CodeHandler>>;
}

/**
 * Builds the handler of each message type of a parsed handlers file.
 * @throws {HandlersConfigError} when a code handler named by the file does not exist.
 */
export function buildRegistry(file: HandlersFile, deps: RegistryDeps): HandlerRegistry {
  const codeHandlers = deps.codeHandlers ?? CODE_HANDLERS;
  const registry = new Map<string, Handler>();
  for (const [type, spec] of Object.entries(file)) {
    switch (spec.kind) {
      case "http":
        registry.set(type, createHttpHandler(spec, deps));
        break;
      case "noop":
        registry.set(type, noopHandler);
        break;
      case "code": {
        const impl = Object.hasOwn(codeHandlers, spec.name) ? codeHandlers[spec.name] : undefined;
        if (impl === undefined) {
          throw new HandlersConfigError(
            "HANDLERS_INVALID",
            `Handler ${JSON.stringify(type)}: unknown code handler ${JSON.stringify(spec.name)}`,
          );
        }
        registry.set(type, createCodeHandler(spec, impl));
        break;
      }
    }
  }
  return registry;
}

/** A `${NAME}` reference in a header whose variable is not set. */
export interface MissingVariable {
  type: string;
  header: string;
  variable: string;
}

/** Lists the `${NAME}` header references whose variable is unset (for `doctor`; the handler fails on them at call time). */
export function findMissingVariables(file: HandlersFile, env: (name: string) => string | undefined): MissingVariable[] {
  const missing: MissingVariable[] = [];
  for (const [type, spec] of Object.entries(file)) {
    if (spec.kind !== "http") continue;
    for (const [header, value] of Object.entries(spec.headers ?? {})) {
      for (const match of value.matchAll(ENV_REFERENCE)) {
        if (env(match[1]) === undefined) missing.push({ type, header, variable: match[1] });
      }
    }
  }
  return missing;
}

export interface LoadHandlersDeps extends RegistryDeps {
  readTextFile?: (path: string) => Promise<string>;
}

/**
 * Reads, validates and builds the handlers file at `path`; no path gives an empty registry.
 * @throws {HandlersConfigError} when the file is missing, unreadable or invalid, or a header needs an
 * unset variable or cannot be sent.
 */
export async function loadHandlers(path: string | undefined, deps: LoadHandlersDeps): Promise<HandlerRegistry> {
  return buildRegistry(await readHandlersFile(path, deps), deps);
}

/**
 * Reads and validates the handlers file at `path` (headers included); no path gives an empty file.
 * @throws {HandlersConfigError} as `loadHandlers`
 */
export async function readHandlersFile(path: string | undefined, deps: LoadHandlersDeps): Promise<HandlersFile> {
  if (path === undefined) return Object.freeze({});
  const readTextFile = deps.readTextFile ?? Deno.readTextFile;
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new HandlersConfigError(
        "HANDLERS_INVALID",
        `Invalid SMARTLINK_HANDLERS: file ${JSON.stringify(path)} does not exist`,
        {
          cause: err,
        },
      );
    }
    const detail = err instanceof Error ? err.message : String(err);
    throw new HandlersConfigError(
      "HANDLERS_INVALID",
      `Invalid SMARTLINK_HANDLERS: cannot read ${JSON.stringify(path)}: ${detail}`,
      {
        cause: err,
      },
    );
  }
  const file = parseHandlersFile(text, path, deps.codeHandlers);
  const problems = headerProblems(file, deps.env);
  if (problems.length > 0) {
    throw new HandlersConfigError(
      "HANDLERS_INVALID",
      `Invalid handlers file ${JSON.stringify(path)}: ${problems.join("; ")}`,
    );
  }
  return file;
}
