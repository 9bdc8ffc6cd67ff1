/**
 * `rotate-key --new-key-file F`: re-encrypts the stored client secret under
 * the key in F (SMARTLINK_SECRET_KEY is the current one). Then every process
 * on the database is restarted with SMARTLINK_SECRET_KEY_FILE=F; until then
 * they keep the credentials they had loaded.
 */
import { rotateKey } from "../activation/rotate_key.ts";
import { CipherError } from "../secrets/cipher.ts";
import { importSecretKey, parseSecretKey, SECRET_KEY_HOWTO } from "../secrets/secret_key.ts";
import { flag, refuseWhileHeld } from "./activate_command.ts";
import { type CommandOptions, withDb } from "./command_options.ts";
import { CliError, EXIT } from "./exit_codes.ts";

export async function rotateKeyCommand(o: CommandOptions): Promise<number> {
  const file = flag(o.args, "--new-key-file");
  if (file === undefined) throw new CliError("CLI_USAGE", "Usage: rotate-key --new-key-file FILE");
  if (!o.config.secretKey) {
    throw new CliError("CLI_USAGE", "SMARTLINK_SECRET_KEY (or SMARTLINK_SECRET_KEY_FILE) must be the current key");
  }
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (err) {
    const reason = err instanceof Deno.errors.NotFound ? "not found" : "not readable";
    throw new CliError("CLI_USAGE", `--new-key-file "${file}" is ${reason}`);
  }
  const raw = parseSecretKey(text);
  if (!raw) {
    throw new CliError("CLI_USAGE", `--new-key-file "${file}" does not hold a key: expected ${SECRET_KEY_HOWTO}`);
  }
  refuseWhileHeld(o, () => "stop it first (it restarts with the new key anyway), then rotate");
  const keys = { current: await importSecretKey(o.config.secretKey), next: await importSecretKey(raw) };
  try {
    const r = await withDb(
      o.config,
      (db) => rotateKey(db, keys, { now: () => new Date(), actor: { via: "cli", address: "local" } }),
    );
    if (!r.ok) {
      o.print(r.message);
      return EXIT.FAILED;
    }
    o.print(`Re-encrypted the secret of client id "${r.clientId}": key id "${r.fromKeyId}" → "${r.toKeyId}"`);
    o.print(
      `Now set SMARTLINK_SECRET_KEY_FILE="${file}" for every process on this database and restart them ` +
        "(until then they keep the credentials they loaded)",
    );
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CipherError) {
      o.print(`Nothing was changed: ${err.message}`);
      return EXIT.FAILED;
    }
    throw err;
  }
}
