/**
 * The floor: the runtime's own SQLite binding (`bun:sqlite` on Bun, `node:sqlite` on Deno and
 * Node), used as a user who wants the fastest code for each job would write it, with quire's
 * pragmas (WAL, `synchronous=NORMAL`, 64 MiB of page cache):
 *
 * - a table `docs (id TEXT PRIMARY KEY, data TEXT)` with an expression index on the year and
 *   the id (the find's order, as quire's indexes end with it), and
 *   an FTS5 table over the text (rowids shared with a `texts` table holding the documents);
 * - writes are plain prepared `INSERT`s (new ids), in one transaction for a batch: no UPSERT,
 *   no revision, no timestamps;
 * - reads select `data` and `JSON.parse` it; a find orders by id, as quire's pages do, so that
 *   both do the same job;
 * - a search is one FTS5 `MATCH` ordered by `bm25`, joined to the documents.
 *
 * @module
 */

import { join } from "node:path";
import { openRawDocsDatabase, type RawDatabase } from "../../lib/raw_sqlite.ts";
import { queryText } from "../data.ts";
import { bytesUnder } from "../disk.ts";
import type { BenchDocument, Instance, Subject } from "../types.ts";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, data TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS docs_year_id ON docs (json_extract(data, '$.year'), id);
  CREATE TABLE IF NOT EXISTS texts (id TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
  CREATE VIRTUAL TABLE IF NOT EXISTS texts_fts USING fts5(text);
`;

function instance(db: RawDatabase, dir: string): Instance {
  const insert = db.prepare("INSERT INTO docs (id, data) VALUES (?, ?)");
  const select = db.prepare("SELECT data FROM docs WHERE id = ?");
  const byYear = db.prepare(
    "SELECT data FROM docs WHERE json_extract(data, '$.year') = ? ORDER BY id LIMIT ?",
  );
  const unindexed = db.prepare(
    `SELECT data FROM docs WHERE json_extract(data, '$.party') = ?
       AND json_extract(data, '$.words') > ? ORDER BY id LIMIT ?`,
  );
  const count = db.prepare(
    "SELECT count(*) AS n FROM docs WHERE json_extract(data, '$.party') = ?",
  );
  const all = db.prepare("SELECT id, data FROM docs");
  const search = db.prepare(
    `SELECT t.id, t.data FROM texts_fts f JOIN texts t ON t.rowid = f.rowid
     WHERE texts_fts MATCH ? ORDER BY bm25(texts_fts) LIMIT ?`,
  );
  const searchFrom = db.prepare(
    `SELECT t.id, t.data FROM texts_fts f JOIN texts t ON t.rowid = f.rowid
     WHERE texts_fts MATCH ? AND json_extract(t.data, '$.year') >= ?
     ORDER BY bm25(texts_fts) LIMIT ?`,
  );
  const searchHighlighted = db.prepare(
    `SELECT t.id, t.data, highlight(texts_fts, 0, '<mark>', '</mark>') AS text
     FROM texts_fts f JOIN texts t ON t.rowid = f.rowid
     WHERE texts_fts MATCH ? ORDER BY bm25(texts_fts) LIMIT ?`,
  );
  const parsed = (rows: unknown[]) =>
    rows.map((row) => JSON.parse((row as { data: string }).data) as BenchDocument);
  const get = (id: string) => {
    const row = select.get(id) as { data: string } | undefined;
    return row && JSON.parse(row.data) as BenchDocument;
  };
  const insertAll = (entries: readonly (readonly [string, BenchDocument])[]) => {
    db.exec("BEGIN");
    try {
      for (const [id, doc] of entries) insert.run(id, JSON.stringify(doc));
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  };
  return {
    put: (id, doc) => insert.run(id, JSON.stringify(doc)),
    putMany: insertAll,
    get,
    getResolved: (id) => {
      const doc = get(id);
      if (doc?.related != null) return { ...doc, related: get(doc.related) ?? null };
      return doc;
    },
    findIndexed: (year, limit) => parsed(byYear.all(year, limit)),
    findUnindexed: (party, minWords, limit) => parsed(unindexed.all(party, minWords, limit)),
    count: (party) => (count.get(party) as { n: number }).n,
    search: (query, { limit, minYear, highlight }) =>
      minYear !== undefined
        ? parsed(searchFrom.all(queryText(query), minYear, limit))
        : highlight === true
        ? searchHighlighted.all(queryText(query), limit).map((row) => {
          const { data, text } = row as { data: string; text: string };
          return { doc: JSON.parse(data) as BenchDocument, text };
        })
        : parsed(search.all(queryText(query), limit)),
    // The stored text goes into the line as it is: no parse, no stringify.
    exportAll: () =>
      all.all().map((row) => {
        const { id, data } = row as { id: string; data: string };
        return `{"id":${JSON.stringify(id)},"doc":${data}}`;
      }),
    importAll: insertAll,
    bytesOnDisk: () => bytesUnder(dir),
    close: () => db.close(),
  };
}

async function openIn(dir: string): Promise<RawDatabase> {
  const db = await openRawDocsDatabase(join(dir, "raw.db"));
  db.exec(SCHEMA);
  return db;
}

/** The raw binding: the floor of every operation it can do (all of them). */
export const rawSqlite: Subject = {
  name: "raw SQLite",
  group: "floor",
  open: async (dir, docs, options) => {
    const db = await openIn(dir);
    const writeTexts = db.prepare("INSERT INTO texts (id, data) VALUES (?, ?) RETURNING rowid");
    const writeFts = db.prepare("INSERT INTO texts_fts (rowid, text) VALUES (?, ?)");
    const made = instance(db, dir);
    for (let i = 0; i < docs.length; i += 1_000) {
      const batch = docs.slice(i, i + 1_000);
      made.putMany!(batch);
      if (options?.search === false) continue;
      db.exec("BEGIN");
      for (const [id, doc] of batch) {
        const { rowid } = writeTexts.get(id, JSON.stringify(doc)) as { rowid: number };
        writeFts.run(rowid, doc.text);
      }
      db.exec("COMMIT");
    }
    return made;
  },
  reopen: async (dir) => instance(await openIn(dir), dir),
};
