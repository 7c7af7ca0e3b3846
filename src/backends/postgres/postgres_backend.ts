/**
 * The Postgres backend: the backend contract (src/backend/contract.ts) on a Postgres database,
 * for stores that several processes and machines share. Tables and migrations: pg_schema.ts;
 * the pool and its two drivers: driver.ts.
 *
 * Every call outside a transaction runs on the pool (autocommit); `transaction(fn)` reserves a
 * connection for `fn`, so transactions run side by side, and savepoints nest inside them.
 * Conditional writes never rely on a failed statement: an `ifRev` that does not match leaves the
 * statement with no row, and quire answers CONFLICT, so a caller may catch it and go on inside
 * its transaction as on SQLite. (A statement that does fail dooms its whole transaction: Postgres
 * aborts it, and the driver rolls it back.)
 *
 * Capabilities: the core, stats, `find` (find, count, deleteMany) and `explain`, with the
 * filter language compiled by pg_query_sql.ts (one statement per call), and `search`
 * (pg_search.ts: quire's own index in tables of its own, kept in step by every write in the
 * write's transaction; the same matches and BM25 as FTS5; raw FTS5 queries are UNSUPPORTED).
 * `check` and `backup` are not here: the Store copies into a SQLite file for `backup()` and
 * still checks references for `check()`.
 *
 * A collection's `indexes` option becomes expression indexes (pg_indexes.ts, on
 * pg_query_sql.ts's `pgIndexExpressions`, the very expressions the compiled filters and sorts
 * use): one btree per entry, on a path's rank, number and first 200 characters of text (in sort
 * order), or on those of each path of a composite list in turn, then the id. It serves
 * equality (in id order, stopping at the limit), ranges, `in`, `startsWith`, sorts and cursors;
 * it is bounded, so a long string, array or object at an indexed path is written as anywhere
 * else. Indexes are named `<table>_ix_<hash of the paths and columns>`, created and dropped as
 * the option changes.
 *
 * @module
 */

import type {
  Backend,
  Connection,
  ExplainCapability,
  FindCapability,
  SearchCapability,
  StatsCapability,
} from "../../backend/contract.ts";
import type {
  CatalogEntry,
  CollectionStats,
  Explain,
  IndexProgress,
  Meta,
  PageRequest,
  PutRequest,
  RestoreMode,
  RestoreRequest,
  SearchRequest,
  SearchResult,
  StoredEntry,
} from "../../backend/types.ts";
import { type NormalizedOptions, parseStoredOptions } from "../../collection_options.ts";
import { conflict, QuireError, quote } from "../../errors.ts";
import { type Filter, isMatchAll } from "../../query/ast.ts";
import type { FindRequest } from "../../query/query.ts";
import { decodeEntry } from "../decode_entry.ts";
import { settled } from "../settled.ts";
import { capability } from "../../backend/capability.ts";
import { openPgDriver, type PgDriver, type PgDriverOptions, type PgQueryable } from "./driver.ts";
import { pgConfig } from "./pg_config.ts";
import { indexesOn, syncIndexes } from "./pg_indexes.ts";
import { SQLSTATE, sqlState } from "./pg_error.ts";
import { PgSearches, type PgSearchIndex } from "./pg_search.ts";
import { requireSearchOptions } from "../../search/search_options.ts";
import {
  createDocumentTable,
  documentTable,
  migrate,
  MIGRATIONS,
  schemaIdentifier,
} from "./pg_schema.ts";
import { pgCountSql, pgDeleteSql, pgSelectSql, type PgSqlFragment } from "./pg_query_sql.ts";

/** Thrown inside a transaction that must run again from its start (not a failure). */
class RunAgain extends Error {
  constructor() {
    super("The transaction runs again");
  }
}

/** Options of the Postgres backend: the driver's, and read-only mode. */
export interface PostgresOptions extends PgDriverOptions {
  /** Refuse every write. @default false */
  readonly?: boolean | undefined;
}

/** A row of a document table, with `data` as JSON text. */
interface Row {
  id: string;
  rev: number;
  created_at: string;
  updated_at: string;
  data: string;
}

const COLUMNS = "id, rev, created_at, updated_at, data::text AS data";

/** How many times a transaction runs before a conflict with others reaches the caller. */
const TRANSACTION_ATTEMPTS = 10;
/**
 * The SQLSTATEs of a transaction that runs again: aborted by Postgres for another's sake
 * (serialization, deadlock), or refused by a search guard.
 */
const RETRIED_STATES = new Set<string>([
  SQLSTATE.SERIALIZATION_FAILURE,
  SQLSTATE.DEADLOCK_DETECTED,
  SQLSTATE.SEARCH_GUARD,
]);

/**
 * Opens a store's tables in a Postgres database, creating or migrating them first.
 *
 * @param url `postgres://` or `postgresql://` (see pg_config.ts for its parameters).
 * @throws {QuireError} `INVALID_OPTION`, `STORAGE` (cannot connect), `SCHEMA_TOO_NEW`,
 *   `READ_ONLY`, `NOT_FOUND`.
 */
export async function openPostgresBackend(
  url: string,
  options: PostgresOptions = {},
): Promise<Backend> {
  const { readonly, ...driverOptions } = options;
  const config = pgConfig(url, driverOptions);
  const schema = schemaIdentifier(config.schema);
  const driver = openPgDriver(url, driverOptions);
  try {
    await migrate(driver, schema, MIGRATIONS, readonly === true);
  } catch (error) {
    await driver.close();
    throw error;
  }
  const location = `postgres://${config.host}:${config.port}/${config.database}` +
    (config.schema === undefined ? "" : `?schema=${config.schema}`);
  return new PostgresBackend(driver, schema, config.schema ?? "public", location);
}

/** What the connections of one backend share: the pool, the schema, the tables found so far. */
interface Shared {
  driver: PgDriver;
  /** The schema as an SQL identifier (quoted). */
  schema: string;
  /** The schema's name. */
  schemaName: string;
  /** Collection name → its document table, for collections in the committed catalog. */
  tables: Map<string, string>;
  /** The transactions running on the pool, which `close()` waits for. */
  running: Set<Promise<unknown>>;
  /** The collections' search indexes (pg_search.ts). */
  searches: PgSearches;
}

/** The calls of the contract on one Postgres connection: the pool, or a transaction's. */
class PgConnection implements Connection {
  protected readonly shared: Shared;
  readonly #on: PgQueryable;
  // A transaction's or savepoint's handle ends with it; then every call is CLOSED.
  #ended = false;
  // Tables this transaction created: they are forgotten again if it rolls back.
  readonly #created: string[] = [];
  // Collections whose options this transaction changes (searches.changing), to settle at its end.
  readonly #changes: string[] = [];
  #savepoints = 0;
  /** Savepoints started on this handle and not ended yet: its transaction waits for them. */
  readonly #open = new Set<Promise<unknown>>();
  readonly stats: StatsCapability;
  readonly search: SearchCapability;
  readonly find: FindCapability;
  readonly explain: ExplainCapability;

  constructor(shared: Shared, on: PgQueryable) {
    this.shared = shared;
    this.#on = on;
    this.stats = {
      collection: (collection) => this.#collectionStats(collection),
      storage: () => this.#storageStats(),
    };
    this.search = {
      search: (collection, request) => this.#search(collection, request),
      reindex: (collection, progress) => this.#reindex(collection, progress),
      optimize: async (collection) =>
        await (await this.#searchIndex(collection)).optimize(this.#db()),
    };
    this.find = {
      find: (collection, request) => this.#find(collection, request),
      count: (collection, filter) => this.#count(collection, filter),
      deleteMany: (collection, filter) =>
        this.#guarded(collection, () => this.#deleteMany(collection, filter)),
    };
    this.explain = { explain: (collection, request) => this.#explain(collection, request) };
  }

  async collections(): Promise<CatalogEntry[]> {
    const rows = await this.#db().query<{ id: number; name: string; options: string }>(
      `SELECT id, name, options FROM ${this.shared.schema}.quire_collections ORDER BY name`,
    );
    // Committed: the tables may be remembered (ensureCollection locks them by name).
    if (this.#on === this.shared.driver) {
      for (const row of rows) {
        this.shared.tables.set(row.name, documentTable(this.shared.schema, row.id));
      }
    }
    return rows.map((row) => ({
      name: row.name,
      options: parseStoredOptions(row.name, row.options),
    }));
  }

  ensureCollection(
    name: string,
    options: NormalizedOptions,
    progress?: IndexProgress,
  ): Promise<void> {
    const committed = this.#on === this.shared.driver;
    // Inside a transaction the change is settled when the transaction ends (#attempt).
    if (!committed) this.#changes.push(name);
    return this.shared.searches.changing(
      name,
      committed,
      () => this.#ensureCollection(name, options, progress),
    );
  }

  #ensureCollection(
    name: string,
    options: NormalizedOptions,
    progress?: IndexProgress,
  ): Promise<void> {
    return this.#atomically(async (on, created) => {
      // Search fields added or changed are built from the documents this transaction sees. On
      // the pool (READ COMMITTED) each statement sees what has committed; in a transaction, the
      // document table is locked against writes before its first read takes the snapshot, so
      // that the writes under way in other processes commit first and are seen.
      const known = this.shared.tables.get(name);
      const inTransaction = this.#on !== this.shared.driver;
      if (inTransaction && options.search !== undefined && known !== undefined) {
        await on.query(`LOCK TABLE ${known} IN SHARE ROW EXCLUSIVE MODE`);
      }
      const before = await this.shared.searches.previous(on, name);
      const searchBefore = before?.search;
      if (
        inTransaction && known === undefined && before !== undefined &&
        JSON.stringify(searchBefore) !== JSON.stringify(options.search) &&
        !this.#created.includes(name)
      ) {
        // Too late to lock first: the table is known now (committed: this transaction did not
        // create it), and the transaction runs again.
        this.shared.tables.set(name, documentTable(this.shared.schema, before.id));
        throw new RunAgain();
      }
      const [row] = await on.query<{ id: number }>(
        `INSERT INTO ${this.shared.schema}.quire_collections (name, options, created_at)
         VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET options = excluded.options RETURNING id`,
        [name, JSON.stringify(options), new Date().toISOString()],
      );
      if (row === undefined) throw new QuireError("STORAGE", `Cannot create ${quote(name)}`);
      const table = documentTable(this.shared.schema, row.id);
      await on.query(createDocumentTable(table));
      await syncIndexes(on, this.shared.schema, row.id, options.indexes ?? []);
      await this.shared.searches.ensured(on, name, row.id, searchBefore, options.search, progress);
      if (!this.shared.tables.has(name)) created.push(name);
      this.shared.tables.set(name, table);
    });
  }

  async get(collection: string, id: string): Promise<StoredEntry | undefined> {
    const table = await this.#table(collection);
    const [row] = await this.#db().query<Row>(`SELECT ${COLUMNS} FROM ${table} WHERE id = $1`, [
      id,
    ]);
    return row && decode(collection, row);
  }

  put(collection: string, request: PutRequest): Promise<Meta> {
    return this.#guarded(collection, () => this.#put(collection, request));
  }

  async #put(collection: string, request: PutRequest): Promise<Meta> {
    const index = await this.#indexed(collection);
    if (index === true) {
      return await this.transaction(async (tx) => await tx.put(collection, request));
    }
    const table = await this.#table(collection);
    const { id, data, ifRev, now } = request;
    const returning = "RETURNING rev, created_at";
    let rows: { rev: number; created_at: string }[];
    if (ifRev === undefined) {
      rows = await this.#db().query(
        `INSERT INTO ${table} AS t (id, rev, created_at, updated_at, data, doc)
         VALUES ($1, 1, $2, $2, $3::text::json, coalesce($4, $3)::text::jsonb)
         ON CONFLICT (id) DO UPDATE SET rev = t.rev + 1, updated_at = excluded.updated_at,
           data = excluded.data, doc = excluded.doc ${returning}`,
        [id, now, data, docText(data)],
      );
    } else if (ifRev === 0) {
      rows = await this.#db().query(
        `INSERT INTO ${table} (id, rev, created_at, updated_at, data, doc)
         VALUES ($1, 1, $2, $2, $3::text::json, coalesce($4, $3)::text::jsonb)
         ON CONFLICT (id) DO NOTHING ${returning}`,
        [id, now, data, docText(data)],
      );
    } else {
      rows = await this.#db().query(
        `UPDATE ${table} SET rev = rev + 1, updated_at = $1, data = $2::text::json,
           doc = coalesce($5, $2)::text::jsonb WHERE id = $3 AND rev = $4 ${returning}`,
        [now, data, id, ifRev, docText(data)],
      );
    }
    const [row] = rows;
    if (row === undefined) throw await this.#conflict(collection, table, id, ifRev ?? 0);
    await index?.write(this.#db(), [[id, data]]);
    return { id, rev: row.rev, createdAt: row.created_at, updatedAt: now };
  }

  /**
   * One statement for a batch of unconditional writes with one time and distinct ids (rows from
   * `json_to_recordset`, which keeps each document's text as it was); anything else goes one by
   * one, as `put`.
   */
  putMany(collection: string, requests: readonly PutRequest[]): Promise<Meta[]> {
    return this.#guarded(collection, () => this.#putMany(collection, requests));
  }

  async #putMany(collection: string, requests: readonly PutRequest[]): Promise<Meta[]> {
    const index = await this.#indexed(collection);
    if (index === true) {
      return await this.transaction(async (tx) => await tx.putMany(collection, requests));
    }
    const now = requests[0]?.now;
    if (
      now === undefined || !distinctIds(requests) ||
      requests.some((request) => request.ifRev !== undefined || request.now !== now)
    ) {
      const metas: Meta[] = [];
      for (const request of requests) metas.push(await this.put(collection, request));
      return metas;
    }
    const table = await this.#table(collection);
    const records = `[${
      requests.map(({ id, data }) => `{"id":${JSON.stringify(id)},${dataFields(data)}}`)
        .join(",")
    }]`;
    const rows = await this.#db().query<{ id: string; rev: number; created_at: string }>(
      `INSERT INTO ${table} AS t (id, rev, created_at, updated_at, data, doc)
       SELECT r.id, 1, $2, $2, coalesce(r.data, r.raw::json), coalesce(r.doc, r.data::jsonb)
       FROM json_to_recordset($1::text::json) AS r(id text, data json, raw text, doc jsonb)
       ON CONFLICT (id) DO UPDATE SET rev = t.rev + 1, updated_at = excluded.updated_at,
         data = excluded.data, doc = excluded.doc
       RETURNING id, rev, created_at`,
      [records, now],
    );
    const written = new Map(rows.map((row) => [row.id, row]));
    await index?.write(this.#db(), requests.map(({ id, data }) => [id, data]));
    return requests.map(({ id }) => {
      const row = written.get(id);
      if (row === undefined) throw new QuireError("STORAGE", `Write of ${quote(id)} was lost`);
      return { id, rev: row.rev, createdAt: row.created_at, updatedAt: now };
    });
  }

  restoreMany(
    collection: string,
    requests: readonly RestoreRequest[],
    mode: RestoreMode,
  ): Promise<boolean[]> {
    return this.#guarded(collection, () => this.#restoreMany(collection, requests, mode));
  }

  async #restoreMany(
    collection: string,
    requests: readonly RestoreRequest[],
    mode: RestoreMode,
  ): Promise<boolean[]> {
    if (requests.length === 0) return [];
    const index = await this.#indexed(collection);
    if (index === true) {
      return await this.transaction(async (tx) => await tx.restoreMany(collection, requests, mode));
    }
    if (!distinctIds(requests)) {
      const written: boolean[] = [];
      for (const request of requests) {
        written.push(...await this.restoreMany(collection, [request], mode));
      }
      return written;
    }
    const table = await this.#table(collection);
    const records = `[${
      requests.map(({ id, rev, createdAt, updatedAt, data }) =>
        `{"id":${JSON.stringify(id)},"rev":${rev},"created_at":${
          JSON.stringify(createdAt)
        },"updated_at":${JSON.stringify(updatedAt)},${dataFields(data)}}`
      ).join(",")
    }]`;
    const onConflict = mode === "skip" ? "DO NOTHING" : `DO UPDATE SET rev = excluded.rev,
      created_at = excluded.created_at, updated_at = excluded.updated_at, data = excluded.data,
      doc = excluded.doc`;
    const rows = await this.#db().query<{ id: string }>(
      `INSERT INTO ${table} (id, rev, created_at, updated_at, data, doc)
       SELECT r.id, r.rev, r.created_at, r.updated_at, coalesce(r.data, r.raw::json),
         coalesce(r.doc, r.data::jsonb)
       FROM json_to_recordset($1::text::json)
         AS r(id text, rev integer, created_at text, updated_at text, data json, raw text,
           doc jsonb)
       ON CONFLICT (id) ${onConflict} RETURNING id`,
      [records],
    );
    const written = new Set(rows.map((row) => row.id));
    await index?.write(
      this.#db(),
      requests.filter(({ id }) => written.has(id)).map(({ id, data }) => [id, data]),
    );
    return requests.map(({ id }) => written.has(id));
  }

  delete(collection: string, id: string, ifRev?: number): Promise<boolean> {
    return this.#guarded(collection, () => this.#delete(collection, id, ifRev));
  }

  async #delete(collection: string, id: string, ifRev?: number): Promise<boolean> {
    const index = await this.#indexed(collection);
    if (index === true) {
      return await this.transaction(async (tx) => await tx.delete(collection, id, ifRev));
    }
    const table = await this.#table(collection);
    if (ifRev === 0) {
      const [row] = await this.#db().query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
      if (row !== undefined) throw await this.#conflict(collection, table, id, 0);
      return false;
    }
    const deleted = ifRev === undefined
      ? await this.#db().execute(`DELETE FROM ${table} WHERE id = $1`, [id])
      : await this.#db().execute(`DELETE FROM ${table} WHERE id = $1 AND rev = $2`, [id, ifRev]);
    if (deleted === 0 && ifRev !== undefined) {
      throw await this.#conflict(collection, table, id, ifRev);
    }
    if (deleted > 0) await index?.remove(this.#db(), [id]);
    return deleted > 0;
  }

  async page(collection: string, request: PageRequest): Promise<StoredEntry[]> {
    const table = await this.#table(collection);
    const rows = request.after === undefined
      ? await this.#db().query<Row>(`SELECT ${COLUMNS} FROM ${table} ORDER BY id LIMIT $1`, [
        request.limit,
      ])
      : await this.#db().query<Row>(
        `SELECT ${COLUMNS} FROM ${table} WHERE id > $1 ORDER BY id LIMIT $2`,
        [request.after, request.limit],
      );
    const entries: StoredEntry[] = [];
    for (const row of rows) {
      try {
        entries.push(decode(collection, row));
      } catch (error) {
        if (request.skipCorrupt !== true) throw error;
      }
    }
    return entries;
  }

  clear(collection: string): Promise<number> {
    return this.#guarded(collection, () => this.#clear(collection));
  }

  async #clear(collection: string): Promise<number> {
    const index = await this.#indexed(collection);
    if (index === true) return await this.transaction(async (tx) => await tx.clear(collection));
    const deleted = await this.#db().execute(`DELETE FROM ${await this.#table(collection)}`);
    await index?.clear(this.#db());
    return deleted;
  }

  async transaction<T>(fn: (tx: Connection) => Promise<T>): Promise<T> {
    const on = this.#db();
    if (on === this.shared.driver) {
      // SERIALIZABLE, so that a transaction means what it means on SQLite, where one runs at a
      // time: a read followed by a write cannot lose another transaction's write. Postgres aborts
      // one of two transactions that conflict (SQLSTATE 40001, or a deadlock, 40P01); that one
      // is run again, `fn` and all, a few times before BUSY reaches the caller.
      for (let attempt = 1;; attempt++) {
        try {
          return await this.#attempt(fn);
        } catch (error) {
          const state = sqlState(error) ?? "";
          const again = error instanceof RunAgain || RETRIED_STATES.has(state);
          if (attempt >= TRANSACTION_ATTEMPTS || !again) throw error;
          // A search guard refused a write: the search options this process knew are old.
          if (state === SQLSTATE.SEARCH_GUARD) this.shared.searches.forget();
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
        }
      }
    }
    // On a transaction's connection: a savepoint, which the transaction waits for.
    const savepoint = this.#savepoint(on, fn);
    this.#open.add(savepoint);
    const forget = () => this.#open.delete(savepoint);
    savepoint.then(forget, forget);
    return await savepoint;
  }

  async #savepoint<T>(on: PgQueryable, fn: (tx: Connection) => Promise<T>): Promise<T> {
    const name = `quire_${++this.#savepoints}`;
    await on.query(`SAVEPOINT ${name}`);
    const handle = new PgConnection(this.shared, on);
    let result: T;
    try {
      result = await fn(handle);
    } catch (error) {
      await settled(handle.#open);
      handle.#ended = true;
      handle.#forgetCreated();
      this.#changes.push(...handle.#changes);
      await on.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
    await settled(handle.#open);
    handle.#ended = true;
    this.#changes.push(...handle.#changes);
    await on.query(`RELEASE SAVEPOINT ${name}`);
    this.#created.push(...handle.#created);
    return result;
  }

  /** One attempt at a transaction on a connection reserved from the pool. */
  async #attempt<T>(fn: (tx: Connection) => Promise<T>): Promise<T> {
    let handle: PgConnection | undefined;
    const running = this.shared.driver.transaction(async (tx) => {
      handle = new PgConnection(this.shared, tx);
      try {
        return await fn(handle);
      } finally {
        await settled(handle.#open);
        handle.#ended = true;
      }
    }, { isolation: "serializable" });
    this.shared.running.add(running);
    try {
      return await running;
    } catch (error) {
      if (handle !== undefined) handle.#forgetCreated();
      throw error;
    } finally {
      this.shared.running.delete(running);
      // Its changes of collection options are committed or rolled back now: the search options
      // may be remembered again.
      const changes = handle === undefined ? [] : handle.#changes;
      for (const name of changes) this.shared.searches.settle(name);
    }
  }

  /**
   * Runs a write, and on the pool runs it again when the collection's search guard refuses it:
   * another process gave the collection search fields since this one looked (pg_search.ts
   * `PgSearches`). Inside a transaction the refusal aborts it, and `transaction` runs it again.
   */
  async #guarded<T>(collection: string, write: () => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (
          this.#on !== this.shared.driver || attempt >= TRANSACTION_ATTEMPTS ||
          sqlState(error) !== SQLSTATE.SEARCH_GUARD
        ) throw error;
        this.shared.searches.forget(collection);
      }
    }
  }

  /** Where this connection's statements go. @throws {QuireError} `CLOSED` once it has ended. */
  #db(): PgQueryable {
    if (this.#ended) {
      throw new QuireError("CLOSED", "The transaction has ended: its handle cannot be used");
    }
    return this.#on;
  }

  /** Runs `fn` in a transaction: this connection's, or a new one on the pool. */
  #atomically<T>(fn: (on: PgQueryable, created: string[]) => Promise<T>): Promise<T> {
    if (this.#on !== this.shared.driver) return fn(this.#db(), this.#created);
    const created: string[] = [];
    return this.shared.driver.transaction((on) => fn(on, created)).catch((error) => {
      for (const name of created) this.shared.tables.delete(name);
      throw error;
    });
  }

  /**
   * The collection's search index, which its writes keep in step; `true` on the pool when it
   * has one: the write then runs in a transaction of its own, document and index together. In a
   * transaction, the options are read again under a share lock (pg_search.ts `locked`), so a
   * change of search fields and a write beside it go one after the other.
   */
  async #indexed(collection: string): Promise<PgSearchIndex | true | undefined> {
    const onPool = this.#on === this.shared.driver;
    const index = await this.shared.searches.of(this.#db(), collection, onPool);
    if (index === undefined) return undefined;
    return onPool ? true : await this.shared.searches.locked(this.#db(), collection);
  }

  /** The collection's search index; `UNSUPPORTED` when it has no search option. */
  async #searchIndex(collection: string): Promise<PgSearchIndex> {
    const index = await this.shared.searches.of(
      this.#db(),
      collection,
      this.#on === this.shared.driver,
    );
    requireSearchOptions(collection, index?.options);
    return index!;
  }

  async #search(collection: string, request: SearchRequest): Promise<SearchResult> {
    const index = await this.#searchIndex(collection);
    if (request.raw) {
      throw new QuireError(
        "UNSUPPORTED",
        "The postgres backend has no FTS5: raw FTS5 queries need the SQLite backend",
      );
    }
    const on = this.#db();
    if (on !== this.shared.driver) return await index.search(on, collection, request);
    // On the pool: every statement of the search reads one snapshot.
    return await this.shared.driver.transaction(
      (tx) => index.search(tx, collection, request),
      { isolation: "repeatable read", readOnly: true },
    );
  }

  async #reindex(collection: string, progress?: IndexProgress): Promise<void> {
    const index = await this.#searchIndex(collection);
    await this.#atomically((on) => index.rebuild(on, progress));
  }

  #forgetCreated(): void {
    for (const name of this.#created) this.shared.tables.delete(name);
    this.#created.length = 0;
  }

  /** The collection's document table, looked up in the catalog once. */
  async #table(collection: string): Promise<string> {
    const known = this.shared.tables.get(collection);
    if (known !== undefined) return known;
    const [row] = await this.#db().query<{ id: number }>(
      `SELECT id FROM ${this.shared.schema}.quire_collections WHERE name = $1`,
      [collection],
    );
    if (row === undefined) throw new QuireError("NOT_FOUND", `No collection ${quote(collection)}`);
    const table = documentTable(this.shared.schema, row.id);
    // Only a committed catalog entry is remembered: one seen inside a transaction may roll back.
    if (this.#on === this.shared.driver) this.shared.tables.set(collection, table);
    return table;
  }

  async #find(collection: string, request: FindRequest): Promise<StoredEntry[]> {
    const { sql, params } = pgSelectSql(await this.#table(collection), request);
    const rows = await this.#db().query<Row>(sql, params);
    return rows.map((row) => decode(collection, row));
  }

  async #count(collection: string, filter?: Filter): Promise<number> {
    const table = await this.#table(collection);
    const { sql, params } = filter === undefined
      ? { sql: `SELECT count(*) AS n FROM ${table}`, params: [] }
      : pgCountSql(table, filter);
    const [row] = await this.#db().query<{ n: string | number }>(sql, params);
    return Number(row?.n ?? 0);
  }

  async #deleteMany(collection: string, filter: Filter): Promise<number> {
    const index = await this.#indexed(collection);
    if (index === true) {
      return await this.transaction(async (tx) =>
        await capability(tx, "find").deleteMany(collection, filter)
      );
    }
    if (isMatchAll(filter)) return await this.#clear(collection);
    const table = await this.#table(collection);
    const { sql, params } = pgDeleteSql(table, filter);
    if (index === undefined) return await this.#db().execute(sql, params);
    const deleted = await this.#db().query<{ id: string }>(`${sql} RETURNING id`, params);
    await index.remove(this.#db(), deleted.map(({ id }) => id));
    return deleted.length;
  }

  async #explain(collection: string, request: FindRequest): Promise<Explain> {
    const table = await this.#table(collection);
    const { sql, params }: PgSqlFragment = pgSelectSql(table, request);
    const rows = await this.#db().query<Record<string, unknown>>(`EXPLAIN ${sql}`, params);
    const plan = rows.map((row) => String(Object.values(row)[0] ?? ""));
    // Index names carry a hash of their paths: map them back to the collection's options.
    const [entry] = await this.#db().query<{ options: string }>(
      `SELECT options FROM ${this.shared.schema}.quire_collections WHERE name = $1`,
      [collection],
    );
    const options = entry === undefined ? {} : parseStoredOptions(collection, entry.options);
    const byName = new Map<string, string[]>();
    const bare = table.slice(table.lastIndexOf(".") + 1).replaceAll('"', "");
    for (const index of options.indexes ?? []) {
      const paths = typeof index === "string" ? [index] : index;
      for (const [name] of indexesOn(bare, paths)) byName.set(name, paths);
    }
    const indexes: string[][] = [];
    const seen = new Set<string>();
    for (const line of plan) {
      const name =
        /(?:Index (?:Only )?Scan(?: Backward)? using|Bitmap Index Scan on) "?([A-Za-z0-9_]+)"?/
          .exec(line)?.[1];
      const paths = name === undefined ? undefined : byName.get(name);
      if (paths !== undefined && !seen.has(name!)) {
        seen.add(name!);
        indexes.push(paths);
      }
    }
    return { backend: "postgres", plan, indexes, sql, params: [...params] };
  }

  async #conflict(collection: string, table: string, id: string, ifRev: number) {
    const [row] = await this.#db().query<{ rev: number }>(
      `SELECT rev FROM ${table} WHERE id = $1`,
      [id],
    );
    return conflict(collection, id, ifRev, row?.rev ?? 0);
  }

  async #collectionStats(collection: string): Promise<CollectionStats> {
    const [row] = await this.#db().query<{ count: string; bytes: string }>(
      `SELECT count(*) AS count, coalesce(sum(octet_length(data::text)), 0) AS bytes
       FROM ${await this.#table(collection)}`,
    );
    return { count: Number(row?.count ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  async #storageStats(): Promise<Record<string, number | string>> {
    const [row] = await this.#db().query<{ version: string; bytes: string }>(
      `SELECT current_setting('server_version') AS version,
              pg_database_size(current_database()) AS bytes`,
    );
    return {
      serverVersion: row?.version ?? "",
      databaseBytes: Number(row?.bytes ?? 0),
      schema: this.shared.schemaName,
      driver: this.shared.driver.name,
    };
  }
}

/** The backend itself: its calls run on the pool. */
class PostgresBackend extends PgConnection implements Backend {
  readonly kind = "postgres";
  readonly location: string;

  constructor(driver: PgDriver, schema: string, schemaName: string, location: string) {
    super({
      driver,
      schema,
      schemaName,
      tables: new Map(),
      running: new Set(),
      searches: new PgSearches(schema),
    }, driver);
    this.location = location;
  }

  async close(): Promise<void> {
    // New calls are the Store's to refuse; the transactions already running end first.
    await settled(this.shared.running);
    await this.shared.driver.close();
  }
}

// A `\u0000` escape that is not itself an escaped backslash followed by "u0000".
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * The text for the `doc` column when it must differ from `data`: jsonb cannot hold U+0000, so
 * the copy that filters read has U+FFFD in its place (the document itself, `data`, keeps it).
 * `null` when the text has none.
 */
function docText(data: string): string | null {
  return data.includes("\\u0000") ? data.replace(NUL_ESCAPE, "$1\\ufffd") : null;
}

/**
 * The document fields of a batch record: `"data":…`, or for a text holding U+0000 (which
 * json_to_recordset refuses in a json field) the text as a JSON string in `raw`, and the `doc`
 * copy without it.
 */
function dataFields(data: string): string {
  const doc = docText(data);
  return doc === null ? `"data":${data}` : `"raw":${JSON.stringify(data)},"doc":${doc}`;
}

function distinctIds(requests: readonly { id: string }[]): boolean {
  return new Set(requests.map((request) => request.id)).size === requests.length;
}

function decode(collection: string, row: Row): StoredEntry {
  return decodeEntry(collection, row.id, row.rev, row.created_at, row.updated_at, row.data);
}
