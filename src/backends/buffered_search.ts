/**
 * Full-text search for the memory and file backends: one in-memory index per collection
 * (src/search/search_index.ts), built from the committed documents at the first search and
 * then kept in step with every committed write. A search inside a transaction that has written
 * to the collection runs on a view of that index with the transaction's writes made to it
 * (SearchIndex.with), which costs what indexing the written documents costs. Results, ranks,
 * cursors and facets follow the SQLite backend's (sqlite/search_sql.ts) exactly.
 *
 * Another process may write to a file backend's directory, which this process's index cannot
 * see. So a search checks what it can for free: the number of committed documents, and the rev
 * of every document it found against the rev the index was given. On any difference the index
 * is built again from the documents and the search runs again. (A write elsewhere that only
 * makes a document match that did not, and leaves the count as it was, goes unnoticed until
 * then.)
 *
 * @module
 */

import { compareCodePoints } from "../names.ts";
import { compileFilter, fieldReader, type QueryEntry } from "../query/evaluate.ts";
import { compareSqlValues, sqlValueOf } from "../query/sql_value.ts";
import { parsePath, type PathSegment } from "../query/path.ts";
import { fieldText } from "../search/field_text.ts";
import { type RankedMatch, SearchIndex } from "../search/search_index.ts";
import type { SearchOptions } from "../search/search_options.ts";
import { terms } from "../search/tokenize.ts";
import type {
  FacetCount,
  IndexProgress,
  SearchRequest,
  SearchResult,
  StoredEntry,
} from "../backend/types.ts";
import { FACET_VALUES } from "./facet_values.ts";

/** What a search reads from the backend. */
export interface SearchSource {
  /** The collection's committed records, each with its parsed document. */
  committed(): Iterable<QueryEntry>;
  /** How many documents the collection holds, committed. */
  count(): number;
  /** Whether the current transaction has written to the collection. */
  pending: boolean;
  /** The transaction's writes to the collection: the last entry of each id, `null` if deleted. */
  changes(): Iterable<readonly [string, QueryEntry | null]>;
  /** The visible entry of an id the index found; `undefined` when it is gone. */
  entry(id: string): QueryEntry | undefined;
  /** The entry as a result hands it out: a fresh copy of the document. */
  decode(entry: QueryEntry): StoredEntry;
}

/** A committed write as the index needs it: the new rev and document, or `null` for a delete. */
export interface AppliedRecord {
  rev: number;
  /** Reads the document (only called when the collection has an index). */
  doc(): unknown;
}

/** A collection's committed index and the rev of each document it holds. */
interface BuiltIndex {
  options: SearchOptions;
  paths: PathSegment[][];
  index: SearchIndex;
  revs: Map<string, number>;
}

/** An index to search and the rev it holds for an id. */
interface Searchable {
  index: SearchIndex;
  weights: readonly number[];
  revOf(id: string): number | undefined;
}

/** The committed search indexes of a backend, one per collection that has searched. */
export class BufferedSearch {
  #indexes = new Map<string, BuiltIndex>();

  /** Keeps a built index in step with a committed write (`null`: a delete). */
  applied(collection: string, id: string, record: AppliedRecord | null): void {
    const built = this.#indexes.get(collection);
    if (built === undefined) return;
    if (record === null) {
      built.index.remove(id);
      built.revs.delete(id);
    } else {
      built.index.add(id, textsOf(record.doc(), built.paths));
      built.revs.set(id, record.rev);
    }
  }

  /** Builds a collection's index again from its committed documents, reporting progress. */
  rebuild(
    collection: string,
    options: SearchOptions,
    committed: readonly QueryEntry[],
    progress?: IndexProgress,
  ): void {
    this.#indexes.set(collection, buildIndex(committed, options, progress, committed.length));
  }

  /** Forgets every index (the backend closes). */
  clear(): void {
    this.#indexes.clear();
  }

  /** Runs a search (the request's `query` must be there: raw queries are SQLite's). */
  search(
    collection: string,
    options: SearchOptions,
    request: SearchRequest,
    source: SearchSource,
  ): SearchResult {
    for (let check = true;; check = false) {
      const built = this.#committed(collection, options, source);
      // The documents changed behind the index's back (another process wrote them): a new one.
      const result = check && built.index.size !== source.count()
        ? undefined
        : run(source.pending ? viewOf(built, source) : searchable(built), request, source, check);
      if (result !== undefined) return result;
      this.#indexes.delete(collection);
    }
  }

  #committed(collection: string, options: SearchOptions, source: SearchSource): BuiltIndex {
    const built = this.#indexes.get(collection);
    if (built !== undefined && JSON.stringify(built.options) === JSON.stringify(options)) {
      return built;
    }
    const fresh = buildIndex(source.committed(), options);
    this.#indexes.set(collection, fresh);
    return fresh;
  }
}

function searchable(built: BuiltIndex): Searchable {
  return {
    index: built.index,
    weights: built.options.weights,
    revOf: (id) => built.revs.get(id),
  };
}

/** The committed index with the transaction's writes made to it. */
function viewOf(built: BuiltIndex, source: SearchSource): Searchable {
  const changes = new Map(source.changes());
  const index = built.index.with(
    [...changes].map(([id, entry]) => [id, entry && textsOf(entry.doc, built.paths)] as const),
  );
  return {
    index,
    weights: built.options.weights,
    revOf: (id) => changes.has(id) ? changes.get(id)?.rev : built.revs.get(id),
  };
}

/**
 * Runs a search on an index. With `check`, returns `undefined` as soon as the index proves out
 * of step with the documents (a document it found is gone or at another rev); without it,
 * documents that are gone are left out.
 */
function run(
  { index, weights, revOf }: Searchable,
  request: SearchRequest,
  source: SearchSource,
  check: boolean,
): SearchResult | undefined {
  const matches = index.search(request.query!, weights);
  const wanted = compileFilter(request.filter);
  const entries = new Map<string, QueryEntry>();
  const hits: RankedMatch[] = [];
  for (const match of matches) {
    const entry = source.entry(match.id);
    if (entry === undefined || entry.rev !== revOf(match.id)) {
      if (check) return undefined;
      if (entry === undefined) continue;
    }
    entries.set(match.id, entry);
    if (wanted(entry)) hits.push(match);
  }
  return searchPage(hits, request, (id) => entries.get(id)!, source.decode);
}

/**
 * The result of a search from its hits (the matches that pass the filter, in any order): ranked
 * (rank, then id in code point order), the page after the request's cursor, and the facet
 * counts over all the hits. The Postgres backend ends its searches here too.
 *
 * @param entryOf The entry of a hit.
 * @param decode The entry as a result hands it out.
 */
export function searchPage<E extends QueryEntry>(
  hits: RankedMatch[],
  request: SearchRequest,
  entryOf: (id: string) => E,
  decode: (entry: E) => StoredEntry,
): SearchResult {
  hits.sort((a, b) => a.rank - b.rank || compareCodePoints(a.id, b.id));
  const page = pageAfter(hits, request);
  return {
    hits: page.map(({ id, rank }) => ({ entry: decode(entryOf(id)), rank })),
    facets: request.facets.map((field) => {
      const read = fieldReader(field);
      return facetCounts(hits.map(({ id }) => read(entryOf(id))));
    }),
  };
}

/** The page of ranked hits after the request's cursor, at most `limit` of them. */
export function pageAfter(ranked: readonly RankedMatch[], request: SearchRequest): RankedMatch[] {
  const after = request.after;
  return (after === undefined
    ? ranked
    : ranked.filter(({ rank, id }) =>
      rank > after[0] || (rank === after[0] && compareCodePoints(id, after[1]) > 0)
    )).slice(0, request.limit);
}

/** Documents indexed between two progress reports. */
const PROGRESS_EVERY = 10_000;

function buildIndex(
  entries: Iterable<QueryEntry>,
  options: SearchOptions,
  progress?: IndexProgress,
  total = 0,
): BuiltIndex {
  const settings = { tokenizer: options.tokenizer, removeDiacritics: options.removeDiacritics };
  const index = new SearchIndex(
    options.fields.length,
    (text) => terms(text, settings).map((term, position) => ({ term, position })),
  );
  const paths = options.fields.map((field) => parsePath(field));
  const revs = new Map<string, number>();
  progress?.(0, total);
  for (const entry of entries) {
    index.add(entry.id, textsOf(entry.doc, paths));
    revs.set(entry.id, entry.rev);
    if (progress !== undefined && revs.size % PROGRESS_EVERY === 0) progress(revs.size, total);
  }
  if (progress !== undefined && revs.size % PROGRESS_EVERY !== 0) progress(revs.size, total);
  return { options, paths, index, revs };
}

/** The text of each search field of a document, as SQLite's triggers extract it. */
export function textsOf(doc: unknown, paths: readonly PathSegment[][]): (string | null)[] {
  return paths.map((path) => fieldText(doc, path));
}

/**
 * Counts a facet's values (each hit's value at the field, `undefined` where missing) like the
 * SQLite facet query: `json_each` over the value (an array's or object's members, or a scalar
 * itself), scalars only, each document once per value; most frequent first, then by value in
 * SQLite's order, then by JSON type name. The Postgres backend counts the values it reads too.
 */
export function facetCounts(values: Iterable<unknown>): FacetCount[] {
  const counts = new Map<string, { value: FacetCount["value"]; type: string; count: number }>();
  for (const value of values) {
    const members = typeof value === "object" && value !== null
      ? Object.values(value)
      : value === undefined
      ? []
      : [value];
    const seen = new Set<string>();
    for (const member of members) {
      if (typeof member === "object" && member !== null) continue;
      const type = jsonType(member);
      const key = `${type}:${JSON.stringify(member)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const known = counts.get(key);
      if (known === undefined) {
        counts.set(key, { value: member as FacetCount["value"], type, count: 1 });
      } else known.count++;
    }
  }
  return [...counts.values()]
    .sort((a, b) =>
      b.count - a.count || compareSqlValues(sqlValueOf(a.value), sqlValueOf(b.value)) ||
      compareCodePoints(a.type, b.type)
    )
    .slice(0, FACET_VALUES)
    .map(({ value, count }) => ({ value, count }));
}

/** SQLite's JSON type name of a scalar (what json_each's `type` column says). */
function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return "text";
  // JSON writes integers below 1e21 as integer literals, larger ones with an exponent.
  return Number.isInteger(value) && Math.abs(value as number) < 1e21 ? "integer" : "real";
}
