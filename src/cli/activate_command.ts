/**
 * `activate` and `deactivate`, the page's rules on the terminal. `activate`
 * asks for the client id and the secret (no echo) or reads `--client-id` and
 * `--client-secret-file`, takes a token, calls setup, and stores them
 * encrypted; every process on the database uses them from its next tick.
 * `activate --confirm` (adopting a new installation identity) is not this
 * command's.
 */
import type { TestResult } from "../activation/test_credentials.ts";
import { deactivateCredentials } from "../activation/deactivate.ts";
import { createRuntime } from "../runtime.ts";
import { parseActivationForm } from "../web/activation_form.ts";
import { formatDateTime, formatDuration } from "../web/format.ts";
import { type CommandOptions, heldByServer, withDb } from "./command_options.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import type { Prompter } from "./terminal_prompt.ts";

const ACTOR = { via: "cli" as const, address: "local" };

/** `--name value` of `args`, or undefined. @throws CliError when the value is missing */
export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) throw new CliError("CLI_USAGE", `${name} needs a value`);
  return value;
}

/** Refuses while a server holds the embedded database; `hint` says what to do instead. */
export function refuseWhileHeld(o: CommandOptions, hint: (url: string) => string): void {
  const held = heldByServer(o);
  if (held) {
    throw new CliError(
      "CLI_UNAVAILABLE",
      `The running server (pid ${held.lock.pid}) holds the embedded database: ${hint(held.lock.url)}`,
    );
  }
}

const usePage = (what: string) => (url: string) => `${what} on its page ${url}/activation, or stop it first`;

function readSecretFile(path: string): string {
  try {
    return Deno.readTextFileSync(path).replace(/\r?\n$/, "");
  } catch (err) {
    const reason = err instanceof Deno.errors.NotFound ? "not found" : "not readable";
    throw new CliError("CLI_USAGE", `--client-secret-file "${path}" is ${reason}`);
  }
}

/** The lines `activate` prints for a test result. */
export function testLines(r: TestResult): string[] {
  if (!r.ok) return [`Token: FAILED: ${r.message}`, `What to check: ${r.check}`];
  const lines = [
    `Token: tenant ${r.tenantId ?? "(no tenant claim)"}, lifetime ${formatDuration(r.lifetimeS * 1000)} (valid until ${
      formatDateTime(r.validUntil)
    })`,
  ];
  if (r.setup.ok) lines.push(`Setup: answered (${r.setup.subscriptions.join(", ") || "no subscriptions"})`);
  else lines.push(`Setup: FAILED: ${r.setup.message}`, `What to check: ${r.setup.check}`);
  return lines;
}

/**
 * `activate [--client-id ID] [--client-secret-file F] [--env prod|staging|dev] [--link-url U --rac-token-url U]`.
 * (`activate --confirm`, adopting an installation identity, is `activate_confirm.ts`.)
 */
export async function activateCommand(o: CommandOptions, prompter: Prompter): Promise<number> {
  if (o.config.clientId) {
    throw new CliError(
      "CLI_USAGE",
      "SMARTLINK_CLIENT_ID and SMARTLINK_CLIENT_SECRET are set in the environment and take precedence: " +
        "remove them (and restart) to store credentials in the database instead",
    );
  }
  if (!o.config.secretKey) {
    throw new CliError(
      "CLI_USAGE",
      "Credentials cannot be stored: SMARTLINK_SECRET_KEY (or SMARTLINK_SECRET_KEY_FILE) is not set; " +
        "set it to 32 random bytes (openssl rand -base64 32), the same for every process on this database",
    );
  }
  refuseWhileHeld(o, usePage("activate"));
  const linkUrl = flag(o.args, "--link-url");
  const racTokenUrl = flag(o.args, "--rac-token-url");
  const secretFile = flag(o.args, "--client-secret-file");
  let clientId = flag(o.args, "--client-id");
  if (clientId === undefined) {
    if (!prompter.interactive) throw new CliError("CLI_USAGE", "No terminal to ask on: give --client-id ID");
    clientId = await prompter.line("Client id: ");
  }
  let secret: string;
  if (secretFile !== undefined) secret = readSecretFile(secretFile);
  else {
    if (!prompter.interactive) {
      throw new CliError("CLI_USAGE", "No terminal to ask on: give --client-secret-file FILE (the secret in a file)");
    }
    secret = await prompter.secret("Client secret (not shown): ");
  }
  const env = linkUrl !== undefined || racTokenUrl !== undefined ? "custom" : flag(o.args, "--env") ?? o.config.env;
  const parsed = parseActivationForm(
    { clientId, clientSecret: secret, env, linkUrl: linkUrl ?? "", racTokenUrl: racTokenUrl ?? "" },
    o.config,
  );
  if (!parsed.ok) {
    const names: Record<string, string> = {
      clientId: "--client-id",
      clientSecret: "client secret",
      env: "--env",
      linkUrl: "--link-url",
      racTokenUrl: "--rac-token-url",
    };
    const why = Object.entries(parsed.errors).map(([k, m]) => `${names[k] ?? k}: ${m.join("; ")}`).join("; ");
    throw new CliError("CLI_USAGE", `Nothing was stored: ${why}`);
  }
  const runtime = await createRuntime({ config: o.config, logger: o.logger, env: o.env, fetch: o.fetch });
  try {
    o.print(`Testing client id "${parsed.input.clientId}" against ${parsed.input.racTokenUrl}`);
    const result = await runtime.activationControl.activate(parsed.input, ACTOR);
    if (!result.ok && result.code === "NO_SECRET_KEY") throw new CliError("CLI_USAGE", result.message);
    for (const line of testLines(result.test)) o.print(line);
    if (!result.ok) {
      o.print("Nothing was stored");
      return EXIT.FAILED;
    }
    o.print(
      `Stored: client id "${parsed.input.clientId}" (${parsed.input.env}), secret encrypted under key id "${result.keyId}"; ` +
        "every client on this database syncs with them from its next tick",
    );
    return EXIT.OK;
  } finally {
    await runtime.close();
  }
}

/** `deactivate [--yes]`: removes the stored credentials; every message stays. */
export async function deactivateCommand(o: CommandOptions, prompter: Prompter): Promise<number> {
  refuseWhileHeld(o, usePage("deactivate"));
  if (!o.args.includes("--yes")) {
    if (!prompter.interactive) throw new CliError("CLI_USAGE", "No terminal to confirm on: give --yes to deactivate");
    const answer = await prompter.line('Every client on this database stops syncing. Type "yes" to deactivate: ');
    if (answer.trim().toLowerCase() !== "yes") {
      o.print("Nothing was changed");
      return EXIT.FAILED;
    }
  }
  const removed = await withDb(o.config, (db) => deactivateCredentials(db, { now: () => new Date(), actor: ACTOR }));
  o.print(
    removed
      ? "Deactivated: syncing stops at the next tick; every stored message is kept"
      : "Nothing was stored: there is nothing to deactivate",
  );
  if (removed && o.config.clientId) o.print("The environment's SMARTLINK_CLIENT_ID and secret stay in use");
  return removed ? EXIT.OK : EXIT.FAILED;
}
