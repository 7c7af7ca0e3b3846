/**
 * NeDB (`@seald-io/nedb` 4, the maintained fork): an embedded document store with MongoDB's
 * query language, every document in memory, persisted to one file. How it differs from quire:
 *
 * - **Durability:** every write appends its documents' JSON to the file (`appendFile`, no
 *   fsync), and a reload replays the lines; only loading and compaction rewrite the file
 *   (with fsync). Old versions of updated documents stay in the file until then.
 * - **No transactions:** `putMany` is one `insert` of the new documents (one append; NeDB
 *   checks the batch's ids before adding any) and one `update` per document already there
 *   (found with one `$in` query on `_id`), so a crash can keep part of a batch.
 * - **Indexes:** `_id` (always) and `year` (`ensureIndex`). Every query runs over documents in
 *   memory; answers are deep copies of them.
 * - **Import:** one `insert` (one append) per 10,000 documents.
 * - **Cold start:** `reopen` loads and parses the whole file, rebuilds the indexes and
 *   compacts the file before the first get.
 * - **No full-text search.**
 *
 * Documents are stored with quire's id as `_id`; `get` returns the document with it.
 *
 * @module
 */

import nedbModule from "@seald-io/nedb";
import { join } from "node:path";
import type { BenchDocument, Instance, Subject } from "../types.ts";
import { cannotAll, directoryBytes, loadThenImport, SEARCH_OPERATIONS } from "./peer_support.ts";

type Stored = BenchDocument & { _id: string };
type Entries = readonly (readonly [string, BenchDocument])[];

// The package's types declare a CommonJS default export that Deno's check cannot construct:
// the parts used here are declared instead.

/**
 * A NeDB cursor: a thenable whose query runs when it is awaited; `execAsync` runs it and gives
 * a real promise (what the suite's harness expects of an operation that has started its work).
 */
interface Cursor<R> {
  limit(count: number): Cursor<R>;
  execAsync(): Promise<R>;
}

/** A NeDB datastore. */
interface Datastore<T> {
  autoloadPromise: Promise<void> | null;
  ensureIndexAsync(options: { fieldName: string }): Promise<void>;
  insertAsync(docs: T[]): Promise<T[]>;
  updateAsync(query: object, update: T, options: { upsert: boolean }): Promise<unknown>;
  findAsync(query: object, projection?: object): Cursor<T[]>;
  findOneAsync(query: object): Cursor<T | null>;
  countAsync(query: object): Cursor<number>;
}

const Datastore = nedbModule as unknown as new <T>(
  options: { filename: string; autoload: boolean },
) => Datastore<T>;

const FILE = "nedb.db";
/** Documents per `insert` in `importAll`. */
const IMPORT_BATCH = 10_000;

/** NeDB on a file in the subject's directory, with an index on `year`. */
export const nedb: Subject = {
  name: "NeDB",
  group: "peer",
  cannot: cannotAll(SEARCH_OPERATIONS, "no full-text search"),
  ...loadThenImport(load),
};

async function load(dir: string): Promise<Instance> {
  const db = new Datastore<Stored>({ filename: join(dir, FILE), autoload: true });
  await db.autoloadPromise;
  // Index definitions are kept in the file too: on a reopen this finds the index there.
  await db.ensureIndexAsync({ fieldName: "year" });
  const get = (id: string) => db.findOneAsync({ _id: id }).execAsync();
  const replace = (id: string, doc: BenchDocument) =>
    db.updateAsync({ _id: id }, { ...doc, _id: id }, { upsert: true });
  const stored = (entries: Entries) => entries.map(([id, doc]): Stored => ({ ...doc, _id: id }));
  return {
    put: replace,
    async putMany(entries) {
      const ids = entries.map(([id]) => id);
      const found = await db.findAsync({ _id: { $in: ids } }, { _id: 1 }).execAsync();
      const existing = new Set(found.map((doc) => doc._id));
      const added = await db.insertAsync(stored(entries.filter(([id]) => !existing.has(id))));
      for (const [id, doc] of entries) if (existing.has(id)) await replace(id, doc);
      return added;
    },
    get,
    async getResolved(id) {
      const doc = await get(id);
      return [doc, doc?.related == null ? null : await get(doc.related)];
    },
    findIndexed: (year, limit) => db.findAsync({ year }).limit(limit).execAsync(),
    findUnindexed: (party, minWords, limit) =>
      db.findAsync({ party, words: { $gt: minWords } }).limit(limit).execAsync(),
    count: (party) => db.countAsync({ party }).execAsync(),
    exportAll: async () =>
      (await db.findAsync({}).execAsync()).map((doc: Stored) => JSON.stringify(doc)),
    async importAll(docs) {
      // NeDB appends a batch as one string: a million documents would pass V8's longest string.
      for (let from = 0; from < docs.length; from += IMPORT_BATCH) {
        await db.insertAsync(stored(docs.slice(from, from + IMPORT_BATCH)));
      }
    },
    bytesOnDisk: () => directoryBytes(dir),
    // Each write is in the file when its promise resolves, and NeDB holds the file open only
    // while writing: there is nothing to close.
    close() {},
  };
}
