/**
 * Full-text search for the memory and file backends: one in-memory index per collection
 * (src/search/search_index.ts), built from the documents at the first search and then kept in
 * step with every committed write. A search inside a transaction that has written to the
 * collection runs on a temporary index of what the transaction sees. Results, ranks, cursors
 * and facets follow the SQLite backend's (search_sql.ts) exactly.
 *
 * @module
 */

import { compareCodePoints } from "../names.ts";
import type { Field } from "../query/ast.ts";
import { compileFilter, fieldReader, type QueryEntry } from "../query/evaluate.ts";
import { compareSqlValues, sqlValueOf } from "../query/sql_value.ts";
import { parsePath } from "../query/path.ts";
import { fieldText } from "../search/field_text.ts";
import { SearchIndex } from "../search/search_index.ts";
import type { SearchOptions } from "../search/search_options.ts";
import { terms } from "../search/tokenize.ts";
import type { FacetCount, SearchRequest, SearchResult, StoredEntry } from "./backend.ts";
import { FACET_VALUES } from "./sqlite/search_sql.ts";

/** What a search reads from the backend. */
export interface SearchSource {
  /** The collection's records visible here, each with its parsed document. */
  entries(): Iterable<QueryEntry>;
  /** The visible entry of an id the index found. */
  entry(id: string): QueryEntry;
  /** Whether the current transaction has written to the collection. */
  pending: boolean;
  /** The entry as a result hands it out: a fresh copy of the document. */
  decode(entry: QueryEntry): StoredEntry;
}

/** The committed search indexes of a backend, one per collection that has searched. */
export class BufferedSearch {
  #indexes = new Map<string, { options: SearchOptions; index: SearchIndex }>();

  /** Forgets a collection's index (its options changed, or it is rebuilt). */
  forget(collection: string): void {
    this.#indexes.delete(collection);
  }

  /**
   * Keeps a built index in step with a committed write: `readDoc` gives the new document, or
   * is `null` for a delete.
   */
  applied(collection: string, id: string, readDoc: (() => unknown) | null): void {
    const built = this.#indexes.get(collection);
    if (built === undefined) return;
    if (readDoc === null) built.index.remove(id);
    else built.index.add(id, textsOf(readDoc(), built.options));
  }

  /** Forgets every index (the backend closes). */
  clear(): void {
    this.#indexes.clear();
  }

  /** Runs a search (the request's `query` must be there: raw FTS5 queries are SQLite's). */
  search(
    collection: string,
    options: SearchOptions,
    request: SearchRequest,
    source: SearchSource,
  ): SearchResult {
    const index = source.pending
      ? buildIndex(source.entries(), options)
      : this.#committed(collection, options, source);
    const matches = index.search(request.query!, options.weights);
    const wanted = compileFilter(request.filter);
    const entries = new Map<string, QueryEntry>();
    const hits = matches.filter((match) => {
      const entry = source.entry(match.id);
      entries.set(match.id, entry);
      return wanted(entry);
    });
    hits.sort((a, b) => a.rank - b.rank || compareCodePoints(a.id, b.id));
    const after = request.after;
    const page =
      (after === undefined
        ? hits
        : hits.filter(({ rank, id }) =>
          rank > after[0] || (rank === after[0] && compareCodePoints(id, after[1]) > 0)
        )).slice(0, request.limit);
    return {
      hits: page.map(({ id, rank }) => ({ entry: source.decode(entries.get(id)!), rank })),
      facets: request.facets.map((field) =>
        facetCounts(hits.map(({ id }) => entries.get(id)!), field)
      ),
    };
  }

  #committed(collection: string, options: SearchOptions, source: SearchSource): SearchIndex {
    const built = this.#indexes.get(collection);
    if (built !== undefined && JSON.stringify(built.options) === JSON.stringify(options)) {
      return built.index;
    }
    const index = buildIndex(source.entries(), options);
    this.#indexes.set(collection, { options, index });
    return index;
  }
}

function buildIndex(entries: Iterable<QueryEntry>, options: SearchOptions): SearchIndex {
  const settings = { tokenizer: options.tokenizer, removeDiacritics: options.removeDiacritics };
  const index = new SearchIndex(
    options.fields.length,
    (text) => terms(text, settings).map((term, position) => ({ term, position })),
  );
  for (const entry of entries) index.add(entry.id, textsOf(entry.doc, options));
  return index;
}

/** The text of each search field of a document, as SQLite's triggers extract it. */
function textsOf(doc: unknown, options: SearchOptions): (string | null)[] {
  return options.fields.map((field) => fieldText(doc, parsePath(field)));
}

/**
 * Counts like the SQLite facet query: `json_each` over the value at the field (an array's or
 * object's members, or a scalar itself), scalars only, each document once per value; most
 * frequent first, then by value in SQLite's order, then by JSON type name.
 */
function facetCounts(entries: readonly QueryEntry[], field: Field): FacetCount[] {
  const counts = new Map<string, { value: FacetCount["value"]; type: string; count: number }>();
  const read = fieldReader(field);
  for (const entry of entries) {
    const value = read(entry);
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
