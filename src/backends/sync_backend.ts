/**
 * The synchronous backend interface that the embedded engines implement (memory, file, SQLite),
 * and that serial.ts turns into the async contract.
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
} from "../backend/types.ts";

/**
 * A backend that does its work synchronously and single-threaded: memory, file and SQLite. It
 * meets the async contract (src/backend/contract.ts) through `serialBackend` (serial.ts), which
 * runs one caller at a time and returns plain values when nobody waits, so that a get on SQLite
 * costs no promise of its own. Every method is synchronous; errors are QuireErrors.
 */
export interface SyncBackend {
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
  /** Creates or replaces; the rev grows by one. Throws `CONFLICT` when `ifRev` does not match. */
  put(collection: string, request: PutRequest): Meta;
  /**
   * Writes many documents, as `put` each in turn, and returns their metadata in order. A
   * backend may write them in fewer statements (SQLite: one, so that FTS5 flushes its pending
   * terms once per batch instead of once per document). Throws as `put`; run it inside a
   * transaction, which the error leaves to roll back.
   */
  putMany(collection: string, requests: readonly PutRequest[]): Meta[];
  /** Writes records with their own metadata, in order; returns, for each, false when skipped. */
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

  /** Whether `backup` can write a copy (the memory engine has no format of its own). */
  readonly canBackup: boolean;
  /** Writes a consistent copy to `path` that `open()` can read. */
  backup(path: string): void;
  stats(collection: string): CollectionStats;
  /** Figures about the storage itself (file sizes, journal mode, ...), when it has any. */
  storageStats?(): Record<string, number | string>;
  /** Storage-level checks (file integrity, every document decodes). */
  check(): Problem[];
  close(): void;
}
