/**
 * The file backend's committed records: one JSON file per document.
 *
 * ```
 * <dir>/_catalog.json              {"format":1,"collections":[{"name":…,"options":…}]}
 * <dir>/_journal.json              only while a batch is being applied (see below)
 * <dir>/<collection>/<document>    one file per document, names as in file_names.ts
 * <dir>/.tmp/                      temporary files of writes in progress (see below)
 * ```
 *
 * A document file is one JSON object, metadata first and the document last:
 * `{"id":"n1","rev":3,"createdAt":"…","updatedAt":"…","doc":{…}}`. It is written by string
 * concatenation around the document's JSON text, and read back by cutting at the first
 * `,"doc":` (a JSON string cannot hold an unescaped `"`, so that is the separator) and parsing
 * only the metadata; a file laid out any other way (re-indented by hand, say) is parsed whole.
 * A file that is not a document file, or that holds another id than its name says, is `CORRUPT`
 * when read and a problem in `check()`.
 *
 * **Atomic writes.** Every file is replaced by writing a temporary file in `<dir>/.tmp/`,
 * `fsync`, renaming it into place and `fsync` of the target's directory (atomic_write.ts), so a
 * file is always whole: a process killed mid-write leaves the previous version. A batch of
 * several changes (a transaction, `putMany`, `clear`) is first written to `_journal.json`,
 * atomically: once that rename is done the batch is committed. Then each change is applied and
 * the journal removed. If the process dies in between, the next open finds the journal and
 * applies it again (which is idempotent: every change is a whole record, or a removal). If
 * applying fails in a live process (a full disk, say), the batch stays committed: reads see it
 * through an in-memory overlay of the journal, and the next write first finishes it (failing
 * with `STORAGE` while it cannot); `close()` tries too, and otherwise the next open does.
 *
 * **Read-only.** Nothing is ever written, removed or replayed; a missing directory is
 * `NOT_FOUND`. A journal left by a writer that died is laid over the files in memory, so reads
 * see the committed state; the overlay is dropped once the journal is gone (a writer opened the
 * store and finished it) and reloaded when it changes.
 *
 * **Listings.** `ids()` and `count()` come from a sorted list of ids cached per collection. The
 * store keeps it up to date on its own writes, and lists the directory again when its mtime
 * changes (one `stat` per call), so paging through 100k documents reads the directory once.
 * A read-only store does not trust a listing taken within a second of the directory's mtime,
 * since a write in the same clock tick would not change it. Names that are not document file
 * names (see file_names.ts) are not listed, and are left alone.
 *
 * **Temporary files** are only ever written in `<dir>/.tmp/`, which is on the store's file
 * system, so renaming one into place is atomic; a killed writer leaves nothing behind in the
 * collections' directories. Opening a store, unless read-only, creates `.tmp/` if it is missing
 * and removes every file in it (one small directory to read, however many documents the store
 * holds), which is safe because it holds the writer lock (see "One writer"); a read-only store
 * never touches it.
 *
 * **Stats.** `bytes` is the sum of the documents' JSON text in UTF-8, as the other backends
 * count it (so the figures compare across backends), not the files' sizes on disk, which add
 * about 100 bytes of metadata per document. Computing it reads every file of the collection.
 *
 * **Backups** copy the catalog, any journal and every document file (not `.tmp/`, nor stray
 * files in the collections' directories) to a new directory and flush them. The Store holds its
 * lock meanwhile, and no other process can write (see "One writer"), so the copy is consistent.
 * The copy is made in `<path>.partial-<random>` and renamed to `<path>` once whole: a backup cut
 * short by a crash is that partial directory, never a directory that looks like a good backup.
 *
 * **One writer.** One process writes at a time, and it is enforced: a store opened for writing
 * takes the lock file `<dir>/.writer.lock` (writer_lock.ts) before it writes, removes or replays
 * anything, and `close()` removes it. A second writer, from another process or from a second
 * `open()` in the same one, is refused at open with `BUSY`, naming the holder (pid, host, since
 * when). Read-only stores take no lock, and any number may read (without isolation from a live
 * writer's batches). A lock left by a process that was killed is taken over by the next writer
 * when the lock shows that its holder is gone (same host: no such pid, or a pid reused since);
 * one held from another host is never taken over: the message names the file to remove once
 * that writer is known to be gone. For several writing processes use SQLite.
 *
 * Opening an existing directory that holds no `_catalog.json` is refused unless it is empty
 * (dot files, `.tmp/` among them, and a journal aside), so that pointing a store at the wrong
 * directory cannot clutter it.
 *
 * @module
 */

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { normalizeOptions } from "../../collection_options.ts";
import { isPlainObject, utf8Length } from "../../document.ts";
import { OUTCOME_UNKNOWN, QuireError, quote } from "../../errors.ts";
import { checkCollectionName, checkId, compareCodePoints } from "../../names.ts";
import { randomHex } from "../../random_hex.ts";
import type { CatalogEntry, CollectionStats, Problem } from "../../backend/types.ts";
import type { Change, RecordStore, StoredRecord } from "../buffered_backend.ts";
import { idPosition } from "../id_position.ts";
import {
  copyFileDurable,
  errorCode,
  removeFileAtomic,
  syncDirectory,
  UnconfirmedChange,
  writeFileAtomic,
} from "./atomic_write.ts";
import {
  decodeFileName,
  encodeCollectionName,
  encodeFileName,
  isHashedFileName,
} from "./file_names.ts";
import { WriterLock } from "./writer_lock.ts";

/** The on-disk format this code writes; a store with a newer one is `SCHEMA_TOO_NEW`. */
export const FILE_FORMAT = 1;
/** The catalog file in the store's directory. */
export const CATALOG_FILE = "_catalog.json";
/** The journal file of a batch being applied. */
export const JOURNAL_FILE = "_journal.json";
/** The directory of temporary files. */
export const TEMP_DIR = ".tmp";

// A read-only store distrusts a listing taken this soon after the directory's mtime.
const RACY_MS = 1000;
// Up to this many changes are spliced into a sorted listing; more are merged.
const SPLICE_LIMIT = 64;
const SEPARATOR = ',"doc":';

/** Options of {@linkcode FileStore}. */
export interface FileStoreOptions {
  /** Never write; the directory must exist. @default false */
  readonly?: boolean;
}

/** A collection's ids as the directory holds them, kept up to date on this store's writes. */
interface Listing {
  /** Sorted in code point order, but for the two sets below. */
  ids: string[];
  members: Set<string>;
  /** Ids in `members` not yet in `ids`. */
  added: Set<string>;
  /** Ids still in `ids` but no longer in `members`. */
  removed: Set<string>;
  /** The directory's mtime the listing matches; -1 when it did not exist. */
  mtimeMs: number;
  /** Whether the mtime can tell if the listing is still current. */
  trusted: boolean;
}

/** A committed batch whose journal has not been fully applied to the files. */
interface Pending {
  changes: Change[];
  byCollection: Map<string, Map<string, StoredRecord | null>>;
  /** Identity of the journal file it was read from (read-only stores). */
  stamp: string | undefined;
}

/** Committed records in one JSON file per document; see the module documentation. */
export class FileStore implements RecordStore {
  readonly kind = "file";
  readonly location: string;
  #dir: string;
  #tempDir: string;
  #readonly: boolean;
  #listings = new Map<string, Listing>();
  // Collection directories known to exist.
  #created = new Set<string>();
  #pending: Pending | undefined;
  // Held by a writer from open to close().
  #lock: WriterLock | undefined;
  #closed = false;

  /**
   * Opens (creating if needed) a file store: replays a leftover journal and empties `.tmp/`,
   * unless read-only.
   *
   * @param dir The store's directory.
   * @param options `readonly`.
   * @throws {QuireError} `NOT_FOUND` (read-only, no directory), `UNSUPPORTED` (not a store),
   *   `BUSY` (another writer holds the directory), `CORRUPT`, `SCHEMA_TOO_NEW`, `STORAGE`.
   */
  constructor(dir: string, options: FileStoreOptions = {}) {
    this.location = dir;
    this.#dir = dir;
    this.#tempDir = join(dir, TEMP_DIR);
    this.#readonly = options.readonly === true;
    this.#openDirectory();
    // Before anything is written, removed or replayed: see "One writer".
    if (!this.#readonly) this.#lock = WriterLock.acquire(dir);
    try {
      if (!this.#readonly) {
        this.#emptyTempDir();
        // Looked at again under the lock: a writer may have created it since.
        if (!existsSync(join(dir, CATALOG_FILE))) this.writeCatalog([]);
      }
      this.readCatalog(); // fails early on a damaged or newer catalog
      const pending = this.#loadJournal();
      if (pending !== undefined) {
        this.#pending = pending;
        if (!this.#readonly) this.#finishPending();
      }
    } catch (error) {
      this.#lock?.release();
      throw error;
    }
  }

  readCatalog(): CatalogEntry[] {
    const path = join(this.#dir, CATALOG_FILE);
    const text = this.#readText(path, "the catalog");
    if (text === undefined) return [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new QuireError("CORRUPT", `Cannot read the catalog "${path}": it is not valid JSON`, {
        cause: error,
      });
    }
    const collections = this.#checkFormat(value, path, "catalog");
    return collections.map((entry) => {
      if (!isPlainObject(entry)) throw damagedCatalog(path, "an entry is not an object");
      try {
        return { name: checkCollectionName(entry.name), options: normalizeOptions(entry.options) };
      } catch (error) {
        throw damagedCatalog(path, (error as Error).message);
      }
    });
  }

  writeCatalog(entries: CatalogEntry[]): void {
    this.#checkWritable();
    this.#finishPending();
    const text = JSON.stringify({ format: FILE_FORMAT, collections: entries }, null, 2) + "\n";
    const path = join(this.#dir, CATALOG_FILE);
    try {
      writeFileAtomic(path, text, this.#tempDir);
    } catch (error) {
      throw storageError(`Cannot write the catalog "${path}"`, error);
    }
  }

  read(collection: string, id: string): StoredRecord | undefined {
    if (this.#pending !== undefined) {
      this.#refreshPending();
      const record = this.#pending?.byCollection.get(collection)?.get(id);
      if (record !== undefined) return record ?? undefined;
    }
    const path = join(this.#collectionDir(collection), encodeFileName(id));
    const text = this.#readText(path, `${collection}/${quote(id)}`);
    if (text === undefined) return undefined;
    const record = parseRecord(text);
    if (record === undefined) {
      throw new QuireError(
        "CORRUPT",
        `Stored document ${collection}/${quote(id)} is damaged: "${path}" is not a document file`,
      );
    }
    if (record.id !== id) {
      throw new QuireError(
        "CORRUPT",
        `Stored document ${collection}/${quote(id)} is damaged: "${path}" holds the id ${
          quote(record.id)
        }`,
      );
    }
    return record;
  }

  ids(collection: string): readonly string[] {
    return sortedIds(this.#listing(collection));
  }

  count(collection: string): number {
    return this.#listing(collection).members.size;
  }

  apply(changes: Change[]): void {
    this.#checkWritable();
    this.#finishPending();
    if (changes.length === 0) return;
    const collections = new Set(changes.map((change) => change.collection));
    for (const collection of collections) this.#dropStaleListing(collection);
    const [change] = changes;
    if (changes.length === 1 && change !== undefined) {
      try {
        this.#applyChange(change, true);
      } catch (error) {
        this.#listings.delete(change.collection);
        const verb = change.record === null ? "delete" : "write";
        throw storageError(`Cannot ${verb} ${change.collection}/${quote(change.id)}`, error);
      }
      this.#restamp(change.collection);
      return;
    }
    const journal = join(this.#dir, JOURNAL_FILE);
    try {
      writeFileAtomic(journal, JSON.stringify({ format: FILE_FORMAT, changes }), this.#tempDir);
    } catch (error) {
      // If the journal got into place, the next open would apply the batch: take it back. Once
      // that is done, the batch is surely not applied; if it cannot be, it may still be.
      let cause = error instanceof UnconfirmedChange ? error.cause : error;
      try {
        removeFileAtomic(journal);
      } catch (removal) {
        cause = new UnconfirmedChange(removal);
      }
      throw storageError(
        `Cannot write a batch of ${changes.length} changes to "${journal}"`,
        cause,
      );
    }
    // The batch is committed: from here on it is finished, now or later, but never undone.
    this.#pending = toPending(changes, undefined);
    try {
      this.#finishPending();
    } catch {
      // Reads see the batch through the overlay; the next write or close() finishes it.
    }
  }

  stats(collection: string): CollectionStats {
    const ids = [...this.ids(collection)];
    let bytes = 0;
    for (const id of ids) {
      try {
        const record = this.read(collection, id);
        if (record !== undefined) bytes += utf8Length(record.data);
      } catch (error) {
        // A damaged file counts, without bytes; check() reports it.
        if (!(error instanceof QuireError && error.code === "CORRUPT")) throw error;
      }
    }
    return { count: ids.length, bytes };
  }

  check(): Problem[] {
    const problems: Problem[] = [];
    for (const { name } of this.readCatalog()) {
      const directory = this.#collectionDir(name);
      let files: string[];
      try {
        files = readdirSync(directory).sort();
      } catch (error) {
        if (errorCode(error) === "ENOENT") continue;
        throw storageError(`Cannot list collection "${name}" in "${directory}"`, error);
      }
      for (const file of files) {
        const id = decodeFileName(file);
        if (id === undefined && !isHashedFileName(file)) continue; // not a document file
        const problem = checkFile(name, join(directory, file), file, id);
        if (problem !== undefined) problems.push(problem);
      }
    }
    return problems;
  }

  backup(path: string): void {
    if (existsSync(path)) {
      throw new QuireError("STORAGE", `Cannot back up to "${path}": it already exists`);
    }
    // The copy is made under a name of its own and renamed into place when whole, so a backup
    // cut short (a killed process) never looks like a good one: it is a "<path>.partial-…"
    // directory, which can be removed.
    const partial = `${path}.partial-${randomHex(8)}`;
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true });
      mkdirSync(partial);
    } catch (error) {
      throw storageError(`Cannot back up to "${path}"`, error);
    }
    try {
      for (const file of [CATALOG_FILE, JOURNAL_FILE]) {
        if (existsSync(join(this.#dir, file))) {
          copyFileDurable(join(this.#dir, file), join(partial, file));
        }
      }
      for (const { name } of this.readCatalog()) {
        const from = this.#collectionDir(name);
        if (!existsSync(from)) continue;
        const to = join(partial, encodeCollectionName(name));
        mkdirSync(to);
        for (const file of readdirSync(from)) {
          if (decodeFileName(file) !== undefined || isHashedFileName(file)) {
            copyFileDurable(join(from, file), join(to, file));
          }
        }
        syncDirectory(to);
      }
      syncDirectory(partial);
      if (existsSync(path)) throw new Error("it was created while the backup was made");
      renameSync(partial, path);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      throw storageError(`Cannot back up to "${path}"`, error);
    }
    try {
      syncDirectory(dirname(resolve(path)));
    } catch (error) {
      throw storageError(`Cannot back up to "${path}"`, new UnconfirmedChange(error));
    }
  }

  close(): void {
    if (!this.#readonly && this.#pending !== undefined && !this.#closed) {
      try {
        this.#finishPending();
      } catch {
        // The journal stays; the next open finishes it.
      }
    }
    this.#closed = true;
    this.#listings.clear();
    this.#created.clear();
    this.#lock?.release();
  }

  /** Checks (or creates) the directory; see the module documentation. */
  #openDirectory(): void {
    const dir = this.#dir;
    let stat;
    try {
      stat = statSync(dir, { throwIfNoEntry: false });
    } catch (error) {
      throw storageError(`Cannot open "${dir}"`, error);
    }
    if (stat === undefined) {
      if (this.#readonly) {
        throw new QuireError("NOT_FOUND", `Cannot open read-only: "${dir}" does not exist`);
      }
      try {
        mkdirSync(dir, { recursive: true });
        syncDirectory(dirname(resolve(dir)));
      } catch (error) {
        throw storageError(`Cannot create "${dir}"`, error);
      }
      return;
    }
    if (!stat.isDirectory()) {
      throw new QuireError("STORAGE", `Cannot open "${dir}": it is not a directory`);
    }
    if (existsSync(join(dir, CATALOG_FILE))) return;
    const foreign = readdirSync(dir).filter((name) =>
      !name.startsWith(".") && name !== JOURNAL_FILE
    );
    if (foreign.length > 0) {
      throw new QuireError(
        "UNSUPPORTED",
        `Cannot open "${dir}": it is not a quire file store (no ${CATALOG_FILE}) and it is not empty`,
      );
    }
  }

  /** Creates `.tmp/`, or removes the files a killed writer left in it. */
  #emptyTempDir(): void {
    const directory = this.#tempDir;
    try {
      mkdirSync(directory, { recursive: true });
      for (const name of readdirSync(directory)) {
        try {
          rmSync(join(directory, name));
        } catch {
          // A directory (no write leaves one), or a file it cannot remove: harmless.
        }
      }
    } catch (error) {
      throw storageError(`Cannot prepare "${directory}"`, error);
    }
  }

  /** The journal left by an unfinished batch, if any. */
  #loadJournal(): Pending | undefined {
    const path = join(this.#dir, JOURNAL_FILE);
    const stamp = fileStamp(path);
    if (stamp === undefined) return undefined;
    const text = this.#readText(path, "the journal");
    if (text === undefined) return undefined;
    try {
      return toPending(parseJournal(this.#checkFormat(JSON.parse(text), path, "journal")), stamp);
    } catch (error) {
      if (error instanceof QuireError && error.code === "SCHEMA_TOO_NEW") throw error;
      throw new QuireError(
        "CORRUPT",
        `Cannot open "${this.#dir}": the unfinished batch in "${path}" is damaged; move it away to open the store without it`,
        { cause: error },
      );
    }
  }

  /** Read-only stores: follows the journal file, which a writer may finish or replace. */
  #refreshPending(): void {
    if (!this.#readonly || this.#pending === undefined) return;
    const stamp = fileStamp(join(this.#dir, JOURNAL_FILE));
    if (stamp === this.#pending.stamp) return;
    this.#pending = undefined;
    this.#listings.clear();
    if (stamp === undefined) return;
    try {
      this.#pending = this.#loadJournal();
    } catch {
      // A journal replaced while it was read: the next call looks again.
    }
  }

  /** Applies the pending batch to the files, then removes its journal. */
  #finishPending(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    const directories = new Set<string>();
    try {
      for (const change of pending.changes) this.#applyChange(change, false, directories);
      for (const directory of directories) syncDirectory(directory);
      removeFileAtomic(join(this.#dir, JOURNAL_FILE));
    } catch (error) {
      // Listings built from now on lay the pending batch over the directory.
      this.#listings.clear();
      throw storageError(
        `Cannot finish a committed batch of ${pending.changes.length} changes (it stays in "${
          join(this.#dir, JOURNAL_FILE)
        }")`,
        error,
      );
    }
    this.#pending = undefined;
    for (const collection of pending.byCollection.keys()) this.#restamp(collection);
  }

  #applyChange(change: Change, sync: boolean, directories?: Set<string>): void {
    const directory = this.#collectionDir(change.collection);
    const path = join(directory, encodeFileName(change.id));
    if (change.record === null) {
      removeFileAtomic(path, { syncDirectory: sync });
    } else {
      this.#createDirectory(directory);
      writeFileAtomic(path, composeRecord(change.record), this.#tempDir, { syncDirectory: sync });
    }
    directories?.add(directory);
    const listing = this.#listings.get(change.collection);
    if (listing !== undefined) noteChange(listing, change.id, change.record !== null);
  }

  #createDirectory(directory: string): void {
    if (this.#created.has(directory)) return;
    try {
      mkdirSync(directory);
      syncDirectory(this.#dir);
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
      if (!statSync(directory).isDirectory()) throw new Error(`"${directory}" is not a directory`);
    }
    this.#created.add(directory);
  }

  #listing(collection: string): Listing {
    if (this.#pending !== undefined) this.#refreshPending();
    const cached = this.#listings.get(collection);
    if (cached !== undefined && cached.trusted) {
      if (mtimeOf(this.#collectionDir(collection)) === cached.mtimeMs) return cached;
    }
    const listing = this.#list(collection);
    this.#listings.set(collection, listing);
    return listing;
  }

  /** Reads a collection's directory. */
  #list(collection: string): Listing {
    const directory = this.#collectionDir(collection);
    const listedAt = Date.now();
    // The mtime is taken first: a change made while the directory is read changes it again.
    const mtimeMs = mtimeOf(directory);
    const ids: string[] = [];
    if (mtimeMs !== -1) {
      let names: string[];
      try {
        names = readdirSync(directory);
      } catch (error) {
        const code = errorCode(error);
        if (code !== "ENOENT" && code !== "ENOTDIR") {
          throw storageError(`Cannot list collection "${collection}" in "${directory}"`, error);
        }
        names = [];
      }
      for (const name of names) {
        const id = decodeFileName(name) ??
          (isHashedFileName(name) ? idInFile(join(directory, name), name) : undefined);
        if (id !== undefined) ids.push(id);
      }
    }
    ids.sort(compareCodePoints);
    const listing: Listing = {
      ids,
      members: new Set(ids),
      added: new Set(),
      removed: new Set(),
      mtimeMs,
      trusted: !this.#readonly || listedAt - mtimeMs > RACY_MS,
    };
    for (const [id, record] of this.#pending?.byCollection.get(collection) ?? []) {
      noteChange(listing, id, record !== null);
    }
    return listing;
  }

  /** Drops a listing that no longer matches its directory, before this store writes to it. */
  #dropStaleListing(collection: string): void {
    const listing = this.#listings.get(collection);
    if (listing !== undefined && mtimeOf(this.#collectionDir(collection)) !== listing.mtimeMs) {
      this.#listings.delete(collection);
    }
  }

  /** After this store's own write: the listing is current again at the new mtime. */
  #restamp(collection: string): void {
    const listing = this.#listings.get(collection);
    if (listing !== undefined) listing.mtimeMs = mtimeOf(this.#collectionDir(collection));
  }

  #collectionDir(collection: string): string {
    return join(this.#dir, encodeCollectionName(collection));
  }

  /** A file's text, or `undefined` when there is no such file. */
  #readText(path: string, what: string): string | undefined {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw storageError(`Cannot read ${what} from "${path}"`, error);
    }
  }

  /** Checks the `format` of the catalog or the journal and returns its list of entries. */
  #checkFormat(value: unknown, path: string, kind: "catalog" | "journal"): unknown[] {
    const key = kind === "catalog" ? "collections" : "changes";
    if (
      !isPlainObject(value) || !Number.isSafeInteger(value.format) || !Array.isArray(value[key])
    ) {
      throw new QuireError("CORRUPT", `Cannot read "${path}": it is not a quire ${kind} file`);
    }
    if ((value.format as number) > FILE_FORMAT) {
      throw new QuireError(
        "SCHEMA_TOO_NEW",
        `Cannot open "${this.#dir}": its format ${value.format} is newer than this version of quire reads (${FILE_FORMAT})`,
      );
    }
    return value[key] as unknown[];
  }

  #checkWritable(): void {
    if (this.#readonly) {
      throw new QuireError(
        "READ_ONLY",
        `Cannot write to "${this.#dir}": the store is open read-only`,
      );
    }
  }
}

/** A document file's text: metadata, then the document's JSON text as it is. */
export function composeRecord(record: StoredRecord): string {
  return `{"id":${JSON.stringify(record.id)},"rev":${record.rev},"createdAt":${
    JSON.stringify(record.createdAt)
  },"updatedAt":${JSON.stringify(record.updatedAt)}${SEPARATOR}${record.data}}`;
}

/**
 * Reads a document file's text.
 *
 * @returns The record, or `undefined` when the text is not a document file. The document's JSON
 *   text is not parsed on the fast path (the layout {@linkcode composeRecord} writes); decoding
 *   it later finds damage there.
 */
export function parseRecord(text: string): StoredRecord | undefined {
  if (text.startsWith('{"id":') && text.endsWith("}")) {
    const at = text.indexOf(SEPARATOR);
    if (at > 0 && text.charCodeAt(at + SEPARATOR.length) === 0x7b /* { */) {
      let meta: unknown;
      try {
        meta = JSON.parse(text.slice(0, at) + "}");
      } catch {
        meta = undefined;
      }
      if (isMeta(meta) && Object.keys(meta).length === 4) {
        return toRecord(meta, text.slice(at + SEPARATOR.length, -1));
      }
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isMeta(value) || !isPlainObject(value.doc) || Object.keys(value).length !== 5) {
    return undefined;
  }
  return toRecord(value, JSON.stringify(value.doc));
}

function isMeta(value: unknown): value is Record<string, unknown> & Omit<StoredRecord, "data"> {
  return isPlainObject(value) && typeof value.id === "string" && Number.isSafeInteger(value.rev) &&
    (value.rev as number) >= 1 && typeof value.createdAt === "string" &&
    typeof value.updatedAt === "string";
}

function toRecord(meta: Omit<StoredRecord, "data">, data: string): StoredRecord {
  return { id: meta.id, rev: meta.rev, createdAt: meta.createdAt, updatedAt: meta.updatedAt, data };
}

/** The changes of a journal, checked. */
function parseJournal(changes: unknown[]): Change[] {
  return changes.map((change) => {
    if (!isPlainObject(change)) throw new Error("a change is not an object");
    const collection = checkCollectionName(change.collection);
    const id = checkId(change.id);
    const record = change.record;
    if (record === null) return { collection, id, record: null };
    if (!isMeta(record) || typeof record.data !== "string" || record.id !== id) {
      throw new Error(`the change of ${collection}/${quote(id)} is not a record`);
    }
    return { collection, id, record: toRecord(record, record.data) };
  });
}

function toPending(changes: Change[], stamp: string | undefined): Pending {
  const byCollection = new Map<string, Map<string, StoredRecord | null>>();
  for (const { collection, id, record } of changes) {
    let records = byCollection.get(collection);
    if (records === undefined) byCollection.set(collection, records = new Map());
    records.set(id, record);
  }
  return { changes, byCollection, stamp };
}

/** Records in a listing that an id now exists (or not). */
function noteChange(listing: Listing, id: string, exists: boolean): void {
  if (exists === listing.members.has(id)) return;
  if (exists) {
    listing.members.add(id);
    if (!listing.removed.delete(id)) listing.added.add(id);
  } else {
    listing.members.delete(id);
    if (!listing.added.delete(id)) listing.removed.add(id);
  }
}

/** The listing's ids in code point order, folding in the changes noted since last time. */
function sortedIds(listing: Listing): string[] {
  const { added, removed } = listing;
  if (added.size === 0 && removed.size === 0) return listing.ids;
  if (added.size + removed.size <= SPLICE_LIMIT) {
    const ids = listing.ids;
    for (const id of removed) ids.splice(idPosition(ids, id), 1);
    for (const id of added) ids.splice(idPosition(ids, id), 0, id);
  } else {
    const kept = removed.size === 0 ? listing.ids : listing.ids.filter((id) => !removed.has(id));
    listing.ids = merge(kept, [...added].sort(compareCodePoints));
  }
  added.clear();
  removed.clear();
  return listing.ids;
}

function merge(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  for (let x = a[i], y = b[j]; x !== undefined && y !== undefined; x = a[i], y = b[j]) {
    if (compareCodePoints(x, y) <= 0) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out.concat(a.slice(i), b.slice(j));
}

/** The id in a file with a hashed name, if the file is whole and holds that name's id. */
function idInFile(path: string, name: string): string | undefined {
  let record: StoredRecord | undefined;
  try {
    record = parseRecord(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  return record !== undefined && encodeFileName(record.id) === name ? record.id : undefined;
}

/** Checks one document file thoroughly: what `check()` reports. */
function checkFile(
  collection: string,
  path: string,
  file: string,
  id: string | undefined,
): Problem | undefined {
  const where = `${encodeCollectionName(collection)}/${file}`;
  const problem = (message: string, knownId = id): Problem => ({
    code: "CORRUPT",
    collection,
    ...(knownId === undefined ? {} : { id: knownId }),
    message: `Document file "${where}" ${message}`,
  });
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return problem(`cannot be read: ${(error as Error).message}`);
  }
  const record = parseRecord(text);
  if (record === undefined) {
    try {
      JSON.parse(text);
    } catch {
      return problem("is not valid JSON");
    }
    return problem('is not a document file (expected {"id","rev","createdAt","updatedAt","doc"})');
  }
  if (id === undefined ? encodeFileName(record.id) !== file : record.id !== id) {
    return problem(`holds the id ${quote(record.id)}, which does not match its name`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(record.data);
  } catch {
    return problem("holds a document that is not valid JSON", record.id);
  }
  if (!isPlainObject(doc)) return problem("holds a document that is not a JSON object", record.id);
  return undefined;
}

/** A directory's mtime in milliseconds, or -1 when it does not exist. */
function mtimeOf(directory: string): number {
  try {
    return statSync(directory, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  } catch (error) {
    throw storageError(`Cannot read "${directory}"`, error);
  }
}

/** Identifies a version of a file (inode, size, mtime), or `undefined` when there is none. */
function fileStamp(path: string): string | undefined {
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    return stat && `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function damagedCatalog(path: string, detail: string): QuireError {
  return new QuireError("CORRUPT", `Cannot read the catalog "${path}": ${detail}`);
}

function storageError(what: string, error: unknown): QuireError {
  if (error instanceof QuireError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const unknown = error instanceof UnconfirmedChange ? `; ${OUTCOME_UNKNOWN}` : "";
  return new QuireError("STORAGE", `${what}: ${detail}${unknown}`, { cause: error });
}
