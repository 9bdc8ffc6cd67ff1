/**
 * The CLI's exit codes, one per class of outcome, the same whether a command
 * opens the database itself or acts through the running server (README,
 * "Exit codes"). `healthcheck` keeps Docker's contract: 0 or 1 only.
 */
export const EXIT = {
  /** Done. */
  OK: 0,
  /** The command ran and what it did failed: a tick error, a doctor check, a message not found, busy. */
  FAILED: 1,
  /** Usage or configuration: an unknown command or argument, an invalid variable, handlers file or flag. */
  USAGE: 2,
  /** No client credentials: nothing to sync. */
  NOT_ACTIVATED: 3,
  /** The surroundings refused: port in use, data folder unusable, database unreachable or held, server frozen. */
  UNAVAILABLE: 4,
} as const;

export type ExitCode = typeof EXIT[keyof typeof EXIT];

/** An error that ends the command with `exitCode` and a plain sentence saying what to do. */
export class CliError extends Error {
  override name = "CliError";
  constructor(readonly exitCode: ExitCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
