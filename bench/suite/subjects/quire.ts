/**
 * quire's four set-ups as subjects: the memory, file and SQLite-file backends and
 * `sqlite::memory:`. Each holds the documents twice: in `docs`, with `year` indexed and no search
 * fields (what put, get, find and count use, so that writes are not charged for a search index
 * the floor does not keep), and in `texts`, with `text` searchable (what the searches use).
 *
 * @module
 */

import { join } from "node:path";
import { type Collection, type Document, open, type Store } from "../../../mod.ts";
import { queryText } from "../data.ts";
import { bytesUnder } from "../disk.ts";
import {
  type BenchDocument,
  COLLECTION,
  type Instance,
  type OpenOptions,
  type Subject,
} from "../types.ts";

/** The search collection. */
const TEXTS = "texts";

/** A stored document: `related` as a reference, which `get` with `resolve` follows. */
type Stored = Document;

/** The document as quire stores it (a user would write `ref(COLLECTION, id)`; this skips its checks). */
function stored(doc: BenchDocument): Stored {
  return { ...doc, related: doc.related === null ? null : { $ref: COLLECTION, $id: doc.related } };
}

function storedAll(entries: readonly (readonly [string, BenchDocument])[]): [string, Stored][] {
  return entries.map(([id, doc]) => [id, stored(doc)]);
}

/** An instance on an opened store (its collections made, holding `docs` when given). */
async function instance(
  url: string,
  dir: string,
  docs?: readonly (readonly [string, BenchDocument])[],
  options: OpenOptions = {},
): Promise<Instance> {
  const store: Store = await open(url);
  const core: Collection<Stored> = store.collection(COLLECTION, { indexes: ["year"] });
  const texts: Collection<Stored> = store.collection(TEXTS, {
    indexes: ["year"],
    search: { fields: ["text"] },
  });
  for (let i = 0; docs !== undefined && i < docs.length; i += 1_000) {
    const batch = storedAll(docs.slice(i, i + 1_000));
    await core.putMany(batch);
    if (options.search !== false) await texts.putMany(batch);
  }
  return {
    put: (id, doc) => core.put(id, stored(doc)),
    putMany: (entries) => core.putMany(storedAll(entries)),
    get: (id) => core.get(id),
    getResolved: (id) => core.get(id, { resolve: 1 }),
    findIndexed: (year, limit) => core.find({ year }, { limit }),
    findUnindexed: (party, minWords, limit) =>
      core.find({ party, words: { $gt: minWords } }, { limit }),
    count: (party) => core.count({ party }),
    search: (query, { limit, minYear, highlight }) =>
      texts.search(queryText(query), {
        limit,
        ...(minYear === undefined ? {} : { filter: { year: { $gte: minYear } } }),
        ...(highlight === true ? { highlight: true } : {}),
      }),
    exportAll: async () => {
      const lines: string[] = [];
      for await (const record of store.export({ collections: [COLLECTION] })) {
        lines.push(JSON.stringify(record));
      }
      return lines;
    },
    importAll: (entries) =>
      store.import(entries.map(([id, doc]) => ({ collection: COLLECTION, id, doc: stored(doc) }))),
    // Files only where the store keeps them (memory://, sqlite::memory: keep none).
    ...(url.startsWith("memory:") || url === "sqlite::memory:"
      ? {}
      : { bytesOnDisk: () => bytesUnder(dir) }),
    close: () => store.close(),
  };
}

/** A quire subject on the store at `url(dir)`. */
function quireSubject(
  name: string,
  url: (dir: string) => string,
  extra: Partial<Subject> = {},
): Subject {
  return {
    name,
    group: "quire",
    ...extra,
    open: async (dir, docs, options) => await instance(url(dir), dir, docs, options),
  };
}

export const quireMemory = quireSubject("quire memory", () => "memory://");
export const quireSqliteMemory = quireSubject("quire sqlite::memory:", () => "sqlite::memory:");
export const quireSqlite = quireSubject(
  "quire sqlite",
  (dir) => `sqlite://${join(dir, "quire.db")}`,
  {
    reopen: async (dir) => await instance(`sqlite://${join(dir, "quire.db")}`, dir),
  },
);
export const quireFile = quireSubject("quire file", (dir) => `file://${join(dir, "store")}`, {
  reopen: async (dir) => await instance(`file://${join(dir, "store")}`, dir),
  maxSize: {
    size: 100_000,
    reason: "a file per document, each write flushed to disk: 1,000,000 take hours to load",
  },
});
