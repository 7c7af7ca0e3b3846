/**
 * The in-memory full-text search engines MiniSearch, Orama and FlexSearch as search-only
 * subjects, loaded and asked by search_engines.ts (whose comments give each engine's
 * configuration). Each indexes `text` and carries the whole document in its hits (as quire's
 * do); `year` is the field a filtered search limits. How they differ from quire:
 *
 * - **No storage:** an index lives in the process's memory and is built anew from the
 *   documents each time (nothing to reopen: no cold start); every storage operation is
 *   `cannot`.
 * - **Two terms:** every engine asks for both (AND); Orama counts matched words rather than
 *   terms, so a document where one term matches two words (`congress`, `congressman`) passes
 *   without the other.
 * - **Phrases:** none of them has phrase queries: a phrase is asked as the AND of its words,
 *   so it finds more documents than quire's phrase does.
 * - **Prefixes:** MiniSearch with `prefix: true`; Orama matches every term as a prefix anyway
 *   (a term query finds `films` for `film` too); FlexSearch only with `tokenize: "forward"`,
 *   which indexes every prefix of every word (the "FlexSearch (forward)" subject): the default
 *   `"strict"` cannot.
 * - **Filters (`year ≥ Y`):** MiniSearch's `filter` callback over every match; Orama's
 *   `where` on its own index of `year`; FlexSearch has no range filters: all matches are
 *   fetched, filtered and cut to the limit.
 * - **Highlights:** FlexSearch's `highlight` option marks the matches in the whole field;
 *   MiniSearch returns which terms matched where (no marks) and Orama has none (a separate
 *   package, `@orama/highlight`): both `cannot`.
 * - **Ranking:** MiniSearch and Orama by BM25 variants, FlexSearch by where the term occurs.
 *
 * @module
 */

import type { Operation, Subject } from "../types.ts";
import { cannotAll, STORAGE_OPERATIONS } from "./peer_support.ts";
import {
  type Entries,
  loadFlexSearch,
  loadMiniSearch,
  loadOrama,
  type SearchIndex,
} from "./search_engines.ts";

const STORAGE = cannotAll(STORAGE_OPERATIONS, "a search index in memory: it stores nothing");
const COLD_START = "kept in memory only: nothing to reopen";
const NO_HIGHLIGHTS = "no highlighting";

function searchSubject(
  name: string,
  load: (entries: Entries) => Promise<SearchIndex>,
  cannot: Partial<Record<Operation, string>>,
): Subject {
  return {
    name,
    group: "peer",
    cannot: { ...STORAGE, coldStartSearch: COLD_START, ...cannot },
    async open(_dir, entries) {
      const { search } = await load(entries);
      return { search, close() {} };
    },
  };
}

/** MiniSearch 7. */
export const minisearch = searchSubject("MiniSearch", loadMiniSearch, {
  searchHighlighted: NO_HIGHLIGHTS,
});

/** Orama 3. */
export const orama = searchSubject("Orama", loadOrama, {
  searchHighlighted: NO_HIGHLIGHTS,
});

/** FlexSearch 0.8, whole words (its default). */
export const flexsearch = searchSubject(
  "FlexSearch",
  (entries) => loadFlexSearch(entries, "strict"),
  {
    searchPrefix: 'no prefix search with tokenize: "strict" (see flexsearch forward)',
  },
);

/** FlexSearch 0.8 indexing every prefix of every word. */
export const flexsearchForward = searchSubject(
  "FlexSearch (forward)",
  (entries) => loadFlexSearch(entries, "forward"),
  {},
);
