/**
 * Questions on the terminal for `activate` and `deactivate`: a line with echo,
 * and a secret without echo (raw mode, so nothing typed is shown or kept in
 * the scrollback). Injected into the commands so tests answer them.
 */
import { CliError } from "./exit_codes.ts";

export interface Prompter {
  /** False when stdin is not a terminal: the commands then want flags instead. */
  interactive: boolean;
  line(question: string): Promise<string>;
  /** Reads a line without echo. */
  secret(question: string): Promise<string>;
}

const encoder = new TextEncoder();

export function terminalPrompter(): Prompter {
  const write = (text: string) => Deno.stdout.write(encoder.encode(text));
  return {
    interactive: Deno.stdin.isTerminal(),
    line: (question) => Promise.resolve(prompt(question.trimEnd()) ?? ""),
    async secret(question) {
      await write(question);
      const bytes: number[] = [];
      const one = new Uint8Array(1);
      Deno.stdin.setRaw(true);
      try {
        for (;;) {
          const n = await Deno.stdin.read(one);
          if (n === null || one[0] === 10 || one[0] === 13) break;
          if (one[0] === 3) throw new CliError("CLI_FAILED", "Interrupted: nothing was stored");
          if (one[0] === 127 || one[0] === 8) bytes.pop();
          else bytes.push(one[0]);
        }
      } finally {
        Deno.stdin.setRaw(false);
        await write("\n");
      }
      return new TextDecoder().decode(new Uint8Array(bytes));
    },
  };
}
