/**
 * A named collection of documents: the part of the API users call most. It validates input,
 * encodes documents and hands the work to the backend through the Store, which serialises it.
 *
 * @module
 */

import type { Awaitable, Connection } from "./backend/contract.ts";
import { capability } from "./backend/capability.ts";
import type { Explain, Meta, StoredEntry } from "./backend/types.ts";
import { checkAfter, decodeCursor, encodeCursor } from "./cursor.ts";
import { type Document, encodeDocument } from "./document.ts";
import { conflict, QuireError, quote } from "./errors.ts";
import { checkLimit } from "./limit.ts";
import { checkId, newId } from "./names.ts";
import { type Ref, resolveRefs } from "./refs.ts";
import { parseFields, project } from "./query/project.ts";
import { type FilterInput, parseFilter, prepareQuery } from "./query/query.ts";
import type { NormalizedOptions } from "./collection_options.ts";
import type { IndexProgressEvent } from "./index_progress.ts";
import { searchCollection, type SearchOptions, type SearchPage } from "./collection_search.ts";
import type { Entry } from "./entry.ts";
import { requireSearchOptions } from "./search/search_options.ts";

export type { Entry, Explain, FilterInput, Meta };

/** Options of a conditional write. */
export interface WriteOptions {
  /** Write only if the stored rev is this; 0 means "only if it does not exist yet". */
  ifRev?: number | undefined;
}

/** Options of `get`. */
export interface GetOptions {
  /** Replace references with their targets this many levels deep. @default 0 */
  resolve?: number | undefined;
}

/** Options of `find`. */
export interface FindOptions {
  /** Sort keys, e.g. `"-year,title"` (`-` = descending); ties are broken by id. @default id order */
  sort?: string | string[] | undefined;
  /** Largest page, 1 to 10,000; larger values are clamped. @default 50 */
  limit?: number | undefined;
  /**
   * The `next` cursor of the previous page of the same query. Leave it out (or `undefined`) for the
   * first page; the last page has no `next`: stop there; passing `undefined` again starts over.
   * Anything else that is not a cursor string (`null`, say) is `INVALID_OPTION`.
   */
  after?: string | undefined;
  /** Dotted paths to keep in each document (an array, or one comma-separated string). */
  fields?: string | string[] | undefined;
}

/** One page of `find` results; `next` is there when more may follow. */
export interface Page<T = Document> {
  /** The entries of this page, in the requested order. */
  items: Entry<T>[];
  /** The cursor of the next page (pass it as `after`); absent on the last page. */
  next?: string;
}

/** Default page size of `find`. */
export const DEFAULT_LIMIT = 50;
/** Largest page size of `find`; larger limits are clamped to it. */
export const MAX_LIMIT = 10_000;
/** Most references `get` follows in depth. */
export const MAX_RESOLVE_DEPTH = 16;

/** What an operation does to a collection: reads it, changes it, or may create it. */
export type Access = "read" | "write" | "create";

/** What a Collection needs from its Store. */
export interface CollectionHost {
  readonly maxDocumentBytes: number;
  /**
   * Runs `fn` on the current connection (the open transaction's, or the backend). `"create"`
   * makes the collection first if it does not exist; for `"read"` and `"write"` a missing
   * collection is left alone and `whenMissing()` answers instead.
   */
  run<T>(
    name: string,
    access: Access,
    fn: (conn: Connection) => Awaitable<T>,
    whenMissing?: () => T,
  ): Promise<T>;
  /** Runs `fn` in one transaction (joining an open one). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Reads a reference's target on `conn` (inside `run`). */
  loadRef(conn: Connection, ref: Ref): Awaitable<Record<string, unknown> | undefined>;
  /** The collection's options as the catalog holds them (inside `run`). */
  optionsOf(name: string): NormalizedOptions | undefined;
}

/** A collection of JSON documents, keyed by id. Get one from `store.collection(name)`. */
export class Collection<T extends object = Document> {
  /** The collection's name. */
  readonly name: string;
  #host: CollectionHost;

  /** @internal Use `store.collection(name)`. */
  constructor(name: string, host: CollectionHost) {
    this.name = name;
    this.#host = host;
  }

  /**
   * Creates or replaces the document `id`.
   *
   * @example
   * ```ts
   * import { open } from "quire";
   * const notes = (await open("memory://")).collection("notes");
   * const meta = await notes.put("n1", { title: "Hello" });
   * console.log(meta.rev); // 1
   * await notes.put("n1", { title: "Hello again" }, { ifRev: 1 });
   * ```
   * @param id A non-empty string, at most 512 UTF-8 bytes, no control characters.
   * @param doc A plain JSON object.
   * @param options `ifRev` makes the write conditional.
   * @returns The new metadata: the rev starts at 1 and grows by one per write.
   * @throws {QuireError} `INVALID_ID`, `INVALID_DOCUMENT`, `TOO_LARGE`, `CONFLICT`, `READ_ONLY`.
   */
  put(id: string, doc: T, options: WriteOptions = {}): Promise<Meta> {
    try {
      const { ifRev } = optionsObject<WriteOptions>(options);
      const request = this.#putRequest(id, doc, ifRev, isoNow());
      return this.#host.run(this.name, "create", (conn) => conn.put(this.name, request));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stores a document under a new, time-ordered id.
   * @returns The metadata, with the generated `id`.
   */
  insert(doc: T): Promise<Meta> {
    return this.put(newId(), doc, { ifRev: 0 });
  }

  /**
   * Creates or replaces many documents in one transaction: all or nothing. They share one
   * `updatedAt`, the transaction's time.
   * @param entries `[id, doc]` pairs.
   * @returns The metadata of each write, in order.
   */
  putMany(entries: Iterable<readonly [string, T]>): Promise<Meta[]> {
    const now = isoNow();
    let requests;
    try {
      if (
        entries === null || typeof entries !== "object" ||
        typeof (entries as Iterable<unknown>)[Symbol.iterator] !== "function"
      ) {
        throw new QuireError(
          "INVALID_DOCUMENT",
          "Cannot store entries: expected an iterable of [id, doc] pairs",
        );
      }
      requests = Array.from(entries, (entry, index) => {
        if (!Array.isArray(entry) || entry.length !== 2) {
          throw new QuireError(
            "INVALID_DOCUMENT",
            `Cannot store entry ${index}: expected an [id, doc] pair`,
          );
        }
        return this.#putRequest(entry[0], entry[1], undefined, now);
      });
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#host.transaction(() =>
      this.#host.run(
        this.name,
        "create",
        (conn) => conn.putMany(this.name, requests),
      )
    );
  }

  /**
   * Reads a document.
   * @param options `resolve: n` replaces references n levels deep (cycles stop, missing → null).
   * @returns The document, deep-equal to what was put, or `undefined`.
   */
  get(id: string, options: GetOptions = {}): Promise<T | undefined> {
    // Not an async function: get is the hottest path, and this saves a promise per call.
    try {
      checkId(id);
      const depth = resolveDepth(optionsObject<GetOptions>(options).resolve);
      return this.#host.run(this.name, "read", (conn) => {
        const finish = (entry: StoredEntry | undefined): Awaitable<T | undefined> => {
          if (entry === undefined || depth === 0) return entry?.doc as T | undefined;
          const load = (ref: Ref) => this.#host.loadRef(conn, ref);
          return resolveRefs(entry.doc, depth, load, [`${this.name}/${id}`]) as Promise<T>;
        };
        const entry = conn.get(this.name, id);
        return entry instanceof Promise ? entry.then(finish) : finish(entry);
      }, () => undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Reads a document with its metadata, or `undefined`. */
  async entry(id: string): Promise<Entry<T> | undefined> {
    checkId(id);
    return await this.#host.run(
      this.name,
      "read",
      (conn) => conn.get(this.name, id) as Awaitable<Entry<T> | undefined>,
      () => undefined,
    );
  }

  /** Whether the document exists. */
  async has(id: string): Promise<boolean> {
    checkId(id);
    return await this.#host.run(
      this.name,
      "read",
      async (conn) => await conn.get(this.name, id) !== undefined,
      () => false,
    );
  }

  /**
   * Deletes a document.
   * @returns Whether it existed.
   * @throws {QuireError} `CONFLICT` when `ifRev` is given and does not match.
   */
  async delete(id: string, options: WriteOptions = {}): Promise<boolean> {
    checkId(id);
    const ifRev = checkIfRev(optionsObject<WriteOptions>(options).ifRev);
    return await this.#host.run(
      this.name,
      "write",
      (conn) => conn.delete(this.name, id, ifRev),
      () => {
        if (ifRev !== undefined && ifRev > 0) throw conflict(this.name, id, ifRev, 0);
        return false;
      },
    );
  }

  /**
   * How many documents match `filter` (all of them without one).
   * @param filter The object form (`{ year: { $gte: 2000 } }`) or the text form (`"year >= 2000"`).
   */
  async count(filter?: FilterInput): Promise<number> {
    const parsed = parseFilter(filter);
    return await this.#host.run(
      this.name,
      "read",
      (conn) => capability(conn, "find").count(this.name, parsed),
      () => 0,
    );
  }

  /**
   * Finds documents, a page at a time: those matching `filter`, in the order of `sort` (ties,
   * and no sort at all, by id in code point order).
   *
   * @example
   * ```ts
   * import { open } from "quire";
   * const notes = (await open("memory://")).collection("notes");
   * let page = await notes.find({ year: { $gte: 2000 } }, { sort: "-year", limit: 100 });
   * while (page.next) {
   *   page = await notes.find({ year: { $gte: 2000 } }, { sort: "-year", limit: 100, after: page.next });
   * }
   * await notes.find('year >= 2000 and party = "Whig"', { fields: ["year", "president"] });
   * ```
   * @param filter The object form, the text form, or nothing (every document).
   * @param options `sort`, `limit` (default 50, at most 10,000), `after` (a previous page's
   *   `next`: pages stay stable while others write), `fields` (a projection).
   * @throws {QuireError} `INVALID_FILTER` for a bad filter, sort, projection or cursor;
   *   `INVALID_OPTION` for an `after` that is not a string (`null`, say).
   */
  async find(filter?: FilterInput, given: FindOptions = {}): Promise<Page<T>> {
    const options = optionsObject<FindOptions>(given);
    const query = prepareQuery(filter, options.sort);
    const limit = checkLimit(options.limit, DEFAULT_LIMIT, MAX_LIMIT);
    const fields = parseFields(options.fields);
    const cursor = checkAfter(options.after);
    const after = cursor === undefined
      ? undefined
      : decodeCursor(cursor, query.tag, query.sort.length + 1);
    const request = { filter: query.filter, sort: query.sort, after, limit: limit + 1 };
    const rows = await this.#host.run(
      this.name,
      "read",
      (conn) => capability(conn, "find").find(this.name, request),
      (): StoredEntry[] => [],
    );
    const items = rows.slice(0, limit) as Entry<T>[];
    const last = items.at(-1);
    const next = rows.length > limit && last !== undefined
      ? encodeCursor(query.tag, query.keyOf(last))
      : undefined;
    if (fields !== undefined) {
      for (const item of items) {
        item.doc = project(item.doc as Record<string, unknown>, fields) as T;
      }
    }
    return next === undefined ? { items } : { items, next };
  }

  /**
   * Deletes every document matching `filter`, in one transaction.
   * @returns How many were deleted.
   */
  async deleteMany(filter: FilterInput): Promise<number> {
    const parsed = parseFilter(filter);
    return await this.#host.run(
      this.name,
      "write",
      (conn) => capability(conn, "find").deleteMany(this.name, parsed),
      () => 0,
    );
  }

  /**
   * How the backend would run `find(filter, options)`: on SQLite the statement, its plan and
   * the indexes (as lists of paths) it uses; the memory and file backends scan.
   */
  async explain(
    filter?: FilterInput,
    given: Pick<FindOptions, "sort" | "limit"> = {},
  ): Promise<Explain> {
    const options = optionsObject<Pick<FindOptions, "sort" | "limit">>(given);
    const query = prepareQuery(filter, options.sort);
    const request = {
      filter: query.filter,
      sort: query.sort,
      limit: checkLimit(options.limit, DEFAULT_LIMIT, MAX_LIMIT) + 1,
    };
    return await this.#host.run(
      this.name,
      "read",
      (conn) => capability(conn, "explain").explain(this.name, request),
      (): Explain => ({ backend: "none", plan: ["the collection does not exist"], indexes: [] }),
    );
  }

  /**
   * Full-text search over the collection's search fields (the `search` collection option),
   * best match first. The text is the search syntax described in the README (words, "phrases",
   * prefix*, -word, OR, field:word, parentheses); no text makes it throw except the caps of
   * 1,024 characters and 32 terms (`INVALID_SEARCH`).
   *
   * @example
   * ```ts
   * import { open } from "quire";
   * const store = await open("memory://");
   * const notes = store.collection("notes", { search: { fields: { title: 2, body: 1 } } });
   * await notes.put("n1", { title: "Café notes", body: "Zoë liked the crème brûlée" });
   * const page = await notes.search("creme zoe", { highlight: true });
   * page.hits[0]?.id; // "n1"
   * ```
   */
  search(text: string, options?: SearchOptions): Promise<SearchPage<T>> {
    return searchCollection<T>(this.#host, this.name, text, options);
  }

  /**
   * Rebuilds the search index from the documents, in one transaction; `onProgress` hears how
   * far it got every 10,000 documents.
   */
  async reindex(
    options: { onProgress?: (progress: IndexProgressEvent) => void } = {},
  ): Promise<void> {
    const listener = optionsObject<{ onProgress?: unknown }>(options).onProgress;
    if (listener !== undefined && typeof listener !== "function") {
      throw new QuireError("INVALID_OPTION", "Invalid onProgress: expected a function");
    }
    await this.#host.run(this.name, "write", (conn) =>
      this.#search(conn).reindex(
        this.name,
        listener && ((indexed, total) => listener({ collection: this.name, indexed, total })),
      ), () => {});
  }

  /** Merges the search index into one segment (FTS5 `optimize`), for faster searches. */
  async optimize(): Promise<void> {
    await this.#host.run(
      this.name,
      "write",
      (conn) => this.#search(conn).optimize(this.name),
      () => {},
    );
  }

  /** Deletes every document; returns how many there were. */
  async clear(): Promise<number> {
    return await this.#host.run(this.name, "write", (conn) => conn.clear(this.name), () => 0);
  }

  /** The connection's search, when this collection has search fields. */
  #search(conn: Connection) {
    requireSearchOptions(this.name, this.#host.optionsOf(this.name)?.search);
    return capability(conn, "search");
  }

  #putRequest(id: string, doc: unknown, ifRev: number | undefined, now: string) {
    return {
      id: checkId(id),
      data: encodeDocument(doc, this.#host.maxDocumentBytes),
      ifRev: checkIfRev(ifRev),
      now,
    };
  }
}

let lastMs = Number.NaN;
let lastIso = "";

/**
 * `new Date().toISOString()`, formatted once per millisecond: writes in a loop come several to
 * the millisecond, and the formatting costs more than the clock (about 1 µs on Node). The time
 * comes from `new Date()`, not `Date.now()`, as before: the fuzz tests' fake clock replaces the
 * former only.
 */
function isoNow(): string {
  const ms = new Date().getTime();
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** A call's options: an object, or nothing (`undefined`); anything else is INVALID_OPTION. */
function optionsObject<T extends object>(options: unknown): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new QuireError("INVALID_OPTION", `Invalid options ${quote(options)}: expected an object`);
  }
  return options as Partial<T>;
}

function checkIfRev(ifRev: unknown): number | undefined {
  if (ifRev === undefined) return undefined;
  if (typeof ifRev !== "number" || !Number.isSafeInteger(ifRev) || ifRev < 0) {
    throw new QuireError(
      "INVALID_OPTION",
      `Invalid ifRev ${quote(ifRev)}: expected an integer ≥ 0`,
    );
  }
  return ifRev;
}

function resolveDepth(depth: unknown): number {
  if (depth === undefined) return 0;
  if (
    typeof depth !== "number" || !Number.isInteger(depth) || depth < 0 || depth > MAX_RESOLVE_DEPTH
  ) {
    throw new QuireError(
      "INVALID_OPTION",
      `Invalid resolve depth ${quote(depth)}: expected 0 to ${MAX_RESOLVE_DEPTH}`,
    );
  }
  return depth;
}
