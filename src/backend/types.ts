/**
 * The values that pass between the Store and a backend: requests, entries, results. The
 * contract that moves them is in contract.ts.
 *
 * @module
 */

import type { NormalizedOptions } from "../collection_options.ts";
import type { Field, Filter } from "../query/ast.ts";
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
