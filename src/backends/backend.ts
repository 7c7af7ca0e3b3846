/**
 * The interface every storage backend implements (memory, file, SQLite). Backends are
 * synchronous and single-threaded: the Store serialises access to them and adds the async API,
 * validation, ids and references on top, so that those rules are written once.
 *
 * @module
 */

import type { NormalizedOptions } from "../collection_options.ts";
import type { Field, Filter } from "../query/ast.ts";
import type { FindRequest } from "../query/query.ts";
import type { MatchNode } from "../search/match_node.ts";

/** A stored document with its metadata, as a backend returns it (`doc` is a fresh object). */
export interface StoredEntry {
  id: string;
  rev: number;
  createdAt: string;
  updatedAt: string;
  doc: Record<string, unknown>;
}

/** Metadata of a stored document. */
export interface Meta {
  /** The document's id. */
  id: string;
  /** The document's revision: 1 on the first write, one more on each. */
  rev: number;
  /** When the document was first written: ISO-8601 UTC with milliseconds. */
  createdAt: string;
  /** When the document was last written: ISO-8601 UTC with milliseconds. */
  updatedAt: string;
}

/** A write to make: `data` is the validated JSON text of the document. */
export interface PutRequest {
  id: string;
  data: string;
  /** Write only if the stored rev is this (0 = only if absent). */
  ifRev?: number | undefined;
  /** The write's time, ISO-8601 UTC with milliseconds. */
  now: string;
}

/** A record written with the metadata it carries (import, restore). */
export interface RestoreRequest extends Meta {
  data: string;
}

/** How `restore` treats an id that already exists. */
export type RestoreMode = "skip" | "replace";

/** One page of entries in id order. */
export interface PageRequest {
  /** Only ids after this one (code point order). */
  after?: string | undefined;
  limit: number;
  /** Leave out documents that do not decode instead of failing (for `check()`). */
  skipCorrupt?: boolean;
}

/** Per-collection figures for `stats()`. */
export interface CollectionStats {
  count: number;
  /** UTF-8 bytes of the stored JSON documents. */
  bytes: number;
}

/** Something `check()` found wrong. */
export interface Problem {
  /** `CORRUPT`: a document that does not decode; `DANGLING_REF`: a reference to nothing. */
  code: "CORRUPT" | "DANGLING_REF";
  /** The collection it was found in. */
  collection?: string;
  /** The document it was found in. */
  id?: string;
  /** What is wrong. */
  message: string;
}

/** What `explain()` reports. */
export interface Explain {
  /** The backend that would run the query. */
  backend: string;
  /** The plan, one step a line (SQLite's EXPLAIN QUERY PLAN details). */
  plan: string[];
  /** The indexes the plan uses, each as the list of paths it covers. */
  indexes: string[][];
  /** SQLite: the statement that would run, and its parameters. */
  sql?: string;
  /** SQLite: the parameters bound to `sql`. */
  params?: unknown[];
}

/** What a backend needs to run a search (see src/search/). */
export interface SearchRequest {
  /** The search text as the caller gave it. */
  text: string;
  /** True for a raw query: `text` is in the engine's own syntax (FTS5 on SQLite) and `query` is absent. */
  raw: boolean;
  /** The parsed query (dialect-free); absent for a raw query. */
  query?: MatchNode | undefined;
  filter: Filter;
  limit: number;
  /** The previous page's last rank and id: return only what ranks after them. */
  after?: readonly [number, string] | undefined;
  /** Fields whose values to count among all matches. */
  facets: readonly Field[];
}

/** A search hit: the entry and its FTS5 rank (bm25: negative, lower is better). */
export interface SearchHit {
  entry: StoredEntry;
  rank: number;
}

/** A value of a facet and how many matching documents hold it. */
export interface FacetCount {
  /** The value. */
  value: null | boolean | number | string;
  /** How many matching documents hold it. */
  count: number;
}

/** A page of hits, and the counts of each requested facet (in request order). */
export interface SearchResult {
  hits: SearchHit[];
  facets: FacetCount[][];
}

/** Hears how far a search index build got: documents indexed, out of `total`. */
export type IndexProgress = (indexed: number, total: number) => void;

/** A collection as the catalog holds it. */
export interface CatalogEntry {
  name: string;
  options: NormalizedOptions;
}

/** What a storage backend does. Every method is synchronous; errors are QuireErrors. */
export interface Backend {
  /** `"memory"`, `"file"` or `"sqlite"`. */
  readonly kind: string;
  /** Where the data lives (path, directory or `":memory:"`), for stats and messages. */
  readonly location: string;

  /** Every collection in the catalog, by name. */
  collections(): CatalogEntry[];
  /**
   * Creates the collection or updates its persisted options; a change of search options
   * rebuilds the search index, reporting to `progress`.
   */
  ensureCollection(name: string, options: NormalizedOptions, progress?: IndexProgress): void;

  get(collection: string, id: string): StoredEntry | undefined;
  has(collection: string, id: string): boolean;
  /** Creates or replaces; the rev grows by one. Throws `CONFLICT` when `ifRev` does not match. */
  put(collection: string, request: PutRequest): Meta;
  /**
   * Writes many documents, as `put` each in turn, and returns their metadata in order. A
   * backend may write them in fewer statements (SQLite: one, so that FTS5 flushes its pending
   * terms once per batch instead of once per document). Throws as `put`; run it inside a
   * transaction, which the error leaves to roll back.
   */
  putMany(collection: string, requests: readonly PutRequest[]): Meta[];
  /** Writes a record with its own metadata; returns false when skipped. */
  restore(collection: string, request: RestoreRequest, mode: RestoreMode): boolean;
  /** `restore` of many records, in order; returns, for each, false when skipped. */
  restoreMany(
    collection: string,
    requests: readonly RestoreRequest[],
    mode: RestoreMode,
  ): boolean[];
  /** Deletes; false when absent. Throws `CONFLICT` when `ifRev` is given and does not match. */
  delete(collection: string, id: string, ifRev?: number): boolean;
  /** How many documents match (all of them without a filter). */
  count(collection: string, filter?: Filter): number;
  /** Documents matching the filter, in the sort's order (ties by id), after the cursor. */
  find(collection: string, request: FindRequest): StoredEntry[];
  /** Deletes every document matching the filter; returns how many. */
  deleteMany(collection: string, filter: Filter): number;
  /** Documents matching a search, best first (ties by id), after the cursor. */
  search(collection: string, request: SearchRequest): SearchResult;
  /** Rebuilds a collection's search index from its documents, reporting to `progress`. */
  reindex(collection: string, progress?: IndexProgress): void;
  /** Compacts a collection's search index (FTS5 `optimize`; a no-op in memory). */
  optimize(collection: string): void;
  /** How the backend would run a find: its plan and the indexes it would use. */
  explain(collection: string, request: FindRequest): Explain;
  /** Entries in id order (code point order, as SQLite's BINARY collation). */
  page(collection: string, request: PageRequest): StoredEntry[];
  /** Deletes every document of the collection; returns how many. */
  clear(collection: string): number;

  /** Opens a transaction, or a nested savepoint when one is open. */
  begin(): void;
  /** Commits the innermost transaction or savepoint. */
  commit(): void;
  /** Rolls back the innermost transaction or savepoint. */
  rollback(): void;

  /** Writes a consistent copy to `path` that `open()` can read. */
  backup(path: string): void;
  stats(collection: string): CollectionStats;
  /** Figures about the storage itself (file sizes, journal mode, ...), when it has any. */
  storageStats?(): Record<string, number | string>;
  /** Storage-level checks (file integrity, every document decodes). */
  check(): Problem[];
  close(): void;
}
