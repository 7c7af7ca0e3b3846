/**
 * The Store: a set of collections on one backend. It owns the rules every backend shares:
 * one operation at a time on the backend, transactions that span awaits (every call made inside
 * the callback joins them, found through AsyncLocalStorage), read-only mode, closing, and the
 * whole-store jobs (export, import, backup, stats, check).
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync } from "node:fs";
import type { Backend, Problem, RestoreMode } from "./backends/backend.ts";
import { openSqliteBackend } from "./backends/sqlite/sqlite_backend.ts";
import { type Access, Collection, type CollectionHost } from "./collection.ts";
import {
  type CollectionOptions,
  type NormalizedOptions,
  normalizeOptions,
  sameOptions,
} from "./collection_options.ts";
import type { Document } from "./document.ts";
import { QuireError, quote } from "./errors.ts";
import {
  type ImportOptions,
  type ImportRecord,
  importRecords,
  type ImportResult,
  type ImportSource,
} from "./import.ts";
import { Lock } from "./lock.ts";
import { checkCollectionName, checkFilePath, isValidId } from "./names.ts";
import { forEachRef, type Ref } from "./refs.ts";

/** One document as `export()` yields it and `import()` takes it. */
export interface ExportRecord {
  /** The collection's name. */
  collection: string;
  /** The document's id. */
  id: string;
  /** The document's revision: 1 on the first write, one more on each. */
  rev: number;
  /** When the document was first written: ISO-8601 UTC with milliseconds. */
  createdAt: string;
  /** When the document was last written: ISO-8601 UTC with milliseconds. */
  updatedAt: string;
  /** The document. */
  doc: Document;
}

/** Options of {@linkcode Store.export} and `exportNdjson`. */
export interface ExportOptions {
  /** Export only these collections (each must exist). @default every collection */
  collections?: string[] | undefined;
}

/** What `stats()` reports. */
export interface StoreStats {
  /** The backend: `sqlite`, `memory`, `file`... */
  backend: string;
  /** Where the data is: a file or directory path, or `:memory:`. */
  location: string;
  /** Per collection: its document count and the UTF-8 bytes of its stored JSON. */
  collections: Record<string, { count: number; bytes: number }>;
  /** Backend figures: for SQLite the version, journal mode, synchronous, page counts, sizes. */
  storage: Record<string, number | string>;
}

/** What `check()` reports; `ok` when nothing is wrong. */
export interface CheckReport {
  /** True when no problem was found. */
  ok: boolean;
  /** How many documents were checked. */
  documents: number;
  /** What was found wrong (corrupt documents, dangling references). */
  problems: Problem[];
}

/** Settings the Store applies on top of any backend. */
export interface StoreSettings {
  readonly: boolean;
  maxDocumentBytes: number;
  onIndexProgress?: ((progress: IndexProgressEvent) => void) | undefined;
}

/** How far a search index (re)build got. */
export interface IndexProgressEvent {
  /** The collection whose index is being built. */
  collection: string;
  /** Documents indexed so far. */
  indexed: number;
  /** Documents to index. */
  total: number;
}

/** The object a transaction callback receives: collections inside the transaction. */
export type Transaction = Pick<Store, "collection" | "transaction">;

interface TransactionContext {
  active: boolean;
  // Serialises nested transactions started side by side inside this one.
  nested: Lock;
}

const EXPORT_PAGE = 500;

/** A store of collections. Get one from `open()`. */
export class Store implements AsyncDisposable {
  #backend: Backend;
  #settings: StoreSettings;
  #closed = false;
  #lock = new Lock();
  #context = new AsyncLocalStorage<TransactionContext>();
  #collections = new Map<string, Collection<Document>>();
  // Options asked for by collection(), by name, until they are written to the catalog.
  #wanted = new Map<string, NormalizedOptions>();
  // The catalog as last read from (or written to) the backend.
  #catalog = new Map<string, NormalizedOptions>();
  #host: CollectionHost;

  /** @internal Use `open()`. */
  constructor(backend: Backend, settings: StoreSettings) {
    this.#backend = backend;
    this.#settings = settings;
    this.#readCatalog();
    this.#host = {
      maxDocumentBytes: settings.maxDocumentBytes,
      run: (name, access, fn, whenMissing) =>
        this.#run(access !== "read", () => this.#use(name, access, fn, whenMissing)),
      transaction: (fn) => this.transaction(fn),
      optionsOf: (name) => this.#catalog.get(name),
      loadRef: (ref: Ref) => {
        // A reference is data a document holds: its id may be one no document can have.
        if (!this.#catalog.has(ref.$ref) || !isValidId(ref.$id)) return undefined;
        return this.#backend.get(ref.$ref, ref.$id)?.doc;
      },
    };
  }

  /** The backend's kind: `"sqlite"`, `"memory"` or `"file"`. */
  get backend(): string {
    return this.#backend.kind;
  }

  /** Whether writes are refused. */
  get readonly(): boolean {
    return this.#settings.readonly;
  }

  /**
   * A collection. Options given here are persisted (on the next operation), so another
   * process opening the same data sees them; without options, the persisted ones apply.
   *
   * @param name Matches `^[A-Za-z][A-Za-z0-9_-]{0,63}$`.
   * @param options Collection options.
   * @throws {QuireError} `INVALID_NAME`, `INVALID_OPTION`.
   */
  collection<T extends object = Document>(
    name: string,
    options?: CollectionOptions,
  ): Collection<T> {
    checkCollectionName(name);
    if (options !== undefined) this.#wanted.set(name, normalizeOptions(options));
    let collection = this.#collections.get(name);
    if (collection === undefined) {
      collection = new Collection(name, this.#host);
      this.#collections.set(name, collection);
    }
    return collection as unknown as Collection<T>;
  }

  /** Names and options of every collection, in name order. */
  async collections(): Promise<{ name: string; options: NormalizedOptions }[]> {
    return await this.#run(false, () => {
      this.#readCatalog();
      return [...this.#catalog].map(([name, options]) => ({ name, options })).sort((a, b) =>
        compareNames(a.name, b.name)
      );
    });
  }

  /**
   * Runs `fn` in one transaction: every store call made inside it (through `tx` or any
   * collection of this store) joins it, and either all of them take effect or none. Nested
   * calls become savepoints of the outer transaction. Other callers wait until it ends.
   *
   * @example
   * ```ts
   * import { open } from "quire";
   * const store = await open("memory://");
   * await store.transaction(async (tx) => {
   *   const accounts = tx.collection("accounts");
   *   await accounts.put("a", { balance: 50 });
   *   await accounts.put("b", { balance: 150 });
   * });
   * ```
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T): Promise<T> {
    this.#checkOpen();
    if (typeof fn !== "function") {
      throw new QuireError("INVALID_OPTION", "Cannot run a transaction: expected a function");
    }
    const outer = this.#context.getStore();
    if (outer?.active) {
      await outer.nested.acquire();
      try {
        return await this.#runTransaction(fn);
      } finally {
        outer.nested.release();
      }
    }
    await this.#lock.acquire();
    try {
      this.#checkOpen();
      return await this.#runTransaction(fn);
    } finally {
      this.#lock.release();
    }
  }

  /**
   * Every document of every collection (or of `options.collections`), collection by collection
   * in id order, read a page at a time (constant memory). Not a snapshot: documents written
   * meanwhile may or may not appear.
   *
   * @throws {QuireError} `INVALID_NAME` or `NOT_FOUND` for a named collection that cannot be or
   *   is not in the store, before any record.
   */
  async *export(options: ExportOptions = {}): AsyncGenerator<ExportRecord> {
    const names = (await this.exportedCollections(options)).map((entry) => entry.name);
    for (const collection of names) {
      let after: string | undefined;
      for (;;) {
        const page = await this.#run(
          false,
          () => this.#backend.page(collection, { after, limit: EXPORT_PAGE }),
        );
        for (const entry of page) yield { collection, ...entry } as ExportRecord;
        if (page.length < EXPORT_PAGE) break;
        after = page.at(-1)?.id;
      }
    }
  }

  /**
   * The collections an export with `options` covers, with their options, in the order of
   * {@linkcode collections}.
   *
   * @throws {QuireError} `INVALID_NAME` or `NOT_FOUND` for a named collection that cannot be or
   *   is not in the store.
   */
  async exportedCollections(
    options: ExportOptions = {},
  ): Promise<{ name: string; options: NormalizedOptions }[]> {
    const all = await this.collections();
    if (options.collections === undefined) return all;
    const wanted = new Set(options.collections.map((name) => checkCollectionName(name)));
    for (const name of wanted) {
      if (!all.some((entry) => entry.name === name)) {
        throw new QuireError("NOT_FOUND", `No collection ${quote(name)}`);
      }
    }
    return all.filter((entry) => wanted.has(entry.name));
  }

  /**
   * Imports records (objects as `export()` yields them) or NDJSON (a string, or chunks of text or
   * bytes as a stream gives them; a header line sets collection options). Records are checked
   * one by one: a bad one is reported in `failed` with its line number and the rest go on.
   * Good records are written in batches, each batch in one transaction.
   */
  async import(source: ImportSource, options: ImportOptions = {}): Promise<ImportResult> {
    this.#checkOpen();
    if (this.#settings.readonly) throw readOnly();
    return await importRecords(source, options, {
      maxDocumentBytes: this.#settings.maxDocumentBytes,
      ensure: (name, collectionOptions) =>
        this.#run(true, () => {
          if (!this.#catalog.has(name)) this.#writeCatalog(name, collectionOptions ?? {});
        }),
      writeBatch: (batch, mode) =>
        this.transaction(() =>
          this.#run(
            true,
            () => restoreBatch(this.#backend, batch, mode),
          )
        ),
    });
  }

  /**
   * Writes a consistent copy of the store to `path`, which `open()` can read: a SQLite database
   * for the SQLite and memory backends, a directory for the file backend.
   */
  async backup(path: string): Promise<void> {
    checkFilePath(path, "back up");
    if (this.#backend.kind !== "memory") {
      await this.#run(false, () => this.#backend.backup(path));
      return;
    }
    // The memory backend has no format of its own to write: its copy is a SQLite database.
    if (existsSync(path)) {
      throw new QuireError("STORAGE", `Cannot back up to "${path}": it already exists`);
    }
    const target = await openSqliteBackend(path);
    try {
      await this.#run(false, () => {
        target.begin();
        for (const { name, options } of this.#backend.collections()) {
          target.ensureCollection(name, options);
          let after: string | undefined;
          for (;;) {
            const page = this.#backend.page(name, { after, limit: EXPORT_PAGE });
            for (const { doc, ...meta } of page) {
              target.restore(name, { ...meta, data: JSON.stringify(doc) }, "replace");
            }
            if (page.length < EXPORT_PAGE) break;
            after = page.at(-1)?.id;
          }
        }
        target.commit();
      });
    } finally {
      target.close();
    }
  }

  /** Per-collection document counts and bytes. */
  async stats(): Promise<StoreStats> {
    return await this.#run(false, () => {
      this.#readCatalog();
      const collections: StoreStats["collections"] = {};
      for (const name of [...this.#catalog.keys()].sort()) {
        collections[name] = this.#backend.stats(name);
      }
      const storage = this.#backend.storageStats?.() ?? {};
      return {
        backend: this.#backend.kind,
        location: this.#backend.location,
        collections,
        storage,
      };
    });
  }

  /**
   * Checks the storage (SQLite's integrity check, every document decodes) and every reference
   * (dangling ones are reported).
   */
  async check(): Promise<CheckReport> {
    return await this.#run(false, () => {
      const problems = this.#backend.check();
      let documents = 0;
      // In name order, as export goes, so that every backend lists the problems in one order.
      const names = this.#backend.collections().map((entry) => entry.name).sort(compareNames);
      for (const name of names) {
        // Documents that do not decode were reported by the backend's check; skip them here.
        let after: string | undefined;
        for (;;) {
          const page = this.#backend.page(name, { after, limit: EXPORT_PAGE, skipCorrupt: true });
          if (page.length === 0) break;
          for (const entry of page) {
            documents++;
            forEachRef(entry.doc, (ref) => {
              const target = this.#catalog.has(ref.$ref) && isValidId(ref.$id);
              if (target && this.#backend.has(ref.$ref, ref.$id)) return;
              problems.push({
                code: "DANGLING_REF",
                collection: name,
                id: entry.id,
                message: `References ${ref.$ref}/${JSON.stringify(ref.$id)}, which does not exist`,
              });
            });
          }
          after = page.at(-1)?.id;
        }
      }
      return { ok: problems.length === 0, documents, problems };
    });
  }

  /** Closes the store after any running transaction; later calls fail with `CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#lock.acquire();
    try {
      if (this.#closed) return;
      this.#closed = true;
      this.#backend.close();
    } finally {
      this.#lock.release();
    }
  }

  /** Closes the store (`await using store = await open(...)`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Runs one synchronous backend job, after any transaction other than the caller's. Not an
   * async function: on the fast path (no lock to wait for) it costs one resolved promise.
   */
  #run<T>(write: boolean, fn: () => T): Promise<T> {
    try {
      this.#checkOpen();
      if (write && this.#settings.readonly) throw readOnly();
      if (this.#context.getStore()?.active || !this.#lock.held) return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#runAfterLock(fn);
  }

  async #runAfterLock<T>(fn: () => T): Promise<T> {
    await this.#lock.acquire();
    try {
      this.#checkOpen();
      return fn();
    } finally {
      this.#lock.release();
    }
  }

  async #runTransaction<T>(fn: (tx: Transaction) => Promise<T> | T): Promise<T> {
    const context: TransactionContext = { active: true, nested: new Lock() };
    this.#backend.begin();
    let result: T;
    try {
      result = await this.#context.run(context, () => fn(this));
      context.active = false;
      this.#backend.commit();
    } catch (error) {
      context.active = false;
      this.#backend.rollback();
      // Catalog writes may have been rolled back with it.
      this.#readCatalog();
      throw error;
    }
    return result;
  }

  /**
   * Runs `fn` once the collection has the wanted options. A collection that does not exist is
   * created for `"create"`; otherwise nothing is created and `whenMissing()` answers.
   */
  #use<T>(name: string, access: Access, fn: (backend: Backend) => T, whenMissing?: () => T): T {
    const wanted = this.#wanted.get(name);
    const current = this.#catalog.get(name);
    if (current === undefined && access !== "create" && whenMissing !== undefined) {
      return whenMissing();
    }
    // What the catalog needs first: a new collection, or options that changed.
    let options: NormalizedOptions | undefined;
    if (current === undefined) options = wanted ?? {};
    else if (wanted !== undefined && !this.#settings.readonly) {
      if (sameOptions(wanted, current)) this.#wanted.delete(name);
      else options = wanted;
    }
    if (options === undefined) return fn(this.#backend);
    // The catalog is written in one transaction with the call that needs it, so that a refused
    // write (a CONFLICT, say) leaves neither an empty collection nor changed options behind.
    this.#backend.begin();
    try {
      this.#writeCatalog(name, options);
      const result = fn(this.#backend);
      this.#backend.commit();
      this.#wanted.delete(name);
      return result;
    } catch (error) {
      this.#backend.rollback();
      this.#readCatalog();
      throw error;
    }
  }

  #writeCatalog(name: string, options: NormalizedOptions): void {
    const listener = this.#settings.onIndexProgress;
    this.#backend.ensureCollection(
      name,
      options,
      listener && ((indexed, total) => listener({ collection: name, indexed, total })),
    );
    this.#catalog.set(name, options);
  }

  #readCatalog(): void {
    this.#catalog = new Map(
      this.#backend.collections().map((entry) => [entry.name, entry.options]),
    );
  }

  #checkOpen(): void {
    if (this.#closed) throw new QuireError("CLOSED", "The store is closed");
  }
}

/** Collection names are ASCII: code unit order is their order. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function readOnly(): QuireError {
  return new QuireError("READ_ONLY", "The store is read-only: writes are refused");
}

/**
 * Writes an import batch: each run of records of one collection with one `restoreMany` (one
 * statement on SQLite, so that a search index is flushed once per run, not once per record).
 */
function restoreBatch(backend: Backend, batch: ImportRecord[], mode: RestoreMode): boolean[] {
  const written: boolean[] = [];
  for (let start = 0; start < batch.length;) {
    const first = batch[start];
    if (first === undefined) break; // not reached: start < batch.length
    const { collection } = first;
    let end = start + 1;
    while (end < batch.length && batch[end]?.collection === collection) end++;
    for (const ok of backend.restoreMany(collection, batch.slice(start, end), mode)) {
      written.push(ok);
    }
    start = end;
  }
  return written;
}
