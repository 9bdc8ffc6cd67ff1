/**
 * A stand-in for the ERP's own HTTP endpoints that the `http` handlers call
 * in `deno task dev` and the tests: it answers SGDP commands the way an ERP
 * integration would (TPD payloads of PROTOCOL.md 4.2) and records each call.
 */
import { Hono } from "hono";

export interface ErpCall {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: Date;
}

export interface FakeErp {
  app: Hono;
  calls: ErpCall[];
  /** The next `count` calls answer with `status` (and `body`). */
  failNext(count: number, status: number, body?: string): void;
}

const APPLICATION_ID = "smartlink-client-dev";

/** Creates the ERP stand-in. `now` is injected for the timestamps of recorded calls. */
export function createFakeErp(now: () => Date = () => new Date()): FakeErp {
  const calls: ErpCall[] = [];
  const failures: { count: number; status: number; body?: string }[] = [];
  const app = new Hono();
  app.use("*", async (c, next) => {
    const body = await c.req.raw.clone().text();
    calls.push({ path: c.req.path, headers: Object.fromEntries(c.req.raw.headers), body, at: now() });
    const f = failures.find((x) => x.count > 0);
    if (f) {
      f.count--;
      return c.body(f.body ?? `ERP failure ${f.status}`, f.status as 500);
    }
    await next();
  });
  const requestIdOf = (body: string): unknown => {
    try {
      const json = JSON.parse(body);
      return json?.content?.requestID ?? json?.correlationid ?? null;
    } catch {
      return null;
    }
  };
  app.post("/sgdp/data", async (c) => {
    const requestID = requestIdOf(await c.req.text());
    return c.json({
      requestID,
      applicationId: APPLICATION_ID,
      response: {
        customers: {
          models: {
            "br.com.sgdp.model.Customer": [{ identification: "111.111.111-11", email: "titular@example.com" }],
          },
        },
      },
    });
  });
  app.post("/sgdp/mask", async (c) => {
    const requestID = requestIdOf(await c.req.text());
    return c.json({
      requestID,
      applicationId: APPLICATION_ID,
      exceptionAttributes: {
        "br.com.sgdp.model.Customer": {
          description: "Cadastro de Clientes",
          attributes: {
            gender: {
              type: "String",
              description: "Gender",
              sgdpData: { sensitive: true, type: "EMPTY", allowsAnonymization: false, identification: false },
              sgdpPurposes: [],
              reason: "Obrigação legal de manter o registro",
            },
          },
        },
      },
    });
  });
  app.post("/sgdp/logs", async (c) => {
    const requestID = requestIdOf(await c.req.text());
    return c.json({ requestID, applicationId: APPLICATION_ID, logs: [] });
  });
  return {
    app,
    calls,
    failNext: (count, status, body) => failures.push({ count, status, body }),
  };
}
