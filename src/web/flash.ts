/**
 * One-shot notices after a form POST ("Message queued for retry"): a signed,
 * short-lived, HttpOnly cookie read and cleared by the next page. The key is
 * random per process, so a forged or stale cookie is ignored.
 */
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";
import { isHttps } from "./middleware/request_origin.ts";

export interface Flash {
  kind: "ok" | "error";
  text: string;
}

export const FLASH_COOKIE = "sl_flash";

export interface FlashStore {
  set(c: Context, flash: Flash): Promise<void>;
  /** The pending notice, cleared as it is read. */
  take(c: Context): Promise<Flash | undefined>;
}

const toBase64Url = (s: string) => encodeBase64Url(new TextEncoder().encode(s).buffer).replace(/=+$/, "");
const fromBase64Url = (s: string) => new TextDecoder().decode(decodeBase64Url(s));

export function createFlashStore(
  secret: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(32)),
): FlashStore {
  return {
    async set(c, flash) {
      const value = toBase64Url(JSON.stringify({ k: flash.kind, t: flash.text.slice(0, 500) }));
      await setSignedCookie(c, FLASH_COOKIE, value, secret, {
        path: "/",
        httpOnly: true,
        sameSite: "Strict",
        secure: isHttps(c),
        maxAge: 60,
      });
    },
    async take(c) {
      const raw = await getSignedCookie(c, secret, FLASH_COOKIE);
      if (raw === undefined) return undefined;
      deleteCookie(c, FLASH_COOKIE, { path: "/", secure: isHttps(c) });
      if (raw === false) return undefined;
      try {
        const { k, t } = JSON.parse(fromBase64Url(raw));
        return (k === "ok" || k === "error") && typeof t === "string" ? { kind: k, text: t } : undefined;
      } catch {
        return undefined; // signed by us but unreadable: drop it
      }
    },
  };
}
