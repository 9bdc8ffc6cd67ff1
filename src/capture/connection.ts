/**
 * The observation of every exchange with RAC and the Smart Link Server: one
 * wrapped `fetch` feeds the Connection statistics and, with
 * `SMARTLINK_CAPTURE`, the capture file. Every text is redacted before either
 * sees it.
 */
import type { WireProfile } from "../profile/wire_profile.ts";
import { type CaptureFile, openCaptureFile } from "./capture_file.ts";
import { createOpClassifier } from "./classify.ts";
import { type ConnectionStats, createConnectionStats, type GetShape } from "./connection_stats.ts";
import type { ObservedExchange, Redact } from "./exchange.ts";
import { observeFetch } from "./observed_fetch.ts";

export interface ConnectionOptions {
  /** The RAC token URL and Smart Link base in effect; read per exchange (stored credentials bring their own). */
  urls: () => { tokenUrl: string; linkUrl: string };
  profile: WireProfile;
  redact: Redact;
  /** `SMARTLINK_CAPTURE`: the file that receives every exchange as a JSON line. */
  capturePath?: string;
  onGetShape?: (shape: GetShape) => void;
  /** Hears each access token RAC hands out, before any text is redacted (so the redactor knows it). */
  learnSecret?: (secret: string) => void;
  onError: (err: unknown) => void;
  now?: () => Date;
}

export interface Connection {
  /** `inner` wrapped so its exchanges are observed; give it to the token provider and the Smart Link client. */
  wrap(inner: typeof fetch): typeof fetch;
  stats: ConnectionStats;
  capture?: CaptureFile;
  close(): void;
}

function accessToken(body: string): string | undefined {
  try {
    const json = JSON.parse(body);
    return typeof json?.access_token === "string" ? json.access_token : undefined;
  } catch {
    return undefined; // not a token answer: nothing to learn
  }
}

/** Creates the observation; opens the capture file when asked. @throws Deno.errors.* when the capture file cannot be opened */
export function createConnection(options: ConnectionOptions): Connection {
  const stats = createConnectionStats({
    items: options.profile.get.items,
    onGetShape: options.onGetShape,
    redact: options.redact,
  });
  const capture = options.capturePath ? openCaptureFile(options.capturePath) : undefined;
  const observers: ((e: ObservedExchange) => void)[] = [(e) => stats.observe(e)];
  if (capture) observers.push((e) => capture.write(e.exchange()));
  let classifier: { key: string; classify: ReturnType<typeof createOpClassifier> } | undefined;
  const classify: ReturnType<typeof createOpClassifier> = (method, url) => {
    const { tokenUrl, linkUrl } = options.urls();
    const key = `${tokenUrl} ${linkUrl}`;
    if (classifier?.key !== key) classifier = { key, classify: createOpClassifier(tokenUrl, linkUrl, options.profile) };
    return classifier.classify(method, url);
  };
  return {
    wrap: (inner) =>
      observeFetch(inner, {
        classify,
        redact: options.redact,
        observers,
        onError: options.onError,
        now: options.now,
        learn: (raw) => {
          if (raw.op === "get" && raw.status !== undefined) {
            stats.observeGetAnswer(raw.startedAt.toISOString(), raw.status, raw.responseBody ?? "");
          }
          if (raw.op !== "token" || !raw.responseBody || !options.learnSecret) return;
          const token = accessToken(raw.responseBody);
          if (token !== undefined) options.learnSecret(token);
        },
      }),
    stats,
    capture,
    close: () => capture?.close(),
  };
}
