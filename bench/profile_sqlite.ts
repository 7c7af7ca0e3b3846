/**
 * Where the time goes between the raw SQLite binding and quire's SQLite backend: the same work
 * is done layer by layer, from the raw prepared statement up to the public Collection API, and
 * every layer's extra cost per document is printed. Then the pieces on the path are timed one
 * by one.
 *
 * Not a `.bench.ts` file, so `npm run bench` does not run it. Run it by hand:
 *
 *   bun bench/profile_sqlite.ts [--quick]
 *   deno run -A bench/profile_sqlite.ts [--quick]
 *
 * Layers (each one adds what is named to the one before):
 *
 * | layer    | what runs per document                                                        |
 * | -------- | ----------------------------------------------------------------------------- |
 * | raw      | the binding's prepared statement (quire's SQL) + JSON.stringify / JSON.parse; |
 * |          | one timestamp per call (put) or per transaction (putMany)                     |
 * | driver   | quire's driver Statement: rest parameters, toSqlValues (NUL check), try/catch |
 * | backend  | SqliteBackend.put/get: statement lookup by collection, Meta / entry object    |
 * | +checks  | put: checkId + encodeDocument (walks the document); get: checkId              |
 * | +now/doc | putMany: a new Date().toISOString() per document instead of per transaction   |
 * | +await   | get: the same, awaited in an async function (one promise per call)            |
 * | quire    | Collection.put/putMany/get through the Store: #run, AsyncLocalStorage, #use   |
 *
 * Every layer has a database file of its own (same pragmas). A run does the whole workload on
 * every layer with the layers' chunks interleaved (1,000 gets, 250 puts or one 1,000-document
 * transaction at a time, rotating which layer goes first), so the load of a shared machine hits
 * all layers alike; the figures are medians over the runs.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { do_not_optimize, measure } from "mitata";
import { openSqliteBackend, type SqliteBackend } from "../src/backends/sqlite/sqlite_backend.ts";
import { DEFAULT_MAX_DOCUMENT_BYTES, encodeDocument } from "../src/document.ts";
import type { Statement } from "../src/sqlite/driver.ts";
import { checkId } from "../src/names.ts";
import { openStore } from "../src/store.ts";
import { serialBackend } from "../src/backends/serial_backend.ts";
import { buildDocuments, documentIds, shuffled, type SotuDocument } from "./lib/documents.ts";
import { collectGarbage, median, printTable, runtimeName } from "./lib/measure.ts";
import {
  bindingName,
  openRawDocsDatabase,
  type RawDatabase,
  rawDocsTable,
  sqliteVersion,
} from "./lib/raw_sqlite.ts";

const QUICK = process.argv.includes("--quick");
const N = QUICK ? 2_000 : 20_000;
const N_AUTOCOMMIT = QUICK ? 500 : 5_000;
const BATCH = QUICK ? 500 : 1_000;
const GET_CHUNK = QUICK ? 200 : 1_000;
const PUT_CHUNK = QUICK ? 50 : 250;
const REPEATS = QUICK ? 3 : 11;

type Chunk = () => unknown;

interface Layer {
  name: string;
  /** Untimed, before each run. */
  setup?: () => unknown;
  chunks: Chunk[];
}

/** A SqliteBackend on a file of its own, with its one collection and quire's statements. */
interface BackendLayer {
  backend: SqliteBackend;
  upsert: Statement;
  select: Statement;
}

const dir = mkdtempSync(join(tmpdir(), "quire-profile-"));
const closers: (() => unknown)[] = [];
try {
  await main();
} finally {
  for (const close of closers.reverse()) await close();
  rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const docs = buildDocuments(N);
  const ids = documentIds(N);
  const readOrder = shuffled(ids);
  const now = () => new Date().toISOString();

  const rawDb: RawDatabase = await openRawDocsDatabase(join(dir, "raw.db"));
  closers.push(() => rawDb.close());
  const raw = rawDocsTable(rawDb, "docs");
  const [driverLayer, backendLayer, checksLayer, nowLayer] = await Promise.all(
    ["driver", "backend", "checks", "now"].map((name) => openBackendLayer(name)),
  );
  const store = await openStore(serialBackend(await openSqliteBackend(join(dir, "quire.db"))), {
    readonly: false,
    maxDocumentBytes: DEFAULT_MAX_DOCUMENT_BYTES,
  });
  closers.push(() => store.close());
  const collection = store.collection<SotuDocument>("c");
  await collection.clear();

  console.log(
    `quire SQLite path profile on ${runtimeName()}, ${bindingName()}, SQLite ${
      sqliteVersion(rawDb)
    }; ${N} documents (${N_AUTOCOMMIT} for autocommit puts); median of ${REPEATS} runs, ` +
      `layers interleaved chunk by chunk\n`,
  );

  const clearRaw = () => raw.clear.run();
  const clear = (layer: BackendLayer) => () => layer.backend.clear("c");
  const backendPut = (layer: BackendLayer, i: number, time: string, checked: boolean) =>
    layer.backend.put(
      "c",
      checked
        ? {
          id: checkId(ids[i]),
          data: encodeDocument(docs[i], DEFAULT_MAX_DOCUMENT_BYTES),
          now: time,
        }
        : { id: ids[i], data: JSON.stringify(docs[i]), now: time },
    );
  /** One transaction per chunk; `perTx` = one timestamp per transaction, else one per doc. */
  const txChunks = (
    begin: () => void,
    commit: () => void,
    body: (i: number, time: string | undefined) => unknown,
    perTx: boolean,
  ) =>
    chunked(N, BATCH, (start, end) => {
      begin();
      const time = perTx ? now() : undefined;
      for (let i = start; i < end; i++) do_not_optimize(body(i, time));
      commit();
    });
  const rawBegin = () => rawDb.exec("BEGIN IMMEDIATE");
  const rawCommit = () => rawDb.exec("COMMIT");
  const begin = (layer: BackendLayer) => () => layer.backend.begin();
  const commit = (layer: BackendLayer) => () => layer.backend.commit();

  // ---- putMany: batches of BATCH, one transaction each --------------------------------------
  const entryBatches = chunked(
    N,
    BATCH,
    (start, end) => ids.slice(start, end).map((id, k) => [id, docs[start + k]] as const),
  ).map((make) => make() as (readonly [string, SotuDocument])[]);
  await compare(`putMany (batches of ${BATCH}, one transaction each)`, N, [
    {
      name: "raw",
      setup: clearRaw,
      chunks: txChunks(
        rawBegin,
        rawCommit,
        (i, time) => raw.upsert.get(ids[i], time!, JSON.stringify(docs[i])),
        true,
      ),
    },
    {
      name: "driver",
      setup: clear(driverLayer),
      chunks: txChunks(
        begin(driverLayer),
        commit(driverLayer),
        (i, time) => driverLayer.upsert.get(ids[i], time!, JSON.stringify(docs[i])),
        true,
      ),
    },
    {
      name: "backend",
      setup: clear(backendLayer),
      chunks: txChunks(
        begin(backendLayer),
        commit(backendLayer),
        (i, time) => backendPut(backendLayer, i, time!, false),
        true,
      ),
    },
    {
      name: "+checks",
      setup: clear(checksLayer),
      chunks: txChunks(
        begin(checksLayer),
        commit(checksLayer),
        (i, time) => backendPut(checksLayer, i, time!, true),
        true,
      ),
    },
    {
      name: "+now/doc",
      setup: clear(nowLayer),
      chunks: txChunks(
        begin(nowLayer),
        commit(nowLayer),
        (i) => backendPut(nowLayer, i, now(), true),
        false,
      ),
    },
    {
      name: "quire",
      setup: () => collection.clear(),
      chunks: entryBatches.map((batch) => async () => {
        do_not_optimize(await collection.putMany(batch));
      }),
    },
  ]);

  // ---- autocommit puts --------------------------------------------------------------------
  await compare("put, autocommit", N_AUTOCOMMIT, [
    {
      name: "raw",
      setup: clearRaw,
      chunks: chunked(N_AUTOCOMMIT, PUT_CHUNK, (start, end) => {
        for (let i = start; i < end; i++) {
          do_not_optimize(raw.upsert.get(ids[i], now(), JSON.stringify(docs[i])));
        }
      }),
    },
    {
      name: "driver",
      setup: clear(driverLayer),
      chunks: chunked(N_AUTOCOMMIT, PUT_CHUNK, (start, end) => {
        for (let i = start; i < end; i++) {
          do_not_optimize(driverLayer.upsert.get(ids[i], now(), JSON.stringify(docs[i])));
        }
      }),
    },
    {
      name: "backend",
      setup: clear(backendLayer),
      chunks: chunked(N_AUTOCOMMIT, PUT_CHUNK, (start, end) => {
        for (let i = start; i < end; i++) {
          do_not_optimize(backendPut(backendLayer, i, now(), false));
        }
      }),
    },
    {
      name: "+checks",
      setup: clear(checksLayer),
      chunks: chunked(N_AUTOCOMMIT, PUT_CHUNK, (start, end) => {
        for (let i = start; i < end; i++) do_not_optimize(backendPut(checksLayer, i, now(), true));
      }),
    },
    {
      name: "quire",
      setup: () => collection.clear(),
      chunks: chunked(N_AUTOCOMMIT, PUT_CHUNK, async (start, end) => {
        for (let i = start; i < end; i++) do_not_optimize(await collection.put(ids[i], docs[i]));
      }),
    },
  ]);

  // ---- gets: every layer's file holds the same N documents; read in a shuffled order --------
  clearRaw();
  for (
    const chunk of txChunks(
      rawBegin,
      rawCommit,
      (i, time) => raw.upsert.get(ids[i], time!, JSON.stringify(docs[i])),
      true,
    )
  ) chunk();
  for (const layer of [driverLayer, backendLayer, checksLayer]) {
    layer.backend.clear("c");
    for (
      const chunk of txChunks(
        begin(layer),
        commit(layer),
        (i, time) => backendPut(layer, i, time!, false),
        true,
      )
    ) chunk();
  }
  await collection.clear();
  for (const batch of entryBatches) await collection.putMany(batch);
  const getChecked = (id: string) => checksLayer.backend.get("c", checkId(id));
  const getAsync = async (id: string) => await Promise.resolve(getChecked(id));
  await compare("get by id (shuffled)", N, [
    {
      name: "raw",
      chunks: chunked(N, GET_CHUNK, (start, end) => {
        for (let i = start; i < end; i++) {
          do_not_optimize(JSON.parse((raw.select.get(readOrder[i]) as { data: string }).data));
        }
      }),
    },
    {
      name: "driver",
      chunks: chunked(N, GET_CHUNK, (start, end) => {
        for (let i = start; i < end; i++) {
          do_not_optimize(JSON.parse(driverLayer.select.get<{ data: string }>(readOrder[i])!.data));
        }
      }),
    },
    {
      name: "backend",
      chunks: chunked(N, GET_CHUNK, (start, end) => {
        for (let i = start; i < end; i++) {
          do_not_optimize(backendLayer.backend.get("c", readOrder[i]));
        }
      }),
    },
    {
      name: "+checks",
      chunks: chunked(N, GET_CHUNK, (start, end) => {
        for (let i = start; i < end; i++) do_not_optimize(getChecked(readOrder[i]));
      }),
    },
    {
      name: "+await",
      chunks: chunked(N, GET_CHUNK, async (start, end) => {
        for (let i = start; i < end; i++) do_not_optimize(await getAsync(readOrder[i]));
      }),
    },
    {
      name: "quire",
      chunks: chunked(N, GET_CHUNK, async (start, end) => {
        for (let i = start; i < end; i++) do_not_optimize(await collection.get(readOrder[i]));
      }),
    },
  ]);

  // ---- the pieces, one at a time ------------------------------------------------------------
  // Over all N documents (not one hot document: the benchmarks cycle through many), median of
  // REPEATS rounds, the pieces interleaved round by round.
  const texts = docs.map((doc) => JSON.stringify(doc));
  const als = new AsyncLocalStorage<{ active: boolean }>();
  const echo = driverLayer.backend.database.prepare("SELECT ?1 AS a, ?2 AS b, ?3 AS c");
  const rawEcho = rawDb.prepare("SELECT ?1 AS a, ?2 AS b, ?3 AS c");
  const time = now();
  const pieces: [string, (i: number) => unknown][] = [
    ["JSON.stringify(doc)", (i) => JSON.stringify(docs[i])],
    ["encodeDocument(doc): walk + stringify", (i) => encodeDocument(docs[i], 1 << 20)],
    ["JSON.parse(text)", (i) => JSON.parse(texts[i])],
    ["checkId(id)", (i) => checkId(ids[i])],
    ["new Date().toISOString()", () => new Date().toISOString()],
    ["AsyncLocalStorage#getStore(), no context", () => als.getStore()],
    ["raw stmt.get(id, now, text), SELECT ?1,?2,?3", (i) => rawEcho.get(ids[i], time, texts[i])],
    ["driver stmt.get(id, now, text), same", (i) => echo.get(ids[i], time, texts[i])],
  ];
  const times = pieces.map(() => [] as number[]);
  for (let round = 0; round <= REPEATS; round++) {
    for (const [k, [, fn]] of pieces.entries()) {
      const start = performance.now();
      for (let i = 0; i < N; i++) do_not_optimize(fn(i));
      if (round > 0) times[k].push(((performance.now() - start) * 1e6) / N);
    }
  }
  const asyncStats = await measure(async () => await undefined);
  console.log(`The pieces, one call each, over all ${N} documents (median ns per call):\n`);
  const rows: string[][] = [["piece", "ns/call"]];
  for (const [k, [name]] of pieces.entries()) rows.push([name, median(times[k]).toFixed(0)]);
  rows.push(["async fn + await, empty (mitata)", asyncStats.p50.toFixed(0)]);
  printTable(rows, [false, true]);
}

async function openBackendLayer(name: string): Promise<BackendLayer> {
  const backend = await openSqliteBackend(join(dir, `${name}.db`));
  closers.push(() => backend.close());
  backend.ensureCollection("c", {});
  const table = "quire_docs_1";
  const db = backend.database;
  return {
    backend,
    upsert: db.prepare(
      `INSERT INTO ${table} (id, rev, created_at, updated_at, data) VALUES (?1, 1, ?2, ?2, ?3)
       ON CONFLICT (id) DO UPDATE SET rev = rev + 1, updated_at = excluded.updated_at, data = excluded.data
       RETURNING rev, created_at`,
    ),
    select: db.prepare(`SELECT id, rev, created_at, updated_at, data FROM ${table} WHERE id = ?`),
  };
}

/**
 * Runs every layer's workload REPEATS times (plus one warm-up run): in each run the layers'
 * chunks alternate, rotating which layer goes first. Prints medians per layer.
 */
async function compare(title: string, n: number, layers: Layer[]): Promise<void> {
  const chunkCount = layers[0].chunks.length;
  if (layers.some((layer) => layer.chunks.length !== chunkCount)) {
    throw new Error(`${title}: layers with different chunk counts`);
  }
  const times = layers.map(() => [] as number[]);
  for (let repeat = 0; repeat <= REPEATS; repeat++) {
    for (const layer of layers) await layer.setup?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    const total = layers.map(() => 0);
    for (let k = 0; k < chunkCount; k++) {
      for (let j = 0; j < layers.length; j++) {
        const index = (j + k + repeat) % layers.length;
        const start = performance.now();
        const result = layers[index].chunks[k]();
        if (result instanceof Promise) await result;
        total[index] += performance.now() - start;
      }
    }
    // The first run warms the JIT up and is not counted.
    if (repeat > 0) { for (const [index, ms] of total.entries()) times[index].push(ms); }
  }
  console.log(`${title}: ${n} documents per run`);
  const rows: string[][] = [["layer", "median ms", "µs/doc", "+µs/doc", "× raw"]];
  let previous = 0;
  let base = 0;
  for (const [index, layer] of layers.entries()) {
    const perDoc = (median(times[index]) * 1000) / n;
    if (index === 0) base = perDoc;
    const delta = perDoc - previous;
    rows.push([
      layer.name,
      median(times[index]).toFixed(1),
      perDoc.toFixed(2),
      index === 0 ? "" : `${delta >= 0 ? "+" : ""}${delta.toFixed(2)}`,
      (perDoc / base).toFixed(2),
    ]);
    previous = perDoc;
  }
  printTable(rows, [false, true, true, true, true]);
  console.log();
}

/** Splits `0..n` into pieces of `size`; one function per piece. */
function chunked<T>(n: number, size: number, body: (start: number, end: number) => T): (() => T)[] {
  const chunks: (() => T)[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(start + size, n);
    chunks.push(() => body(start, end));
  }
  return chunks;
}
