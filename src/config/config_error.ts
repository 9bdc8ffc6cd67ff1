/** `ConfigError`: an invalid configuration value, named by its variable. */
import { AppError, type AppErrorOptions } from "../errors.ts";

/** An invalid configuration value: names the variable and what was expected. */
export class ConfigError extends AppError<"CONFIG_INVALID"> {
  override name = "ConfigError";
  readonly variable: string;
  readonly expected: string;

  constructor(
    code: "CONFIG_INVALID",
    message: string,
    options: AppErrorOptions & { variable: string; expected: string },
  ) {
    super(code, message, options);
    this.variable = options.variable;
    this.expected = options.expected;
  }
}

/** The `ConfigError` for `variable`: what it should hold and, unless it is a secret, what it holds. */
export function invalidConfig(variable: string, expected: string, received?: string): ConfigError {
  const message = `Invalid ${variable}: expected ${expected}` +
    (received === undefined ? "" : `, got ${JSON.stringify(received)}`);
  return new ConfigError("CONFIG_INVALID", message, { variable, expected });
}
