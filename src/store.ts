/**
 * The Store: a set of collections on one backend (src/backend/contract.ts). It owns the rules
 * every backend shares: transactions that span awaits (every call made inside the callback runs
 * on the transaction's handle, found through AsyncLocalStorage), nested transactions one at a
 * time, the catalog of collections and their options, read-only mode, closing, and the
 * whole-store jobs (export, import, backup, stats, check). Whether calls from outside a
 * transaction wait for it is the backend's part: one-writer engines make them wait.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync } from "node:fs";
import type { Awaitable, Backend, Connection } from "./backend/contract.ts";
import { capability } from "./backend/capability.ts";
import { entriesOf } from "./backend/entries_of.ts";
import type { CatalogEntry, Problem, RestoreMode } from "./backend/types.ts";
import { serialBackend } from "./backends/serial_backend.ts";
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
import type { IndexProgressEvent } from "./index_progress.ts";
import { Lock } from "./lock.ts";
import { checkCollectionName, checkFilePath, isValidId } from "./names.ts";
import { forEachRef } from "./refs.ts";

export type { IndexProgressEvent };

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

/** The object a transaction callback receives: collections inside the transaction. */
export type Transaction = Pick<Store, "collection" | "transaction">;

interface TransactionContext {
  /** The transaction's handle: the calls made inside it run on it. */
  tx: Connection;
  /** False once the transaction has ended: a call made later runs outside it. */
  active: boolean;
  // Serialises nested transactions started side by side inside this one.
  nested: Lock;
}

/**
 * Opens a Store on an opened backend, reading its catalog first.
 * @internal Use `open()`.
 */
export async function openStore(backend: Backend, settings: StoreSettings): Promise<Store> {
  return new Store(backend, settings, await backend.collections());
}

/** A store of collections. Get one from `open()`. */
export class Store implements AsyncDisposable {
  #backend: Backend;
  #settings: StoreSettings;
  #closed = false;
  #closing: Promise<void> | undefined;
  #context = new AsyncLocalStorage<TransactionContext>();
  #collections = new Map<string, Collection<Document>>();
  // Options asked for by collection(), by name, until they are written to the catalog.
  #wanted = new Map<string, NormalizedOptions>();
  // The catalog as last read from (or written to) the backend.
  #catalog: Map<string, NormalizedOptions>;
  // Catalog changes under way outside a transaction, by collection: when each has ended.
  #catalogChanges = new Map<string, Promise<void>>();
  #host: CollectionHost;

  /** @internal Use `open()`. */
  constructor(backend: Backend, settings: StoreSettings, catalog: readonly CatalogEntry[]) {
    this.#backend = backend;
    this.#settings = settings;
    this.#catalog = catalogMap(catalog);
    this.#host = {
      maxDocumentBytes: settings.maxDocumentBytes,
      run: (name, access, fn, whenMissing) =>
        this.#run(access !== "read", (conn) => this.#use(conn, name, access, fn, whenMissing)),
      transaction: (fn) => this.transaction(fn),
      optionsOf: (name) => this.#catalog.get(name),
      loadRef: (conn, ref) => {
        // A reference is data a document holds: its id may be one no document can have.
        if (!this.#catalog.has(ref.$ref) || !isValidId(ref.$id)) return undefined;
        const entry = conn.get(ref.$ref, ref.$id);
        return entry instanceof Promise ? entry.then((found) => found?.doc) : entry?.doc;
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
    return await this.#run(false, async (conn) => {
      await this.#readCatalog(conn);
      return [...this.#catalog].map(([name, options]) => ({ name, options })).sort((a, b) =>
        compareNames(a.name, b.name)
      );
    });
  }

  /**
   * Runs `fn` in one transaction: every store call made inside it (through `tx` or any
   * collection of this store) joins it, and either all of them take effect or none. Nested
   * calls become savepoints of the outer transaction. On SQLite, memory and file, other callers
   * wait until it ends. On Postgres transactions run side by side, as SERIALIZABLE: one that
   * conflicts with another is run again (`fn` too, up to 10 times) before `BUSY` reaches the
   * caller, so keep side effects other than the store's out of `fn`.
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
    if (!outer?.active) return await this.#runTransaction(this.#backend, fn);
    await outer.nested.acquire();
    try {
      return await this.#runTransaction(outer.tx, fn);
    } finally {
      outer.nested.release();
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
      const pages = entriesOf((request) =>
        this.#run(false, (conn) => conn.page(collection, request))
      );
      for await (const page of pages) {
        for (const entry of page) yield { collection, ...entry } as ExportRecord;
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
        this.#run(true, async (conn) => {
          if (!this.#catalog.has(name)) {
            await this.#writeCatalog(conn, name, collectionOptions ?? {});
          }
        }),
      writeBatch: (batch, mode) =>
        this.transaction(() => this.#run(true, (conn) => restoreBatch(conn, batch, mode))),
    });
  }

  /**
   * Writes a consistent copy of the store to `path`, which `open()` can read: a SQLite database
   * for the SQLite and memory backends, a directory for the file backend.
   *
   * @throws {QuireError} `UNSUPPORTED` inside a transaction.
   */
  async backup(path: string): Promise<void> {
    checkFilePath(path, "back up");
    this.#outsideTransaction("back up");
    const own = this.#backend.backup;
    if (own !== undefined) {
      await this.#run(false, () => own.backup(path));
      return;
    }
    // A backend without a format of its own to copy to (memory) is copied into a new SQLite
    // database, from one transaction so that the copy is consistent.
    if (existsSync(path)) {
      throw new QuireError("STORAGE", `Cannot back up to "${path}": it already exists`);
    }
    const target = serialBackend(await openSqliteBackend(path));
    try {
      await this.#run(false, (conn) => conn.transaction((source) => copyAll(source, target)));
    } finally {
      await target.close();
    }
  }

  /**
   * Per-collection document counts and bytes, and the backend's figures about its storage.
   *
   * @throws {QuireError} `UNSUPPORTED` for a backend that keeps no figures.
   */
  async stats(): Promise<StoreStats> {
    return await this.#run(false, async (conn) => {
      const stats = capability(conn, "stats");
      await this.#readCatalog(conn);
      const collections: StoreStats["collections"] = {};
      for (const name of [...this.#catalog.keys()].sort()) {
        collections[name] = await stats.collection(name);
      }
      return {
        backend: this.#backend.kind,
        location: this.#backend.location,
        collections,
        storage: await stats.storage(),
      };
    });
  }

  /**
   * Checks the storage (SQLite's integrity check, every document decodes) and every reference
   * (dangling ones are reported).
   *
   * @throws {QuireError} `UNSUPPORTED` inside a transaction.
   */
  async check(): Promise<CheckReport> {
    this.#outsideTransaction("check the store");
    const storage = this.#backend.check;
    const problems = storage === undefined ? [] : await this.#run(false, () => storage.check());
    let documents = 0;
    // In name order, as export goes, so that every backend lists the problems in one order.
    const catalog = await this.#run(false, (conn) => conn.collections());
    const names = catalog.map((entry) => entry.name).sort(compareNames);
    for (const name of names) {
      // Documents that do not decode were reported by the backend's check: skip them here.
      const pages = entriesOf(
        (request) => this.#run(false, (conn) => conn.page(name, request)),
        { skipCorrupt: true },
      );
      for await (const page of pages) {
        for (const entry of page) {
          documents++;
          const refs: { $ref: string; $id: string }[] = [];
          forEachRef(entry.doc, (ref) => refs.push(ref));
          for (const ref of refs) {
            const target = this.#catalog.has(ref.$ref) && isValidId(ref.$id) &&
              await this.#run(false, (conn) => conn.get(ref.$ref, ref.$id)) !== undefined;
            if (target) continue;
            problems.push({
              code: "DANGLING_REF",
              collection: name,
              id: entry.id,
              message: `References ${ref.$ref}/${JSON.stringify(ref.$id)}, which does not exist`,
            });
          }
        }
      }
    }
    return { ok: problems.length === 0, documents, problems };
  }

  /** Closes the store after any running transaction; later calls fail with `CLOSED`. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#backend.close();
      } finally {
        this.#closed = true;
      }
    })();
    await this.#closing;
  }

  /** Closes the store (`await using store = await open(...)`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Runs one backend job on the current connection: the open transaction's handle inside
   * `transaction()`, the backend itself outside. Not an async function: on the fast path it
   * costs one resolved promise.
   */
  #run<T>(write: boolean, fn: (conn: Connection) => Awaitable<T>): Promise<T> {
    try {
      this.#checkOpen();
      if (write && this.#settings.readonly) throw readOnly();
      const context = this.#context.getStore();
      return Promise.resolve(fn(context?.active ? context.tx : this.#backend));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #runTransaction<T>(
    on: Connection,
    fn: (tx: Transaction) => Promise<T> | T,
  ): Promise<T> {
    let attempts = 0;
    try {
      return await on.transaction(async (tx) => {
        // A backend may run `fn` again when the engine aborted an attempt for another
        // transaction's sake (Postgres): that attempt's catalog writes were rolled back.
        if (attempts++ > 0) await this.#readCatalog(tx);
        const context: TransactionContext = { tx, active: true, nested: new Lock() };
        try {
          return await this.#context.run(context, () => fn(this));
        } finally {
          context.active = false;
        }
      });
    } catch (error) {
      // Catalog writes may have been rolled back with it.
      await this.#readCatalog(on).catch(() => {});
      throw error;
    }
  }

  /**
   * Runs `fn` once the collection has the wanted options. A collection that does not exist is
   * created for `"create"`; otherwise nothing is created and `whenMissing()` answers.
   */
  #use<T>(
    conn: Connection,
    name: string,
    access: Access,
    fn: (conn: Connection) => Awaitable<T>,
    whenMissing?: () => T,
  ): Awaitable<T> {
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
    if (options === undefined) return fn(conn);
    if (conn !== this.#backend) return this.#useWithCatalog(conn, name, options, fn);
    // Outside a transaction, calls that find the same catalog change to make wait for the first
    // one's, then look again: on a pool (Postgres) they would otherwise all make it at once, and
    // conflict.
    const pending = this.#catalogChanges.get(name);
    if (pending !== undefined) {
      return pending.then(() => this.#use(conn, name, access, fn, whenMissing));
    }
    const result = this.#useWithCatalog(conn, name, options, fn);
    const settled = result.then(() => {}, () => {});
    this.#catalogChanges.set(name, settled);
    void settled.then(() => {
      if (this.#catalogChanges.get(name) === settled) this.#catalogChanges.delete(name);
    });
    return result;
  }

  /**
   * Writes the catalog entry in one transaction with the call that needs it, so that a refused
   * write (a CONFLICT, say) leaves neither an empty collection nor changed options behind.
   */
  async #useWithCatalog<T>(
    conn: Connection,
    name: string,
    options: NormalizedOptions,
    fn: (conn: Connection) => Awaitable<T>,
  ): Promise<T> {
    try {
      // The wanted options stay until a later call finds them in the catalog: this transaction
      // may be a savepoint of one that rolls back or runs again.
      return await conn.transaction(async (tx) => {
        await this.#writeCatalog(tx, name, options);
        return await fn(tx);
      });
    } catch (error) {
      await this.#readCatalog(conn).catch(() => {});
      throw error;
    }
  }

  async #writeCatalog(conn: Connection, name: string, options: NormalizedOptions): Promise<void> {
    const listener = this.#settings.onIndexProgress;
    await conn.ensureCollection(
      name,
      options,
      listener && ((indexed, total) => listener({ collection: name, indexed, total })),
    );
    this.#catalog.set(name, options);
  }

  async #readCatalog(conn: Connection): Promise<void> {
    this.#catalog = catalogMap(await conn.collections());
  }

  /** Refuses calls once closed; while it closes, only the running transaction's go on. */
  #checkOpen(): void {
    if (this.#closed || (this.#closing !== undefined && !this.#context.getStore()?.active)) {
      throw new QuireError("CLOSED", "The store is closed");
    }
  }

  /** Refuses a whole-store job inside a transaction, which it would wait for forever. */
  #outsideTransaction(what: string): void {
    this.#checkOpen();
    if (this.#context.getStore()?.active) {
      throw new QuireError("UNSUPPORTED", `Cannot ${what} inside a transaction`);
    }
  }
}

function catalogMap(entries: readonly CatalogEntry[]): Map<string, NormalizedOptions> {
  return new Map(entries.map((entry) => [entry.name, entry.options]));
}

/** Copies every collection, with its options and its documents' metadata, from one to another. */
async function copyAll(from: Connection, to: Backend): Promise<void> {
  await to.transaction(async (out) => {
    for (const { name, options } of await from.collections()) {
      await out.ensureCollection(name, options);
      for await (const page of entriesOf((request) => from.page(name, request))) {
        const records = page.map(({ doc, ...meta }) => ({ ...meta, data: JSON.stringify(doc) }));
        await out.restoreMany(name, records, "replace");
      }
    }
  });
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
async function restoreBatch(
  conn: Connection,
  batch: ImportRecord[],
  mode: RestoreMode,
): Promise<boolean[]> {
  const written: boolean[] = [];
  for (let start = 0; start < batch.length;) {
    const first = batch[start];
    if (first === undefined) break; // not reached: start < batch.length
    const { collection } = first;
    let end = start + 1;
    while (end < batch.length && batch[end]?.collection === collection) end++;
    for (const ok of await conn.restoreMany(collection, batch.slice(start, end), mode)) {
      written.push(ok);
    }
    start = end;
  }
  return written;
}
