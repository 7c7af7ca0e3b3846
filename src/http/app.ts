/**
 * `createApp(store, options)`: quire's HTTP API as a Hono app. It starts no server and mounts
 * under any prefix (`new Hono().route("/db", createApp(store))`); tests call `app.request()`.
 * Every route is declared with `@hono/zod-openapi`, so `/v1/openapi.json` is generated from the
 * same definitions that validate the requests, and `hc<QuireApp>` gives a typed client.
 *
 * The app only uses the public Store API; errors become problem documents (problem.ts).
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { Context } from "hono";
import { QuireError } from "../errors.ts";
import { exportNdjson } from "../ndjson.ts";
import type { Collection } from "../collection.ts";
import { definedOnly } from "../defined.ts";
import type { Store } from "../store.ts";
import { type Problem, problem, problemOf, problemResponse } from "./problem.ts";
import type { QuireApp } from "./app_type.ts";
import { searchPage } from "./ui/routes.ts";

/** Options of {@linkcode createApp}. */
export interface AppOptions {
  /** Bearer token every route but `/healthz` requires. @default none (no auth) */
  token?: string | undefined;
  /** Refuse every write with 403, whatever the store allows. @default false */
  readOnly?: boolean | undefined;
  /** Largest request body, in bytes (413 beyond, chunked bodies too). @default 16 MiB */
  maxBodyBytes?: number | undefined;
  /** Largest page a list, query or search returns: larger `limit`s are clamped. @default 1000 */
  maxLimit?: number | undefined;
  /**
   * Cross-origin requests: `true` allows any origin, a string or list allows those. Off by
   * default: a browser page of another origin cannot read the API.
   * @default false
   */
  cors?: boolean | string | string[] | undefined;
  /**
   * The search page at `/` (and its files under `/ui/`): public even with a token, since it
   * holds no data; it asks for the token when the API answers 401. `false` leaves it out;
   * `{ collection }` names the collection it opens when its URL has no `?c=` (else the first
   * collection with search fields).
   * @default true
   */
  ui?: boolean | { collection?: string } | undefined;
}

/** The longest query string accepted (414 beyond). */
const MAX_QUERY_BYTES = 8192;
/** The only query parameter that may repeat. */
const REPEATABLE = new Set(["facet"]);

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_LIMIT = 1000;

const Document = z.record(z.string(), z.unknown()).openapi("Document");
const Meta = z.object({
  id: z.string(),
  rev: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).openapi("Meta");
const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
}).openapi("Problem");
const CollectionInfo = z.object({
  name: z.string(),
  count: z.number().int(),
  options: z.record(z.string(), z.unknown()),
}).openapi("Collection");

const problemContent = { "application/problem+json": { schema: ProblemSchema } };
const failures = {
  400: { description: "A bad name, id or document", content: problemContent },
  401: { description: "Missing or wrong bearer token", content: problemContent },
  404: { description: "No such collection or document", content: problemContent },
  503: { description: "The store is busy or cannot be written", content: problemContent },
};
const collectionParams = z.object({ c: z.string().openapi({ example: "notes" }) });
const docParams = collectionParams.extend({ id: z.string().openapi({ example: "n1" }) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const Entry = Meta.extend({ doc: Document }).openapi("Entry");
const PageSchema = z.object({ items: z.array(Entry), next: z.string().optional() })
  .openapi("Page");
const Hit = z.object({
  id: z.string(),
  score: z.number(),
  doc: Document,
  highlights: z.record(z.string(), z.string()).optional(),
}).openapi("Hit");
const FacetCount = z.object({
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  count: z.number().int(),
});
const SearchPageSchema = z.object({
  hits: z.array(Hit),
  next: z.string().optional(),
  facets: z.record(z.string(), z.array(FacetCount)).optional(),
}).openapi("SearchPage");
const pageQuery = {
  sort: z.string().optional().openapi({ example: "-year,title" }),
  limit: z.string().optional().openapi({ example: "50" }),
  after: z.string().optional().openapi({ description: "The previous page's next" }),
  fields: z.string().optional().openapi({ example: "title,year" }),
};
const repeated = z.union([z.string(), z.array(z.string())]);

const routes = {
  healthz: createRoute({
    method: "get",
    path: "/healthz",
    responses: { 200: json(z.object({ ok: z.boolean() }), "The server is up") },
  }),
  collections: createRoute({
    method: "get",
    path: "/v1/collections",
    responses: {
      200: json(z.object({ collections: z.array(CollectionInfo) }), "Every collection"),
      ...failures,
    },
  }),
  collection: createRoute({
    method: "get",
    path: "/v1/collections/{c}",
    request: { params: collectionParams },
    responses: {
      200: json(
        CollectionInfo.extend({ indexes: z.array(z.union([z.string(), z.array(z.string())])) }),
        "The collection's options, count and indexes",
      ),
      ...failures,
    },
  }),
  getDoc: createRoute({
    method: "get",
    path: "/v1/collections/{c}/docs/{id}",
    request: { params: docParams },
    responses: {
      200: json(Document, 'The document; ETag: "<rev>", Last-Modified'),
      304: { description: "If-None-Match matched" },
      ...failures,
    },
  }),
  putDoc: createRoute({
    method: "put",
    path: "/v1/collections/{c}/docs/{id}",
    request: {
      params: docParams,
      body: { content: { "application/json": { schema: Document } }, required: true },
    },
    responses: {
      200: json(Meta, "Replaced"),
      201: json(Meta, "Created"),
      403: { description: "The server is read-only", content: problemContent },
      412: { description: "If-Match or If-None-Match failed", content: problemContent },
      413: { description: "The body is over maxBodyBytes", content: problemContent },
      ...failures,
    },
  }),
  postDoc: createRoute({
    method: "post",
    path: "/v1/collections/{c}/docs",
    request: {
      params: collectionParams,
      body: { content: { "application/json": { schema: Document } }, required: true },
    },
    responses: {
      201: json(Meta, "Created, with a generated id; Location names the new document"),
      403: { description: "The server is read-only", content: problemContent },
      413: { description: "The body is over maxBodyBytes", content: problemContent },
      ...failures,
    },
  }),
  list: createRoute({
    method: "get",
    path: "/v1/collections/{c}/docs",
    request: {
      params: collectionParams,
      query: z.object({
        filter: z.string().optional().openapi({ example: 'year >= 2000 and party = "Whig"' }),
        ...pageQuery,
      }),
    },
    responses: { 200: json(PageSchema, "A page of documents; next is the cursor"), ...failures },
  }),
  query: createRoute({
    method: "post",
    path: "/v1/collections/{c}/query",
    request: {
      params: collectionParams,
      body: {
        content: {
          "application/json": {
            schema: z.object({
              filter: z.record(z.string(), z.unknown()).optional(),
              sort: z.string().optional(),
              limit: z.number().optional(),
              after: z.string().optional(),
              fields: z.union([z.string(), z.array(z.string())]).optional(),
            }),
          },
        },
        required: true,
      },
    },
    responses: { 200: json(PageSchema, "A page of documents; next is the cursor"), ...failures },
  }),
  search: createRoute({
    method: "get",
    path: "/v1/collections/{c}/search",
    request: {
      params: collectionParams,
      query: z.object({
        q: z.string().openapi({ example: '"united states" peace -war' }),
        filter: z.string().optional(),
        limit: z.string().optional(),
        after: z.string().optional(),
        highlight: z.enum(["true", "false"]).optional(),
        facet: repeated.optional().openapi({ example: "party" }),
        fields: z.string().optional(),
      }),
    },
    responses: { 200: json(SearchPageSchema, "Ranked hits, best first"), ...failures },
  }),
  stats: createRoute({
    method: "get",
    path: "/v1/stats",
    responses: {
      200: json(z.record(z.string(), z.unknown()), "Per-collection counts and sizes"),
      ...failures,
    },
  }),
  deleteDoc: createRoute({
    method: "delete",
    path: "/v1/collections/{c}/docs/{id}",
    request: { params: docParams },
    responses: {
      204: { description: "Deleted" },
      403: { description: "The server is read-only", content: problemContent },
      412: { description: "If-Match failed", content: problemContent },
      ...failures,
    },
  }),
};

/**
 * The HTTP API over `store`.
 *
 * @example
 * ```ts
 * import { open } from "quire";
 * import { createApp } from "quire/http";
 * const store = await open("sqlite::memory:");
 * const app = createApp(store, { token: "secret" });
 * const response = await app.request("/healthz");
 * console.log(response.status); // 200
 * ```
 * @param store An open store; the app does not close it.
 * @param options Auth, read-only and body limits.
 * @returns A Hono app (start it with `Bun.serve(app)` or `Deno.serve(app.fetch)`).
 */
export function createApp(store: Store, options: AppOptions = {}): QuireApp {
  const app = new OpenAPIHono({
    // A request that does not match its route's schema (a body that is not a JSON object).
    defaultHook: (result) => {
      if (result.success) return;
      if (result.target !== "json") {
        return problemResponse(
          problem(400, "INVALID_OPTION", `Invalid ${result.target}: ${result.error.message}`),
        );
      }
      // A body that is no JSON object is a bad document; a field of one that is wrong (the
      // query's `after: null`, say) is a bad option, named by its path.
      const field = result.error.issues.find((issue) => issue.path.length > 0);
      return problemResponse(
        field === undefined
          ? problem(400, "INVALID_DOCUMENT", "Cannot read the request: expected a JSON object")
          : problem(400, "INVALID_OPTION", `Invalid ${field.path.join(".")}: ${field.message}`),
      );
    },
  });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxLimit = options.maxLimit ?? DEFAULT_MAX_LIMIT;

  app.onError((error, c) => {
    // Hono's own: a body that is not JSON (400), mostly.
    if (error instanceof HTTPException && error.status === 400) {
      return problemResponse(
        problem(400, "INVALID_DOCUMENT", "Cannot read the request: the body is not valid JSON"),
      );
    }
    if (!(error instanceof QuireError)) {
      console.error(`quire http: ${c.req.method} ${c.req.path}`, error);
    }
    return problemResponse(problemOf(error, error instanceof PreconditionFailed ? 412 : undefined));
  });
  app.notFound(() => problemResponse(problem(404, "NOT_FOUND", "No such route")));

  // Cross-origin first: a preflight carries no token.
  if (options.cors !== undefined && options.cors !== false) {
    app.use("*", cors({ origin: options.cors === true ? "*" : options.cors }));
  }
  // Then one middleware for every request's checks, in this order: the search page's files
  // (public: they hold no data), the token, the refusals, the body limit. One, because on Deno
  // each middleware layer costs several µs: a fifth of a GET by id (bench/http.bench.ts).
  const page = options.ui === false
    ? undefined
    : searchPage(options.ui === true || options.ui === undefined ? {} : options.ui);
  const expected = options.token === undefined ? undefined : digest(options.token);
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () =>
      problemResponse(problem(413, "TOO_LARGE", `The request body is over ${maxBodyBytes} bytes`)),
  });
  app.use("*", async (c, next) => {
    const pageFile = page?.(c);
    if (pageFile !== undefined) return pageFile;
    if (expected !== undefined && !c.req.path.endsWith("/healthz")) {
      const given = /^Bearer (.+)$/.exec(c.req.header("Authorization") ?? "")?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        const response = problemResponse(
          problem(401, "UNAUTHORIZED", "This server needs Authorization: Bearer <token>"),
        );
        response.headers.set("WWW-Authenticate", 'Bearer realm="quire"');
        return response;
      }
    }
    const refused = refusal(c.req.url, c.req.method, options.readOnly === true);
    if (refused !== undefined) return problemResponse(refused);
    const method = c.req.method;
    if (method === "GET" || method === "HEAD" || method === "OPTIONS") return await next();
    return await limitBody(c, next);
  });

  // The streaming routes are plain Hono routes; their documentation is registered by hand.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/export",
    request: {
      query: z.object({ collections: z.string().optional().openapi({ example: "a,b" }) }),
    },
    responses: {
      200: {
        description: "NDJSON, streamed: a header line, then one record per line",
        content: { "application/x-ndjson": { schema: z.string() } },
      },
      ...failures,
    },
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/import",
    request: {
      query: z.object({ onConflict: z.enum(["skip", "replace"]).optional() }),
      body: {
        content: {
          "application/x-ndjson": { schema: z.string() },
          "application/json": { schema: z.array(z.record(z.string(), z.unknown())) },
        },
        required: true,
      },
    },
    responses: {
      200: json(
        z.object({
          imported: z.number().int(),
          skipped: z.number().int(),
          failed: z.array(
            z.object({ line: z.number().int(), id: z.string().optional(), error: z.string() }),
          ),
          failedCount: z.number().int(),
        }),
        "What was imported; a failed record, with its line, never stops the good ones",
      ),
      ...failures,
    },
  });

  return app
    .openapi(routes.healthz, (c) => c.json({ ok: true }, 200))
    .openapi(routes.collections, async (c) => {
      const collections = await Promise.all(
        (await store.collections()).map(async ({ name, options }) => ({
          name,
          count: await store.collection(name).count(),
          options,
        })),
      );
      return c.json({ collections }, 200);
    })
    .openapi(routes.collection, async (c) => {
      const name = c.req.valid("param").c;
      const options = await existingOptions(store, name);
      const count = await store.collection(name).count();
      return c.json({ name, count, options, indexes: options.indexes ?? [] }, 200);
    })
    .openapi(routes.getDoc, async (c) => {
      const { c: name, id } = c.req.valid("param");
      const entry = await readCollection(store, name, (docs) => docs.entry(id), Boolean);
      if (entry === undefined) throw notFound(name, id);
      const etag = `"${entry.rev}"`;
      c.header("ETag", etag);
      c.header("Last-Modified", new Date(entry.updatedAt).toUTCString());
      if (matches(c.req.header("If-None-Match"), etag)) return c.body(null, 304);
      return c.json(entry.doc, 200);
    })
    .openapi(routes.putDoc, async (c) => {
      const { c: name, id } = c.req.valid("param");
      const ifRev = preconditionRev(c);
      let meta;
      try {
        meta = await store.collection(name).put(id, c.req.valid("json"), definedOnly({ ifRev }));
      } catch (error) {
        throw preconditionFailed(error, ifRev);
      }
      c.header("ETag", `"${meta.rev}"`);
      return c.json(meta, meta.rev === 1 ? 201 : 200);
    })
    .openapi(routes.postDoc, async (c) => {
      const name = c.req.valid("param").c;
      const meta = await store.collection(name).insert(c.req.valid("json"));
      c.header("Location", `${c.req.path}/${encodeURIComponent(meta.id)}`);
      c.header("ETag", `"${meta.rev}"`);
      return c.json(meta, 201);
    })
    .openapi(routes.deleteDoc, async (c) => {
      const { c: name, id } = c.req.valid("param");
      const ifRev = preconditionRev(c);
      let deleted;
      try {
        deleted = await store.collection(name).delete(id, definedOnly({ ifRev }));
      } catch (error) {
        throw preconditionFailed(error, ifRev);
      }
      if (!deleted) throw notFound(name, id);
      return c.body(null, 204);
    })
    .openapi(routes.list, async (c) => {
      const name = c.req.valid("param").c;
      const query = c.req.valid("query");
      const page = await readCollection(store, name, (docs) =>
        docs.find(
          query.filter,
          definedOnly({
            sort: query.sort,
            limit: clampLimit(query.limit, maxLimit),
            after: query.after,
            fields: splitList(query.fields),
          }),
        ), (found) => found.items.length > 0);
      return c.json(page, 200);
    })
    .openapi(routes.query, async (c) => {
      const name = c.req.valid("param").c;
      const body = c.req.valid("json");
      const page = await readCollection(store, name, (docs) =>
        docs.find(
          body.filter,
          definedOnly({
            sort: body.sort,
            limit: clampLimit(body.limit, maxLimit),
            after: body.after,
            fields: body.fields,
          }),
        ), (found) => found.items.length > 0);
      return c.json(page, 200);
    })
    .openapi(routes.search, async (c) => {
      const name = c.req.valid("param").c;
      const query = c.req.valid("query");
      const facets = query.facet === undefined ? undefined : [query.facet].flat();
      const page = await readCollection(store, name, (docs) =>
        docs.search(
          query.q,
          definedOnly({
            filter: query.filter,
            limit: clampLimit(query.limit, maxLimit),
            after: query.after,
            highlight: query.highlight === "true",
            facets,
            fields: splitList(query.fields),
          }),
        ), (found) => found.hits.length > 0);
      return c.json(page, 200);
    })
    .openapi(routes.stats, async (c) => c.json({ ...(await store.stats()) }, 200))
    .doc31("/v1/openapi.json", {
      openapi: "3.1.0",
      info: { title: "quire", version: "0.1.0", description: "quire's HTTP API" },
    })
    .get("/v1/export", async (c) => {
      const collections = splitList(c.req.query("collections"));
      const lines = exportNdjson(store, definedOnly({ collections }));
      // The header first: an unknown collection is a 404 before any byte is sent.
      const header = (await lines.next()).value as string;
      return c.body(streamOf(header, lines), 200, { "Content-Type": "application/x-ndjson" });
    })
    .post("/v1/import", async (c) => {
      const mode = c.req.query("onConflict") ?? "skip";
      if (mode !== "skip" && mode !== "replace") {
        throw new QuireError("INVALID_OPTION", 'Invalid onConflict: expected "skip" or "replace"');
      }
      const body = c.req.raw.body;
      if (body === null) throw new QuireError("INVALID_DOCUMENT", "Cannot import: no body");
      // A JSON array of records is parsed whole; NDJSON is read as it comes (line numbers in
      // the report are the file's).
      const source = (c.req.header("Content-Type") ?? "").startsWith("application/json")
        ? parseRecords(await c.req.text())
        : body as unknown as AsyncIterable<Uint8Array>;
      return c.json(await store.import(source, { onConflict: mode }), 200);
    });
}

/**
 * A page size from a request, clamped to `maxLimit`; what is not a number is left for the store
 * to refuse (INVALID_OPTION).
 */
function clampLimit(limit: string | number | undefined, maxLimit: number): number | undefined {
  if (limit === undefined) return undefined;
  const value = typeof limit === "number" ? limit : limit.trim() === "" ? NaN : Number(limit);
  return value > maxLimit ? maxLimit : value;
}

/** `a,b` as `["a", "b"]`. */
function splitList(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(",").map((part) => part.trim());
}

/**
 * `first`, then `lines`, as a byte stream read as the client reads: each pull takes up to 64 KiB
 * of lines, and a client that goes away stops the reading of the store.
 */
function streamOf(first: string, lines: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let chunk = first;
  return new ReadableStream({
    async pull(controller) {
      while (chunk.length < 65536) {
        const next = await lines.next();
        if (next.done) {
          if (chunk !== "") controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += next.value;
      }
      controller.enqueue(encoder.encode(chunk));
      chunk = "";
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}

/** A JSON array of import records. */
function parseRecords(text: string): unknown[] {
  let records: unknown;
  try {
    records = JSON.parse(text);
  } catch {
    throw new QuireError("INVALID_DOCUMENT", "Cannot import: the body is not valid JSON");
  }
  if (!Array.isArray(records)) {
    throw new QuireError(
      "INVALID_DOCUMENT",
      "Cannot import: expected a JSON array of records, or NDJSON",
    );
  }
  return records;
}

/**
 * Why a request is refused before any route sees it, if it is: a malformed escape in the path
 * (Hono would keep it as it is: `%ZZ` and `%25ZZ` would name one document), a query string over
 * 8 KiB, a parameter given twice, a write to a read-only server.
 */
function refusal(url: string, method: string, readOnly: boolean): Problem | undefined {
  const { pathname, search } = new URL(url);
  if (/%(?![0-9A-Fa-f]{2})/.test(pathname)) {
    return problem(400, "INVALID_OPTION", "The path has a malformed percent-encoding");
  }
  if (search.length > MAX_QUERY_BYTES) {
    return problem(414, "INVALID_OPTION", `The query string is over ${MAX_QUERY_BYTES} bytes`);
  }
  if (search.length > 1) {
    const seen = new Set<string>();
    for (const key of new URLSearchParams(search).keys()) {
      if (seen.has(key) && !REPEATABLE.has(key)) {
        return problem(400, "INVALID_OPTION", `The query parameter "${key}" is given twice`);
      }
      seen.add(key);
    }
  }
  if (readOnly && method !== "GET" && method !== "HEAD" && method !== "OPTIONS") {
    return problem(403, "READ_ONLY", "This server is read-only");
  }
  return undefined;
}

/**
 * Runs `read` on collection `name`. A collection that does not exist is NOT_FOUND, but that costs
 * a catalog read, so it is checked only when the read finds nothing or fails: a hit pays nothing.
 */
async function readCollection<T>(
  store: Store,
  name: string,
  read: (collection: Collection) => Promise<T>,
  found: (result: T) => boolean,
): Promise<T> {
  const collection = store.collection(name); // INVALID_NAME first
  let result: T;
  try {
    result = await read(collection);
  } catch (error) {
    await existingOptions(store, name);
    throw error;
  }
  if (!found(result)) await existingOptions(store, name);
  return result;
}

/** A collection's options; NOT_FOUND when the store has no such collection. */
async function existingOptions(store: Store, name: string) {
  store.collection(name); // INVALID_NAME first
  const found = (await store.collections()).find((entry) => entry.name === name);
  if (found === undefined) {
    throw new QuireError("NOT_FOUND", `Collection ${JSON.stringify(name)} does not exist`);
  }
  return found.options;
}

function notFound(collection: string, id: string): QuireError {
  return new QuireError(
    "NOT_FOUND",
    `Document ${collection}/${JSON.stringify(id)} does not exist`,
  );
}

/**
 * The rev a write is conditional on: `If-Match: "<rev>"` gives it, `If-None-Match: *` asks
 * for a document that does not exist (rev 0).
 */
function preconditionRev(c: Context): number | undefined {
  const ifMatch = c.req.header("If-Match");
  if (ifMatch !== undefined) {
    const rev = /^(?:W\/)?"(\d{1,15})"$/.exec(ifMatch.trim())?.[1];
    if (rev === undefined) {
      throw new QuireError("INVALID_OPTION", 'Invalid If-Match: expected an ETag such as "3"');
    }
    return Number(rev);
  }
  if (c.req.header("If-None-Match")?.trim() === "*") return 0;
  return undefined;
}

/**
 * A CONFLICT of a write made conditional by a header answers 412 Precondition Failed (the error
 * handler tells it by its class); any other error is left as it is.
 */
function preconditionFailed(error: unknown, ifRev: number | undefined): unknown {
  if (ifRev === undefined || !(error instanceof QuireError) || error.code !== "CONFLICT") {
    return error;
  }
  return new PreconditionFailed(error);
}

/** A CONFLICT that answers 412. */
class PreconditionFailed extends QuireError {
  constructor(conflict: QuireError) {
    super("CONFLICT", conflict.message, { cause: conflict });
  }
}

/** Whether an `If-None-Match` header names `etag` (or is `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed === etag || trimmed === `W/${etag}`;
  });
}

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}
