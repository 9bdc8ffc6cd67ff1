/** `ConfigError`: an invalid configuration value, named by its variable. */

/** An invalid configuration value: names the variable and what was expected. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly code = "CONFIG_INVALID";
  constructor(readonly variable: string, readonly expected: string, received?: string) {
    super(
      `Invalid ${variable}: expected ${expected}` + (received === undefined ? "" : `, got ${JSON.stringify(received)}`),
    );
  }
}
