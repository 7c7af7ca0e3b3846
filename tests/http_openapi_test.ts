/**
 * Real responses of quire/http checked against its own generated `/v1/openapi.json`: every
 * response of a tour of every route, successes and failures, must have a documented status and
 * content type, and a body valid under the documented JSON Schema (OpenAPI 3.1 is JSON Schema
 * 2020-12, checked with Ajv).
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { open } from "../mod.ts";
import { createApp } from "../http.ts";

interface MediaType {
  schema?: unknown;
}
interface Operation {
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: unknown;
}

/** The path template of `doc` that `pathname` matches, as a JSON pointer piece. */
function templateOf(doc: OpenApiDocument, pathname: string): string | undefined {
  return Object.keys(doc.paths).find((template) => {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+");
    return new RegExp(`^${pattern}$`).test(pathname);
  });
}

/** `a/b~c` as a JSON pointer token. */
const pointer = (token: string) => token.replaceAll("~", "~0").replaceAll("/", "~1");

test("every response of every route matches the OpenAPI document", async () => {
  await using store = await open("sqlite::memory:");
  const app = createApp(store, { maxBodyBytes: 4096 });
  const doc: OpenApiDocument = await (await app.request("/v1/openapi.json")).json();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: "openapi.json" });

  const checked = new Set<string>();
  /** Sends the request, checks the response against the document, returns it. */
  async function call(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    const response = await app.request(path, { method, ...init });
    const { pathname } = new URL(path, "http://quire.test");
    const template = templateOf(doc, pathname);
    assert.ok(template, `${pathname} is not in the document`);
    const operation = doc.paths[template][method.toLowerCase()];
    assert.ok(operation, `${method} ${template} is not in the document`);
    const status = String(response.status);
    const documented = operation.responses[status];
    assert.ok(documented, `${method} ${path}: status ${status} is not documented`);
    checked.add(`${method} ${template} ${status}`);
    const type = response.headers.get("Content-Type")?.split(";")[0];
    if (documented.content === undefined) {
      assert.equal(await response.text(), "", `${method} ${path} ${status} has no documented body`);
      return response;
    }
    assert.ok(
      type && documented.content[type],
      `${method} ${path} ${status}: ${type} undocumented`,
    );
    const schema = documented.content[type].schema;
    if (schema !== undefined && type !== "application/x-ndjson") {
      const ref = `openapi.json#/paths/${pointer(template)}/${method.toLowerCase()}/responses/` +
        `${status}/content/${pointer(type)}/schema`;
      const body = await response.clone().json();
      const valid = ajv.validate({ $ref: ref }, body);
      assert.ok(valid, `${method} ${path} ${status}: ${ajv.errorsText()}\n${JSON.stringify(body)}`);
    }
    return response;
  }
  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "Content-Type": "application/json", ...headers },
  });

  await call("GET", "/healthz");
  store.collection("notes", {
    indexes: ["party"],
    search: { fields: ["text"] },
  });
  await call(
    "PUT",
    "/v1/collections/notes/docs/n1",
    json({ text: "<b>quick</b> fox", party: "x" }),
  );
  const replaced = await call("PUT", "/v1/collections/notes/docs/n1", json({ text: "quick dog" }));
  const etag = replaced.headers.get("ETag")!;
  await call("PUT", "/v1/collections/notes/docs/n1", json({ a: 1 }, { "If-Match": '"99"' }));
  await call("PUT", "/v1/collections/notes/docs/n2", json("[1, 2]"));
  await call("PUT", "/v1/collections/notes/docs/n2", json("{ not json"));
  await call("PUT", "/v1/collections/notes/docs/n2", json({ big: "x".repeat(5000) }));
  await call("POST", "/v1/collections/notes/docs", json({ text: "slow quick dog", party: "y" }));
  await call("GET", "/v1/collections/notes/docs/n1");
  await call("GET", "/v1/collections/notes/docs/n1", { headers: { "If-None-Match": etag } });
  await call("GET", "/v1/collections/notes/docs/missing");
  await call("GET", "/v1/collections/bad%00name/docs/n1");
  await call("GET", "/v1/collections");
  await call("GET", "/v1/collections/notes");
  await call("GET", "/v1/collections/nothing");
  await call("GET", "/v1/collections/notes/docs?limit=1&sort=-party");
  await call("GET", `/v1/collections/notes/docs?filter=${encodeURIComponent('party = "x"')}`);
  await call("GET", "/v1/collections/notes/docs?filter=%3D%3D%3D");
  await call("POST", "/v1/collections/notes/query", json({ filter: { party: "y" }, limit: 5 }));
  await call("POST", "/v1/collections/notes/query", json({ filter: { $bad: 1 } }));
  await call("GET", "/v1/collections/notes/search?q=quick&highlight=true&facet=party&limit=1");
  await call("GET", "/v1/collections/notes/search?q=%22unclosed");
  await call("GET", "/v1/collections/notes/search");
  await call("GET", "/v1/stats");
  await call("GET", "/v1/export");
  await call("GET", "/v1/export?collections=nothing");
  await call("POST", "/v1/import", {
    body: '{"collection":"notes","id":"n9","doc":{"text":"imported"}}\nnot json\n',
    headers: { "Content-Type": "application/x-ndjson" },
  });
  await call("POST", "/v1/import?onConflict=never", json([]));
  await call("DELETE", "/v1/collections/notes/docs/n1", { headers: { "If-Match": '"99"' } });
  await call("DELETE", "/v1/collections/notes/docs/n1");
  await call("DELETE", "/v1/collections/notes/docs/n1");

  const guarded = createApp(store, { token: "t", readOnly: true });
  const refused = await guarded.request("/v1/collections");
  assert.equal(refused.status, 401);
  assert.ok(doc.paths["/v1/collections"].get.responses["401"]);
  const readOnly = await guarded.request("/v1/collections/notes/docs/n2", {
    method: "PUT",
    ...json({ a: 1 }),
    headers: { "Content-Type": "application/json", Authorization: "Bearer t" },
  });
  assert.equal(readOnly.status, 403);
  assert.ok(doc.paths["/v1/collections/{c}/docs/{id}"].put.responses["403"]);

  // The tour reached every route of the document.
  const reached = new Set([...checked].map((entry) => entry.split(" ").slice(0, 2).join(" ")));
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const method of Object.keys(operations)) {
      if (template === "/v1/openapi.json") continue;
      assert.ok(reached.has(`${method.toUpperCase()} ${template}`), `${method} ${template}`);
    }
  }
});
