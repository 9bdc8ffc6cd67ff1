/**
 * The one error type of the program, as hono's `HTTPException` and jose's
 * errors: a class with a stable `code` and a `cause`. Every error the program
 * throws on purpose extends `AppError` with one constructor shape,
 * `(code, message, options?)`, where the options carry the cause and any
 * extra field of the subclass (`status`, `phase`, …). `instanceof` a subclass
 * says where it comes from; `code` says what happened, for code to branch on
 * and for people to search.
 *
 * The stored text of a failure (`ULTIMOERRO`, `ERRO`, the LOG rows) is
 * `CODE: message`, built by `errorText` and read back by `parseErrorText`.
 */

/** The codes of the base layer (configuration, secrets, schedules). */
export type BaseErrorCode =
  /** An environment variable holds an invalid value (`ConfigError`). */
  | "CONFIG_INVALID"
  /** `totvsAppConfig_v2.json` (`SMARTLINK_CONFIG`) cannot be read or holds an invalid value. */
  | "APP_CONFIG_INVALID"
  /** A cron expression (`SMARTLINK_SCHEDULE`) that cannot be parsed or never runs. */
  | "CRON_INVALID"
  /** A stored secret sealed under another `SMARTLINK_SECRET_KEY`. */
  | "SECRET_KEY_MISMATCH"
  /** A stored secret that cannot be decrypted (altered or damaged). */
  | "SECRET_UNREADABLE"
  /** A wire profile (`SMARTLINK_PROFILE`) with an invalid key. */
  | "PROFILE_INVALID";

/** The codes of the database layer. */
export type DatabaseErrorCode =
  /** A database call that did not answer in time. */
  | "DB_TIMEOUT"
  /** PostgreSQL at `DATABASE_URL` cannot be connected to. */
  | "DB_UNREACHABLE"
  /** `SMARTLINK_DATA_DIR` cannot be created. */
  | "DB_DATA_DIR"
  /** The embedded database cannot be opened. */
  | "DB_OPEN"
  /** The embedded database was closed. */
  | "DB_CLOSED"
  /** A database error whose driver gave no code of its own. */
  | "DB_ERROR"
  /** The stored credentials setting is not valid. */
  | "CREDENTIALS_UNREADABLE"
  /** The recorded installation setting is not valid. */
  | "INSTALLATION_UNREADABLE";

/** The codes of the handlers: the file that declares them and what one attempt can end with. */
export type HandlerErrorCode =
  /** The handlers file (`SMARTLINK_HANDLERS`) is missing, unreadable or invalid. */
  | "HANDLERS_INVALID"
  /** A message type with no handler: DEAD at once. */
  | "HANDLER_MISSING"
  /** A header needs an environment variable that is not set. */
  | "HANDLER_ENV_MISSING"
  /** A header value that cannot be sent. */
  | "HANDLER_HEADER_INVALID"
  /** The handler did not finish within the handler timeout. */
  | "HANDLER_TIMEOUT"
  /** The attempt was interrupted (shutdown). */
  | "HANDLER_ABORTED"
  /** The handler endpoint cannot be reached. */
  | "HANDLER_NETWORK"
  /** The handler threw something that is not a typed handler error. */
  | "HANDLER_ERROR"
  /** A stored error text without a code (error replies report it so). */
  | "HANDLER_FAILED"
  /** The handler's reply is larger than `SMARTLINK_MAX_MESSAGE_BYTES`. */
  | "REPLY_TOO_LARGE"
  /** The handler's reply is not JSON. */
  | "REPLY_NOT_JSON"
  /** The handler endpoint answered this HTTP status (not 2xx). */
  | `HTTP_${number}`;

/** The codes of the RAC token request. */
export type RacErrorCode =
  /** The token endpoint cannot be reached. */
  | "RAC_NETWORK"
  /** The token endpoint did not answer in time. */
  | "RAC_TIMEOUT"
  /** The token endpoint answered a status other than 2xx. */
  | "RAC_HTTP"
  /** The token endpoint redirects: not followed, the request carries the secret. */
  | "RAC_REDIRECT"
  /** The token response is not JSON or lacks a field. */
  | "RAC_INVALID_RESPONSE";

/** The codes of a Smart Link Server call (`SmartLinkError`). */
export type SmartLinkErrorCode =
  /** The server cannot be reached. */
  | "SL_NETWORK"
  /** The server did not answer in time. */
  | "SL_TIMEOUT"
  /** The server answered 5xx. */
  | "SL_HTTP_5XX"
  /** The server answered 429. */
  | "SL_RATE_LIMITED"
  /** The server answered 401. */
  | "SL_UNAUTHORIZED"
  /** The server answered 403. */
  | "SL_FORBIDDEN"
  /** The server answered 404 or 410. */
  | "SL_NOT_FOUND"
  /** The server refused a message it was sent (another 4xx on `send`). */
  | "SL_REJECTED"
  /** The server's answer is not what the profile describes. */
  | "SL_BAD_RESPONSE"
  /** A value that cannot be a URL path segment (empty, `.` or `..`): the request is never sent. */
  | "SL_BAD_PATH"
  /** A request the profile cannot build (an operation it lacks, an envelope that is not JSON inside a body). */
  | "SL_BAD_REQUEST"
  /** This database is a copy of another installation's (same tenant): setup, get and send are paused. */
  | "SL_INSTALLATION"
  /** The server redirects: not followed, the request carries the token. */
  | "SL_REDIRECT"
  /** No RAC token for the call. */
  | "SL_TOKEN";

/** The codes of the wire below the calls. */
export type WireErrorCode =
  /** A value that cannot be placed in a URL path segment (`PathSegmentError`). */
  "PATH_SEGMENT_INVALID";

/** The codes of a downloaded item that cannot be a message: stored DEAD on arrival. */
export type MessageErrorCode =
  /** The item is not JSON. */
  | "MSG_INVALID_JSON"
  /** The item is not an object of the expected shape. */
  | "MSG_BAD_SHAPE"
  /** The item has no id. */
  | "MSG_NO_ID"
  /** The item's id cannot be used. */
  | "MSG_BAD_ID"
  /** The item has no type. */
  | "MSG_NO_TYPE"
  /** The item's type breaks the message-type rule. */
  | "MSG_BAD_TYPE"
  /** A text field of the item cannot be stored. */
  | "MSG_BAD_TEXT"
  /** The item holds NUL bytes. */
  | "MSG_NUL_BYTES"
  /** The item is larger than `SMARTLINK_MAX_MESSAGE_BYTES`. */
  | "MSG_TOO_LARGE";

/** The codes of the sync tick. */
export type SyncErrorCode =
  /** An UP message with no audience: DEAD at once. */
  | "UP_NO_AUDIENCE"
  /** An attempt that never finished (crashed process): it counts. */
  | "ABANDONED"
  /** The database refused a downloaded message as received: a copy it accepts is stored DEAD. */
  | "STORE_REFUSED"
  /** No RAC token, so no tenant: nothing is known about the installation yet. */
  | "TENANT_UNAVAILABLE";

/** The codes of the commands. */
export type CliErrorCode =
  /** The running server does not answer in time. */
  | "API_TIMEOUT"
  /** The running server cannot be reached. */
  | "API_UNREACHABLE"
  /** The lock file names a server that cannot prove it holds the data folder. */
  | "SERVER_NOT_PROVEN"
  /** The embedded database is used by a running server. */
  | "DB_IN_USE"
  /** A command ended by its usage or configuration (exit 2). */
  | "CLI_USAGE"
  /** A command ended by its surroundings: port, data folder, database (exit 4). */
  | "CLI_UNAVAILABLE"
  /** A command ended otherwise (exit 1). */
  | "CLI_FAILED";

/** Every stable code of the program, by layer. */
export type ErrorCode =
  | BaseErrorCode
  | DatabaseErrorCode
  | HandlerErrorCode
  | RacErrorCode
  | SmartLinkErrorCode
  | WireErrorCode
  | MessageErrorCode
  | SyncErrorCode
  | CliErrorCode;

declare const driverBrand: unique symbol;

/**
 * A code given by a database driver (an SQLSTATE such as `57P01`, or the
 * driver's own such as `CONNECTION_CLOSED`): not the program's, so not in
 * `ErrorCode`; `databaseCode()` is where one is taken.
 */
export type DriverCode = string & { readonly [driverBrand]: true };

/** The options of `AppError`; subclasses add their fields. */
export interface AppErrorOptions {
  cause?: unknown;
}

/** An error of the program: a stable `code`, a sentence, and the `cause` when there is one. */
export class AppError<C extends ErrorCode | DriverCode = ErrorCode> extends Error {
  override name = "AppError";
  readonly code: C;

  constructor(code: C, message: string, options?: AppErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * The text of a failure, stored and printed: `CODE: message` (the format of
 * `ULTIMOERRO`, `ERRO`, the LOG rows and the CLI's error lines). `code` is a
 * string because a code read back (a tick record, an API answer) is one.
 */
export function errorText(code: string, message: string): string {
  return `${code}: ${message}`;
}

const ERROR_TEXT = /^([A-Z][A-Z0-9_]{1,63}): ([\s\S]*)$/;

/** `errorText` read back: `{code, message}`, or undefined when the text does not start with a code. */
export function parseErrorText(text: string): { code: string; message: string } | undefined {
  const m = ERROR_TEXT.exec(text);
  return m ? { code: m[1], message: m[2] } : undefined;
}
