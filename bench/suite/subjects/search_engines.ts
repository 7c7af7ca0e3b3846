/**
 * The in-memory full-text search engines MiniSearch, Orama and FlexSearch, loaded with the
 * suite's documents and asked the suite's queries (the subjects that wrap them, and how they
 * differ from quire: search.ts). Each one indexes `text`, stores every field (so its hits carry
 * their document, as quire's do) and limits a filtered search by `year`, configured as close to
 * quire as it allows; each loader's comment gives its configuration. A query is asked as its
 * words: a phrase as the AND of its words (none of them has phrase queries), a prefix without
 * `*`.
 *
 * @module
 */

import type { BenchDocument, Instance, SearchQuery } from "../types.ts";

/** The documents an index is loaded with, by id. */
export type Entries = readonly (readonly [string, BenchDocument])[];

/** What a search is asked besides its query: the hits wanted, a least `year`, highlighting. */
export type SearchOptions = Parameters<NonNullable<Instance["search"]>>[1];

/** An engine's index of the documents, in this process's memory. */
export interface SearchIndex {
  /** Runs one query: the engine's own result, a promise for some engines. */
  search(query: SearchQuery, options: SearchOptions): unknown;
}

/** The field searched, with its weight (quire's has none: 1). */
const WEIGHTS = { text: 1 };

/** The number field a filtered search limits (Orama's schema must name it). */
const RANGE = "year";

/** Every field of a benchmark document: all are carried by the hits. */
const STORED: string[] = [
  "related",
  "speech",
  "year",
  "president",
  "party",
  "part",
  "text",
  "words",
  "keywords",
];

/** Documents per Orama `insertMultiple` batch (the size of quire's `putMany` batches). */
const BATCH = 1_000;

/** The documents as the engines take them: with their `id`. */
function withIds(entries: Entries): object[] {
  return entries.map(([id, doc]) => ({ id, ...doc }));
}

// --- MiniSearch ----------------------------------------------------------------------------------

type MiniSearchResult = Record<string, unknown> & {
  id: string;
  score: number;
  terms: string[];
  match: Record<string, string[]>;
};

interface MiniSearchIndex {
  addAll(docs: object[]): void;
  search(text: string, options?: object): MiniSearchResult[];
}

type MiniSearchClass = new (options: object) => MiniSearchIndex;

const PREFIX = { prefix: true };
const NO_OPTIONS = {};

/**
 * MiniSearch 7: the field searched and every field stored, the weight as `boost`,
 * `combineWith: "AND"`, `prefix: true` for prefix queries. It has no limit: every match is
 * scored and sorted, then the first `limit` are kept; a least year is its `filter` callback over
 * the stored fields (run on every match before sorting). No snippets: every result carries its
 * match info (which terms matched in which fields), with or without highlighting.
 */
export async function loadMiniSearch(entries: Entries): Promise<SearchIndex> {
  const { default: MiniSearch } = await import("minisearch") as unknown as {
    default: MiniSearchClass;
  };
  const index = new MiniSearch({
    fields: Object.keys(WEIGHTS),
    storeFields: STORED,
    searchOptions: { boost: WEIGHTS, combineWith: "AND" },
  });
  index.addAll(withIds(entries));
  return {
    search(query, { limit, minYear }) {
      const prefix = query.kind === "prefix";
      const options = minYear === undefined ? prefix ? PREFIX : NO_OPTIONS : {
        prefix,
        filter: (result: MiniSearchResult) => (result[RANGE] as number) >= minYear,
      };
      const results = index.search(query.words, options);
      return results.length > limit ? results.slice(0, limit) : results;
    },
  };
}

// --- Orama ---------------------------------------------------------------------------------------

interface OramaResults {
  count: number;
  hits: { id: string; score: number; document: Record<string, unknown> }[];
}

interface OramaModule {
  create(options: object): unknown;
  insertMultiple(db: unknown, docs: object[], batchSize?: number): unknown;
  search(db: unknown, params: object): OramaResults | Promise<OramaResults>;
}

/**
 * Orama 3: a schema of the field searched (a string), the range field (a number) and `id`; the
 * weight as `boost`, `limit`, `threshold: 0` (only documents holding every term — in one
 * property: Orama's AND is per property — as Orama counts: it counts the words of a document
 * that match, so with prefix matching a document holding `congress` and `congressman` passes
 * for `congress war`); a least year is a `where` clause (`gte`) on the range field, answered by
 * Orama's own index of it. Orama matches every query term as a prefix (`film` also finds
 * `films`); its `exact: true` would instead filter the hits by a case-sensitive regular
 * expression over the original text, so the default is used. Hits carry the whole document as
 * inserted. No highlighting (a separate package, `@orama/highlight`, does it; not measured).
 */
export async function loadOrama(entries: Entries): Promise<SearchIndex> {
  const orama = await import("@orama/orama") as unknown as OramaModule;
  const schema: Record<string, string> = { id: "string" };
  for (const field of Object.keys(WEIGHTS)) schema[field] = "string";
  schema[RANGE] = "number";
  const db = orama.create({ schema });
  await orama.insertMultiple(db, withIds(entries), BATCH);
  const base = { properties: Object.keys(WEIGHTS), boost: WEIGHTS, threshold: 0 };
  return {
    search(query, { limit, minYear }) {
      const params = { ...base, term: query.words, limit };
      return orama.search(
        db,
        minYear === undefined ? params : { ...params, where: { [RANGE]: { gte: minYear } } },
      );
    },
  };
}

// --- FlexSearch ----------------------------------------------------------------------------------

interface FlexResult {
  id: string;
  doc?: Record<string, unknown>;
  highlight?: Record<string, string>;
}

interface FlexDocument {
  add(doc: object): unknown;
  search(text: string, options: object): FlexResult[];
}

type FlexDocumentClass = new (options: object) => FlexDocument;

const FLEX_PLAIN = { merge: true, enrich: true };
const FLEX_HIGHLIGHT = { ...FLEX_PLAIN, highlight: "<mark>$1</mark>" };

/**
 * FlexSearch 0.8, a `Document` index over the field searched with the documents stored
 * (`store: true`; hits are enriched with them, as quire's carry theirs), searched with
 * `merge: true` (one list over all fields) and `limit`. FlexSearch keeps each term's
 * documents in lists pre-sorted by where the term occurs in the field (its "resolution"): no
 * BM25, no term frequencies, no field weights. Highlighting: its `highlight` option.
 *
 * It has no range filters (its tags match exact values only), so a search with a least year asks
 * for every match, drops those before it and keeps the first `limit`, as a user would.
 *
 * `tokenize: "strict"` (the default) indexes whole words and cannot answer prefix queries;
 * `"forward"` indexes every prefix of every word, so every query term is then a prefix too.
 */
export async function loadFlexSearch(
  entries: Entries,
  tokenize: "strict" | "forward",
): Promise<SearchIndex> {
  const module = await import("flexsearch") as unknown as {
    default: { Document: FlexDocumentClass };
  };
  const index = new module.default.Document({
    document: { id: "id", index: Object.keys(WEIGHTS), store: true },
    tokenize,
  });
  for (const doc of withIds(entries)) index.add(doc);
  const size = entries.length;
  return {
    search(query, { limit, minYear, highlight = false }) {
      const options = highlight ? FLEX_HIGHLIGHT : FLEX_PLAIN;
      if (minYear === undefined) return index.search(query.words, { ...options, limit });
      return index.search(query.words, { ...options, limit: size })
        .filter((hit) => (hit.doc![RANGE] as number) >= minYear).slice(0, limit);
    },
  };
}
