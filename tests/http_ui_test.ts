/**
 * The search page's routes (createApp's `ui` option) through `app.request()`: content types and
 * security headers, ETags, `ui: false`, mounting under a prefix, public files with a token while
 * the API still needs it, and what the files may hold (no other origin, no inline script, ASCII,
 * a script that parses). tests/browser_test.ts runs the page itself in Chromium.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import { open, type Store } from "../mod.ts";
import { type AppOptions, createApp } from "../http.ts";
import { PAGE_CSS } from "../src/http/ui/page_css.ts";
import { pageHtml } from "../src/http/ui/page_html.ts";
import { PAGE_JS } from "../src/http/ui/page_js.ts";
import { PAGE_CSP } from "../src/http/ui/routes.ts";

const FILES = [
  { path: "/", type: "text/html; charset=utf-8" },
  { path: "/ui/page.js", type: "text/javascript; charset=utf-8" },
  { path: "/ui/page.css", type: "text/css; charset=utf-8" },
];

describe("http: the search page", () => {
  let store: Store;
  before(async () => {
    store = await open("sqlite::memory:");
    await store.collection("notes", { search: { fields: ["text"] } }).put("n1", { text: "hi" });
  });
  after(async () => await store.close());
  const app = (options: AppOptions = {}) => createApp(store, options);

  test("GET /, /ui/page.js and /ui/page.css: their type, a strict CSP, nosniff, no-cache, an ETag", async () => {
    for (const { path, type } of FILES) {
      const response = await app().request(path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("Content-Type"), type, path);
      assert.equal(response.headers.get("Content-Security-Policy"), PAGE_CSP, path);
      assert.equal(response.headers.get("X-Content-Type-Options"), "nosniff", path);
      assert.equal(response.headers.get("Cache-Control"), "no-cache", path);
      assert.equal(response.headers.get("Referrer-Policy"), "no-referrer", path);
      assert.match(response.headers.get("ETag") ?? "", /^"[\w-]{22}"$/, path);
      assert.ok((await response.text()).length > 500, path);
    }
    assert.equal(await (await app().request("/ui/page.js")).text(), PAGE_JS);
    assert.equal(await (await app().request("/ui/page.css")).text(), PAGE_CSS);
    assert.equal(await (await app().request("/")).text(), pageHtml());
  });

  test("the CSP allows this origin only: no inline script or style, no other origin, no framing", () => {
    const directives = new Map(
      PAGE_CSP.split(";").map((part) => part.trim().split(/\s+/)).map(([k, ...v]) => [k, v]),
    );
    assert.deepEqual(directives.get("default-src"), ["'self'"]);
    assert.deepEqual(directives.get("script-src"), ["'self'"]);
    assert.deepEqual(directives.get("style-src"), ["'self'"]);
    assert.deepEqual(directives.get("connect-src"), ["'self'"]);
    assert.deepEqual(directives.get("frame-ancestors"), ["'none'"]);
    assert.doesNotMatch(PAGE_CSP, /unsafe|\*|https?:/);
  });

  test("If-None-Match with the ETag is 304; HEAD has the headers and no body", async () => {
    for (const { path, type } of FILES) {
      const etag = (await app().request(path)).headers.get("ETag")!;
      const cached = await app().request(path, { headers: { "If-None-Match": `"x", ${etag}` } });
      assert.equal(cached.status, 304, path);
      assert.equal(cached.headers.get("ETag"), etag, path);
      assert.equal(await cached.text(), "", path);
      const stale = await app().request(path, { headers: { "If-None-Match": '"x"' } });
      assert.equal(stale.status, 200, path);
      const head = await app().request(path, { method: "HEAD" });
      assert.equal(head.status, 200, path);
      assert.equal(head.headers.get("Content-Type"), type, path);
      assert.equal(await head.text(), "", path);
    }
  });

  test("ui: false leaves the page out: / and /ui/page.js are 404 problems", async () => {
    for (const path of ["/", "/ui/page.js", "/ui/page.css"]) {
      const response = await app({ ui: false }).request(path);
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get("Content-Type"), "application/problem+json", path);
    }
    assert.equal((await app({ ui: true }).request("/")).status, 200);
  });

  test("only GET and HEAD of the three files: other paths and methods go on to the API", async () => {
    assert.equal((await app().request("/ui/other.js")).status, 404);
    assert.equal((await app().request("/ui/")).status, 404);
    assert.equal((await app().request("/index.html")).status, 404);
    assert.equal((await app().request("/", { method: "POST" })).status, 404);
    assert.equal((await app().request("/healthz")).status, 200);
  });

  test("ui.collection goes into the page, HTML-escaped", async () => {
    const html = await (await app({ ui: { collection: 'a"<b>&' } }).request("/")).text();
    assert.match(html, /<meta name="quire-collection" content="a&quot;&lt;b&gt;&amp;">/);
    assert.doesNotMatch(await (await app().request("/")).text(), /quire-collection/);
  });

  test("with a token the page's files are public, the API still answers 401 without it", async () => {
    const locked = app({ token: "s3cret" });
    for (const { path } of FILES) assert.equal((await locked.request(path)).status, 200, path);
    const refused = await locked.request("/v1/collections");
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("WWW-Authenticate"), 'Bearer realm="quire"');
    const allowed = await locked.request("/v1/collections", {
      headers: { Authorization: "Bearer s3cret" },
    });
    assert.equal(allowed.status, 200);
    // Not a way around the token: another path under /ui/ is the API's, so 401.
    assert.equal((await locked.request("/ui/other.js")).status, 401);
    assert.equal((await locked.request("/v1/collections/notes/ui/page.js")).status, 401);
  });

  test("mounted under a prefix: /db redirects to /db/ (query kept), which serves the page", async () => {
    const mounted = new Hono().route("/db", app());
    const redirect = await mounted.request("/db?q=peace&party=Whig");
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get("Location"), "db/?q=peace&party=Whig");
    assert.equal(
      new URL(redirect.headers.get("Location")!, "http://h/db?q=peace").href,
      "http://h/db/?q=peace&party=Whig",
    );
    for (const { path, type } of FILES) {
      const response = await mounted.request(`/db${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get("Content-Type"), type, path);
    }
    // The page's relative URLs reach the API under the prefix.
    assert.equal((await mounted.request("/db/v1/collections")).status, 200);
    assert.equal((await mounted.request("/ui/page.js")).status, 404);

    // A parent that is not strict about the final slash: the same.
    const lax = new Hono({ strict: false }).route("/db", app());
    assert.equal((await lax.request("/db")).headers.get("Location"), "db/");
    assert.equal((await lax.request("/db/")).headers.get("Content-Type"), FILES[0].type);
    assert.equal((await lax.request("/db/ui/page.js")).headers.get("Content-Type"), FILES[1].type);

    const deeper = new Hono().basePath("/x").route("/db", app({ token: "t" }));
    assert.equal((await deeper.request("/x/db/")).status, 200);
    assert.equal((await deeper.request("/x/db/ui/page.css")).status, 200);
    assert.equal((await deeper.request("/x/db")).headers.get("Location"), "db/");
    assert.equal((await deeper.request("/x/db/v1/collections")).status, 401);
  });

  test("the HTML loads nothing from another origin, has no inline script or style, and only relative URLs", () => {
    const html = pageHtml("notes");
    assert.doesNotMatch(html, /(?:src|href|action)\s*=\s*["']?(?:[a-z]+:)?\/\//i);
    assert.doesNotMatch(html, /(?:src|href)\s*=\s*["']?\//i, "no root-relative URL");
    assert.doesNotMatch(html, /https?:/i);
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i);
    for (const script of html.match(/<script[^>]*>/g) ?? []) assert.match(script, /\ssrc="ui\//);
    assert.match(html, /<script type="module" src="ui\/page\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="ui\/page\.css">/);
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  });

  test("the script parses, is ASCII, calls the API by relative URLs and writes document text as text", () => {
    assert.doesNotThrow(() => new Function(PAGE_JS));
    // ASCII, printable or a line break (Bun would turn other characters into escapes).
    assert.match(PAGE_JS, /^[ -~\n]*$/);
    assert.match(PAGE_CSS, /^[ -~\n]*$/);
    assert.doesNotMatch(PAGE_JS, /https?:|["']\/v1/);
    assert.match(PAGE_JS, /"v1\/collections/);
    // innerHTML only on an inert template, for the highlights; nothing else parses HTML.
    assert.equal(PAGE_JS.match(/innerHTML/g)?.length, 1);
    assert.match(PAGE_JS, /template\.innerHTML = html/);
    assert.doesNotMatch(PAGE_JS, /outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    assert.doesNotMatch(PAGE_CSS, /url\(|@import/);
  });

  test("the page's routes stay out of the OpenAPI document and the query-string guards", async () => {
    const doc = await (await app().request("/v1/openapi.json")).json();
    assert.ok(!Object.keys(doc.paths).some((path) => path === "/" || path.startsWith("/ui")));
    // A repeated parameter is the page's own business (the API refuses it with 400).
    assert.equal((await app().request("/?q=a&q=b")).status, 200);
  });
});
