/** `SMARTLINK_CAPTURE`: appends each (already cleaned) exchange to a file as one JSON line. */
import type { Exchange } from "./exchange.ts";

export interface CaptureFile {
  write(exchange: Exchange): void;
  /** Exchanges written so far. */
  count(): number;
  close(): void;
}

/**
 * Opens `path` for appending (created with mode 0600). Writes are synchronous, so the
 * file holds every exchange in order even when the process stops right after.
 * @throws Deno.errors.* when the file cannot be created
 */
export function openCaptureFile(path: string): CaptureFile {
  const file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  const encoder = new TextEncoder();
  let written = 0;
  return {
    write(exchange) {
      const bytes = encoder.encode(JSON.stringify(exchange) + "\n");
      let offset = 0;
      while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
      written++;
    },
    count: () => written,
    close: () => file.close(),
  };
}
