/**
 * lowdb 7 with its `JSONFile` adapter: a plain JS object in memory (here `{ docs: [...] }`),
 * written whole to one JSON file. How it differs from quire:
 *
 * - **Durability:** every write serializes all the data (`JSON.stringify(data, null, 2)`, as
 *   `JSONFile` does) and rewrites the file (steno: a temporary file, then a rename; no fsync).
 *   `put` is one write, `putMany` and `importAll` one write per call.
 * - **No transactions, no queries, no indexes:** lowdb holds the data and writes it; its docs
 *   read and change it with plain JS, so `get` is `Array#find` over the documents,
 *   `findIndexed`/`findUnindexed` are `filter` then `slice` (the whole array is scanned: there
 *   is no index on `year`), `count` is `filter(…).length`, `export` hands out the array lowdb
 *   holds (the documents are in memory already; nothing is copied).
 * - **Cold start:** `reopen` reads and parses the whole file before the first get.
 * - **No full-text search.**
 *
 * `JSONFilePreset`, the shortcut its README starts with, is not used: it keeps the data in
 * memory only when `NODE_ENV` is `test`.
 *
 * @module
 */

import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { join } from "node:path";
import type { BenchDocument, Instance, Subject } from "../types.ts";
import { cannotAll, directoryBytes, loadThenImport, SEARCH_OPERATIONS } from "./peer_support.ts";

type Stored = BenchDocument & { id: string };
type Entries = readonly (readonly [string, BenchDocument])[];

const FILE = "lowdb.json";

/** lowdb on a JSON file in the subject's directory. */
export const lowdb: Subject = {
  name: "lowdb",
  group: "peer",
  cannot: cannotAll(SEARCH_OPERATIONS, "no full-text search"),
  ...loadThenImport(load),
};

async function load(dir: string): Promise<Instance> {
  const db = new Low<{ docs: Stored[] }>(new JSONFile(join(dir, FILE)), { docs: [] });
  await db.read();
  const get = (id: string) => db.data.docs.find((doc) => doc.id === id);
  const stored = (entries: Entries) => entries.map(([id, doc]): Stored => ({ ...doc, id }));
  return {
    put(id, doc) {
      const { docs } = db.data;
      const at = docs.findIndex((old) => old.id === id);
      if (at === -1) docs.push({ ...doc, id });
      else docs[at] = { ...doc, id };
      return db.write();
    },
    putMany(entries) {
      const { docs } = db.data;
      const positions = new Map(docs.map((doc, at) => [doc.id, at]));
      for (const entry of stored(entries)) {
        const at = positions.get(entry.id);
        if (at === undefined) positions.set(entry.id, docs.push(entry) - 1);
        else docs[at] = entry;
      }
      return db.write();
    },
    get,
    getResolved(id) {
      const doc = get(id);
      return [doc, doc?.related == null ? undefined : get(doc.related)];
    },
    findIndexed: (year, limit) => db.data.docs.filter((doc) => doc.year === year).slice(0, limit),
    findUnindexed: (party, minWords, limit) =>
      db.data.docs.filter((doc) => doc.party === party && doc.words > minWords).slice(0, limit),
    count: (party) => db.data.docs.filter((doc) => doc.party === party).length,
    exportAll: () => db.data.docs.map((doc) => JSON.stringify(doc)),
    importAll(docs) {
      // concat, not push(...): a spread of a million arguments overflows the stack.
      db.data.docs = db.data.docs.concat(stored(docs));
      return db.write();
    },
    bytesOnDisk: () => directoryBytes(dir),
    // lowdb holds no file open between writes, and each write has finished when it resolves.
    close() {},
  };
}
