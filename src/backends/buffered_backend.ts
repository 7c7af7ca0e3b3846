/**
 * The Backend shared by the memory and file backends. Committed records live in a
 * {@linkcode RecordStore}; a transaction's writes are buffered in layers above it (one layer per
 * nesting level) and reach the store in one `apply` call at the outermost commit, which the
 * store makes atomic (the file backend through a journal). Reads inside a transaction see its
 * own writes.
 *
 * A filtered scan evaluates compiled closures against each record's parsed document. On the
 * memory store, outside a transaction that wrote to the collection, a collection scanned again
 * with no write in between is scanned over cached columns of the filtered fields instead
 * (column_cache.ts); the file store keeps no records at hand and always reads documents.
 *
 * @module
 */

import type { NormalizedOptions } from "../collection_options.ts";
import { conflict, QuireError } from "../errors.ts";
import type { CursorValue } from "../cursor.ts";
import { utf8Length } from "../document.ts";
import { compareCodePoints } from "../names.ts";
import { type Filter, isMatchAll } from "../query/ast.ts";
import { scanRows } from "../query/columns.ts";
import { compileFilter, compileSort, type QueryEntry } from "../query/evaluate.ts";
import type { FindRequest } from "../query/query.ts";
import { ColumnCache } from "./column_cache.ts";
import { decodeEntry } from "./decode_entry.ts";
import { idPosition } from "./id_position.ts";
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
import type { SyncBackend } from "./sync_backend.ts";
import { BufferedSearch } from "./buffered_search.ts";
import { requireSearchOptions, type SearchOptions } from "../search/search_options.ts";

/** A stored record: metadata plus the document's JSON text. */
export interface StoredRecord extends Meta {
  data: string;
  /**
   * The record as filters read it, with the document parsed: made on the first query that
   * scans the record and kept with it (records never change once stored). Never handed out.
   */
  queryEntry?: QueryEntry;
}

/** One change to apply: a record to write, or `null` to delete the id. */
export interface Change {
  collection: string;
  id: string;
  record: StoredRecord | null;
}

/** Committed storage under a BufferedBackend. */
export interface RecordStore {
  readonly kind: string;
  readonly location: string;
  readCatalog(): CatalogEntry[];
  writeCatalog(entries: CatalogEntry[]): void;
  read(collection: string, id: string): StoredRecord | undefined;
  /** Every id of the collection, in code point order. */
  ids(collection: string): readonly string[];
  /** Every record of the collection in id order, if the store keeps them at hand (memory). */
  records?(collection: string): readonly StoredRecord[];
  count(collection: string): number;
  /** Applies every change or none. */
  apply(changes: Change[]): void;
  stats(collection: string): CollectionStats;
  check(): Problem[];
  backup?(path: string): void;
  close(): void;
}

type Layer = Map<string, Map<string, StoredRecord | null>>;

/** A synchronous backend over a RecordStore, with buffered, nestable transactions. */
export class BufferedBackend implements SyncBackend {
  readonly kind: string;
  readonly location: string;
  readonly canBackup: boolean;
  #store: RecordStore;
  #layers: Layer[] = [];
  #catalog: Map<string, NormalizedOptions>;
  // The catalog as each open transaction found it (one per layer).
  #catalogs: Map<string, NormalizedOptions>[] = [];
  #columns = new ColumnCache();
  #search = new BufferedSearch();

  constructor(store: RecordStore) {
    this.#store = store;
    this.kind = store.kind;
    this.location = store.location;
    this.canBackup = store.backup !== undefined;
    this.#catalog = new Map(store.readCatalog().map((entry) => [entry.name, entry.options]));
  }

  collections(): CatalogEntry[] {
    return catalogEntries(this.#catalog);
  }

  // A change of search options rebuilds the memory index at the next search (without progress
  // reports: `reindex()` builds it at once and reports).
  // Inside a transaction the catalog is written at the outermost commit, and a rollback takes
  // the change back, as SQLite does with its catalog table.
  ensureCollection(name: string, options: NormalizedOptions): void {
    const next = new Map(this.#catalog).set(name, options);
    if (this.#layers.length === 0) this.#store.writeCatalog(catalogEntries(next));
    this.#catalog = next;
  }

  get(collection: string, id: string): StoredEntry | undefined {
    const record = this.#read(collection, id);
    return record && decode(collection, record);
  }

  put(collection: string, request: PutRequest): Meta {
    const current = this.#read(collection, request.id);
    checkRev(collection, request.id, current, request.ifRev);
    const record: StoredRecord = {
      id: request.id,
      rev: current ? current.rev + 1 : 1,
      createdAt: current ? current.createdAt : request.now,
      updatedAt: request.now,
      data: request.data,
    };
    this.#write(collection, request.id, record);
    return {
      id: record.id,
      rev: record.rev,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }

  putMany(collection: string, requests: readonly PutRequest[]): Meta[] {
    return requests.map((request) => this.put(collection, request));
  }

  restoreMany(
    collection: string,
    requests: readonly RestoreRequest[],
    mode: RestoreMode,
  ): boolean[] {
    return requests.map((request) => this.restore(collection, request, mode));
  }

  restore(collection: string, request: RestoreRequest, mode: RestoreMode): boolean {
    if (mode === "skip" && this.#read(collection, request.id) !== undefined) return false;
    this.#write(collection, request.id, { ...request });
    return true;
  }

  delete(collection: string, id: string, ifRev?: number): boolean {
    const current = this.#read(collection, id);
    if (ifRev !== undefined) checkRev(collection, id, current, ifRev);
    if (current === undefined) return false;
    this.#write(collection, id, null);
    return true;
  }

  count(collection: string, filter?: Filter): number {
    if (filter === undefined || isMatchAll(filter)) {
      return this.#hasPending(collection)
        ? this.#visibleIds(collection).length
        : this.#store.count(collection);
    }
    return this.#scan(collection, filter);
  }

  find(collection: string, request: FindRequest): StoredEntry[] {
    const sorter = compileSort(request.sort);
    const after = request.after;
    const hits: { record: StoredRecord; key: CursorValue[] }[] = [];
    // Without a sort the scan runs in id order already, so it can stop at the limit.
    const unsorted = request.sort.length === 0;
    this.#scan(collection, request.filter, (record, entry) => {
      const key = sorter.key(entry);
      if (after !== undefined && sorter.compare(key, after) <= 0) return;
      hits.push({ record, key });
      return unsorted && hits.length >= request.limit;
    });
    if (!unsorted) hits.sort((a, b) => sorter.compare(a.key, b.key));
    return hits.slice(0, request.limit).map(({ record }) => decode(collection, record));
  }

  deleteMany(collection: string, filter: Filter): number {
    if (isMatchAll(filter)) return this.clear(collection);
    const ids: string[] = [];
    this.#scan(collection, filter, (record) => {
      ids.push(record.id);
    });
    this.#writeAll(collection, ids);
    return ids.length;
  }

  explain(_collection: string, request: FindRequest): Explain {
    const sorted = request.sort.length > 0 ? ", then sort the matches" : " in id order";
    const columns = this.#store.records === undefined
      ? ""
      : " (over cached columns of the filtered fields once the collection is scanned again " +
        "with no write in between)";
    return {
      backend: this.kind,
      plan: [`scan every document and evaluate the filter in memory${columns}${sorted}`],
      indexes: [],
    };
  }

  page(collection: string, request: PageRequest): StoredEntry[] {
    const ids = this.#hasPending(collection)
      ? this.#visibleIds(collection)
      : this.#store.ids(collection);
    let start = 0;
    if (request.after !== undefined) {
      // The first id after `after`.
      start = idPosition(ids, request.after);
      if (ids[start] === request.after) start++;
    }
    const entries: StoredEntry[] = [];
    for (let i = start; i < ids.length && entries.length < request.limit; i++) {
      const id = ids[i];
      if (id === undefined) break; // not reached: i < ids.length
      try {
        // A damaged file fails at the read already (the file store checks what it reads).
        const record = this.#read(collection, id);
        if (record !== undefined) entries.push(decode(collection, record));
      } catch (error) {
        const corrupt = error instanceof QuireError && error.code === "CORRUPT";
        if (!request.skipCorrupt || !corrupt) throw error;
      }
    }
    return entries;
  }

  clear(collection: string): number {
    const ids = this.#hasPending(collection)
      ? this.#visibleIds(collection)
      : [...this.#store.ids(collection)];
    this.#writeAll(collection, ids);
    return ids.length;
  }

  search(collection: string, request: SearchRequest): SearchResult {
    const options = this.#searchOptions(collection);
    if (request.raw) {
      throw new QuireError(
        "UNSUPPORTED",
        `The ${this.kind} backend has no FTS5: raw FTS5 queries need the SQLite backend`,
      );
    }
    return this.#search.search(collection, options, request, {
      committed: () => this.#committedEntries(collection),
      count: () => this.#store.count(collection),
      pending: this.#hasPending(collection),
      changes: () => this.#changes(collection),
      entry: (id) => {
        const record = this.#read(collection, id);
        return record && (record.queryEntry ?? queryEntryOf(collection, record));
      },
      decode: (entry) => decode(collection, this.#read(collection, entry.id)!),
    });
  }

  reindex(collection: string, progress?: IndexProgress): void {
    const options = this.#searchOptions(collection);
    this.#search.rebuild(collection, options, [...this.#committedEntries(collection)], progress);
  }

  optimize(collection: string): void {
    // An in-memory index has no segments to merge.
    this.#searchOptions(collection);
  }

  begin(): void {
    this.#layers.push(new Map());
    this.#catalogs.push(this.#catalog);
  }

  commit(): void {
    const top = this.#layers.at(-1);
    if (top === undefined) throw new QuireError("STORAGE", "Cannot commit: no transaction is open");
    const below = this.#layers.at(-2);
    if (below !== undefined) {
      for (const [collection, changes] of top) {
        const target = below.get(collection) ?? below.set(collection, new Map()).get(collection)!;
        for (const [id, record] of changes) target.set(id, record);
      }
    } else {
      const changes: Change[] = [];
      for (const [collection, records] of top) {
        for (const [id, record] of records) changes.push({ collection, id, record });
      }
      // If this throws, the layer stays for the caller's rollback, as in SQLite. The catalog
      // goes first: a crash in between leaves an empty collection, never unlisted documents.
      const before = this.#catalogs[0];
      const catalogChanged = this.#catalog !== before;
      if (catalogChanged) this.#store.writeCatalog(catalogEntries(this.#catalog));
      try {
        if (changes.length > 0) this.#apply(changes);
      } catch (error) {
        if (catalogChanged && before !== undefined) {
          try {
            this.#store.writeCatalog(catalogEntries(before));
          } catch {
            // The first error is the one to report; the catalog then lists an empty collection.
          }
        }
        throw error;
      }
    }
    this.#layers.pop();
    this.#catalogs.pop();
  }

  rollback(): void {
    if (this.#layers.pop() === undefined) {
      throw new QuireError("STORAGE", "Cannot roll back: no transaction is open");
    }
    this.#catalog = this.#catalogs.pop()!;
  }

  backup(path: string): void {
    if (this.#store.backup === undefined) {
      throw new QuireError(
        "UNSUPPORTED",
        `The ${this.kind} backend cannot make a backup of its own`,
      );
    }
    this.#store.backup(path);
  }

  stats(collection: string): CollectionStats {
    if (!this.#hasPending(collection)) return this.#store.stats(collection);
    // Inside a transaction that wrote to the collection: what the transaction sees.
    const ids = this.#visibleIds(collection);
    let bytes = 0;
    for (const id of ids) bytes += utf8Length(this.#read(collection, id)?.data ?? "");
    return { count: ids.length, bytes };
  }

  check(): Problem[] {
    return this.#store.check();
  }

  close(): void {
    this.#layers = [];
    this.#catalogs = [];
    this.#columns.clear();
    this.#search.clear();
    this.#store.close();
  }

  #read(collection: string, id: string): StoredRecord | undefined {
    for (let i = this.#layers.length - 1; i >= 0; i--) {
      const record = this.#layers[i]?.get(collection)?.get(id);
      if (record !== undefined) return record ?? undefined;
    }
    return this.#store.read(collection, id);
  }

  /** Deletes `ids` at once: one atomic batch outside a transaction. */
  #writeAll(collection: string, ids: readonly string[]): void {
    if (ids.length === 0) return;
    if (this.#layers.length === 0) {
      this.#apply(ids.map((id) => ({ collection, id, record: null })));
    } else {
      for (const id of ids) this.#write(collection, id, null);
    }
  }

  /**
   * Calls `visit` for every visible record that matches `filter`, in id order, with its query
   * entry (the document parsed once per record and kept with it); `visit` returns true to stop.
   * Returns how many records matched, up to the stop.
   */
  #scan(
    collection: string,
    filter: Filter,
    visit?: (record: StoredRecord, entry: QueryEntry) => boolean | void,
  ): number {
    // Compiled first in any case: it refuses an invalid filter before anything is cached.
    const matches = compileFilter(filter);
    let count = 0;
    if (!this.#hasPending(collection) && this.#store.records !== undefined) {
      // The fast path (memory, outside a transaction): an array of records, no lookups.
      const records = this.#store.records(collection);
      const entryOf = (record: StoredRecord) =>
        record.queryEntry ?? queryEntryOf(collection, record);
      const rowFilter = this.#columns.rowFilter(collection, filter, () => records.map(entryOf));
      if (rowFilter !== undefined) {
        scanRows(rowFilter, records.length, (rows, length) => {
          if (visit === undefined) {
            count += length;
            return;
          }
          for (let k = 0; k < length; k++) {
            const record = records[rows[k] ?? -1];
            if (record === undefined) continue; // not reached: rows index records
            count++;
            if (visit(record, entryOf(record))) return true;
          }
        });
        return count;
      }
      for (const record of records) {
        const entry = entryOf(record);
        if (!matches(entry)) continue;
        count++;
        if (visit?.(record, entry)) return count;
      }
      return count;
    }
    const ids = this.#hasPending(collection)
      ? this.#visibleIds(collection)
      : this.#store.ids(collection);
    for (const id of ids) {
      const record = this.#read(collection, id);
      if (record === undefined) continue;
      const entry = record.queryEntry ?? queryEntryOf(collection, record);
      if (!matches(entry)) continue;
      count++;
      if (visit?.(record, entry)) return count;
    }
    return count;
  }

  /**
   * Applies changes to the store, dropping the columns of the collections they touch and
   * bringing their search indexes up to date.
   */
  #apply(changes: Change[]): void {
    for (const { collection } of changes) this.#columns.forget(collection);
    this.#store.apply(changes);
    for (const { collection, id, record } of changes) {
      this.#search.applied(
        collection,
        id,
        record && {
          rev: record.rev,
          doc: () => (record.queryEntry ?? queryEntryOf(collection, record)).doc,
        },
      );
    }
  }

  /** Every committed entry of the collection (a transaction's writes aside), in id order. */
  *#committedEntries(collection: string): Iterable<QueryEntry> {
    if (this.#store.records !== undefined) {
      for (const record of this.#store.records(collection)) {
        yield record.queryEntry ?? queryEntryOf(collection, record);
      }
      return;
    }
    for (const id of this.#store.ids(collection)) {
      const record = this.#store.read(collection, id);
      if (record !== undefined) yield record.queryEntry ?? queryEntryOf(collection, record);
    }
  }

  /** The open transaction's writes to the collection: the last of each id (`null`: deleted). */
  #changes(collection: string): Map<string, QueryEntry | null> {
    const changes = new Map<string, QueryEntry | null>();
    for (const layer of this.#layers) {
      for (const [id, record] of layer.get(collection) ?? []) {
        changes.set(id, record && (record.queryEntry ?? queryEntryOf(collection, record)));
      }
    }
    return changes;
  }

  /** The collection's search options; `UNSUPPORTED` when it has none. */
  #searchOptions(collection: string): SearchOptions {
    return requireSearchOptions(collection, this.#catalog.get(collection)?.search);
  }

  #write(collection: string, id: string, record: StoredRecord | null): void {
    const top = this.#layers.at(-1);
    if (top === undefined) {
      this.#apply([{ collection, id, record }]);
      return;
    }
    const changes = top.get(collection) ?? top.set(collection, new Map()).get(collection)!;
    changes.set(id, record);
  }

  #hasPending(collection: string): boolean {
    return this.#layers.some((layer) => layer.has(collection));
  }

  /** Ids visible inside the transaction, in code point order. */
  #visibleIds(collection: string): string[] {
    const visible = new Set(this.#store.ids(collection));
    for (const layer of this.#layers) {
      for (const [id, record] of layer.get(collection) ?? []) {
        if (record === null) visible.delete(id);
        else visible.add(id);
      }
    }
    return [...visible].sort(compareCodePoints);
  }
}

function checkRev(
  collection: string,
  id: string,
  current: StoredRecord | undefined,
  ifRev?: number,
): void {
  if (ifRev === undefined) return;
  const found = current?.rev ?? 0;
  if (found !== ifRev) throw conflict(collection, id, ifRev, found);
}

/** Parses a record for filters and keeps the result with it. */
function queryEntryOf(collection: string, record: StoredRecord): QueryEntry {
  record.queryEntry = decode(collection, record);
  return record.queryEntry;
}

/** The record as an entry to hand out, with a fresh document. */
function decode(collection: string, record: StoredRecord): StoredEntry {
  const { id, rev, createdAt, updatedAt, data } = record;
  return decodeEntry(collection, id, rev, createdAt, updatedAt, data);
}

function catalogEntries(catalog: Map<string, NormalizedOptions>): CatalogEntry[] {
  return [...catalog].map(([name, options]) => ({ name, options }));
}
