/**
 * Query benchmarks over 100,000 documents made from the sentences of `nlp-corpus` (see
 * lib/corpus.ts: `text`, `words`, `kind` from the sentence; `year`, `genre`, `rating`, `score`
 * from hashes of it), loaded into quire's SQLite backend (a file in a temp dir, collection
 * option `indexes: [["genre", "year"], "year"]`), quire's memory backend, a raw SQLite table of
 * quire's schema with the same two expression indexes, created before the load and loaded in
 * the same transactions of 1,000 documents (`bun:sqlite` on Bun, `node:sqlite` on Deno; quire's
 * pragmas), LokiJS (in memory, no indexes) and a plain array for mingo.
 *
 * 1. **Indexed query**: `{ genre, year: { $gte: y, $lt: y + 10 } }` sorted by `year`, limit 50,
 *    the genre and decade drawn in turn from a fixed list of 12 (each matches ≈ 1,000
 *    documents). quire's SQLite backend against the same query written by hand through the raw
 *    binding: one prepared `SELECT id, rev, created_at, updated_at, data … WHERE
 *    json_extract(data, '$."genre"') = ? AND json_extract(data, '$."year"') >= ? AND … < ?
 *    ORDER BY json_extract(data, '$."year"'), id LIMIT 50`, each row turned into the entry
 *    quire's `find` returns (`{ id, rev, createdAt, updatedAt, doc }`, the document by
 *    `JSON.parse`): the same rows, in the same order, carrying the same information as quire's
 *    `find`, which breaks ties by id. (Until 2026-11-23 the raw side selected only `id, data`
 *    and returned `{ id, doc }`, less than `find` returns.) Also shown: the same SQL ordered by year only (SQLite
 *    then reads the index in order and stops at 50), and the same `find` on the memory
 *    backend, LokiJS and mingo (which scan).
 *    Target: quire ≤ 1.5× raw time, from chunk-interleaved pairs as in core.bench.ts.
 * 2. **Unindexed filters** (three, each a range on an unindexed number plus an equality or a
 *    second range) on the memory backend against LokiJS's `find` (no index) and mingo, in
 *    three forms of equal work: `count` (every match counted: quire `count(filter)`, LokiJS
 *    `collection.count(query)`, mingo `Query#test` over the array — or `find(docs).all()
 *    .length`, whichever is faster in that round); the first 50 matches in id order (quire
 *    `find(filter, { limit: 50 })`, which returns fresh copies of the documents and stops
 *    scanning at the 51st match; LokiJS `chain().find(q).limit(50).data()` and mingo
 *    `find(docs).limit(50).all()`, which return references to their stored objects); and all
 *    matches up to 10,000 (the same three with limit 10,000).
 *    Targets: quire memory at least as fast as LokiJS and ≥ 10× as fast as mingo (judged on
 *    `count`; the other rows are shown).
 * 3. The same filters on quire's SQLite backend (a full scan: no index covers them), beside the
 *    memory backend.
 *
 * Every engine's results are checked against the others before anything is timed (same counts;
 * same ids in the same order).
 *
 * Usage:
 *   bun bench/query.bench.ts [--quick] [--targets]
 *   deno run -A bench/query.bench.ts [--quick] [--targets]
 *
 * `--quick` loads 10,000 documents and repeats less (a smoke run; its figures mean little);
 * `--targets` skips mitata and runs only the interleaved rounds behind the targets.
 * Everything is written under one temporary directory, removed at the end (and on Ctrl-C).
 *
 * @module
 */

import { join } from "node:path";
import process from "node:process";
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { open, type Store } from "../mod.ts";
import { buildCorpus, CORPUS_SIZE, type CorpusDocument, corpusIds } from "./lib/corpus.ts";
import { lokiCollection, MingoQuery } from "./lib/engines.ts";
import {
  collectGarbage,
  machine,
  median,
  printTable,
  runtimeName,
  TempWorkspace,
} from "./lib/measure.ts";
import {
  bindingName,
  openRawDocsDatabase,
  type RawDatabase,
  rawDocsTable,
  type RawStatement,
  sqliteVersion,
} from "./lib/raw_sqlite.ts";

const QUICK = process.argv.includes("--quick");
/** Only the interleaved rounds behind the targets, without mitata. */
const TARGETS_ONLY = process.argv.includes("--targets");

/** Documents loaded into every engine. */
const DOCUMENTS = QUICK ? 10_000 : CORPUS_SIZE;
/** Indexed queries per sample, in chunks that the target pairs interleave. */
const QUERIES = QUICK ? 48 : 240;
const QUERY_CHUNK = 24;
/** Pairs of quire/raw samples behind the indexed-query target. */
const PAIRS = QUICK ? 3 : 15;
/** Rounds of the unindexed comparisons (every engine once per filter and form per round). */
const ROUNDS = QUICK ? 3 : 11;
const BATCH = 1_000;

const INDEXES = [["genre", "year"], "year"];
const TARGET_INDEXED = 1.5;
const TARGET_LOKI = 1;
const TARGET_MINGO = 10;

/** The indexed query's variants: a genre and the first year of a decade. */
const VARIANTS: readonly (readonly [string, number])[] = [
  ["news", 1950],
  ["fiction", 1920],
  ["poetry", 1990],
  ["legal", 1900],
  ["science", 1970],
  ["sports", 2010],
  ["music", 1930],
  ["review", 1960],
  ["news", 2000],
  ["fiction", 1980],
  ["poetry", 1940],
  ["legal", 1910],
];

/** An unindexed filter, in quire's (= mingo's) form and in the form LokiJS understands. */
interface ScanFilter {
  name: string;
  quire: Record<string, unknown>;
  /** LokiJS reads only the first operator of `{ $gte, $lte }`, so every operator gets a term. */
  loki: Record<string, unknown>;
}

const FILTERS: readonly ScanFilter[] = [
  {
    name: "words > 20 and score < 50",
    quire: { words: { $gt: 20 }, score: { $lt: 50 } },
    loki: { $and: [{ words: { $gt: 20 } }, { score: { $lt: 50 } }] },
  },
  {
    name: "rating = 5 and 10 ≤ words ≤ 20",
    quire: { rating: 5, words: { $gte: 10, $lte: 20 } },
    loki: { $and: [{ rating: 5 }, { words: { $gte: 10 } }, { words: { $lte: 20 } }] },
  },
  {
    name: 'kind = "question" and words ≤ 12',
    quire: { kind: "question", words: { $lte: 12 } },
    loki: { $and: [{ kind: "question" }, { words: { $lte: 12 } }] },
  },
];

/** The three forms of an unindexed query. */
const FORMS = ["count", "first 50", "up to 10,000"] as const;
type Form = typeof FORMS[number];
const FORM_LIMIT: Record<Exclude<Form, "count">, number> = {
  "first 50": 50,
  "up to 10,000": 10_000,
};

/** The engines of the unindexed comparisons, in table order. */
const SCANNERS = ["quire memory", "LokiJS", "mingo", "quire sqlite"] as const;
type Scanner = typeof SCANNERS[number];

/** A piece of a sample: sync for the raw binding, LokiJS and mingo, a promise for quire. */
type Chunk = () => unknown;

/** One benchmark; a sample runs all its chunks in order. */
interface Case {
  /** A short name of the group, for mitata's names. */
  label: string;
  /** The group's title. */
  group: string;
  name: string;
  /** Queries per sample. */
  ops: number;
  chunks: Chunk[];
}

/** A document as LokiJS and mingo hold it: quire's id becomes a field. */
type Doc = CorpusDocument & { id: string };
type Row = { id: string; rev: number; created_at: string; updated_at: string; data: string };
/** A statement of the raw binding, with `all` (both bindings have it). */
type RawQuery = RawStatement & { all(...params: (string | number)[]): unknown[] };

const runtime = runtimeName();
const binding = bindingName();
const workspace = new TempWorkspace("quire-query-bench-");
const dir = workspace.dir;
await workspace.run(main);

async function main(): Promise<void> {
  const docs = buildCorpus(DOCUMENTS);
  const ids = corpusIds(DOCUMENTS);
  const bytes = docs.reduce((sum, doc) => sum + JSON.stringify(doc).length, 0) / docs.length;

  // --- load every engine ------------------------------------------------------------------------
  const loadStart = performance.now();
  const memory = await openStore("memory://");
  const sqliteFile = join(dir, "quire.db");
  const sqlite = await openStore(`sqlite://${sqliteFile}`);
  const memoryDocs = memory.collection<CorpusDocument>("docs", { indexes: INDEXES });
  const sqliteDocs = sqlite.collection<CorpusDocument>("docs", { indexes: INDEXES });
  for (let start = 0; start < DOCUMENTS; start += BATCH) {
    const batch = ids.slice(start, start + BATCH).map((id, k) => [id, docs[start + k]] as const);
    await memoryDocs.putMany(batch);
    await sqliteDocs.putMany(batch);
  }
  const quireSide = await openRawDb(sqliteFile);
  const rawDb = await openRawDb(join(dir, "raw.db"));
  const raw = rawDocsTable(rawDb, "docs");
  // Loaded the way quire's collection is: indexes first, then transactions of BATCH documents
  // (an index built after the load would be packed tighter than quire's).
  rawDb.exec(
    `CREATE INDEX docs_genre_year ON docs (json_extract(data, '$."genre"'), json_extract(data, '$."year"'));
     CREATE INDEX docs_year ON docs (json_extract(data, '$."year"'))`,
  );
  for (let start = 0; start < DOCUMENTS; start += BATCH) {
    rawDb.exec("BEGIN IMMEDIATE");
    const now = new Date().toISOString();
    for (let i = start; i < Math.min(start + BATCH, DOCUMENTS); i++) {
      raw.insert.run(ids[i], now, now, JSON.stringify(docs[i]));
    }
    rawDb.exec("COMMIT");
  }
  checkpoint(rawDb);
  checkpoint(quireSide);
  const objects: Doc[] = docs.map((doc, i) => ({ id: ids[i], ...doc }));
  const loki = lokiCollection<Doc>("docs", objects.map((doc) => ({ ...doc })));
  const version = sqliteVersion(rawDb);
  const loadSeconds = (performance.now() - loadStart) / 1000;

  console.log(
    `quire query benchmarks on ${runtime}, SQLite ${version} (${binding})` +
      `${QUICK ? " (--quick)" : ""}\n` +
      `documents: ${DOCUMENTS} sentences of nlp-corpus, mean ${bytes.toFixed(0)} B of JSON, ` +
      `loaded into quire memory + SQLite, raw SQLite, LokiJS in ${loadSeconds.toFixed(1)} s; ` +
      `temp dir ${dir}\n${machine()}\n`,
  );

  // --- 1. the indexed query ---------------------------------------------------------------------
  const rawSql = (order: string) =>
    `SELECT id, rev, created_at, updated_at, data FROM docs ` +
    `WHERE json_extract(data, '$."genre"') = ? ` +
    `AND json_extract(data, '$."year"') >= ? AND json_extract(data, '$."year"') < ? ` +
    `ORDER BY ${order} LIMIT 50`;
  const rawSame = rawDb.prepare(rawSql(`json_extract(data, '$."year"'), id`)) as RawQuery;
  const rawYearOnly = rawDb.prepare(rawSql(`json_extract(data, '$."year"')`)) as RawQuery;
  const filterOf = ([genre, year]: readonly [string, number]) => ({
    genre,
    year: { $gte: year, $lt: year + 10 },
  });
  const findOptions = { sort: "year", limit: 50 } as const;
  const rawFind = (statement: RawQuery, [genre, year]: readonly [string, number]) =>
    (statement.all(genre, year, year + 10) as Row[]).map((row) => ({
      id: row.id,
      rev: row.rev,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      doc: JSON.parse(row.data) as CorpusDocument,
    }));
  const lokiFind = (variant: readonly [string, number]) =>
    loki.chain().find(lokiAnd(filterOf(variant))).simplesort("year").limit(50).data();
  const mingoFind = (variant: readonly [string, number]) =>
    new MingoQuery<Doc>(filterOf(variant)).find(objects).sort({ year: 1 }).limit(50).all();

  // Same results everywhere (ties by id: LokiJS and mingo sort stably, in id order).
  let matches = 0;
  for (const variant of VARIANTS) {
    const expected = (await sqliteDocs.find(filterOf(variant), findOptions)).items.map((e) => e.id);
    matches += await sqliteDocs.count(filterOf(variant));
    same(`raw, ${variant}`, expected, rawFind(rawSame, variant).map((e) => e.id));
    const memoryIds = (await memoryDocs.find(filterOf(variant), findOptions)).items.map((e) =>
      e.id
    );
    same(`quire memory, ${variant}`, expected, memoryIds);
    same(`LokiJS, ${variant}`, expected, lokiFind(variant).map((doc) => doc.id));
    same(`mingo, ${variant}`, expected, mingoFind(variant).map((doc) => doc.id));
  }
  const explained = await sqliteDocs.explain(filterOf(VARIANTS[0]), findOptions);
  const rawPlan = (statement: string) =>
    (rawDb.prepare(`EXPLAIN QUERY PLAN ${statement}`) as RawQuery).all("news", 1950, 1960)
      .map((row) => (row as { detail: string }).detail).join("; ");
  console.log(
    `indexed query: { genre, year: { $gte: y, $lt: y + 10 } }, sort year, limit 50; ` +
      `${VARIANTS.length} variants, ${
        (matches / VARIANTS.length).toFixed(0)
      } matches each on average\n` +
      `  quire plan (index ${JSON.stringify(explained.indexes)}): ${explained.plan.join("; ")}\n` +
      `  raw plan, ORDER BY year, id: ${rawPlan(rawSql(`json_extract(data, '$."year"'), id`))}\n` +
      `  raw plan, ORDER BY year:     ${rawPlan(rawSql(`json_extract(data, '$."year"')`))}\n`,
  );

  // The engines that scan get one query per variant per sample (they take milliseconds each).
  const queryCase = (
    label: string,
    name: string,
    queries: number,
    run: (variant: readonly [string, number]) => unknown,
  ): Case => ({
    label,
    group: label === "indexed"
      ? `indexed query, limit 50: ${queries} queries per sample`
      : `the same query on engines that scan: ${queries} queries per sample`,
    name,
    ops: queries,
    chunks: chunked(queries, QUERY_CHUNK, (start, end) => {
      let last: unknown;
      for (let i = start; i < end; i++) {
        last = run(VARIANTS[i % VARIANTS.length]);
        if (last instanceof Promise) return sequence(last, run, i + 1, end);
        do_not_optimize(last);
      }
      return undefined;
    }),
  });
  const quireIndexed = queryCase(
    "indexed",
    "quire sqlite find",
    QUERIES,
    (v) => sqliteDocs.find(filterOf(v), findOptions),
  );
  const rawIndexed = queryCase(
    "indexed",
    `raw ${binding}: ORDER BY year, id`,
    QUERIES,
    (v) => rawFind(rawSame, v),
  );
  const scanned = VARIANTS.length;
  const cases: Case[] = [
    quireIndexed,
    rawIndexed,
    queryCase(
      "indexed",
      `raw ${binding}: ORDER BY year only`,
      QUERIES,
      (v) => rawFind(rawYearOnly, v),
    ),
    queryCase(
      "scanned",
      "quire memory find",
      scanned,
      (v) => memoryDocs.find(filterOf(v), findOptions),
    ),
    queryCase("scanned", "LokiJS chain().find().simplesort()", scanned, lokiFind),
    queryCase("scanned", "mingo find().sort().limit()", scanned, mingoFind),
  ];

  // --- 2 and 3. the unindexed filters -----------------------------------------------------------
  const scanners = new Map<string, Record<Scanner, Chunk>>();
  const mingoCount = (filter: ScanFilter) => {
    const query = new MingoQuery<Doc>(filter.quire);
    let n = 0;
    for (const doc of objects) if (query.test(doc)) n++;
    return n;
  };
  const mingoCountAll = (filter: ScanFilter) =>
    new MingoQuery<Doc>(filter.quire).find(objects).all().length;
  for (const filter of FILTERS) {
    const counts = [
      await memoryDocs.count(filter.quire),
      await sqliteDocs.count(filter.quire),
      loki.count(filter.loki),
      mingoCount(filter),
      mingoCountAll(filter),
    ];
    if (new Set(counts).size !== 1) {
      throw new Error(`${filter.name}: the counts differ: ${counts.join(", ")}`);
    }
    console.log(`unindexed filter ${filter.name}: ${counts[0]} matches`);
    for (const form of FORMS) {
      const limit = form === "count" ? 0 : FORM_LIMIT[form];
      const engines: Record<Scanner, Chunk> = form === "count"
        ? {
          "quire memory": () => memoryDocs.count(filter.quire),
          "LokiJS": () => loki.count(filter.loki),
          "mingo": () => mingoCount(filter),
          "quire sqlite": () => sqliteDocs.count(filter.quire),
        }
        : {
          "quire memory": () => memoryDocs.find(filter.quire, { limit }),
          "LokiJS": () => loki.chain().find(filter.loki).limit(limit).data(),
          "mingo": () => new MingoQuery<Doc>(filter.quire).find(objects).limit(limit).all(),
          "quire sqlite": () => sqliteDocs.find(filter.quire, { limit }),
        };
      if (form !== "count") {
        const expected = (await memoryDocs.find(filter.quire, { limit })).items.map((e) => e.id);
        same(
          `${filter.name}, ${form}: quire sqlite`,
          expected,
          (await sqliteDocs.find(filter.quire, { limit })).items.map((e) => e.id),
        );
        same(
          `${filter.name}, ${form}: LokiJS`,
          expected,
          (engines.LokiJS() as Doc[]).map((d) => d.id),
        );
        same(
          `${filter.name}, ${form}: mingo`,
          expected,
          (engines.mingo() as Doc[]).map((d) => d.id),
        );
      }
      scanners.set(scanKey(filter, form), engines);
      const group = `unindexed: ${filter.name}, ${form}: one query per sample`;
      const label = `F${FILTERS.indexOf(filter) + 1} ${form}`;
      for (const scanner of SCANNERS) {
        cases.push({ label, group, name: scanner, ops: 1, chunks: [engines[scanner]] });
      }
      if (form === "count") {
        cases.push({
          label,
          group,
          name: "mingo find().all().length",
          ops: 1,
          chunks: [() => mingoCountAll(filter)],
        });
      }
    }
  }
  console.log();

  // --- mitata ----------------------------------------------------------------------------------
  const groups = [...new Set(cases.map((c) => c.group))];
  for (const title of groups) {
    group(title, () => {
      summary(() => {
        for (const c of cases) if (c.group === title) register(c);
      });
    });
  }
  const { benchmarks } = TARGETS_ONLY ? { benchmarks: [] } : await run();
  const medianNs = new Map<string, number>();
  for (const trial of benchmarks) {
    const stats = trial.runs[0]?.stats;
    if (stats !== undefined) medianNs.set(trial.alias, stats.p50);
  }
  if (!TARGETS_ONLY) printMitata(cases, medianNs);

  // --- target 1: indexed query, quire vs raw, chunks interleaved -------------------------------
  const pairTimes = { quire: [] as number[], raw: [] as number[], ratios: [] as number[] };
  for (let pair = 0; pair < PAIRS; pair++) {
    const [q, r] = await timeInterleaved([quireIndexed, rawIndexed], pair);
    pairTimes.quire.push(q);
    pairTimes.raw.push(r);
    pairTimes.ratios.push(q / r);
  }

  // --- targets 2 and 3: unindexed, every engine once per round, in rotating order ---------------
  const scanTimes = new Map<string, Map<Scanner, number[]>>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const filter of FILTERS) {
      for (const form of FORMS) {
        const key = scanKey(filter, form);
        const engines = scanners.get(key)!;
        const times = scanTimes.get(key) ??
          scanTimes.set(key, new Map(SCANNERS.map((s) => [s, []]))).get(key)!;
        collectGarbage();
        await turn();
        for (let k = 0; k < SCANNERS.length; k++) {
          const scanner = SCANNERS[(k + round) % SCANNERS.length];
          let ms = await timeChunk(engines[scanner]);
          // mingo's count: the faster of its two ways in this round.
          if (scanner === "mingo" && form === "count") {
            ms = Math.min(ms, await timeChunk(() => mingoCountAll(filter)));
          }
          times.get(scanner)!.push(ms);
        }
      }
    }
  }

  // --- report ----------------------------------------------------------------------------------
  console.log(
    `\nTarget 1: indexed query, quire's SQLite backend vs raw ${binding} (same rows, same ` +
      `order); ${PAIRS} pairs of ${QUERIES} queries, chunks of ${QUERY_CHUNK} interleaved:\n`,
  );
  const ratio = median(pairTimes.ratios);
  const mq = medianNs.get(key(quireIndexed));
  const mr = medianNs.get(key(rawIndexed));
  printTable([
    ["target", "quire µs/query", "raw µs/query", "ratio", "pairs min–max", "(mitata)", ""],
    [
      `indexed find ≤ ${TARGET_INDEXED}× raw time`,
      (median(pairTimes.quire) * 1000 / QUERIES).toFixed(1),
      (median(pairTimes.raw) * 1000 / QUERIES).toFixed(1),
      `${ratio.toFixed(3)}×`,
      `${Math.min(...pairTimes.ratios).toFixed(2)}–${Math.max(...pairTimes.ratios).toFixed(2)}`,
      mq === undefined || mr === undefined ? "–" : `${(mq / mr).toFixed(2)}×`,
      ratio <= TARGET_INDEXED ? "PASS" : "MISS",
    ],
  ], [false, true, true, true, true, true, false]);

  console.log(
    `\nTargets 2 and 3: unindexed filters, ${ROUNDS} rounds (every engine once per round, ` +
      `rotating order); ms are medians; speed-up = the other engine's time / quire memory's ` +
      `(median of the rounds' ratios); targets judged on count:\n`,
  );
  const rows: string[][] = [[
    "filter",
    "form",
    "quire memory ms",
    "LokiJS ms",
    "mingo ms",
    "quire sqlite ms",
    `vs LokiJS (≥ ${TARGET_LOKI}×)`,
    `vs mingo (≥ ${TARGET_MINGO}×)`,
    "sqlite / memory",
  ]];
  for (const filter of FILTERS) {
    for (const form of FORMS) {
      const times = scanTimes.get(scanKey(filter, form))!;
      const quire = times.get("quire memory")!;
      const speedUp = (other: Scanner) => median(times.get(other)!.map((t, i) => t / quire[i]));
      const verdict = (value: number, goal: number) =>
        `${value.toFixed(2)}×${form === "count" ? (value >= goal ? " PASS" : " MISS") : ""}`;
      rows.push([
        filter.name,
        form,
        median(quire).toFixed(2),
        median(times.get("LokiJS")!).toFixed(2),
        median(times.get("mingo")!).toFixed(2),
        median(times.get("quire sqlite")!).toFixed(2),
        verdict(speedUp("LokiJS"), TARGET_LOKI),
        verdict(speedUp("mingo"), TARGET_MINGO),
        `${speedUp("quire sqlite").toFixed(2)}×`,
      ]);
    }
  }
  printTable(rows, [false, false, true, true, true, true, true, true, true]);
  console.log(
    `\ncount: quire count(filter); LokiJS collection.count(query); mingo the faster of ` +
      `Query#test over the array and find(docs).all().length.\n` +
      `first 50 / up to 10,000: quire find(filter, { limit }) (fresh copies of the documents; ` +
      `a scan without sort stops at limit + 1 matches); LokiJS chain().find(q).limit(n).data() ` +
      `and mingo find(docs).limit(n).all() (references to their stored objects).`,
  );
  console.log(`at the end: ${machine()}`);
}

/** LokiJS's form of a filter: one term per operator (LokiJS reads one operator per field). */
function lokiAnd(filter: Record<string, unknown>): Record<string, unknown> {
  const terms = Object.entries(filter).flatMap(([field, value]) =>
    typeof value === "object" && value !== null
      ? Object.entries(value).map(([op, operand]) => ({ [field]: { [op]: operand } }))
      : [{ [field]: value }]
  );
  return { $and: terms };
}

function scanKey(filter: ScanFilter, form: Form): string {
  return `${filter.name} · ${form}`;
}

function same(what: string, expected: string[], actual: string[]): void {
  if (expected.length !== actual.length || expected.some((id, i) => id !== actual[i])) {
    throw new Error(
      `${what}: results differ from quire's: ${expected.slice(0, 5)}… vs ${actual.slice(0, 5)}…`,
    );
  }
}

/** Runs `run` for the variants `from..end` after `first` settles, one at a time. */
async function sequence(
  first: Promise<unknown>,
  run: (variant: readonly [string, number]) => unknown,
  from: number,
  end: number,
): Promise<void> {
  do_not_optimize(await first);
  for (let i = from; i < end; i++) do_not_optimize(await run(VARIANTS[i % VARIANTS.length]));
}

async function openRawDb(path: string): Promise<RawDatabase> {
  const db = await openRawDocsDatabase(path);
  workspace.keep(db);
  return db;
}

/** Copies the WAL into the database and empties it. */
function checkpoint(db: RawDatabase): void {
  const result = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
  if (result.busy !== 0) console.warn("warning: a WAL checkpoint was blocked (busy)");
}

async function openStore(url: string): Promise<Store> {
  const store = await open(url);
  workspace.keep(store);
  return store;
}

function key(c: Case): string {
  return `${c.label} · ${c.name}`;
}

/** Lets the event loop turn (so Ctrl-C is handled between samples). */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Registers a case with mitata; the computed parameter lets the event loop turn first. */
function register(c: Case): void {
  const { chunks } = c;
  bench(key(c), function* () {
    yield { heap: false, 0: () => turn(), bench: (_ready: unknown) => runChunks(chunks) };
  });
}

/** Runs the chunks in order; returns a promise only if a chunk does. */
function runChunks(chunks: Chunk[]): unknown {
  for (let i = 0; i < chunks.length; i++) {
    const result = chunks[i]();
    if (result instanceof Promise) return finish(result, chunks, i + 1);
    do_not_optimize(result);
  }
  return undefined;
}

async function finish(first: Promise<unknown>, chunks: Chunk[], from: number): Promise<void> {
  do_not_optimize(await first);
  for (let i = from; i < chunks.length; i++) do_not_optimize(await chunks[i]());
}

/**
 * Times one sample of each case with their chunks interleaved (chunk k of every case, then
 * chunk k + 1, …, rotating which case goes first); milliseconds per case.
 */
async function timeInterleaved(list: Case[], rotation: number): Promise<number[]> {
  const n = list[0].chunks.length;
  if (list.some((c) => c.chunks.length !== n)) throw new Error("The cases' chunks differ");
  collectGarbage();
  await turn();
  const totals = list.map(() => 0);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < list.length; j++) {
      const index = (j + k + rotation) % list.length;
      totals[index] += await timeChunk(list[index].chunks[k]);
    }
  }
  return totals;
}

async function timeChunk(chunk: Chunk): Promise<number> {
  const start = performance.now();
  const result = chunk();
  if (result instanceof Promise) do_not_optimize(await result);
  else do_not_optimize(result);
  return performance.now() - start;
}

/** Splits `0..n` into chunks of `size` and makes one chunk function per piece. */
function chunked(n: number, size: number, body: (start: number, end: number) => unknown): Chunk[] {
  const chunks: Chunk[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(start + size, n);
    chunks.push(() => body(start, end));
  }
  return chunks;
}

/** The table of mitata's medians. */
function printMitata(cases: Case[], medianNs: Map<string, number>): void {
  console.log(`\nmitata medians (${runtime}):\n`);
  const rows: string[][] = [["group", "case", "queries/sample", "ms/sample", "µs/query"]];
  for (const c of cases) {
    const ns = medianNs.get(key(c));
    rows.push([
      c.label,
      c.name,
      String(c.ops),
      ns === undefined ? "failed" : (ns / 1e6).toFixed(2),
      ns === undefined ? "" : (ns / 1e3 / c.ops).toFixed(1),
    ]);
  }
  printTable(rows, [false, false, true, true, true]);
}
