/**
 * What FTS5 itself costs, with no quire code in the way: the floor under quire's search figures.
 * Everything runs through the runtime's own binding (`bun:sqlite`, `node:sqlite`) on quire's
 * schema, with quire's pragmas, on 100,000 documents made of `nlp-corpus` sentences
 * (lib/search_corpus.ts: a title and a body each).
 *
 * - **Build** (median of 3): the documents written in batches of 1,000, each batch one
 *   transaction and one `INSERT … SELECT … FROM json_each(?)` statement (what quire's
 *   `putMany` runs): without a search index; with quire's FTS5 table and insert trigger; and
 *   loaded first, then indexed with one `INSERT … SELECT` and a 64 MiB FTS5 buffer (what quire
 *   runs when a search option is added). Each build with an index ends with FTS5's `optimize`.
 * - **Queries** (medians of 7 rounds of ≥ 200 ms), the four query sets of lib/search_queries.ts
 *   (16 queries each) as quire compiles them: only counting the matches (`count(*) … MATCH`);
 *   ranking them with `bm25()` and the field weights, keeping the best 37 rowids (quire's first
 *   step); the same ranking on a copy of the index built with `columnsize=0`, where FTS5 has no
 *   per-document length to read (bm25 is then wrong, since it needs that length: this only shows
 *   what reading it costs).
 *
 * Usage: `bun bench/search_floor.bench.ts [--quick]`, `deno run -A bench/search_floor.bench.ts`
 * (`--quick`: 10,000 documents, fewer rounds; a smoke run).
 *
 * @module
 */

import { join } from "node:path";
import process from "node:process";
import { fieldTextSql, tokenizeArgument } from "../src/backends/sqlite/fts.ts";
import { normalizeSearchOptions } from "../src/search/search_options.ts";
import { machine, median, printTable, runtimeName, TempWorkspace } from "./lib/measure.ts";
import { openRawDocsDatabase, type RawDatabase, rawDocsTable } from "./lib/raw_sqlite.ts";
import { buildSearchCorpus, SEARCH_CORPUS_SIZE, searchCorpusIds } from "./lib/search_corpus.ts";
import {
  type BenchQuery,
  matchOf,
  QUERIES,
  QUERY_KINDS,
  SEARCH_OPTION,
} from "./lib/search_queries.ts";

const QUICK = process.argv.includes("--quick");
const DOCUMENTS = QUICK ? 10_000 : SEARCH_CORPUS_SIZE;
const BUILDS = QUICK ? 1 : 3;
const ROUNDS = QUICK ? 3 : 7;
const ROUND_MS = QUICK ? 20 : 200;
/** Documents per batch: per transaction and per `INSERT … SELECT` (quire's `putMany` batch). */
const BATCH = 1_000;
/** Rows quire's first step ranks: a page of 21 and 16 more. */
const FETCH = 37;

const options = normalizeSearchOptions(SEARCH_OPTION);
const weights = options.weights.join(", ");
const columns = options.fields.map((_, i) => `c${i}`).join(", ");
const texts = (source: string) => options.fields.map((f) => fieldTextSql(source, f)).join(", ");
const ftsSql = (name: string, extra = "") =>
  `CREATE VIRTUAL TABLE ${name} USING fts5(${columns}, tokenize='${
    tokenizeArgument(options)
  }', content=''${extra})`;

type Variant = "no index" | "FTS5 trigger" | "indexed after";
const VARIANTS: Variant[] = ["no index", "FTS5 trigger", "indexed after"];

/** Builds one file; returns its seconds. */
function build(db: RawDatabase, variant: Variant, batches: string[]): number {
  rawDocsTable(db, "docs");
  const start = performance.now();
  if (variant === "FTS5 trigger") {
    db.exec(ftsSql("fts"));
    db.exec(`CREATE TRIGGER fts_insert AFTER INSERT ON docs BEGIN
      INSERT INTO fts (rowid, ${columns}) VALUES (new.rowid, ${texts("new.data")}); END`);
  }
  const insert = db.prepare(
    `INSERT INTO docs (id, rev, created_at, updated_at, data)
     SELECT value ->> 0, 1, value ->> 1, value ->> 1, value ->> 2 FROM json_each(?) WHERE true
     ON CONFLICT (id) DO UPDATE SET rev = rev + 1, updated_at = excluded.updated_at,
     data = excluded.data RETURNING id, rev, created_at`,
  ) as unknown as { all(text: string): unknown[] };
  for (const batch of batches) {
    db.exec("BEGIN IMMEDIATE");
    insert.all(batch);
    db.exec("COMMIT");
  }
  if (variant === "indexed after") {
    db.exec("BEGIN IMMEDIATE");
    db.exec(ftsSql("fts"));
    db.exec(`INSERT INTO fts (fts, rank) VALUES ('hashsize', ${64 * 1024 * 1024})`);
    db.exec(`INSERT INTO fts (rowid, ${columns}) SELECT rowid, ${texts("data")} FROM docs`);
    db.exec("COMMIT");
  }
  if (variant !== "no index") db.exec("INSERT INTO fts (fts) VALUES ('optimize')");
  return (performance.now() - start) / 1000;
}

/** Queries per second of `run` over `queries`: the median of the rounds. */
function rate(queries: BenchQuery[], run: (match: string) => unknown): number {
  const matches = queries.map(matchOf);
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const match of matches) run(match);
    let count = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      for (const match of matches) run(match);
      count += matches.length;
      elapsed = performance.now() - start;
    } while (elapsed < ROUND_MS);
    rates.push(count * 1000 / elapsed);
  }
  return median(rates);
}

const workspace = new TempWorkspace("quire-search-floor-");
await workspace.run(async () => {
  const docs = buildSearchCorpus(DOCUMENTS);
  const ids = searchCorpusIds(docs.length);
  const now = new Date().toISOString();
  const batches: string[] = [];
  for (let from = 0; from < docs.length; from += BATCH) {
    batches.push(JSON.stringify(
      docs.slice(from, from + BATCH).map((doc, i) => [ids[from + i], now, JSON.stringify(doc)]),
    ));
  }
  console.log(`FTS5 floor on ${runtimeName()}; ${docs.length} documents; ${machine()}\n`);

  const seconds = new Map<Variant, number[]>(VARIANTS.map((variant) => [variant, []]));
  let file = "";
  for (let round = 0; round < BUILDS; round++) {
    for (const variant of VARIANTS) {
      const path = join(workspace.dir, `${variant.replaceAll(" ", "-")}-${round}.db`);
      const db = await openRawDocsDatabase(path);
      seconds.get(variant)!.push(build(db, variant, batches));
      db.close();
      if (variant === "FTS5 trigger") file = path;
    }
  }
  printTable([
    ["build (JSON batches ready)", "s", "docs/s"],
    ...VARIANTS.map((variant) => {
      const s = median(seconds.get(variant)!);
      return [variant, s.toFixed(2), Math.round(docs.length / s).toLocaleString("en-US")];
    }),
  ], [false, true, true]);

  const db = await openRawDocsDatabase(file);
  db.exec(ftsSql("sizeless", ", columnsize=0"));
  db.exec(`INSERT INTO sizeless (rowid, ${columns}) SELECT rowid, ${texts("data")} FROM docs`);
  db.exec("INSERT INTO sizeless (sizeless) VALUES ('optimize')");
  const count = db.prepare("SELECT count(*) FROM fts WHERE fts MATCH ?");
  const ranked = (table: string) =>
    db.prepare(
      `SELECT rowid, bm25(${table}, ${weights}) AS rank FROM ${table} WHERE ${table} MATCH ? ` +
        `ORDER BY rank LIMIT ${FETCH}`,
    ) as unknown as { all(match: string): unknown[] };
  const bm25 = ranked("fts");
  const sizeless = ranked("sizeless");
  const rows: string[][] = [[
    "queries",
    "count matches q/s",
    `bm25 best ${FETCH} q/s`,
    "bm25, no lengths to read q/s",
  ]];
  for (const kind of QUERY_KINDS) {
    const queries = QUERIES[kind];
    rows.push([
      kind,
      ...[
        rate(queries, (match) => count.get(match)),
        rate(queries, (match) => bm25.all(match)),
        rate(queries, (match) => sizeless.all(match)),
      ].map((qps) => Math.round(qps).toLocaleString("en-US")),
    ]);
  }
  console.log();
  printTable(rows, [false, true, true, true]);
  db.close();
  console.log(`\nat the end: ${machine()}`);
});
