/**
 * `collection.search()`: full-text search over the collection's search fields, ranked by BM25,
 * with the query DSL as a filter in the same query, a keyset cursor over (rank, id), snippets
 * with the matches marked, and facet counts over all matches. The backends do the matching
 * and ranking (FTS5 on SQLite, src/search/search_index.ts in memory); this file checks the
 * options, compiles the text and shapes the page.
 *
 * @module
 */

import { capability } from "./backend/capability.ts";
import type { Awaitable, Connection } from "./backend/contract.ts";
import type { FacetCount, SearchResult } from "./backend/types.ts";
import type { Entry } from "./entry.ts";
import type { NormalizedOptions } from "./collection_options.ts";
import { checkAfter, decodeCursor, encodeCursor, queryTag } from "./cursor.ts";
import type { Document } from "./document.ts";
import { QuireError, quote } from "./errors.ts";
import { checkLimit } from "./limit.ts";
import { type Field, pathField } from "./query/ast.ts";
import { metaFieldNamed } from "./query/parse_object.ts";
import { parsePath } from "./query/path.ts";
import { parseFields, project } from "./query/project.ts";
import { type FilterInput, parseFilter } from "./query/query.ts";
import { checkRawSearch, compileSearch, fieldTokens } from "./search/compile_search.ts";
import { fieldText } from "./search/field_text.ts";
import {
  highlight,
  type Highlighting,
  highlighting,
  type HighlightOptions,
} from "./search/highlight.ts";
import {
  requireSearchOptions,
  type SearchOptions as IndexOptions,
} from "./search/search_options.ts";

/** Options of `search`. */
export interface SearchOptions {
  /** Only documents that also match this filter (the query DSL), in the same query. */
  filter?: FilterInput | undefined;
  /** Largest page, 1 to 1,000; larger values are clamped. @default 20 */
  limit?: number | undefined;
  /**
   * The `next` cursor of the previous page of the same search. Leave it out (or `undefined`) for the
   * first page; the last page has no `next`: stop there; passing `undefined` again starts over.
   * Anything else that is not a cursor string (`null`, say) is `INVALID_OPTION`.
   */
  after?: string | undefined;
  /** Snippets of each search field with the matched terms marked. */
  highlight?: boolean | HighlightOptions | undefined;
  /** Dotted paths to keep in each document (an array, or one comma-separated string). */
  fields?: string | string[] | undefined;
  /** Paths (or `$createdAt`…) whose values to count among all matches, not just this page. */
  facets?: string[] | undefined;
  /** Pass the text to FTS5 as its own query syntax (SQLite only). @default false */
  raw?: boolean | undefined;
}

/** A search hit. */
export interface SearchHit<T = Document> extends Entry<T> {
  /** BM25 relevance: higher is better (FTS5's `bm25()`, negated). */
  score: number;
  /** A snippet per search field that matched, with the `highlight` option. */
  highlights?: Record<string, string>;
}

/** One page of search results, best first; `next` is there when more may follow. */
export interface SearchPage<T = Document> {
  /** The hits of this page, best first. */
  hits: SearchHit<T>[];
  /** The cursor of the next page (pass it as `after`); absent on the last page. */
  next?: string;
  /** Value counts per requested facet, most frequent first (at most 100 values each). */
  facets?: Record<string, FacetCount[]>;
}

/** What a search needs from the store. */
export interface SearchHost {
  run<T>(
    name: string,
    access: "read",
    fn: (conn: Connection) => Awaitable<T>,
    whenMissing?: () => T,
  ): Promise<T>;
  /** The collection's options as the catalog holds them (inside `run`). */
  optionsOf(name: string): NormalizedOptions | undefined;
}

/** Default page size of `search`. */
export const DEFAULT_SEARCH_LIMIT = 20;
/** Largest page size of `search`; larger limits are clamped to it. */
export const MAX_SEARCH_LIMIT = 1_000;
const MAX_FACETS = 8;

/** Runs `collection.search(text, options)`; see {@linkcode SearchOptions}. */
export async function searchCollection<T>(
  host: SearchHost,
  name: string,
  text: string,
  options: SearchOptions = {},
): Promise<SearchPage<T>> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new QuireError("INVALID_OPTION", "Invalid search options: expected an object");
  }
  const raw = options.raw ?? false;
  if (typeof raw !== "boolean") throw new QuireError("INVALID_OPTION", "raw must be a boolean");
  const filter = parseFilter(options.filter);
  const limit = checkLimit(options.limit, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT);
  const fields = parseFields(options.fields);
  const marking = options.highlight === undefined || options.highlight === false
    ? undefined
    : highlighting(options.highlight);
  if (marking !== undefined && raw) {
    throw new QuireError("INVALID_OPTION", "highlight needs the search syntax, not a raw query");
  }
  const facets = parseFacets(options.facets);
  const tag = queryTag(["search", text, raw, filter]);
  const cursor = checkAfter(options.after);
  const after = cursor === undefined ? undefined : afterOf(cursor, tag);

  const empty = (): SearchResult => ({ hits: [], facets: facets.map(() => []) });
  let search: IndexOptions | undefined;
  const result = await host.run(name, "read", (conn) => {
    search = requireSearchOptions(name, host.optionsOf(name)?.search);
    const query = raw ? undefined : compileSearch(text, search);
    if (raw ? !checkRawSearch(text) : query === undefined) return empty();
    return capability(conn, "search").search(name, {
      text,
      raw,
      query,
      filter,
      limit: limit + 1,
      after,
      facets: facets.map(([, field]) => field),
    });
  }, empty);

  const highlights = marking !== undefined && search !== undefined
    ? highlighter(text, search, marking)
    : undefined;
  const hits: SearchHit<T>[] = [];
  for (const { entry, rank } of result.hits.slice(0, limit)) {
    const hit: SearchHit<T> = { ...entry as Entry<T>, score: -rank };
    if (highlights !== undefined) hit.highlights = highlights(entry.doc);
    if (fields !== undefined) hit.doc = project(entry.doc as Record<string, unknown>, fields) as T;
    hits.push(hit);
  }
  const page: SearchPage<T> = { hits };
  const last = result.hits[limit - 1];
  if (result.hits.length > limit && last !== undefined) {
    page.next = encodeCursor(tag, [last.rank, last.entry.id]);
  }
  if (facets.length > 0) {
    page.facets = Object.fromEntries(facets.map(([name], i) => [name, result.facets[i] ?? []]));
  }
  return page;
}

/** Makes the snippets of a document: one per search field with a match. */
function highlighter(
  text: string,
  search: IndexOptions,
  marking: Highlighting,
): (doc: unknown) => Record<string, string> {
  const query = compileSearch(text, search);
  const paths = search.fields.map((path) => parsePath(path));
  return (doc) => {
    const snippets: Record<string, string> = {};
    if (query === undefined) return snippets;
    paths.forEach((path, column) => {
      const value = fieldText(doc, path);
      if (value === null) return;
      const snippet = highlight(value, fieldTokens(value, search), query, column, marking);
      const field = search.fields[column];
      if (snippet !== undefined && field !== undefined) snippets[field] = snippet;
    });
    return snippets;
  };
}

/** The facets as [name as given, field]. */
function parseFacets(facets: unknown): [string, Field][] {
  if (facets === undefined) return [];
  if (!Array.isArray(facets) || facets.length > MAX_FACETS) {
    throw new QuireError(
      "INVALID_OPTION",
      `Invalid facets: expected an array of at most ${MAX_FACETS} paths`,
    );
  }
  const seen = new Set<string>();
  return facets.map((name) => {
    if (typeof name !== "string") {
      throw new QuireError("INVALID_OPTION", `Invalid facet ${quote(name)}: expected a path`);
    }
    if (seen.has(name)) throw new QuireError("INVALID_OPTION", `Facet ${quote(name)} is repeated`);
    seen.add(name);
    return [name, metaFieldNamed(name) ?? pathField(parsePath(name, "INVALID_OPTION"))];
  });
}

/** The rank and id a search cursor resumes after. */
function afterOf(cursor: string, tag: string): readonly [number, string] {
  const [rank, id] = decodeCursor(cursor, tag, 2);
  if (typeof rank !== "number") {
    throw new QuireError(
      "INVALID_FILTER",
      "Invalid cursor: pass the `next` value of the previous page of the same search",
    );
  }
  return [rank, id as string];
}
