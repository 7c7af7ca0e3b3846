/**
 * A collection's FTS5 index on SQLite: one contentless FTS5 table beside the document table
 * (`quire_fts_<n>` beside `quire_docs_<n>`), one column per search field (`c0`, `c1`, …), kept
 * in step by triggers on the document table. A trigger runs inside the statement that writes
 * the document, so every write path (put, putMany, delete, deleteMany, clear, import) updates
 * the index in the same transaction, and a crash can never leave the two apart.
 *
 * What a field indexes: a string as it is; an array, its string elements joined by a space (in
 * array order); anything else nothing. The memory and file backends extract the same text.
 *
 * The table is contentless (`content=''`): the documents are already stored once and snippets
 * are made in TypeScript (src/search/). A delete is FTS5's `'delete'` command with the old
 * texts, computed from the old document by the same expressions that indexed it. (Not
 * `contentless_delete=1` and a plain DELETE: in SQLite 3.53, which Deno ships, that leaves the
 * row count and token totals behind, so bm25 drifts after every update.) `check()` compares the
 * index with one rebuilt from the documents.
 *
 * Every name here derives from the document table's name, which is `quire_docs_<number>`; paths
 * are quoted by `sqlJsonPathLiteral`, so no user text reaches the SQL unquoted.
 *
 * @module
 */

import { QuireError } from "../../errors.ts";
import { parsePath } from "../../query/path.ts";
import { sqlJsonPathLiteral } from "./json_path.ts";
import type { SearchOptions } from "../../search/search_options.ts";
import type { Database } from "../../sqlite/driver.ts";
import type { IndexProgress } from "../../backend/types.ts";

const DOCUMENT_TABLE = /^quire_docs_[0-9]+$/;

/** The FTS5 table of a document table. */
export function ftsTable(documentTable: string): string {
  if (!DOCUMENT_TABLE.test(documentTable)) {
    throw new QuireError("STORAGE", `Not a document table: ${documentTable}`);
  }
  return documentTable.replace("quire_docs_", "quire_fts_");
}

/** The FTS5 column of the search field at `index` (user paths never name SQL columns). */
export function ftsColumn(index: number): string {
  return `c${index}`;
}

/** The SQL expression for the text a field indexes, read from `source` (`data`, `new.data`). */
export function fieldTextSql(source: string, field: string): string {
  const path = sqlJsonPathLiteral(parsePath(field, "INVALID_OPTION"));
  return `CASE json_type(${source}, ${path}) ` +
    `WHEN 'text' THEN json_extract(${source}, ${path}) ` +
    `WHEN 'array' THEN (SELECT group_concat(value, ' ' ORDER BY key) ` +
    `FROM json_each(${source}, ${path}) WHERE type = 'text') END`;
}

/** FTS5's `tokenize` argument for the options. */
export function tokenizeArgument(options: SearchOptions): string {
  const diacritics = `remove_diacritics ${options.removeDiacritics}`;
  switch (options.tokenizer) {
    case "unicode61":
      return `unicode61 ${diacritics}`;
    case "porter":
      return `porter unicode61 ${diacritics}`;
    case "trigram":
      return `trigram ${diacritics}`;
  }
}

/** `CREATE VIRTUAL TABLE` of an FTS5 table named `name` for the options. */
function createTableSql(name: string, options: SearchOptions): string {
  const columns = options.fields.map((_, i) => ftsColumn(i)).join(", ");
  const prefix = options.prefix.length > 0 ? `, prefix='${options.prefix.join(" ")}'` : "";
  return `CREATE VIRTUAL TABLE ${name} USING fts5(${columns}, ` +
    `tokenize='${tokenizeArgument(options)}'${prefix}, content='')`;
}

/**
 * Creates the FTS5 table and its triggers for `documentTable`, and indexes the documents it
 * already holds. Run inside a transaction.
 */
export function createFts(
  db: Database,
  documentTable: string,
  options: SearchOptions,
  progress?: IndexProgress,
): void {
  const fts = ftsTable(documentTable);
  const columns = options.fields.map((_, i) => ftsColumn(i));
  db.exec(createTableSql(fts, options));
  const texts = (source: string) =>
    options.fields.map((field) => fieldTextSql(source, field)).join(", ");
  const insert = (source: string, rowid: string) =>
    `INSERT INTO ${fts} (rowid, ${columns.join(", ")}) VALUES (${rowid}, ${texts(source)});`;
  const remove = `INSERT INTO ${fts} (${fts}, rowid, ${columns.join(", ")}) ` +
    `VALUES ('delete', old.rowid, ${texts("old.data")});`;
  db.exec(
    `CREATE TRIGGER ${fts}_insert AFTER INSERT ON ${documentTable} BEGIN ` +
      `${insert("new.data", "new.rowid")} END;
     CREATE TRIGGER ${fts}_delete AFTER DELETE ON ${documentTable} BEGIN ${remove} END;
     CREATE TRIGGER ${fts}_update AFTER UPDATE OF data ON ${documentTable} BEGIN ` +
      `${remove} ${insert("new.data", "new.rowid")} END;`,
  );
  populate(db, documentTable, fts, options, progress);
}

/** Drops the FTS5 table and triggers of `documentTable`, if there are any. */
export function dropFts(db: Database, documentTable: string): void {
  const fts = ftsTable(documentTable);
  db.exec(
    `DROP TRIGGER IF EXISTS ${fts}_insert; DROP TRIGGER IF EXISTS ${fts}_delete;
     DROP TRIGGER IF EXISTS ${fts}_update; DROP TABLE IF EXISTS ${fts};`,
  );
}

/** Empties the index and indexes every document again. Run inside a transaction. */
export function rebuildFts(
  db: Database,
  documentTable: string,
  options: SearchOptions,
  progress?: IndexProgress,
): void {
  const fts = ftsTable(documentTable);
  db.exec(`INSERT INTO ${fts} (${fts}) VALUES ('delete-all')`);
  populate(db, documentTable, fts, options, progress);
}

/** Merges the index's segments into one (FTS5 `optimize`): faster queries after bulk loads. */
export function optimizeFts(db: Database, documentTable: string): void {
  const fts = ftsTable(documentTable);
  db.exec(`INSERT INTO ${fts} (${fts}) VALUES ('optimize')`);
}

/**
 * Whether the index holds exactly what the documents make: builds a second index from the
 * documents in the temp schema and compares every token instance (term, row, column,
 * position) of the two. Returns how many instances differ (0 when they agree).
 */
export function compareFts(db: Database, documentTable: string, options: SearchOptions): number {
  const fts = ftsTable(documentTable);
  const fresh = `${fts}_check`;
  const drop = () =>
    db.exec(
      `DROP TABLE IF EXISTS temp.${fts}_vocab; DROP TABLE IF EXISTS temp.${fresh}_vocab;
       DROP TABLE IF EXISTS temp.${fresh};`,
    );
  drop();
  try {
    db.exec(
      `${createTableSql(`temp.${fresh}`, options)};
       CREATE VIRTUAL TABLE temp.${fts}_vocab USING fts5vocab(main, ${fts}, instance);
       CREATE VIRTUAL TABLE temp.${fresh}_vocab USING fts5vocab(temp, ${fresh}, instance);`,
    );
    populate(db, documentTable, `temp.${fresh}`, options);
    const differ = (a: string, b: string) =>
      db.prepare(
        `SELECT count(*) AS n FROM (SELECT term, doc, col, offset FROM temp.${a} ` +
          `EXCEPT SELECT term, doc, col, offset FROM temp.${b})`,
        { transient: true },
      ).get<{ n: number }>()!.n;
    return Number(differ(`${fts}_vocab`, `${fresh}_vocab`)) +
      Number(differ(`${fresh}_vocab`, `${fts}_vocab`));
  } finally {
    drop();
  }
}

/**
 * FTS5's buffer of pending terms while the index is filled from the documents. FTS5 writes the
 * buffer out as a new segment whenever it fills (1 MiB by default) and at the start of every
 * further statement of the transaction (its savepoint), and merges segments as they pile up.
 * With 64 MiB, each chunk below becomes one segment: 100,000 documents of ~240 bytes in
 * chunks of 10,000 are indexed in ≈ 0.95 s instead of ≈ 1.3 s (Bun, 2 cores, measured on the
 * raw binding; `optimize` then merges the 10 segments in ≈ 0.2 s). The memory is FTS5's only
 * while the index is filled.
 */
const BULK_HASH_SIZE = 64 * 1024 * 1024;
/** FTS5's default size of that buffer (`FTS5_DEFAULT_HASHSIZE`). */
const DEFAULT_HASH_SIZE = 1024 * 1024;

/** Documents indexed per statement, between two progress reports. */
const POPULATE_CHUNK = 10_000;

/**
 * Indexes every document of `documentTable` into `fts` (which may be `temp.<name>`), in chunks
 * of rowids so that `progress` hears how far it got.
 */
function populate(
  db: Database,
  documentTable: string,
  fts: string,
  options: SearchOptions,
  progress?: IndexProgress,
) {
  const columns = options.fields.map((_, i) => ftsColumn(i)).join(", ");
  const texts = options.fields.map((field) => fieldTextSql("data", field)).join(", ");
  const { total, first, last } = db.prepare(
    `SELECT count(*) AS total, min(rowid) AS first, max(rowid) AS last FROM ${documentTable}`,
  ).get<{ total: number; first: number | null; last: number | null }>()!;
  progress?.(0, Number(total));
  if (first === null || last === null) return;
  // The FTS5 command column is named like the table, without its schema.
  const command = `INSERT INTO ${fts} (${fts.replace(/^temp\./, "")}, rank) VALUES ('hashsize', `;
  db.exec(`${command}${BULK_HASH_SIZE})`);
  const insert = db.prepare(
    `INSERT INTO ${fts} (rowid, ${columns}) SELECT rowid, ${texts} FROM ${documentTable} ` +
      `WHERE rowid >= ? AND rowid < ?`,
    { transient: true },
  );
  let done = 0;
  for (let from = Number(first); from <= Number(last); from += POPULATE_CHUNK) {
    done += insert.run(from, from + POPULATE_CHUNK).changes;
    progress?.(done, Number(total));
  }
  db.exec(`${command}${DEFAULT_HASH_SIZE})`);
}
