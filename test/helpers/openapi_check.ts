/**
 * Route tests' answers checked against the OpenAPI document: `checkedApp(app)`
 * answers like `app.request`, and fails the test when an answer of `/api/*`
 * or `/healthz` has a status the document does not list for that route, or a
 * JSON body that does not match the documented schema (JSON Schema 2020-12).
 */
import type { Hono } from "hono";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { openApiDocument } from "../../src/web/openapi.ts";
import { VERSION } from "../../src/version.ts";

// deno-lint-ignore no-explicit-any
type AnyHono = Hono<any>;
// deno-lint-ignore no-explicit-any
type OpenApiDoc = { paths: Record<string, Record<string, any>> };

// deno-lint-ignore no-explicit-any
const addFormats = addFormatsModule as any as (ajv: Ajv2020) => void;

const documents = new WeakMap<AnyHono, Promise<OpenApiDoc>>();

function documentOf(app: AnyHono): Promise<OpenApiDoc> {
  let doc = documents.get(app);
  if (!doc) documents.set(app, doc = openApiDocument(app, VERSION) as Promise<OpenApiDoc>);
  return doc;
}

/** The document's path template that `path` matches (`/api/messages/{id}` for `/api/messages/abc`). */
export function templateOf(doc: OpenApiDoc, path: string): string | undefined {
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (re.test(path)) return template;
  }
  return undefined;
}

/** Throws when the answer is not what the document says `method path` answers. */
export async function checkAnswer(doc: OpenApiDoc, method: string, path: string, res: Response): Promise<void> {
  if (!(path.startsWith("/api/") || path === "/healthz") || path === "/api/openapi.json") return;
  const template = templateOf(doc, path);
  const operation = template ? doc.paths[template][method.toLowerCase()] : undefined;
  if (!operation) {
    if (res.status === 404 || res.status === 401 || res.status === 403 || res.status === 413) return; // no such route
    throw new Error(`${method} ${path} answered ${res.status} but is not in the OpenAPI document`);
  }
  const documented = operation.responses?.[String(res.status)];
  if (!documented) {
    throw new Error(`${method} ${template} answered ${res.status}, which the document does not list`);
  }
  const schema = documented.content?.["application/json"]?.schema;
  if (!schema) return;
  const body = await res.clone().json();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (!validate(body)) {
    throw new Error(
      `${method} ${template} ${res.status}: the answer does not match the documented schema: ` +
        JSON.stringify(validate.errors?.slice(0, 5)),
    );
  }
}

/** `app` whose `request()` checks every answer against the app's own OpenAPI document. */
export function checkedApp<A extends AnyHono>(app: A): A {
  const request = (async (input: string | Request | URL, init?: RequestInit, ...rest: unknown[]) => {
    // deno-lint-ignore no-explicit-any
    const res = await (app.request as any)(input, init, ...rest) as Response;
    const req = input instanceof Request ? input : undefined;
    const url = new URL(req?.url ?? String(input), "http://localhost");
    const method = (init as RequestInit | undefined)?.method ?? req?.method ?? "GET";
    await checkAnswer(await documentOf(app), method, url.pathname, res);
    return res;
  }) as A["request"];
  return new Proxy(app, {
    get: (target, prop, receiver) => prop === "request" ? request : Reflect.get(target, prop, receiver),
  });
}
