/**
 * LokiJS 1.5: an in-memory document database with MongoDB-like queries, persisted by its file
 * adapter (`LokiFsAdapter`) to one JSON file. How it differs from quire:
 *
 * - **Durability:** every save serializes the whole database and rewrites the file (a
 *   temporary file, then a rename; no fsync). Here `saveDatabase` runs after each `put` and
 *   after each `putMany` batch and `importAll`, so a write has reached the file when it
 *   returns, as quire's has (with `autosave` on an interval, which LokiJS users often choose
 *   instead, a put is an in-memory insert and the last interval's writes are lost in a crash).
 *   `throttledSaves` is off: its queue only delays a save that nothing else waits on.
 * - **No transactions:** a `putMany` is inserts and updates in memory, then one save.
 * - **Indexes:** a unique index on `id` (quire's id; `by` answers `get`) and a binary index
 *   on `year`. Queries run over the documents in memory; answers are the stored objects
 *   themselves (LokiJS's default `clone: false`), carrying LokiJS's `$loki` and `meta`.
 * - **Cold start:** `reopen` reads and parses the whole file before the first get.
 * - **No full-text search.**
 *
 * @module
 */

import { join } from "node:path";
import { Loki, type LokiCollection, type LokiDatabase } from "../../lib/engines.ts";
import type { BenchDocument, Instance, Subject } from "../types.ts";
import { cannotAll, directoryBytes, SEARCH_OPERATIONS, settled } from "./peer_support.ts";

type Stored = BenchDocument & { id: string };

const FILE = "loki.json";
const COLLECTION = "docs";

/** LokiJS saved to a file in the subject's directory after every write. */
export const lokijs: Subject = {
  name: "LokiJS",
  group: "peer",
  cannot: cannotAll(SEARCH_OPERATIONS, "no full-text search"),
  async open(dir, docs) {
    const db = database(dir);
    const collection = db.addCollection<Stored>(COLLECTION, { unique: ["id"], indices: ["year"] });
    const instance = loaded(dir, db, collection);
    await instance.importAll!(docs);
    return instance;
  },
  async reopen(dir) {
    const db = database(dir);
    await settled((done) => db.loadDatabase({}, done));
    return loaded(dir, db, db.getCollection<Stored>(COLLECTION)!);
  },
};

function database(dir: string): LokiDatabase {
  return new Loki(join(dir, FILE), {
    adapter: new Loki.LokiFsAdapter(),
    autosave: false,
    throttledSaves: false,
  });
}

function loaded(dir: string, db: LokiDatabase, collection: LokiCollection<Stored>): Instance {
  const save = () => settled((done) => db.saveDatabase(done));
  const upsert = (id: string, doc: BenchDocument) => {
    const old = collection.by("id", id);
    if (old === undefined) collection.insert({ ...doc, id });
    else collection.update(Object.assign(old, doc));
  };
  const get = (id: string) => collection.by("id", id);
  return {
    async put(id, doc) {
      upsert(id, doc);
      await save();
    },
    async putMany(entries) {
      for (const [id, doc] of entries) upsert(id, doc);
      await save();
    },
    get,
    getResolved(id) {
      const doc = get(id);
      return [doc, doc?.related == null ? undefined : get(doc.related)];
    },
    findIndexed: (year, limit) => collection.chain().find({ year }).limit(limit).data(),
    findUnindexed: (party, minWords, limit) =>
      collection.chain().find({ $and: [{ party }, { words: { $gt: minWords } }] }).limit(limit)
        .data(),
    count: (party) => collection.count({ party }),
    exportAll: () => collection.find().map((doc) => JSON.stringify(doc)),
    async importAll(docs) {
      collection.insert(docs.map(([id, doc]): Stored => ({ ...doc, id })));
      await save();
    },
    bytesOnDisk: () => directoryBytes(dir),
    close: () => settled((done) => db.close(done)),
  };
}
