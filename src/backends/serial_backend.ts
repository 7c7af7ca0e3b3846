/**
 * The async backend contract (src/backend/contract.ts) on top of a synchronous engine (memory,
 * file, SQLite): one caller at a time, as an engine with one connection needs.
 *
 * A transaction holds a lock from BEGIN to COMMIT, across the awaits of its callback; calls on
 * the backend itself wait while it is held. When it is free, they run at once and return plain
 * values, not promises: the fast path of a get costs nothing beyond the engine's own work.
 *
 * @module
 */

import type {
  Awaitable,
  Backend,
  BackupCapability,
  CheckCapability,
  Connection,
  ExplainCapability,
  FindCapability,
  SearchCapability,
  StatsCapability,
} from "../backend/contract.ts";
import type {
  CatalogEntry,
  IndexProgress,
  Meta,
  PageRequest,
  PutRequest,
  RestoreMode,
  RestoreRequest,
  StoredEntry,
} from "../backend/types.ts";
import type { NormalizedOptions } from "../collection_options.ts";
import { QuireError } from "../errors.ts";
import { Lock } from "../lock.ts";
import { settled } from "./settled.ts";
import type { SyncBackend } from "./sync_backend.ts";

/** The async contract over `engine`; see the module doc. */
export function serialBackend(engine: SyncBackend): Backend {
  return new SerialBackend(engine);
}

/** The calls of a connection, each passed through `gate` (which may make it wait). */
abstract class SyncConnection implements Connection {
  protected readonly engine: SyncBackend;
  readonly find: FindCapability;
  readonly search: SearchCapability;
  readonly explain: ExplainCapability;
  readonly stats: StatsCapability;

  constructor(engine: SyncBackend) {
    this.engine = engine;
    this.find = {
      find: (collection, request) => this.gate(() => engine.find(collection, request)),
      count: (collection, filter) => this.gate(() => engine.count(collection, filter)),
      deleteMany: (collection, filter) => this.gate(() => engine.deleteMany(collection, filter)),
    };
    this.search = {
      search: (collection, request) => this.gate(() => engine.search(collection, request)),
      reindex: (collection, progress) => this.gate(() => engine.reindex(collection, progress)),
      optimize: (collection) => this.gate(() => engine.optimize(collection)),
    };
    this.explain = {
      explain: (collection, request) => this.gate(() => engine.explain(collection, request)),
    };
    this.stats = {
      collection: (collection) => this.gate(() => engine.stats(collection)),
      storage: () => this.gate(() => engine.storageStats?.() ?? {}),
    };
  }

  /** Runs `fn` on the engine when this connection may: at once, or after a wait. */
  protected abstract gate<T>(fn: () => T): Awaitable<T>;

  collections(): Awaitable<CatalogEntry[]> {
    return this.gate(() => this.engine.collections());
  }

  ensureCollection(
    name: string,
    options: NormalizedOptions,
    progress?: IndexProgress,
  ): Awaitable<void> {
    return this.gate(() => this.engine.ensureCollection(name, options, progress));
  }

  get(collection: string, id: string): Awaitable<StoredEntry | undefined> {
    return this.gate(() => this.engine.get(collection, id));
  }

  put(collection: string, request: PutRequest): Awaitable<Meta> {
    return this.gate(() => this.engine.put(collection, request));
  }

  putMany(collection: string, requests: readonly PutRequest[]): Awaitable<Meta[]> {
    return this.gate(() => this.engine.putMany(collection, requests));
  }

  restoreMany(
    collection: string,
    requests: readonly RestoreRequest[],
    mode: RestoreMode,
  ): Awaitable<boolean[]> {
    return this.gate(() => this.engine.restoreMany(collection, requests, mode));
  }

  delete(collection: string, id: string, ifRev?: number): Awaitable<boolean> {
    return this.gate(() => this.engine.delete(collection, id, ifRev));
  }

  page(collection: string, request: PageRequest): Awaitable<StoredEntry[]> {
    return this.gate(() => this.engine.page(collection, request));
  }

  clear(collection: string): Awaitable<number> {
    return this.gate(() => this.engine.clear(collection));
  }

  abstract transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T>;
}

/** The backend itself: calls wait while a transaction holds the lock. */
class SerialBackend extends SyncConnection implements Backend {
  readonly kind: string;
  readonly location: string;
  readonly backup: BackupCapability | undefined;
  readonly check: CheckCapability;
  #lock = new Lock();
  #closed = false;

  constructor(engine: SyncBackend) {
    super(engine);
    this.kind = engine.kind;
    this.location = engine.location;
    this.backup = engine.canBackup
      ? { backup: (path) => this.gate(() => engine.backup(path)) }
      : undefined;
    this.check = { check: () => this.gate(() => engine.check()) };
  }

  protected gate<T>(fn: () => T): Awaitable<T> {
    if (this.#closed) throw closed();
    if (!this.#lock.held) return fn();
    return this.#later(fn);
  }

  async #later<T>(fn: () => T): Promise<T> {
    await this.#lock.acquire();
    try {
      if (this.#closed) throw closed();
      return fn();
    } finally {
      this.#lock.release();
    }
  }

  async transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T> {
    await this.#lock.acquire();
    try {
      if (this.#closed) throw closed();
      return await runTransaction(this.engine, fn);
    } finally {
      this.#lock.release();
    }
  }

  async close(): Promise<void> {
    await this.#lock.acquire();
    try {
      if (this.#closed) return;
      this.#closed = true;
      this.engine.close();
    } finally {
      this.#lock.release();
    }
  }
}

/** A transaction's handle: its calls run at once, until the transaction ends. */
class SerialTransaction extends SyncConnection {
  ended = false;
  /** Savepoints started on this handle and not ended yet. */
  readonly open = new Set<Promise<unknown>>();

  protected gate<T>(fn: () => T): T {
    if (this.ended) {
      throw new QuireError("CLOSED", "The transaction has ended: its handle cannot be used");
    }
    return fn();
  }

  transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T> {
    // The engine's begin() inside a transaction opens a savepoint.
    const savepoint = this.gate(() => runTransaction(this.engine, fn));
    this.open.add(savepoint);
    const forget = () => this.open.delete(savepoint);
    savepoint.then(forget, forget);
    return savepoint;
  }
}

/**
 * BEGIN, `fn` on a fresh handle, then COMMIT, or ROLLBACK and rethrow. A savepoint that `fn`
 * started and did not wait for is waited for first: ending the transaction under it would
 * commit or roll back the wrong level, and release the lock with the engine still inside.
 */
async function runTransaction<T>(
  engine: SyncBackend,
  fn: (tx: Connection) => Promise<T>,
): Promise<T> {
  engine.begin();
  const tx = new SerialTransaction(engine);
  let result: T;
  try {
    result = await fn(tx);
  } catch (error) {
    await settled(tx.open);
    tx.ended = true;
    engine.rollback();
    throw error;
  }
  try {
    await settled(tx.open);
    tx.ended = true;
    engine.commit();
    return result;
  } catch (error) {
    tx.ended = true;
    engine.rollback();
    throw error;
  }
}

function closed(): QuireError {
  return new QuireError("CLOSED", "The store is closed");
}
