/**
 * The HTTP API (quire/http) through `app.request()`, on every backend: documents with ETags and
 * preconditions, collections, errors as problem documents, auth, read-only, body limits, and
 * the generated OpenAPI document.
 */

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { open, type Store } from "../mod.ts";
import { type AppOptions, createApp, type QuireApp } from "../http.ts";
import { tempDir } from "./helpers.ts";

const BACKENDS = ["sqlite::memory:", "memory://", "sqlite", "file"];

async function withApp(
  backend: string,
  options: AppOptions,
  fn: (app: ReturnType<typeof createApp>, store: Store) => Promise<void>,
): Promise<void> {
  const { dir, remove } = tempDir();
  const url = backend === "sqlite"
    ? `sqlite://${dir}/http.db`
    : backend === "file"
    ? `file://${dir}/store`
    : backend;
  const store = await open(url);
  try {
    await fn(createApp(store, options), store);
  } finally {
    await store.close();
    remove();
  }
}

const jsonBody = (body: unknown, headers: Record<string, string> = {}) => ({
  body: JSON.stringify(body),
  headers: { "Content-Type": "application/json", ...headers },
});

async function problemOf(response: Response, status: number, code: string) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("Content-Type"), "application/problem+json");
  const body = await response.json();
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(typeof body.title, "string");
  assert.equal(typeof body.type, "string");
  assert.equal(typeof body.detail, "string");
  return body;
}

for (const backend of BACKENDS) {
  describe(`http: ${backend}`, () => {
    test("documents: PUT creates (201) then replaces (200); GET sends ETag and honours If-None-Match", async () => {
      await withApp(backend, {}, async (app) => {
        const path = "/v1/collections/notes/docs/n1";
        const created = await app.request(path, { method: "PUT", ...jsonBody({ title: "a" }) });
        assert.equal(created.status, 201);
        assert.equal((await created.json()).rev, 1);
        const replaced = await app.request(path, { method: "PUT", ...jsonBody({ title: "b" }) });
        assert.equal(replaced.status, 200);
        assert.equal(replaced.headers.get("ETag"), '"2"');
        const got = await app.request(path);
        assert.equal(got.status, 200);
        assert.equal(got.headers.get("ETag"), '"2"');
        assert.match(got.headers.get("Last-Modified") ?? "", /GMT$/);
        assert.deepEqual(await got.json(), { title: "b" });
        const cached = await app.request(path, { headers: { "If-None-Match": '"2"' } });
        assert.equal(cached.status, 304);
        const stale = await app.request(path, { headers: { "If-None-Match": '"1"' } });
        assert.equal(stale.status, 200);
      });
    });

    test("documents: If-Match and If-None-Match: * give 412 on a mismatch, and nothing changes", async () => {
      await withApp(backend, {}, async (app, store) => {
        const path = "/v1/collections/notes/docs/n1";
        await app.request(path, { method: "PUT", ...jsonBody({ v: 1 }) });
        await problemOf(
          await app.request(path, { method: "PUT", ...jsonBody({ v: 2 }, { "If-Match": '"7"' }) }),
          412,
          "CONFLICT",
        );
        await problemOf(
          await app.request(path, {
            method: "PUT",
            ...jsonBody({ v: 2 }, { "If-None-Match": "*" }),
          }),
          412,
          "CONFLICT",
        );
        const ok = await app.request(path, {
          method: "PUT",
          ...jsonBody({ v: 2 }, { "If-Match": '"1"' }),
        });
        assert.equal(ok.status, 200);
        assert.deepEqual(await store.collection("notes").get("n1"), { v: 2 });
        await problemOf(
          await app.request(path, { method: "DELETE", headers: { "If-Match": '"1"' } }),
          412,
          "CONFLICT",
        );
        await problemOf(
          await app.request(path, { method: "PUT", ...jsonBody({}, { "If-Match": "nonsense" }) }),
          400,
          "INVALID_OPTION",
        );
      });
    });

    test("documents: POST makes an id (201, Location); DELETE answers 204, then 404", async () => {
      await withApp(backend, {}, async (app) => {
        const posted = await app.request("/v1/collections/notes/docs", {
          method: "POST",
          ...jsonBody({ title: "new" }),
        });
        assert.equal(posted.status, 201);
        const meta = await posted.json();
        const location = posted.headers.get("Location");
        assert.equal(location, `/v1/collections/notes/docs/${meta.id}`);
        assert.deepEqual(await (await app.request(location!)).json(), { title: "new" });
        assert.equal((await app.request(location!, { method: "DELETE" })).status, 204);
        await problemOf(await app.request(location!, { method: "DELETE" }), 404, "NOT_FOUND");
        await problemOf(await app.request(location!), 404, "NOT_FOUND");
      });
    });

    test("collections: the list, one collection's options, count and indexes; unknown is 404", async () => {
      await withApp(backend, {}, async (app, store) => {
        await store.collection("notes", { indexes: ["year"] }).put("a", { year: 1 });
        await store.collection("tags").put("t", {});
        const list = await (await app.request("/v1/collections")).json();
        assert.deepEqual(list.collections.map((c: { name: string }) => c.name), ["notes", "tags"]);
        assert.equal(list.collections[0].count, 1);
        const one = await (await app.request("/v1/collections/notes")).json();
        assert.deepEqual(one, {
          name: "notes",
          count: 1,
          options: { indexes: ["year"] },
          indexes: ["year"],
        });
        await problemOf(await app.request("/v1/collections/nothing"), 404, "NOT_FOUND");
        await problemOf(await app.request("/v1/collections/nothing/docs/x"), 404, "NOT_FOUND");
        // A read of an unknown collection is 404 even where the read itself would fail or find
        // nothing: a bad filter, no search fields.
        for (
          const path of ["docs", "docs?filter=a%20%3D%201", "docs?filter=%3D%3D", "search?q=x"]
        ) {
          const missing = await app.request(`/v1/collections/nothing/${path}`);
          const problem = await problemOf(missing, 404, "NOT_FOUND");
          assert.match(problem.detail, /nothing/);
        }
        const query = await app.request("/v1/collections/nothing/query", {
          method: "POST",
          ...jsonBody({ filter: { $nope: 1 } }),
        });
        await problemOf(query, 404, "NOT_FOUND");
        // An existing collection that matches nothing is an empty page, not a 404.
        const none = await app.request("/v1/collections/notes/docs?filter=year%20%3D%202");
        assert.deepEqual(await none.json(), { items: [] });
      });
    });

    test("list (text filter) and query (object filter) answer { items, next }; next works as-is", async () => {
      await withApp(backend, { maxLimit: 2 }, async (app, store) => {
        const notes = store.collection("notes");
        for (let i = 1; i <= 5; i++) {
          await notes.put(`n${i}`, { year: 2000 + i, party: i % 2 ? "a" : "b" });
        }
        const filter = encodeURIComponent('year >= 2002 and party = "a"');
        const first = await (await app.request(
          `/v1/collections/notes/docs?filter=${filter}&sort=-year&limit=1&fields=year`,
        )).json();
        assert.deepEqual(first.items.map((e: { id: string; doc: unknown }) => [e.id, e.doc]), [
          ["n5", { year: 2005 }],
        ]);
        const second = await (await app.request(
          `/v1/collections/notes/docs?filter=${filter}&sort=-year&limit=1&fields=year&after=${
            encodeURIComponent(first.next)
          }`,
        )).json();
        assert.deepEqual(second.items.map((e: { id: string }) => e.id), ["n3"]);
        // limit is clamped to maxLimit (2)
        const all = await (await app.request("/v1/collections/notes/docs?limit=500")).json();
        assert.equal(all.items.length, 2);
        assert.equal(typeof all.next, "string");
        const query = await app.request("/v1/collections/notes/query", {
          method: "POST",
          ...jsonBody({ filter: { year: { $lt: 2003 } }, sort: "year" }),
        });
        assert.deepEqual((await query.json()).items.map((e: { id: string }) => e.id), ["n1", "n2"]);
        await problemOf(
          await app.request(`/v1/collections/notes/docs?filter=${encodeURIComponent("year >>")}`),
          400,
          "INVALID_FILTER",
        );
        await problemOf(
          await app.request("/v1/collections/notes/docs?limit=lots"),
          400,
          "INVALID_OPTION",
        );
      });
    });

    test("search answers { hits, next, facets }, with HTML-escaped highlights", async () => {
      await withApp(backend, {}, async (app, store) => {
        const notes = store.collection("notes", { search: { fields: ["text"] } });
        await notes.put("a", { text: "<b>quick</b> fox", party: "x" });
        await notes.put("b", { text: "slow quick dog", party: "y" });
        const page = await (await app.request(
          "/v1/collections/notes/search?q=quick&highlight=true&facet=party",
        )).json();
        assert.deepEqual(page.hits.map((h: { id: string }) => h.id).sort(), ["a", "b"]);
        const a = page.hits.find((h: { id: string }) => h.id === "a");
        assert.match(a.highlights.text, /&lt;b&gt;<mark>quick<\/mark>&lt;\/b&gt; fox/);
        assert.deepEqual(page.facets.party.map((f: { value: string }) => f.value).sort(), [
          "x",
          "y",
        ]);
        const filtered = await (await app.request(
          `/v1/collections/notes/search?q=quick&filter=${encodeURIComponent('party = "y"')}`,
        )).json();
        assert.deepEqual(filtered.hits.map((h: { id: string }) => h.id), ["b"]);
        const stats = await (await app.request("/v1/stats")).json();
        assert.equal(stats.collections.notes.count, 2);
      });
    });

    test("export streams NDJSON (only the collections asked for); import takes it back with line numbers", async () => {
      await withApp(backend, {}, async (app, store) => {
        await store.collection("a").put("x", { n: 1 });
        await store.collection("b").put("y", { n: 2 });
        const exported = await app.request("/v1/export?collections=b");
        assert.equal(exported.status, 200);
        assert.equal(exported.headers.get("Content-Type"), "application/x-ndjson");
        const lines = (await exported.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
        assert.deepEqual(Object.keys(lines[0].collections), ["b"]);
        assert.deepEqual(lines.slice(1).map((r) => [r.collection, r.id]), [["b", "y"]]);
        await problemOf(await app.request("/v1/export?collections=nope"), 404, "NOT_FOUND");
        const everything = await (await app.request("/v1/export")).text();
        assert.equal(everything.trimEnd().split("\n").length, 3);

        const ndjson = [
          JSON.stringify({ collection: "c", id: "1", doc: { ok: 1 } }),
          "{broken",
          JSON.stringify({ collection: "c", id: "2", doc: { ok: 2 } }),
        ].join("\n");
        const report = await (await app.request("/v1/import", {
          method: "POST",
          body: ndjson,
          headers: { "Content-Type": "application/x-ndjson" },
        })).json();
        assert.equal(report.imported, 2);
        assert.deepEqual(report.failed.map((f: { line: number }) => f.line), [2]);
        assert.deepEqual(await store.collection("c").get("2"), { ok: 2 });
        const array = await (await app.request("/v1/import?onConflict=replace", {
          method: "POST",
          ...jsonBody([{ collection: "c", id: "1", doc: { ok: "again" } }]),
        })).json();
        assert.equal(array.imported, 1);
        assert.deepEqual(await store.collection("c").get("1"), { ok: "again" });
        await problemOf(
          await app.request("/v1/import", { method: "POST", ...jsonBody({ not: "an array" }) }),
          400,
          "INVALID_DOCUMENT",
        );
      });
    });

    test("bad input is a 400 problem that reflects no markup, and nothing is written", async () => {
      await withApp(backend, {}, async (app, store) => {
        const bad = await app.request("/v1/collections/notes/docs/x", {
          method: "PUT",
          body: "{not json",
          headers: { "Content-Type": "application/json" },
        });
        await problemOf(bad, 400, "INVALID_DOCUMENT");
        const array = await app.request("/v1/collections/notes/docs/x", {
          method: "PUT",
          ...jsonBody([1, 2]),
        });
        await problemOf(array, 400, "INVALID_DOCUMENT");
        const name = await app.request(`/v1/collections/${encodeURIComponent("<b>x</b>")}/docs/x`, {
          method: "PUT",
          ...jsonBody({}),
        });
        const body = await problemOf(name, 400, "INVALID_NAME");
        assert.doesNotMatch(body.detail, /<b>/);
        assert.match(body.detail, /&lt;b&gt;/);
        const nul = await app.request("/v1/collections/notes/docs/a%00b", {
          method: "PUT",
          ...jsonBody({}),
        });
        await problemOf(nul, 400, "INVALID_ID");
        await problemOf(await app.request("/nowhere"), 404, "NOT_FOUND");
        // A query body's field of the wrong type is a bad option, named; not a bad document.
        for (const body of [{ after: null }, { limit: "ten" }]) {
          const query = await app.request("/v1/collections/notes/query", {
            method: "POST",
            ...jsonBody(body),
          });
          const problem = await problemOf(query, 400, "INVALID_OPTION");
          assert.match(problem.detail, /^Invalid (after|limit): /);
        }
        assert.deepEqual(await store.collections(), []);
      });
    });

    test("paths are decoded once: slashes, dots, NUL and overlong values stay inside the store", async () => {
      const { dir, remove } = tempDir();
      const outside = readdirSync(dir);
      try {
        await withApp(backend, {}, async (app, store) => {
          const put = (path: string) => app.request(path, { method: "PUT", ...jsonBody({ v: 1 }) });
          // A collection name never holds a slash, a dot, a NUL or more than 64 characters.
          for (
            const name of ["..%2F..%2Fescape", "a%2Fb", "..", "%2E%2E", "a%00b", "a".repeat(65)]
          ) {
            const response = await put(`/v1/collections/${name}/docs/x`);
            assert.ok([400, 404].includes(response.status), `${name}: ${response.status}`);
            await response.body?.cancel();
          }
          await problemOf(
            await app.request(`/v1/collections/${"n".repeat(65)}`),
            400,
            "INVALID_NAME",
          );
          // An id may hold a slash or dots: it is one id, decoded once, and stored as such.
          for (
            const [encoded, id] of [
              ["..%2F..%2Fescape", "../../escape"],
              ["a%2Fb", "a/b"],
              ["%252F", "%2F"],
            ]
          ) {
            assert.equal((await put(`/v1/collections/notes/docs/${encoded}`)).status, 201, id);
            assert.deepEqual(await store.collection("notes").get(id), { v: 1 });
            const read = await app.request(`/v1/collections/notes/docs/${encoded}`);
            assert.deepEqual(await read.json(), { v: 1 });
          }
          await problemOf(await put("/v1/collections/notes/docs/a%00b"), 400, "INVALID_ID");
          await problemOf(
            await put(`/v1/collections/notes/docs/${"i".repeat(513)}`),
            400,
            "INVALID_ID",
          );
          await problemOf(await put("/v1/collections/notes/docs/%ZZ"), 400, "INVALID_OPTION");
          assert.deepEqual((await store.collections()).map((c) => c.name), ["notes"]);
        });
        // Nothing was written next to the store's own directory (the file backend's `..`).
        assert.deepEqual(readdirSync(dir), outside);
      } finally {
        remove();
      }
    });
  });
}

describe("http: options", () => {
  test("token: every route but /healthz needs the bearer token (401 with WWW-Authenticate)", async () => {
    await withApp("memory://", { token: "s3cret" }, async (app) => {
      assert.equal((await app.request("/healthz")).status, 200);
      const missing = await app.request("/v1/collections");
      await problemOf(missing, 401, "UNAUTHORIZED");
      assert.equal(missing.headers.get("WWW-Authenticate"), 'Bearer realm="quire"');
      const wrong = await app.request("/v1/collections", {
        headers: { Authorization: "Bearer s3cre" },
      });
      await problemOf(wrong, 401, "UNAUTHORIZED");
      const right = await app.request("/v1/collections", {
        headers: { Authorization: "Bearer s3cret" },
      });
      assert.equal(right.status, 200);
    });
  });

  test("readOnly: writes are 403 READ_ONLY, reads work", async () => {
    await withApp("memory://", { readOnly: true }, async (app, store) => {
      await store.collection("notes").put("a", { x: 1 });
      await problemOf(
        await app.request("/v1/collections/notes/docs/b", { method: "PUT", ...jsonBody({}) }),
        403,
        "READ_ONLY",
      );
      await problemOf(
        await app.request("/v1/collections/notes/docs/a", { method: "DELETE" }),
        403,
        "READ_ONLY",
      );
      assert.equal((await app.request("/v1/collections/notes/docs/a")).status, 200);
      assert.equal(await store.collection("notes").count(), 1);
    });
  });

  test("maxBodyBytes: a larger body is 413, with or without Content-Length", async () => {
    await withApp("memory://", { maxBodyBytes: 100 }, async (app, store) => {
      const big = JSON.stringify({ text: "x".repeat(200) });
      await problemOf(
        await app.request("/v1/collections/notes/docs/a", {
          method: "PUT",
          body: big,
          headers: { "Content-Type": "application/json" },
        }),
        413,
        "TOO_LARGE",
      );
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big.slice(0, 100)));
          controller.enqueue(new TextEncoder().encode(big.slice(100)));
          controller.close();
        },
      });
      const response = await app.request("/v1/collections/notes/docs/a", {
        method: "PUT",
        body: chunked,
        headers: { "Content-Type": "application/json" },
        duplex: "half",
      } as RequestInit);
      await problemOf(response, 413, "TOO_LARGE");
      assert.equal(await store.collection("notes").count(), 0);
    });
  });

  test("query strings: a repeated parameter is 400, one over 8 KiB is 414", async () => {
    await withApp("memory://", {}, async (app, store) => {
      await store.collection("notes").put("a", {});
      await problemOf(
        await app.request("/v1/collections/notes/docs?limit=1&limit=2"),
        400,
        "INVALID_OPTION",
      );
      await problemOf(
        await app.request(`/v1/collections/notes/docs?filter=${"x".repeat(9000)}`),
        414,
        "INVALID_OPTION",
      );
    });
  });

  test("cors: off by default; on, it answers preflights for the allowed origin", async () => {
    await withApp("memory://", {}, async (app) => {
      const plain = await app.request("/healthz", { headers: { Origin: "https://a.example" } });
      assert.equal(plain.headers.get("Access-Control-Allow-Origin"), null);
    });
    await withApp("memory://", { cors: "https://a.example" }, async (app) => {
      const preflight = await app.request("/v1/collections", {
        method: "OPTIONS",
        headers: { Origin: "https://a.example", "Access-Control-Request-Method": "GET" },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("Access-Control-Allow-Origin"), "https://a.example");
    });
    // With a token too: a preflight carries no token and must still be answered, and a refusal
    // carries the CORS headers so that the page of the other origin can read its 401.
    const options = { cors: "https://a.example", token: "s3cret" };
    await withApp("memory://", options, async (app) => {
      const preflight = await app.request("/v1/collections", {
        method: "OPTIONS",
        headers: { Origin: "https://a.example", "Access-Control-Request-Method": "GET" },
      });
      assert.equal(preflight.status, 204);
      const refused = await app.request("/v1/collections", {
        headers: { Origin: "https://a.example" },
      });
      await problemOf(refused, 401, "UNAUTHORIZED");
      assert.equal(refused.headers.get("Access-Control-Allow-Origin"), "https://a.example");
      const allowed = await app.request("/v1/collections", {
        headers: { Origin: "https://a.example", Authorization: "Bearer s3cret" },
      });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers.get("Access-Control-Allow-Origin"), "https://a.example");
    });
  });

  test("hc<QuireApp> is a typed client of the app", async () => {
    const { hc } = await import("hono/client");
    await withApp("memory://", {}, async (app) => {
      const client = hc<QuireApp>("http://quire.test", {
        fetch: (input: RequestInfo | URL, init?: RequestInit) => app.request(input, init),
      });
      const put = await client.v1.collections[":c"].docs[":id"].$put({
        param: { c: "notes", id: "n1" },
        json: { title: "typed" },
      });
      assert.equal(put.status, 201);
      const got = await client.v1.collections[":c"].docs[":id"].$get({
        param: { c: "notes", id: "n1" },
      });
      assert.deepEqual(await got.json(), { title: "typed" });
      const list = await client.v1.collections[":c"].docs.$get({
        param: { c: "notes" },
        query: { limit: "10" },
      });
      if (list.status !== 200) assert.fail(`status ${list.status}`);
      assert.deepEqual((await list.json()).items.map((entry) => entry.id), ["n1"]);
    });
  });

  test("mounts under a prefix", async () => {
    const { Hono } = await import("hono");
    await withApp("memory://", {}, async (app) => {
      const outer = new Hono().route("/db", app);
      const put = await outer.request("/db/v1/collections/notes/docs", {
        method: "POST",
        ...jsonBody({ a: 1 }),
      });
      assert.equal(put.status, 201);
      assert.match(put.headers.get("Location") ?? "", /^\/db\/v1\/collections\/notes\/docs\//);
      assert.equal((await outer.request(put.headers.get("Location")!)).status, 200);
    });
  });

  test("/v1/openapi.json is an OpenAPI 3.1 document of every route", async () => {
    await withApp("memory://", {}, async (app) => {
      const doc = await (await app.request("/v1/openapi.json")).json();
      assert.equal(doc.openapi, "3.1.0");
      assert.deepEqual(Object.keys(doc.paths).sort(), [
        "/healthz",
        "/v1/collections",
        "/v1/collections/{c}",
        "/v1/collections/{c}/docs",
        "/v1/collections/{c}/docs/{id}",
        "/v1/collections/{c}/query",
        "/v1/collections/{c}/search",
        "/v1/export",
        "/v1/import",
        "/v1/stats",
      ]);
      assert.deepEqual(
        Object.keys(doc.paths["/v1/collections/{c}/docs/{id}"]).sort(),
        ["delete", "get", "put"],
      );
      assert.ok(doc.components.schemas.Problem);
    });
  });
});

test("only src/http/ imports Hono: quire itself never loads it", () => {
  const root = join(import.meta.dirname ?? ".", "..");
  const files = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.startsWith("http"))
    .map((file) => join("src", file));
  assert.ok(files.length > 50);
  for (const file of ["mod.ts", ...files]) {
    const text = readFileSync(join(root, file), "utf8");
    assert.doesNotMatch(text, /from "(hono|@hono\/[^"]+|\.\.?\/.*http\/[^"]*)"/, file);
  }
});
