/**
 * The backend contract: what the Store needs from a storage engine. A small required core
 * (the catalog, get, put, delete, page, batch writes, transactions) and optional capabilities
 * (find, search, explain, backup, check, stats), each an object that is there or not: the Store
 * asks for a capability by its presence and never by the backend's kind, and answers
 * `UNSUPPORTED` for one that is missing.
 *
 * Every method may answer with a value or a promise (`Awaitable`): an embedded engine answers at
 * once (SQLite's get costs no promise), a networked one with a promise.
 *
 * Transactions are handles: `transaction(fn)` gives `fn` a `Connection` whose calls all run in
 * that transaction, and commits when `fn`'s promise resolves or rolls back when it rejects. On a
 * handle, `transaction` opens a savepoint. Calls on the backend itself run outside any
 * transaction: an engine with one connection (SQLite) makes them wait for the open transaction
 * to end, while a pool (Postgres) runs them beside it.
 *
 * Errors are QuireErrors: CONFLICT for a failed `ifRev`, STORAGE for the engine's failures.
 *
 * @module
 */

import type { NormalizedOptions } from "../collection_options.ts";
import type { Filter } from "../query/ast.ts";
import type { FindRequest } from "../query/query.ts";
import type {
  CatalogEntry,
  CollectionStats,
  Explain,
  IndexProgress,
  Meta,
  PageRequest,
  Problem,
  PutRequest,
  RestoreMode,
  RestoreRequest,
  SearchRequest,
  SearchResult,
  StoredEntry,
} from "./types.ts";

/** A value, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** Queries with the filter language (src/query/): documents in a sort order, counts, deletes. */
export interface FindCapability {
  /** Documents matching the filter, in the sort's order (ties by id), after the cursor. */
  find(collection: string, request: FindRequest): Awaitable<StoredEntry[]>;
  /** How many documents match (all of them without a filter). */
  count(collection: string, filter?: Filter): Awaitable<number>;
  /** Deletes every document matching the filter; returns how many. */
  deleteMany(collection: string, filter: Filter): Awaitable<number>;
}

/** Full-text search over a collection's search fields (its `search` option). */
export interface SearchCapability {
  /** Documents matching a search, best first (ties by id), after the cursor. */
  search(collection: string, request: SearchRequest): Awaitable<SearchResult>;
  /** Rebuilds a collection's search index from its documents, reporting to `progress`. */
  reindex(collection: string, progress?: IndexProgress): Awaitable<void>;
  /** Compacts a collection's search index (FTS5 `optimize`; nothing to do in memory). */
  optimize(collection: string): Awaitable<void>;
}

/** How a find would run. */
export interface ExplainCapability {
  /** The plan of a find and the indexes it would use. */
  explain(collection: string, request: FindRequest): Awaitable<Explain>;
}

/** Figures about the stored data. */
export interface StatsCapability {
  /** A collection's document count and bytes. */
  collection(collection: string): Awaitable<CollectionStats>;
  /** Figures about the storage itself (file sizes, journal mode, ...). */
  storage(): Awaitable<Record<string, number | string>>;
}

/** A consistent copy of the whole store. */
export interface BackupCapability {
  /** Writes a copy to `path` (which must not exist) that `open()` can read. */
  backup(path: string): Awaitable<void>;
}

/** The engine's own checks of its storage. */
export interface CheckCapability {
  /** File integrity, and every document decodes (references are the Store's part). */
  check(): Awaitable<Problem[]>;
}

/** The calls that work on the backend itself and on a transaction's handle. */
export interface Connection {
  /** Every collection in the catalog. */
  collections(): Awaitable<CatalogEntry[]>;
  /**
   * Creates the collection or updates its persisted options; a change of search options
   * rebuilds the search index, reporting to `progress`.
   */
  ensureCollection(
    name: string,
    options: NormalizedOptions,
    progress?: IndexProgress,
  ): Awaitable<void>;

  /** A document with its metadata, or undefined (`doc` is a fresh object). */
  get(collection: string, id: string): Awaitable<StoredEntry | undefined>;
  /** Creates or replaces; the rev grows by one. Throws `CONFLICT` when `ifRev` does not match. */
  put(collection: string, request: PutRequest): Awaitable<Meta>;
  /**
   * Writes many documents, as `put` each in turn, and returns their metadata in order; an engine
   * may write them in fewer statements. Called inside a transaction, which an error rolls back.
   */
  putMany(collection: string, requests: readonly PutRequest[]): Awaitable<Meta[]>;
  /** Writes records with their own metadata (import); returns, for each, false when skipped. */
  restoreMany(
    collection: string,
    requests: readonly RestoreRequest[],
    mode: RestoreMode,
  ): Awaitable<boolean[]>;
  /** Deletes; false when absent. Throws `CONFLICT` when `ifRev` is given and does not match. */
  delete(collection: string, id: string, ifRev?: number): Awaitable<boolean>;
  /** Entries in id order (code point order). */
  page(collection: string, request: PageRequest): Awaitable<StoredEntry[]>;
  /** Deletes every document of the collection; returns how many. */
  clear(collection: string): Awaitable<number>;

  /**
   * Runs `fn` in a transaction (a savepoint on a handle) and commits when its promise resolves;
   * rolls back and rethrows when it rejects. `tx` is good only until then. An engine may call
   * `fn` again, on a new handle, when it aborted an attempt because of another transaction
   * (Postgres's serialization failures): the transaction must mean what it means where one runs
   * at a time.
   */
  transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T>;

  /** Queries with the filter language. */
  readonly find?: FindCapability | undefined;
  /** Full-text search. */
  readonly search?: SearchCapability | undefined;
  /** Query plans. */
  readonly explain?: ExplainCapability | undefined;
  /** Figures about the stored data. */
  readonly stats?: StatsCapability | undefined;
}

/** A storage engine, opened. */
export interface Backend extends Connection {
  /** What it is: `"memory"`, `"file"`, `"sqlite"`... for messages and stats, never for choices. */
  readonly kind: string;
  /** Where the data lives (path, directory, `":memory:"`, a URL without its password). */
  readonly location: string;
  /** Whole-store copies. */
  readonly backup?: BackupCapability | undefined;
  /** Storage checks. */
  readonly check?: CheckCapability | undefined;
  /** Closes it after the open transaction, if any; later calls fail. */
  close(): Awaitable<void>;
}
