/**
 * The search queries of bench/search_floor.bench.ts and bench/http.bench.ts (which asks only the
 * single terms): four kinds, 16 of each, and the FTS5 expression quire compiles each into for
 * the documents of lib/search_corpus.ts, with quire's search option for those documents.
 *
 * @module
 */

import { ftsColumn } from "../../src/backends/sqlite/fts.ts";
import { toFts5Expression } from "../../src/backends/sqlite/fts5_expression.ts";
import { compileSearch } from "../../src/search/compile_search.ts";
import { normalizeSearchOptions } from "../../src/search/search_options.ts";

/** The four kinds of query. */
export const QUERY_KINDS = ["single term", "two terms", "prefix", "phrase"] as const;
export type QueryKind = typeof QUERY_KINDS[number];

/** A query: its kind and its words (for a prefix query, the prefix without `*`). */
export interface BenchQuery {
  kind: QueryKind;
  words: string;
}

/** The queries: 16 of each kind. */
const QUERY_WORDS: Record<QueryKind, string[]> = {
  "single term": [
    "film",
    "movie",
    "world",
    "love",
    "government",
    "night",
    "president",
    "war",
    "money",
    "children",
    "school",
    "music",
    "trade",
    "police",
    "director",
    "drug",
  ],
  "two terms": [
    "united states",
    "human rights",
    "white house",
    "good movie",
    "young man",
    "real estate",
    "ice cream",
    "free trade",
    "high school",
    "police officer",
    "film director",
    "trade agreement",
    "world war",
    "economic development",
    "national security",
    "love song",
  ],
  prefix: [
    "gov",
    "film",
    "mus",
    "educat",
    "trad",
    "polit",
    "econom",
    "child",
    "drug",
    "happ",
    "beaut",
    "secur",
    "presiden",
    "develop",
    "nation",
    "agree",
  ],
  phrase: [
    "united states",
    "human rights",
    "white house",
    "ice cream",
    "free trade",
    "high school",
    "real estate",
    "world war",
    "the film",
    "the government",
    "in the world",
    "at the end",
    "the united nations",
    "for the first time",
    "a lot of",
    "i love you",
  ],
};

export const QUERIES: Record<QueryKind, BenchQuery[]> = Object.fromEntries(
  QUERY_KINDS.map((kind) => [kind, QUERY_WORDS[kind].map((words) => ({ kind, words }))]),
) as Record<QueryKind, BenchQuery[]>;

/** quire's search option for the documents of lib/search_corpus.ts: `title` weighs twice `body`. */
export const SEARCH_OPTION = { fields: { title: 2, body: 1 } };

/** The text quire gets for a query. */
function quireText(query: BenchQuery): string {
  switch (query.kind) {
    case "prefix":
      return `${query.words}*`;
    case "phrase":
      return `"${query.words}"`;
    default:
      return query.words;
  }
}

const FTS_OPTIONS = normalizeSearchOptions(SEARCH_OPTION);

/** The FTS5 expression quire compiles the query's text into. */
export function matchOf(query: BenchQuery): string {
  const columns = FTS_OPTIONS.fields.map((_, i) => ftsColumn(i));
  return toFts5Expression(compileSearch(quireText(query), FTS_OPTIONS)!, columns);
}
