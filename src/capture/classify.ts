/** Names the operation of a request to RAC or the Smart Link Server from the token URL and the wire profile. */
import type { WireProfile } from "../profile/wire_profile.ts";
import type { ExchangeOp } from "./exchange.ts";

function pathPattern(path: string): RegExp {
  const parts = path.split(/\$[A-Za-z]+/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[^/]*")}$`);
}

/** A classifier for `observeFetch`: the token URL is `token`, a profile route its operation, anything else `other`. */
export function createOpClassifier(
  tokenUrl: string,
  linkUrl: string,
  profile: WireProfile,
): (method: string, url: string) => ExchangeOp {
  const token = new URL(tokenUrl);
  const base = new URL(linkUrl.replace(/\/+$/, ""));
  const basePath = base.pathname.replace(/\/+$/, "");
  const routes = (["setup", "get", "ack", "nack", "send"] as const).flatMap((op) => {
    const operation = profile[op];
    return operation ? [{ op, method: operation.method, pattern: pathPattern(basePath + operation.path) }] : [];
  });
  return (method, url) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return "other";
    }
    if (u.origin === token.origin && u.pathname === token.pathname) return "token";
    if (u.origin !== base.origin) return "other";
    const found = routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(u.pathname));
    return found?.op ?? "other";
  };
}
