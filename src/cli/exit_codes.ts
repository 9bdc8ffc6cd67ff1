/**
 * The CLI's exit codes, one per class of outcome, the same whether a command
 * opens the database itself or acts through the running server (README,
 * "Exit codes"). `healthcheck` keeps Docker's contract: 0 or 1 only.
 */
import { AppError, type CliErrorCode } from "../errors.ts";

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

type CliCode = Extract<CliErrorCode, `CLI_${string}`>;

/** The exit code of each `CliError` code. */
const CLI_EXIT: Readonly<Record<CliCode, ExitCode>> = {
  CLI_USAGE: EXIT.USAGE,
  CLI_UNAVAILABLE: EXIT.UNAVAILABLE,
  CLI_FAILED: EXIT.FAILED,
};

/** An error that ends the command with the exit code of its `code` and a plain sentence saying what to do. */
export class CliError extends AppError<CliCode> {
  override name = "CliError";

  get exitCode(): ExitCode {
    return CLI_EXIT[this.code];
  }
}
