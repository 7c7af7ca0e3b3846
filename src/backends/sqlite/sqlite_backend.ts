/**
 * The SQLite backend: one rowid table per collection, a catalog table, expression indexes on
 * JSON paths; WAL, `synchronous=NORMAL`, a busy timeout, `BEGIN IMMEDIATE` for every write
 * transaction and cached prepared statements. A single write needs no explicit transaction: it is
 * one statement, or two that make one upsert (see `SqliteBackend.put`).
 *
 * @module
 */

import { existsSync, linkSync, mkdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type NormalizedOptions, parseStoredOptions } from "../../collection_options.ts";
import { conflict, QuireError, quote } from "../../errors.ts";
import { randomHex } from "../../random_hex.ts";
import { type Filter, isMatchAll } from "../../query/ast.ts";
import type { FindRequest } from "../../query/query.ts";
import {
  compareFts,
  createFts,
  dropFts,
  ftsColumn,
  ftsTable,
  optimizeFts,
  rebuildFts,
} from "./fts.ts";
import { rawFts5Expression, toFts5Expression } from "./fts5_expression.ts";
import { indexName, syncIndexes } from "./indexes.ts";
import { exactSearchSql, facetSql, pageIsExact, searchSql } from "./search_sql.ts";
import { requireSearchOptions, type SearchOptions } from "../../search/search_options.ts";
import { type Database, openDriver, type Statement } from "../../sqlite/driver.ts";
import { SQLITE, sqlitePrimaryCode } from "../../sqlite/sqlite_error.ts";
import type {
  CatalogEntry,
  CollectionStats,
  Explain,
  FacetCount,
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
} from "../../backend/types.ts";
import { decodeEntry } from "../decode_entry.ts";
import type { SyncBackend } from "../sync_backend.ts";
import { createDocumentTable, documentTable, migrate, MIGRATIONS } from "./schema.ts";
import { filterToSql, selectSql, type SqlFragment } from "./to_sql.ts";

/** Options of the SQLite backend. */
export interface SqliteOptions {
  /** Refuse writes; the file must exist. @default false */
  readonly?: boolean | undefined;
  /** `PRAGMA journal_mode`. @default "wal" */
  journalMode?: "wal" | "delete" | "truncate" | "persist" | "memory" | "off" | undefined;
  /** `PRAGMA synchronous`. @default "normal" */
  synchronous?: "off" | "normal" | "full" | "extra" | undefined;
  /** How long a write waits for another connection's lock before `BUSY`. @default 5000 */
  busyTimeoutMs?: number | undefined;
  /**
   * SQLite's page cache of this connection (`PRAGMA cache_size`), in MiB: the most memory the
   * store keeps of the file's pages. A search or get that finds its pages there reads no file;
   * the operating system's own cache of the file still serves the rest fast. @default 64
   */
  cacheMiB?: number | undefined;
  /**
   * How much of the file SQLite reads through a memory map (`PRAGMA mmap_size`), in MiB; 0 reads
   * with system calls. A map saves a copy per page read: at 1,000,000 documents, where a get's
   * pages are past the page cache, a get took 19.8 µs mapped against 27.0 (bench/cache_size.ts). Off
   * by default: an I/O error on a mapped page ends the process with a signal instead of an
   * error, and SQLite caps the map at its build's limit (2 GiB in most). @default 0
   */
  mmapMiB?: number | undefined;
}

/** A document's row as an array of its columns (`COLUMNS`): cheaper to read than an object. */
type Row = [id: string, rev: number, createdAt: string, updatedAt: string, data: string];

/** The prepared statements of one collection. */
interface Statements {
  table: string;
  /** Whether the table has a search index: batches are then written in one statement. */
  indexed: boolean;
  get: Statement;
  has: Statement;
  /** Create or replace, returning the rev and creation time: one statement for an update. */
  upsert: Statement;
  /** Whether the last put without `ifRev` found its id: the next starts with `upsert`. */
  updating: boolean;
  /** A new document (rev 1), or nothing when the id exists; returns nothing. */
  insertNew: Statement;
  /** The write of an existing document, returning its new rev and its creation time. */
  update: Statement;
  updateIfRev: Statement;
  readRev: Statement;
  delete: Statement;
  deleteIfRev: Statement;
  restoreSkip: Statement;
  restoreReplace: Statement;
  upsertMany: Statement;
  restoreSkipMany: Statement;
  restoreReplaceMany: Statement;
  count: Statement;
  pageFirst: Statement;
  pageAfter: Statement;
  clear: Statement;
}

const COLUMNS = "id, rev, created_at, updated_at, data";

/** The page cache's default size, in MiB: the demo's and benchmarks' files fit in it. */
const DEFAULT_CACHE_MIB = 64;
/** The largest page cache accepted, in MiB (64 GiB); the same for the memory map. */
const MAX_CACHE_MIB = 65536;

/**
 * WAL size from which a write outside a transaction restarts the WAL. SQLite's automatic
 * checkpoint copies the WAL into the database every 1,000 pages, but starts the WAL over only
 * when no reader still uses it: with readers and writers that never pause (scripts/soak.ts), the
 * WAL grew to 263 MiB in 5 minutes. From this size, a write waits for the readers of older
 * snapshots to finish (at most `busyTimeoutMs`) and truncates the WAL (`wal_checkpoint(TRUNCATE)`).
 */
const WAL_RESTART_BYTES = 64 * 2 ** 20;
/** Writes between two looks at the WAL's size (a `stat` of the file). */
const WAL_CHECK_WRITES = 256;

/**
 * Rows a search ranks beyond its page (see search_sql.ts). Ties at the page's end longer than
 * this send the search to the exact query: on 100,000 sentences of nlp-corpus, 0.3% of
 * searches for a page of 21 with 10 more rows, 4.9% with 5, 44% with 1.
 */
const SEARCH_SLACK = 16;

/**
 * Opens (creating if needed) a SQLite database as a quire backend. A new database's missing
 * parent directories are created too, as the file backend does; read-only, a missing file is
 * `NOT_FOUND` and nothing is created.
 *
 * @param path A file path, or `":memory:"`.
 */
export async function openSqliteBackend(
  path: string,
  options: SqliteOptions = {},
): Promise<SqliteBackend> {
  const readonly = options.readonly === true;
  if (path !== ":memory:") checkFile(path, readonly);
  if (path !== ":memory:" && !readonly && !existsSync(path)) {
    createParentDirectories(path);
    await createDatabase(path, options);
  }
  try {
    return await connect(path, options, false);
  } catch (error) {
    // A WAL database in a directory this process cannot write to (or on a read-only file
    // system) cannot be opened the usual way, not even read-only: SQLite wants to create the
    // "-shm" file beside it, and fails with READONLY or CANTOPEN. With no WAL content to read,
    // opening it as immutable gives the same data without that file.
    const primary = sqlitePrimaryCode(error);
    const cannotCreateShm = primary === SQLITE.READONLY || primary === SQLITE.CANTOPEN;
    if (!readonly || !cannotCreateShm) throw error;
    if (hasWalContent(path)) {
      throw new QuireError(
        "READ_ONLY",
        `Cannot open "${path}" read-only: its write-ahead log ("${path}-wal") holds changes ` +
          "that SQLite can only read with a writable directory; open it once for writing " +
          "(or copy it somewhere writable) to fold them into the database",
        { cause: error },
      );
    }
    return await connect(path, options, true);
  }
}

/** Creates the missing directories above `path`, or says which one could not be made. */
function createParentDirectories(path: string): void {
  const directory = dirname(path);
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new QuireError(
      "STORAGE",
      `Cannot create the directory "${directory}" for "${path}": ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Makes a new database whole before it appears at `path`. SQLite creates an empty file when it
 * opens one that does not exist and writes the schema only later, so a process killed in between
 * would leave a 0-byte file, which quire refuses as damage (see `checkFile`). The schema is
 * written to a file of its own instead, which is then hard-linked to `path`: a link fails where a
 * file exists, so of two processes creating the same database at once, both go on to open the
 * one that won. Where the file system has no hard links, SQLite creates the file in place.
 */
async function createDatabase(path: string, options: SqliteOptions): Promise<void> {
  const fresh = join(dirname(path), `.${basename(path)}.new-${randomHex(8)}`);
  try {
    (await connect(fresh, options, false)).close();
    linkSync(fresh, path);
  } catch {
    // Another process made it first (EEXIST), or this failed for a reason that the open of
    // `path` that follows meets again and reports (a bad option, a missing directory).
  } finally {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(fresh + suffix, { force: true });
  }
}

async function connect(
  path: string,
  options: SqliteOptions,
  immutable: boolean,
): Promise<SqliteBackend> {
  const db = await openDriver(path, { readonly: options.readonly === true, immutable });
  try {
    return new SqliteBackend(db, path, options);
  } catch (error) {
    db.close();
    throw error;
  }
}

function hasWalContent(path: string): boolean {
  return walBytes(path) > 0;
}

/** The size of the database's WAL file (0 when there is none). */
function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

function checkFile(path: string, readonly: boolean): void {
  if (!existsSync(path)) {
    if (readonly) {
      throw new QuireError("NOT_FOUND", `Cannot open read-only: "${path}" does not exist`);
    }
    return;
  }
  const stat = statSync(path);
  if (!stat.isFile()) throw new QuireError("STORAGE", `Cannot open "${path}": it is not a file`);
  // SQLite would treat an empty file as a new database; quire takes it as damage instead
  // (a file that was truncated, or a copy that never finished).
  if (stat.size === 0) {
    throw new QuireError(
      "CORRUPT",
      `Cannot open "${path}": the file is empty (0 bytes), not a database; remove it to start a new one`,
    );
  }
}

/** The SQLite backend; see the module documentation. */
export class SqliteBackend implements SyncBackend {
  readonly kind = "sqlite";
  readonly canBackup = true;
  readonly location: string;
  #db: Database;
  #readonly: boolean;
  #statements = new Map<string, Statements>();
  #searchCache = new Map<string, { text: string | undefined; search: SearchOptions | undefined }>();
  #writes = 0;
  #walRetryAt = 0;
  #busyTimeoutMs: number;

  /** @internal Use {@linkcode openSqliteBackend}. */
  constructor(db: Database, path: string, options: SqliteOptions) {
    this.#db = db;
    this.location = path;
    this.#readonly = options.readonly === true;
    const busy = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busy) || busy < 0) {
      throw new QuireError("INVALID_OPTION", "Invalid busyTimeoutMs: expected a whole number ≥ 0");
    }
    const cacheMiB = options.cacheMiB ?? DEFAULT_CACHE_MIB;
    if (!Number.isInteger(cacheMiB) || cacheMiB < 1 || cacheMiB > MAX_CACHE_MIB) {
      throw new QuireError(
        "INVALID_OPTION",
        `Invalid cacheMiB: expected a whole number from 1 to ${MAX_CACHE_MIB}`,
      );
    }
    const mmapMiB = options.mmapMiB ?? 0;
    if (!Number.isInteger(mmapMiB) || mmapMiB < 0 || mmapMiB > MAX_CACHE_MIB) {
      throw new QuireError(
        "INVALID_OPTION",
        `Invalid mmapMiB: expected a whole number from 0 to ${MAX_CACHE_MIB}`,
      );
    }
    this.#busyTimeoutMs = busy;
    db.exec(`PRAGMA busy_timeout = ${busy}`);
    // The first read of the file: a file that is not a database fails here, as CORRUPT.
    db.prepare("PRAGMA user_version").get();
    checkFts5(db);
    if (!this.#readonly) {
      const journal = pick(options.journalMode ?? "wal", [
        "wal",
        "delete",
        "truncate",
        "persist",
        "memory",
        "off",
      ], "journalMode");
      db.prepare(`PRAGMA journal_mode = ${journal}`).get();
    }
    const synchronous = pick(
      options.synchronous ?? "normal",
      ["off", "normal", "full", "extra"],
      "synchronous",
    );
    db.exec(
      `PRAGMA synchronous = ${synchronous}; PRAGMA cache_size = ${
        -cacheMiB * 1024
      }; PRAGMA foreign_keys = OFF`,
    );
    // A result row, as for every PRAGMA that reports its new value.
    if (mmapMiB > 0) db.prepare(`PRAGMA mmap_size = ${mmapMiB * 2 ** 20}`).get();
    migrate(db, MIGRATIONS, this.#readonly);
  }

  /** The open database, for the benchmarks and tests that compare it with raw SQL. */
  get database(): Database {
    return this.#db;
  }

  collections(): CatalogEntry[] {
    const rows = this.#db.prepare("SELECT name, options FROM quire_collections ORDER BY name").all<
      { name: string; options: string }
    >();
    return rows.map((row) => ({
      name: row.name,
      options: parseStoredOptions(row.name, row.options),
    }));
  }

  ensureCollection(name: string, options: NormalizedOptions, progress?: IndexProgress): void {
    this.#db.transaction(() => {
      const text = JSON.stringify(options);
      const found = this.#db.prepare("SELECT id, options FROM quire_collections WHERE name = ?")
        .get<{ id: number; options: string }>(name);
      let table: string;
      let previous: NormalizedOptions = {};
      if (found === undefined) {
        const { lastInsertRowid } = this.#db.prepare(
          "INSERT INTO quire_collections (name, options, created_at) VALUES (?, ?, ?)",
        ).run(name, text, new Date().toISOString());
        table = documentTable(Number(lastInsertRowid));
        this.#db.exec(createDocumentTable(table));
      } else {
        table = documentTable(found.id);
        previous = parseStoredOptions(name, found.options);
        this.#db.prepare("UPDATE quire_collections SET options = ? WHERE id = ?").run(
          text,
          found.id,
        );
      }
      syncIndexes(this.#db, table, options.indexes ?? []);
      // A change of search options rebuilds the index from the documents.
      if (JSON.stringify(previous.search) !== JSON.stringify(options.search)) {
        dropFts(this.#db, table);
        if (options.search !== undefined) createFts(this.#db, table, options.search, progress);
      }
    });
    this.#statements.delete(name);
  }

  get(collection: string, id: string): StoredEntry | undefined {
    // `values`, although on bun:sqlite it steps the statement twice where `get` steps once: the
    // object rows of node:sqlite's `get` cost more than that saves (bench/suite/why.md, get-floor).
    const [row] = this.#for(collection).get.values<Row>(id);
    return row && decode(collection, row);
  }

  /**
   * A write of one document. The insert of a new id is a plain `INSERT … ON CONFLICT DO NOTHING`
   * that returns nothing: its rev is 1 and its times are `now`. The `RETURNING` clause that an
   * UPSERT needs to report an existing document's rev and creation time is dear: SQLite runs it
   * as a trigger that fills a temporary table, and inside a transaction each such statement
   * opens a statement journal; measured, 8 µs a document, half the cost of a plain insert in a
   * batch. So a put tries the insert first, and only when the id exists runs `UPDATE …
   * RETURNING`; after such a put, the next ones run the UPSERT instead (one statement for an
   * update), until one creates its id (see `upsert`). In autocommit mode the insert and the
   * update are two statements: when another connection deletes the document between them, the
   * insert runs again, so the put is still one upsert.
   */
  put(collection: string, request: PutRequest): Meta {
    const statements = this.#for(collection);
    const { id, data, ifRev, now } = request;
    let meta: Meta;
    if (ifRev === undefined) meta = upsert(statements, id, now, data);
    else if (ifRev === 0) {
      if (statements.insertNew.run(id, now, data).changes === 0) {
        throw this.#conflict(collection, id, 0);
      }
      meta = { id, rev: 1, createdAt: now, updatedAt: now };
    } else {
      const row = statements.updateIfRev.get<{ rev: number; created_at: string }>(
        now,
        data,
        id,
        ifRev,
      );
      if (row === undefined) throw this.#conflict(collection, id, ifRev);
      meta = { id, rev: row.rev, createdAt: row.created_at, updatedAt: now };
    }
    this.#wrote();
    return meta;
  }

  /**
   * One statement for the whole batch (rows from `json_each`), so that the FTS5 triggers run
   * inside one statement and FTS5 flushes its pending terms once, not once per document (each
   * statement of a transaction is a savepoint, at which FTS5 writes a new segment: 1,000
   * documents put one by one make 1,000 tiny segments to merge). Conditional writes, batches
   * that name an id twice and collections without a search index go one by one, as `put`: there
   * the JSON round trip costs more than it saves (each document's text escaped into the batch's
   * JSON and parsed out again, and every row returned: a batch of 1,000 new documents took 1.5
   * to 1.9 times as long as plain INSERTs, measured on Bun and Node, where `put`'s INSERT … ON
   * CONFLICT DO NOTHING takes about as long as they do).
   */
  putMany(collection: string, requests: readonly PutRequest[]): Meta[] {
    const statements = this.#for(collection);
    if (
      !statements.indexed || !batchable(requests) ||
      requests.some((request) => request.ifRev !== undefined)
    ) {
      return requests.map((request) => this.put(collection, request));
    }
    const rows = chunksOf(requests).flatMap((chunk) =>
      statements.upsertMany.values<[string, number, string]>(
        JSON.stringify(chunk.map(({ id, now, data }) => [id, now, data])),
      )
    );
    const written = new Map(rows.map(([id, rev, createdAt]) => [id, { rev, createdAt }]));
    return requests.map(({ id, now }) => {
      const row = written.get(id);
      if (row === undefined) throw new QuireError("STORAGE", `Write of ${quote(id)} was lost`);
      return { id, rev: Number(row.rev), createdAt: row.createdAt, updatedAt: now };
    });
  }

  /** `restore` of a batch in one statement, as `putMany`. */
  restoreMany(
    collection: string,
    requests: readonly RestoreRequest[],
    mode: RestoreMode,
  ): boolean[] {
    const statements = this.#for(collection);
    if (!statements.indexed || !batchable(requests)) {
      return requests.map((request) => this.restore(collection, request, mode));
    }
    const statement = mode === "skip" ? statements.restoreSkipMany : statements.restoreReplaceMany;
    const rows = chunksOf(requests).flatMap((chunk) =>
      statement.values<[string]>(
        JSON.stringify(
          chunk.map(({ id, rev, createdAt, updatedAt, data }) => [
            id,
            rev,
            createdAt,
            updatedAt,
            data,
          ]),
        ),
      )
    );
    const written = new Set(rows.map(([id]) => id));
    return requests.map(({ id }) => written.has(id));
  }

  restore(collection: string, request: RestoreRequest, mode: RestoreMode): boolean {
    const statements = this.#for(collection);
    const statement = mode === "skip" ? statements.restoreSkip : statements.restoreReplace;
    const { id, rev, createdAt, updatedAt, data } = request;
    const written = statement.run(id, rev, createdAt, updatedAt, data).changes > 0;
    this.#wrote();
    return written;
  }

  delete(collection: string, id: string, ifRev?: number): boolean {
    const statements = this.#for(collection);
    if (ifRev === 0) {
      if (statements.has.get(id) !== undefined) throw this.#conflict(collection, id, 0);
      return false;
    }
    const deleted = ifRev === undefined
      ? statements.delete.run(id).changes > 0
      : statements.deleteIfRev.run(id, ifRev).changes > 0;
    if (!deleted && ifRev !== undefined) throw this.#conflict(collection, id, ifRev);
    this.#wrote();
    return deleted;
  }

  count(collection: string, filter?: Filter): number {
    const statements = this.#for(collection);
    if (filter === undefined || isMatchAll(filter)) return statements.count.get<{ n: number }>()!.n;
    const where = filterToSql(filter);
    const sql = `SELECT count(*) AS n FROM ${statements.table} WHERE ${where.sql}`;
    return this.#db.prepare(sql, { transient: true }).get<{ n: number }>(...where.params)!.n;
  }

  find(collection: string, request: FindRequest): StoredEntry[] {
    const { sql, params } = selectSql(this.#for(collection).table, request);
    const rows = this.#db.prepare(sql, { transient: true }).values<Row>(...params);
    return decodeAll(collection, rows, false);
  }

  search(collection: string, request: SearchRequest): SearchResult {
    const statements = this.#for(collection);
    const search = this.#searchOptions(collection);
    const run = (fragment: SqlFragment) =>
      this.#ftsQuery(() =>
        this.#db.prepare(fragment.sql, { transient: true }).values(...fragment.params)
      );
    // The query's tree in FTS5's syntax, with the collection's columns; a raw query as it is.
    const match = request.raw
      ? rawFts5Expression(request.text)
      : toFts5Expression(request.query!, search.fields.map((_, i) => ftsColumn(i)));
    const sqlRequest = { ...request, match, weights: search.weights };
    // The best matches are ranked by rowid and rank alone; a few rows more than the page leave
    // room for ties at the page's end, which otherwise need the exact (slower) query.
    const fetch = request.limit + SEARCH_SLACK;
    let rows = run(searchSql(statements.table, sqlRequest, fetch));
    if (pageIsExact(rows.map((row) => row[5] as number), request.limit, fetch)) {
      if (rows.length > request.limit) rows = rows.slice(0, request.limit);
    } else {
      rows = run(exactSearchSql(statements.table, sqlRequest));
    }
    const hits = rows.map((row) => ({
      entry: decode(collection, row as unknown as Row),
      rank: row[5] as number,
    }));
    const facets = request.facets.map((field) =>
      run(facetSql(statements.table, match, request.filter, field)).map(
        ([type, value, count]) => ({
          value: facetValue(type as string, value),
          count: count as number,
        }),
      )
    );
    return { hits, facets };
  }

  reindex(collection: string, progress?: IndexProgress): void {
    const { table } = this.#for(collection);
    const search = this.#searchOptions(collection);
    this.#db.transaction(() => rebuildFts(this.#db, table, search, progress));
  }

  optimize(collection: string): void {
    const { table } = this.#for(collection);
    this.#searchOptions(collection);
    optimizeFts(this.#db, table);
  }

  deleteMany(collection: string, filter: Filter): number {
    if (isMatchAll(filter)) return this.clear(collection);
    const where = filterToSql(filter);
    const sql = `DELETE FROM ${this.#for(collection).table} WHERE ${where.sql}`;
    const deleted = this.#db.prepare(sql, { transient: true }).run(...where.params).changes;
    this.#wrote();
    return deleted;
  }

  explain(collection: string, request: FindRequest): Explain {
    const { table } = this.#for(collection);
    const { sql, params } = selectSql(table, request);
    const rows = this.#db.prepare(`EXPLAIN QUERY PLAN ${sql}`, { transient: true }).all<
      { detail: string }
    >(...params);
    const plan = rows.map((row) => row.detail);
    // Index names carry a hash of their paths: map them back to the collection's options.
    const byName = new Map<string, string[]>();
    const options = this.collections().find((entry) => entry.name === collection)?.options;
    for (const index of options?.indexes ?? []) {
      const paths = typeof index === "string" ? [index] : index;
      byName.set(indexName(table, paths), paths);
    }
    const indexes: string[][] = [];
    for (const detail of plan) {
      const name = /USING (?:COVERING )?INDEX (\S+)/.exec(detail)?.[1];
      const paths = name === undefined ? undefined : byName.get(name);
      if (paths !== undefined) indexes.push(paths);
    }
    return { backend: this.kind, plan, indexes, sql, params: [...params] };
  }

  page(collection: string, request: PageRequest): StoredEntry[] {
    const statements = this.#for(collection);
    const rows = request.after === undefined
      ? statements.pageFirst.values<Row>(request.limit)
      : statements.pageAfter.values<Row>(request.after, request.limit);
    return decodeAll(collection, rows, request.skipCorrupt === true);
  }

  clear(collection: string): number {
    const cleared = this.#for(collection).clear.run().changes;
    this.#wrote();
    return cleared;
  }

  begin(): void {
    this.#db.begin(this.#readonly ? "DEFERRED" : "IMMEDIATE");
  }

  commit(): void {
    this.#db.commit();
    this.#wrote();
  }

  rollback(): void {
    this.#db.rollback();
  }

  backup(path: string): void {
    if (existsSync(path)) {
      throw new QuireError("STORAGE", `Cannot back up to "${path}": the file already exists`);
    }
    // VACUUM INTO writes a consistent, compacted copy from a read transaction: safe on a live
    // WAL database, unlike copying the file. It writes under a name of its own, linked to `path`
    // once whole (as a new database is made), so a backup cut short is never taken for one.
    const partial = join(dirname(path), `.${basename(path)}.partial-${randomHex(8)}`);
    try {
      this.#db.prepare("VACUUM INTO ?").run(partial);
      linkSync(partial, path);
    } catch (error) {
      if (error instanceof QuireError) throw error;
      throw new QuireError("STORAGE", `Cannot back up to "${path}": ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      rmSync(partial, { force: true });
    }
  }

  stats(collection: string): CollectionStats {
    const { table } = this.#for(collection);
    const row = this.#db.prepare(
      `SELECT count(*) AS count, coalesce(sum(length(CAST(data AS BLOB))), 0) AS bytes FROM ${table}`,
    ).get<CollectionStats>()!;
    return { count: row.count, bytes: row.bytes };
  }

  /** Page and file figures of the database. */
  storageStats(): Record<string, number | string> {
    const pragma = (name: string) =>
      Object.values(this.#db.prepare(`PRAGMA ${name}`).get()!)[0] as number | string;
    const pageSize = pragma("page_size") as number;
    const pageCount = pragma("page_count") as number;
    const figures: Record<string, number | string> = {
      sqliteVersion: this.#db.prepare("SELECT sqlite_version() AS v").get<{ v: string }>()!.v,
      journalMode: pragma("journal_mode"),
      synchronous: ["off", "normal", "full", "extra"][pragma("synchronous") as number] ?? "unknown",
      busyTimeoutMs: pragma("busy_timeout"),
      // A negative cache_size is in KiB.
      cacheMiB: -(pragma("cache_size") as number) / 1024,
      // An in-memory database has no map, and its PRAGMA mmap_size gives no row.
      mmapMiB: this.location === ":memory:" ? 0 : Number(pragma("mmap_size")) / 2 ** 20,
      schemaVersion: pragma("user_version"),
      pageSize,
      pageCount,
      freePages: pragma("freelist_count"),
      databaseBytes: pageSize * pageCount,
    };
    if (this.location !== ":memory:" && existsSync(`${this.location}-wal`)) {
      figures.walBytes = statSync(`${this.location}-wal`).size;
    }
    return figures;
  }

  check(): Problem[] {
    const problems: Problem[] = [];
    const rows = this.#db.prepare("PRAGMA integrity_check").all<{ integrity_check: string }>();
    for (const row of rows) {
      if (row.integrity_check !== "ok") {
        problems.push({ code: "CORRUPT", message: row.integrity_check });
      }
    }
    for (const { name, options } of this.collections()) {
      const { table } = this.#for(name);
      if (options.search !== undefined) {
        const differ = compareFts(this.#db, table, options.search);
        if (differ > 0) {
          problems.push({
            code: "CORRUPT",
            collection: name,
            message: `The search index differs from the documents in ${differ} token ` +
              "positions: run reindex()",
          });
        }
      }
      const bad = this.#db.prepare(`SELECT id FROM ${table} WHERE json_valid(data) = 0 LIMIT 1000`)
        .all<
          { id: string }
        >();
      for (const { id } of bad) {
        problems.push({
          code: "CORRUPT",
          collection: name,
          id,
          message: "The stored document is not valid JSON",
        });
      }
    }
    return problems;
  }

  close(): void {
    this.#statements.clear();
    if (!this.#readonly) {
      // Keeps the query planner's statistics current; cheap when nothing changed.
      try {
        this.#db.exec("PRAGMA optimize");
      } catch { /* best effort */ }
    }
    this.#db.close();
  }

  /**
   * Counts a write; every {@linkcode WAL_CHECK_WRITES} writes outside a transaction, restarts a
   * WAL grown past {@linkcode WAL_RESTART_BYTES}. The write is done whatever happens here: a
   * checkpoint that cannot finish (readers still busy) or fails is left for a later write.
   */
  #wrote(): void {
    if (++this.#writes % WAL_CHECK_WRITES !== 0 || this.#db.depth > 0) return;
    const now = performance.now();
    if (this.location === ":memory:" || now < this.#walRetryAt) return;
    if (walBytes(this.location) < WAL_RESTART_BYTES) return;
    try {
      const row = this.#db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get<{ busy: number }>();
      // A reader that keeps one snapshot for long made this wait busyTimeoutMs in vain: try
      // again no sooner than ten times that later, so writes stall a tenth of the time at most.
      if (row?.busy !== 0) this.#walRetryAt = now + 10 * this.#busyTimeoutMs;
    } catch {
      // Best effort, see above.
    }
  }

  /**
   * The collection's search options; `UNSUPPORTED` when it has none. The catalog row is read
   * every time (another process may have changed it), but parsed only when it changed.
   */
  #searchOptions(collection: string): SearchOptions {
    const text = this.#db.prepare("SELECT options FROM quire_collections WHERE name = ?").get<
      { options: string }
    >(collection)?.options;
    let cached = this.#searchCache.get(collection);
    if (cached === undefined || cached.text !== text) {
      const search = text === undefined ? undefined : parseStoredOptions(collection, text).search;
      cached = { text, search };
      this.#searchCache.set(collection, cached);
    }
    return requireSearchOptions(collection, cached.search);
  }

  /**
   * Runs an FTS5 query, turning FTS5's complaints about the expression into INVALID_SEARCH: the
   * SQL around it is quire's own, so a plain SQLITE_ERROR (an unterminated string, a syntax
   * error, an unknown column) can only come from the match expression of a raw query.
   */
  #ftsQuery<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      if (sqlitePrimaryCode(error) === SQLITE.ERROR) {
        const detail = error instanceof QuireError && error.cause instanceof Error
          ? error.cause.message
          : String(error);
        throw new QuireError("INVALID_SEARCH", `Invalid search: FTS5 refused it: ${detail}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  #conflict(collection: string, id: string, expected: number): QuireError {
    const row = this.#for(collection).readRev.get<{ rev: number }>(id);
    return conflict(collection, id, expected, row?.rev ?? 0);
  }

  /** The statements of a collection that is in the catalog (the Store makes sure it is). */
  #for(collection: string): Statements {
    let statements = this.#statements.get(collection);
    if (statements === undefined) {
      const row = this.#db.prepare("SELECT id FROM quire_collections WHERE name = ?").get<
        { id: number }
      >(collection);
      if (row === undefined) {
        throw new QuireError("NOT_FOUND", `Collection "${collection}" does not exist`);
      }
      statements = prepareStatements(this.#db, documentTable(row.id));
      this.#statements.set(collection, statements);
    }
    return statements;
  }
}

/**
 * Creates or replaces `id` (see `SqliteBackend.put`). After a put that found its id (a run of
 * updates), the next is the one UPSERT … RETURNING, which does an update in one statement where
 * the insert first would take two (25% slower a write, measured); after one that created its id,
 * the next is the insert first. Either way the result is the same: the choice only guesses which
 * costs less.
 */
function upsert(statements: Statements, id: string, now: string, data: string): Meta {
  if (statements.updating) {
    const row = statements.upsert.get<{ rev: number; created_at: string }>(id, now, data)!;
    // Rev 1 at this write's time: the UPSERT inserted (or rarely, updated a document created
    // in the same millisecond with rev 1, which only makes the next guess wrong).
    statements.updating = row.rev !== 1 || row.created_at !== now;
    return { id, rev: row.rev, createdAt: row.created_at, updatedAt: now };
  }
  for (let attempt = 0; attempt < UPSERT_ATTEMPTS; attempt++) {
    if (statements.insertNew.run(id, now, data).changes > 0) {
      return { id, rev: 1, createdAt: now, updatedAt: now };
    }
    const row = statements.update.get<{ rev: number; created_at: string }>(now, data, id);
    if (row !== undefined) {
      statements.updating = true;
      return { id, rev: row.rev, createdAt: row.created_at, updatedAt: now };
    }
  }
  throw new QuireError(
    "STORAGE",
    `Write of ${quote(id)} failed: other connections deleted and created it again ` +
      `${UPSERT_ATTEMPTS} times while it was being written`,
  );
}

/** How many times `upsert` tries before it gives up (each retry needs another writer's help). */
const UPSERT_ATTEMPTS = 100;

/** The rows of a `restoreMany` batch: a JSON array of `[id, rev, createdAt, updatedAt, data]`. */
const RESTORE_ROWS = "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 " +
  "FROM json_each(?) WHERE true";

/** Most bytes of documents in one batch statement: SQLite refuses strings over 1e9 bytes. */
const MAX_STATEMENT_DATA = 16 * 1024 * 1024;

/** The batch in runs of at most {@linkcode MAX_STATEMENT_DATA} characters of documents. */
function chunksOf<T extends { data: string }>(requests: readonly T[]): T[][] {
  const chunks: T[][] = [[]];
  let size = 0;
  for (const request of requests) {
    if (size + request.data.length > MAX_STATEMENT_DATA && chunks.at(-1)!.length > 0) {
      chunks.push([]);
      size = 0;
    }
    chunks.at(-1)!.push(request);
    size += request.data.length;
  }
  return chunks;
}

/**
 * Whether a batch can be written in one statement: at least two writes, and no id twice (a
 * statement's RETURNING rows are matched to the writes by id).
 */
function batchable(requests: readonly { id: string }[]): boolean {
  if (requests.length < 2) return false;
  const ids = new Set<string>();
  for (const { id } of requests) {
    if (ids.has(id)) return false;
    ids.add(id);
  }
  return true;
}

function prepareStatements(db: Database, table: string): Statements {
  const returning = "RETURNING rev, created_at";
  return {
    table,
    indexed: db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(
      ftsTable(table),
    ) !== undefined,
    get: db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE id = ?`),
    has: db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`),
    upsert: db.prepare(
      `INSERT INTO ${table} (${COLUMNS}) VALUES (?1, 1, ?2, ?2, ?3)
       ON CONFLICT (id) DO UPDATE SET rev = rev + 1, updated_at = excluded.updated_at, data = excluded.data
       ${returning}`,
    ),
    updating: false,
    insertNew: db.prepare(
      `INSERT INTO ${table} (${COLUMNS}) VALUES (?1, 1, ?2, ?2, ?3) ON CONFLICT (id) DO NOTHING`,
    ),
    update: db.prepare(
      `UPDATE ${table} SET rev = rev + 1, updated_at = ?1, data = ?2 WHERE id = ?3 ${returning}`,
    ),
    updateIfRev: db.prepare(
      `UPDATE ${table} SET rev = rev + 1, updated_at = ?1, data = ?2 WHERE id = ?3 AND rev = ?4 ${returning}`,
    ),
    readRev: db.prepare(`SELECT rev FROM ${table} WHERE id = ?`),
    delete: db.prepare(`DELETE FROM ${table} WHERE id = ?`),
    deleteIfRev: db.prepare(`DELETE FROM ${table} WHERE id = ? AND rev = ?`),
    restoreSkip: db.prepare(
      `INSERT INTO ${table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    ),
    restoreReplace: db.prepare(
      `INSERT INTO ${table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET
       rev = excluded.rev, created_at = excluded.created_at, updated_at = excluded.updated_at, data = excluded.data`,
    ),
    // `WHERE true`: without it, SQLite would read ON CONFLICT as a join's ON clause.
    upsertMany: db.prepare(
      `INSERT INTO ${table} (${COLUMNS})
       SELECT value ->> 0, 1, value ->> 1, value ->> 1, value ->> 2 FROM json_each(?) WHERE true
       ON CONFLICT (id) DO UPDATE SET rev = rev + 1, updated_at = excluded.updated_at, data = excluded.data
       RETURNING id, rev, created_at`,
    ),
    restoreSkipMany: db.prepare(
      `INSERT INTO ${table} (${COLUMNS}) ${RESTORE_ROWS} ON CONFLICT (id) DO NOTHING RETURNING id`,
    ),
    restoreReplaceMany: db.prepare(
      `INSERT INTO ${table} (${COLUMNS}) ${RESTORE_ROWS} ON CONFLICT (id) DO UPDATE SET
       rev = excluded.rev, created_at = excluded.created_at, updated_at = excluded.updated_at, data = excluded.data
       RETURNING id`,
    ),
    count: db.prepare(`SELECT count(*) AS n FROM ${table}`),
    pageFirst: db.prepare(`SELECT ${COLUMNS} FROM ${table} ORDER BY id LIMIT ?`),
    pageAfter: db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`),
    clear: db.prepare(`DELETE FROM ${table}`),
  };
}

function decodeAll(collection: string, rows: Row[], skipCorrupt: boolean): StoredEntry[] {
  const entries: StoredEntry[] = [];
  for (const row of rows) {
    try {
      entries.push(decode(collection, row));
    } catch (error) {
      if (!skipCorrupt) throw error;
    }
  }
  return entries;
}

/** A facet value from json_each's type and value columns. */
function facetValue(type: string, value: unknown): FacetCount["value"] {
  if (type === "true") return true;
  if (type === "false") return false;
  if (type === "null") return null;
  if (type === "text") return JSON.parse(value as string) as string;
  return typeof value === "bigint" ? Number(value) : value as number;
}

/** A row's columns as an entry. */
function decode(collection: string, [id, rev, createdAt, updatedAt, data]: Row): StoredEntry {
  return decodeEntry(collection, id, rev, createdAt, updatedAt, data);
}

/** Fails with `UNSUPPORTED` when this SQLite build has no FTS5 (quire needs it for search). */
export function checkFts5(db: Pick<Database, "exec">): void {
  try {
    db.exec(
      "CREATE VIRTUAL TABLE temp.quire_fts5_probe USING fts5(x); DROP TABLE temp.quire_fts5_probe",
    );
  } catch (error) {
    throw new QuireError(
      "UNSUPPORTED",
      "This runtime's SQLite has no FTS5; quire needs a build with FTS5 (Bun and Deno ship one)",
      { cause: error },
    );
  }
}

function pick<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new QuireError(
      "INVALID_OPTION",
      `Invalid ${name} "${value}": expected one of ${allowed.join(", ")}`,
    );
  }
  return value as T;
}
