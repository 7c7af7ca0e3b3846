/**
 * The full-text search engines of bench/search.bench.ts behind one small interface: quire's
 * SQLite backend, the same FTS5 query written by hand through the runtime's own binding, and
 * the in-memory engines MiniSearch, Orama and FlexSearch, each configured as close to the others
 * as it allows (the differences are listed in the benchmark's header and in RESULTS.md).
 *
 * Every engine is loaded from the same documents (lib/search_corpus.ts) and asked the same
 * queries; each one answers in its own way:
 *
 * | query kind  | quire              | MiniSearch                 | Orama                         | FlexSearch           |
 * | ----------- | ------------------ | -------------------------- | ----------------------------- | -------------------- |
 * | single term | `film`             | `film`                     | `film` (prefix match: Orama's default) | `film`      |
 * | two terms   | `united states` (AND) | same, `combineWith: "AND"` | same, `threshold: 0` (AND)  | same (AND)           |
 * | prefix      | `gov*`             | `gov`, `prefix: true`      | `gov`                         | `gov` (`tokenize: "forward"` only) |
 * | phrase      | `"united states"`  | AND of the words (no phrases) | AND of the words           | AND of the words     |
 *
 * @module
 */

import { join } from "node:path";
import { type Collection, open, type SearchPage, type Store } from "../../mod.ts";
import { ftsColumn } from "../../src/backends/sqlite/fts.ts";
import { toFts5Expression } from "../../src/backends/sqlite/fts5_expression.ts";
import { compileSearch } from "../../src/search/compile_search.ts";
import { normalizeSearchOptions } from "../../src/search/search_options.ts";
import { openRawDocsDatabase, type RawDatabase, type RawStatement } from "./raw_sqlite.ts";
import type { SearchDocument } from "./search_corpus.ts";

/** The four kinds of query. */
export const QUERY_KINDS = ["single term", "two terms", "prefix", "phrase"] as const;
export type QueryKind = typeof QUERY_KINDS[number];

/** A query: its kind and its words (for a prefix query, the prefix without `*`). */
export interface BenchQuery {
  kind: QueryKind;
  words: string;
}

/** The queries: 16 of each kind, the same for every engine. */
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

/** Hits asked for (top 20 by each engine's relevance). */
export const TOP = 20;

/** quire's search option, and the weights every engine that has field weights gets. */
export const SEARCH_OPTION = { fields: { title: 2, body: 1 } };

/** Documents per `putMany` when quire is loaded. */
export const BATCH = 1_000;

/** What the checks before timing look at. */
export interface Answer {
  /** Ids of the hits, best first (at most TOP). */
  ids: string[];
  /** Scores of the hits, where the engine gives them. */
  scores?: number[];
  /** The first hit's highlight (with highlighting), as the engine gives it. */
  highlight?: unknown;
  /** How many documents match in all, where the result says. */
  total?: number;
}

/** An engine loaded in this process. */
export interface SearchEngine {
  readonly name: string;
  /** Whether it can mark matches itself (`search(…, true)`). */
  readonly highlights: boolean;
  /** Whether it can answer this kind of query at all. */
  supports(kind: QueryKind): boolean;
  /** Runs one query: the engine's own result, a promise for some engines. */
  search(query: BenchQuery, highlight: boolean): unknown;
  /** What a result holds, for the checks. */
  answer(result: unknown): Answer;
  /** How many documents match in all, where the engine can tell cheaply (outside timing). */
  total?(query: BenchQuery): number;
}

/** The text quire (and FTS5) gets for a query. */
export function quireText(query: BenchQuery): string {
  switch (query.kind) {
    case "prefix":
      return `${query.words}*`;
    case "phrase":
      return `"${query.words}"`;
    default:
      return query.words;
  }
}

// --- quire ---------------------------------------------------------------------------------------

/** Timings of a load, in milliseconds. */
export type BuildTimings = Record<string, number>;

/** quire's SQLite backend: a file `quire.db` in `dir`, collection `docs`. */
export class QuireEngine implements SearchEngine {
  readonly name = "quire";
  readonly highlights = true;
  readonly file: string;
  #store?: Store;
  #docs?: Collection<SearchDocument>;

  constructor(dir: string, file = "quire.db") {
    this.file = join(dir, file);
  }

  /** Opens the store and loads the documents with the search option set from the start. */
  async build(docs: SearchDocument[], ids: string[]): Promise<BuildTimings> {
    const start = performance.now();
    this.#store = await open(`sqlite://${this.file}`);
    this.#docs = this.#store.collection<SearchDocument>("docs", { search: SEARCH_OPTION });
    for (let from = 0; from < docs.length; from += BATCH) {
      const batch: [string, SearchDocument][] = [];
      for (let i = from; i < Math.min(from + BATCH, docs.length); i++) {
        batch.push([ids[i], docs[i]]);
      }
      await this.#docs.putMany(batch);
    }
    const loaded = performance.now();
    await this.#docs.optimize();
    const end = performance.now();
    return { total: end - start, "putMany (FTS triggers)": loaded - start, optimize: end - loaded };
  }

  /**
   * Loads the documents into a collection without a search option, then sets the option (which
   * indexes them all with one INSERT … SELECT) and optimizes.
   */
  async buildIndexAfter(docs: SearchDocument[], ids: string[]): Promise<BuildTimings> {
    const start = performance.now();
    this.#store = await open(`sqlite://${this.file}`);
    let collection = this.#store.collection<SearchDocument>("docs");
    for (let from = 0; from < docs.length; from += BATCH) {
      const batch: [string, SearchDocument][] = [];
      for (let i = from; i < Math.min(from + BATCH, docs.length); i++) {
        batch.push([ids[i], docs[i]]);
      }
      await collection.putMany(batch);
    }
    const loaded = performance.now();
    collection = this.#store.collection<SearchDocument>("docs", { search: SEARCH_OPTION });
    await collection.count(); // writes the option: the index is built here
    const indexed = performance.now();
    await collection.optimize();
    const end = performance.now();
    this.#docs = collection;
    return {
      total: end - start,
      "putMany (no index)": loaded - start,
      "index (INSERT…SELECT)": indexed - loaded,
      optimize: end - indexed,
    };
  }

  /** Opens an existing file (built by another process). */
  async openExisting(): Promise<void> {
    this.#store = await open(`sqlite://${this.file}`);
    this.#docs = this.#store.collection<SearchDocument>("docs");
  }

  supports(): boolean {
    return true;
  }

  search(query: BenchQuery, highlight: boolean): Promise<SearchPage<SearchDocument>> {
    return this.#docs!.search(quireText(query), highlight ? HIGHLIGHT : PLAIN);
  }

  answer(result: unknown): Answer {
    const { hits } = result as SearchPage<SearchDocument>;
    return {
      ids: hits.map((hit) => hit.id),
      scores: hits.map((hit) => hit.score),
      highlight: hits[0]?.highlights,
    };
  }

  async close(): Promise<void> {
    await this.#store?.close();
  }
}

const PLAIN = { limit: TOP } as const;
const HIGHLIGHT = { limit: TOP, highlight: true } as const;

// --- raw FTS5 ------------------------------------------------------------------------------------

type Row = { id: string; rev: number; created_at: string; updated_at: string; data: string };
type RawQuery = RawStatement & { all(...params: (string | number)[]): unknown[] };

/** A hit as quire's search returns it, made from a row of the raw binding. */
export interface RawHit {
  id: string;
  rev: number;
  createdAt: string;
  updatedAt: string;
  doc: SearchDocument;
  score: number;
}

/** The variants of the raw FTS5 query (see {@linkcode RawFtsEngine}). */
export const RAW_VARIANTS = ["two-step", "one-step", "rank-column"] as const;
export type RawVariant = typeof RAW_VARIANTS[number];

/** Rows the two-step query ranks: quire's page (20 + 1 for its `next`) and 16 more. */
const TWO_STEP_FETCH = TOP + 1 + 16;

/**
 * The FTS5 query written by hand through the runtime's binding, on quire's file, each row turned
 * into what quire's search returns (the document by `JSON.parse`, the score negated):
 *
 * - `"two-step"`: quire's own SQL (src/backends/sqlite/search_sql.ts): a subquery ranks the
 *   matches by `bm25()` with the weights keeping rowid and rank, SQLite's sorter keeps the best
 *   37 (quire's page of 21 and 16 more, for ties), only those are joined to the documents and
 *   ordered by (rank, id); the first 20 are kept. The same rows as quire's as long as no tie
 *   crosses the 37th row (quire then runs the one-step query; checked before timing);
 * - `"one-step"`: the obvious query, and quire's until this benchmark: every match joined to its
 *   document, `ORDER BY rank, id LIMIT 20`;
 * - `"rank-column"`: FTS5's own `rank` column with the weights (`rank MATCH 'bm25(2, 1)'`) and
 *   `ORDER BY rank LIMIT 20`, which FTS5 sorts itself; ties in FTS5's order, not by id.
 */
export class RawFtsEngine implements SearchEngine {
  readonly highlights = false;
  readonly name: string;
  readonly variant: RawVariant;
  #statement: RawQuery;
  #count: RawQuery;
  #params: (query: BenchQuery) => (string | number)[];

  private constructor(variant: RawVariant, statement: RawQuery, count: RawQuery) {
    this.variant = variant;
    this.name = RAW_NAMES[variant];
    this.#statement = statement;
    this.#count = count;
    const weights = Object.values(SEARCH_OPTION.fields);
    this.#params = variant === "two-step"
      ? (query) => [...weights, matchOf(query), TWO_STEP_FETCH]
      : variant === "one-step"
      ? (query) => [...weights, matchOf(query), TOP]
      : (query) => [matchOf(query), TOP];
  }

  /** Opens a second connection to quire's file and prepares the variant's statement. */
  static async open(file: string, variant: RawVariant): Promise<RawFtsEngine> {
    const db: RawDatabase = await openRawDocsDatabase(file);
    const { id } = db.prepare("SELECT id FROM quire_collections WHERE name = 'docs'").get() as {
      id: number;
    };
    const docs = `quire_docs_${id}`;
    const fts = `quire_fts_${id}`;
    const columns = "d.id, d.rev, d.created_at, d.updated_at, d.data";
    const weights = Object.values(SEARCH_OPTION.fields);
    const bm25 = `bm25(${fts}${", ?".repeat(weights.length)})`;
    const join = `JOIN ${docs} AS d ON d.rowid = ${fts}.rowid`;
    const sql = {
      "two-step": `SELECT ${columns}, m.rank AS rank FROM (SELECT ${fts}.rowid AS row, ` +
        `${bm25} AS rank FROM ${fts} WHERE ${fts} MATCH ? ORDER BY rank LIMIT ?) AS m ` +
        `JOIN ${docs} AS d ON d.rowid = m.row ORDER BY m.rank, d.id`,
      "one-step": `SELECT ${columns}, ${bm25} AS rank FROM ${fts} ${join} ` +
        `WHERE ${fts} MATCH ? ORDER BY rank, d.id LIMIT ?`,
      "rank-column": `SELECT ${columns}, ${fts}.rank AS rank FROM ${fts} ${join} ` +
        `WHERE ${fts} MATCH ? AND ${fts}.rank MATCH 'bm25(${weights.join(", ")})' ` +
        `ORDER BY ${fts}.rank LIMIT ?`,
    }[variant];
    const count = db.prepare(`SELECT count(*) AS n FROM ${fts} WHERE ${fts} MATCH ?`) as RawQuery;
    const engine = new RawFtsEngine(variant, db.prepare(sql) as RawQuery, count);
    engine.db = db;
    return engine;
  }

  db?: RawDatabase;

  supports(): boolean {
    return true;
  }

  search(query: BenchQuery): RawHit[] {
    const rows = this.#statement.all(...this.#params(query)) as (Row & { rank: number })[];
    const n = Math.min(rows.length, TOP);
    const hits: RawHit[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      hits[i] = {
        id: row.id,
        rev: row.rev,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        doc: JSON.parse(row.data),
        score: -row.rank,
      };
    }
    return hits;
  }

  answer(result: unknown): Answer {
    const hits = result as RawHit[];
    return { ids: hits.map((hit) => hit.id), scores: hits.map((hit) => hit.score) };
  }

  total(query: BenchQuery): number {
    return Number((this.#count.get(matchOf(query)) as { n: number }).n);
  }

  close(): void {
    this.db?.close();
  }
}

const RAW_NAMES: Record<RawVariant, string> = {
  "two-step": "raw: quire's SQL",
  "one-step": "raw: one-step join",
  "rank-column": "raw: rank column",
};

const FTS_OPTIONS = normalizeSearchOptions(SEARCH_OPTION);

/** The FTS5 expression quire compiles the query's text into. */
export function matchOf(query: BenchQuery): string {
  const columns = FTS_OPTIONS.fields.map((_, i) => ftsColumn(i));
  return toFts5Expression(compileSearch(quireText(query), FTS_OPTIONS)!, columns);
}

// --- the in-memory engines -----------------------------------------------------------------------

/**
 * What an in-memory engine is told about its documents: the fields it searches, with their
 * weights, the fields its hits carry, and the number field a search can be limited by (Orama's
 * schema must name it). The search benchmark gives its own (below); bench/suite/ gives others.
 */
export interface EngineFields {
  weights: Record<string, number>;
  stored: string[];
  range?: string;
}

/** The search benchmark's documents: `title` (weight 2) and `body`, both carried by hits. */
const CORPUS_FIELDS: EngineFields = { weights: SEARCH_OPTION.fields, stored: ["title", "body"] };

/** How many hits a search returns and, when `min` is given, the least value of `range`. */
export interface SearchLimits {
  limit: number;
  min?: number;
}

const TOP_LIMITS: SearchLimits = { limit: TOP };

/** The `range` field, which a search with `min` needs. */
function rangeOf(fields: EngineFields): string {
  if (fields.range === undefined) throw new Error("These fields have no range field to filter");
  return fields.range;
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

/**
 * MiniSearch 7: the fields searched and stored (so hits carry their document, as quire's do),
 * the weights as `boost`, `combineWith: "AND"`. It has no limit: every match is scored and
 * sorted, then the first `limit` are kept; a minimum is its `filter` callback over the stored
 * fields (run on every match before sorting). No snippets: every result carries its match info
 * (which terms matched in which fields), with or without highlighting.
 */
export class MiniSearchEngine implements SearchEngine {
  readonly name = "MiniSearch";
  readonly highlights = false;
  #fields: EngineFields;
  #index?: MiniSearchIndex;

  constructor(fields: EngineFields = CORPUS_FIELDS) {
    this.#fields = fields;
  }

  async build(docs: object[], ids: string[]): Promise<BuildTimings> {
    const { default: MiniSearch } = await import("minisearch") as unknown as {
      default: MiniSearchClass;
    };
    const start = performance.now();
    this.#index = new MiniSearch({
      fields: Object.keys(this.#fields.weights),
      storeFields: this.#fields.stored,
      searchOptions: { boost: this.#fields.weights, combineWith: "AND" },
    });
    this.#index.addAll(docs.map((doc, i) => ({ id: ids[i], ...doc })));
    return { total: performance.now() - start };
  }

  supports(): boolean {
    return true;
  }

  search(query: BenchQuery, _highlight = false, limits = TOP_LIMITS): MiniSearchResult[] {
    const results = this.#index!.search(query.words, this.#options(query, limits));
    return results.length > limits.limit ? results.slice(0, limits.limit) : results;
  }

  #options(query: BenchQuery, { min }: SearchLimits): object {
    const prefix = query.kind === "prefix";
    if (min === undefined) return prefix ? PREFIX : NO_OPTIONS;
    const range = rangeOf(this.#fields);
    return { prefix, filter: (result: MiniSearchResult) => (result[range] as number) >= min };
  }

  answer(result: unknown): Answer {
    const hits = result as MiniSearchResult[];
    return { ids: hits.map((hit) => hit.id), scores: hits.map((hit) => hit.score) };
  }

  total(query: BenchQuery): number {
    return this.#index!.search(query.words, this.#options(query, TOP_LIMITS)).length;
  }
}

const PREFIX = { prefix: true };
const NO_OPTIONS = {};

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
 * Orama 3: a schema of the searched fields (strings), the range field (a number) and `id`; the
 * weights as `boost`, `limit`, `threshold: 0` (only documents holding every term — in one
 * property: Orama's AND is per property — as Orama counts: it counts the words of a document
 * that match, so with prefix matching a document holding `congress` and `congressman` passes
 * for `congress war`); a minimum is a `where` clause (`gte`) on the range
 * field, answered by Orama's own index of it. Orama matches every query term as a prefix
 * (`film` also finds `films`); its `exact: true` would instead filter the hits by a
 * case-sensitive regular expression over the original text, so the default is used. Hits carry
 * the whole document as inserted. No highlighting (a separate package, `@orama/highlight`, does
 * it; not measured).
 */
export class OramaEngine implements SearchEngine {
  readonly name = "Orama";
  readonly highlights = false;
  #fields: EngineFields;
  #params: object;
  #orama?: OramaModule;
  #db: unknown;

  constructor(fields: EngineFields = CORPUS_FIELDS) {
    this.#fields = fields;
    this.#params = {
      properties: Object.keys(fields.weights),
      boost: fields.weights,
      limit: TOP,
      threshold: 0,
    };
  }

  async build(docs: object[], ids: string[]): Promise<BuildTimings> {
    this.#orama = await import("@orama/orama") as unknown as OramaModule;
    const start = performance.now();
    const schema: Record<string, string> = { id: "string" };
    for (const field of Object.keys(this.#fields.weights)) schema[field] = "string";
    if (this.#fields.range !== undefined) schema[this.#fields.range] = "number";
    this.#db = this.#orama.create({ schema });
    await this.#orama.insertMultiple(
      this.#db,
      docs.map((doc, i) => ({ id: ids[i], ...doc })),
      BATCH,
    );
    return { total: performance.now() - start };
  }

  supports(): boolean {
    return true;
  }

  search(
    query: BenchQuery,
    _highlight = false,
    { limit, min } = TOP_LIMITS,
  ): OramaResults | Promise<OramaResults> {
    const params = { ...this.#params, term: query.words, limit };
    return this.#orama!.search(
      this.#db,
      min === undefined ? params : { ...params, where: { [rangeOf(this.#fields)]: { gte: min } } },
    );
  }

  answer(result: unknown): Answer {
    const { hits, count } = result as OramaResults;
    return { ids: hits.map((hit) => hit.id), scores: hits.map((hit) => hit.score), total: count };
  }
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

/**
 * FlexSearch 0.8, a `Document` index over the searched fields with the documents stored
 * (`store: true`; hits are enriched with them, as quire's carry theirs), searched with
 * `merge: true` (one list over all fields) and `limit`. FlexSearch keeps each term's
 * documents in lists pre-sorted by where the term occurs in the field (its "resolution"): no
 * BM25, no term frequencies, no field weights. Highlighting: its `highlight` option.
 *
 * It has no range filters (its tags match exact values only), so a search with a minimum asks
 * for every match, drops those below it and keeps the first `limit`, as a user would.
 *
 * `tokenize: "strict"` (the default) indexes whole words and cannot answer prefix queries;
 * `"forward"` indexes every prefix of every word, so every query term is then a prefix too.
 */
export class FlexSearchEngine implements SearchEngine {
  readonly name: string;
  readonly highlights = true;
  #tokenize: "strict" | "forward";
  #fields: EngineFields;
  #index?: FlexDocument;
  #size = 0;

  constructor(tokenize: "strict" | "forward", fields: EngineFields = CORPUS_FIELDS) {
    this.#tokenize = tokenize;
    this.#fields = fields;
    this.name = `FlexSearch (${tokenize})`;
  }

  async build(docs: object[], ids: string[]): Promise<BuildTimings> {
    const module = await import("flexsearch") as unknown as {
      default: { Document: FlexDocumentClass };
    };
    const start = performance.now();
    this.#index = new module.default.Document({
      document: { id: "id", index: Object.keys(this.#fields.weights), store: true },
      tokenize: this.#tokenize,
    });
    for (let i = 0; i < docs.length; i++) this.#index.add({ id: ids[i], ...docs[i] });
    this.#size = docs.length;
    return { total: performance.now() - start };
  }

  supports(kind: QueryKind): boolean {
    return kind !== "prefix" || this.#tokenize === "forward";
  }

  search(query: BenchQuery, highlight: boolean, { limit, min } = TOP_LIMITS): FlexResult[] {
    const options = highlight ? FLEX_HIGHLIGHT : FLEX_PLAIN;
    if (min === undefined) {
      return this.#index!.search(query.words, limit === TOP ? options : { ...options, limit });
    }
    const range = rangeOf(this.#fields);
    return this.#index!.search(query.words, { ...options, limit: this.#size })
      .filter((hit) => (hit.doc![range] as number) >= min).slice(0, limit);
  }

  answer(result: unknown): Answer {
    const hits = result as FlexResult[];
    return { ids: hits.map((hit) => hit.id), highlight: hits[0]?.highlight };
  }
}

const FLEX_PLAIN = { limit: TOP, merge: true, enrich: true };
const FLEX_HIGHLIGHT = { ...FLEX_PLAIN, highlight: "<mark>$1</mark>" };
