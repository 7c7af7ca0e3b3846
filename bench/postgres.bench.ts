/**
 * The Postgres backend against its floor: the same driver (Bun.SQL on Bun, postgres.js on Deno
 * and Node, through quire's thin PgDriver) running the same statements by hand, on a throwaway
 * local server (scripts/lib/pg_server.ts: 127.0.0.1, `fsync=off`) holding 100,000 documents of
 * ≈500 bytes (State of the Union text, bench/lib/documents.ts: 20,000 distinct ones, repeated
 * under other ids) in each of two tables of the same schema: quire's collection and a raw table.
 *
 * - get: one document by id (shuffled ids), quire's `get` against the same SELECT + JSON.parse;
 * - put: one document per call (autocommit), against the same UPSERT with JSON.stringify and
 *   one `new Date().toISOString()` per call;
 * - putMany: 1,000 documents in one transaction, against the same one-statement INSERT … SELECT
 *   FROM json_to_recordset in a transaction of the same isolation (SERIALIZABLE, as quire's);
 * - indexed find: `find({ year }, { limit: 50 })` on a collection of the same documents with
 *   `indexes: ["year"]`, against the statement quire runs for it (read from `explain`, on the
 *   same table) + `JSON.parse` of each row;
 * - search (one term, two terms, a phrase, a prefix, a term with a year range filter; limit 20)
 *   on a collection of the same documents with `search: { fields: ["text"] }`, against the
 *   statements quire's search runs (recorded once from pg_search.ts itself, on the same tables)
 *   run by hand in the same kind of transaction, their rows parsed (postings split into numbers,
 *   documents `JSON.parse`d) but nothing matched or ranked: the ratio shows what quire's
 *   matching, BM25 ranking and overhead add to the statements;
 * - putMany into the searched collection (1,000 in 1 tx), against the same document INSERT as
 *   putMany's floor + the index statements quire runs for the same documents (recorded from
 *   pg_search.ts `write` before timing, so without tokenizing) on copies of the index tables.
 *
 * Method (as bench/core.bench.ts's targets): 15 rounds; in each, one chunk of quire's work and
 * one chunk of the raw work, the order alternating, so the load of a shared machine hits both;
 * the verdict is the median of the rounds' time ratios. Targets (issue 12): get ≤ 1.3× raw time,
 * putMany ≥ 0.75× raw throughput, indexed find ≤ 1.5× raw time; none for search.
 *
 * Usage:
 *   bun bench/postgres.bench.ts [--quick]
 *   deno run -A bench/postgres.bench.ts [--quick]
 *
 * Needs Postgres installed (`apt-get install postgresql`, or `PG_BIN`); says why and exits 0
 * otherwise. The server and its directory are removed at the end.
 *
 * @module
 */

import process from "node:process";
import { open } from "../mod.ts";
import { pgServerUnavailable, startPgServer } from "../scripts/lib/pg_server.ts";
import {
  openPgDriver,
  type PgParam,
  type PgQueryable,
  type PgRow,
} from "../src/backends/postgres/driver.ts";
import { PgSearchIndex } from "../src/backends/postgres/pg_search.ts";
import { documentTable } from "../src/backends/postgres/pg_schema.ts";
import { parseStoredOptions } from "../src/collection_options.ts";
import { parseFilter } from "../src/query/query.ts";
import { compileSearch } from "../src/search/compile_search.ts";
import { buildDocuments, documentIds, shuffled, type SotuDocument } from "./lib/documents.ts";
import { machine, median, printTable, runtimeName } from "./lib/measure.ts";

const QUICK = process.argv.includes("--quick");
const DOCUMENTS = QUICK ? 10_000 : 100_000;
const ROUNDS = QUICK ? 5 : 15;
const CHUNK = { get: 1_000, put: 250, putMany: 1_000, search: 5 };
/** quire's transactions run SERIALIZABLE (postgres_backend.ts): the raw side's do too. */
const SERIALIZABLE = { isolation: "serializable" } as const;

/** A statement as quire ran it. */
interface Statement {
  sql: string;
  params: readonly PgParam[];
}

const unavailable = pgServerUnavailable();
if (unavailable !== undefined) {
  console.log(`postgres bench skipped: ${unavailable}`);
  process.exit(0);
}

const server = await startPgServer({ database: "bench" });
try {
  await main();
} finally {
  await server.stop();
}

async function main(): Promise<void> {
  // The corpus holds about 40,000 documents' worth of text: past that, the texts repeat.
  const distinct = buildDocuments(Math.min(DOCUMENTS, 20_000));
  const docs = Array.from({ length: DOCUMENTS }, (_, i) => distinct[i % distinct.length]!);
  const ids = documentIds(DOCUMENTS);
  const readOrder = shuffled(ids);
  const store = await open(`${server.url}?schema=bench`);
  const notes = store.collection<SotuDocument>("notes");
  // The finds' own collection, with the index: an index on notes would slow its writes alone.
  const books = store.collection<SotuDocument>("books", { indexes: ["year"] });
  // The searches' own collection: an index on notes would slow its writes alone.
  const speeches = store.collection<SotuDocument>("speeches", { search: { fields: ["text"] } });
  const raw = openPgDriver(server.url);
  const table = "bench.raw_docs";
  await raw.query(`CREATE TABLE ${table} (
    id text COLLATE "C" PRIMARY KEY, rev integer NOT NULL, created_at text NOT NULL,
    updated_at text NOT NULL, data json NOT NULL, doc jsonb NOT NULL)`);

  const upsert = `INSERT INTO ${table} AS t (id, rev, created_at, updated_at, data, doc)
    VALUES ($1, 1, $2, $2, $3::text::json, coalesce($4, $3)::text::jsonb)
    ON CONFLICT (id) DO UPDATE SET rev = t.rev + 1, updated_at = excluded.updated_at,
      data = excluded.data, doc = excluded.doc RETURNING rev, created_at`;
  const bulk = `INSERT INTO ${table} AS t (id, rev, created_at, updated_at, data, doc)
    SELECT r.id, 1, $2, $2, r.data, coalesce(r.doc, r.data::jsonb)
    FROM json_to_recordset($1::text::json) AS r(id text, data json, doc jsonb)
    ON CONFLICT (id) DO UPDATE SET rev = t.rev + 1, updated_at = excluded.updated_at,
      data = excluded.data, doc = excluded.doc RETURNING id, rev, created_at`;
  const rawPutMany = (on: PgQueryable, from: number, count: number) => {
    const records = ids.slice(from, from + count).map((id, i) =>
      `{"id":${JSON.stringify(id)},"data":${JSON.stringify(docs[from + i])}}`
    );
    return on.query(bulk, [`[${records.join(",")}]`, new Date().toISOString()]);
  };

  console.log(`loading ${DOCUMENTS.toLocaleString("en")} documents into each table…`);
  for (let i = 0; i < DOCUMENTS; i += 1_000) {
    await notes.putMany(ids.slice(i, i + 1_000).map((id, j) => [id, docs[i + j]!]));
    await books.putMany(ids.slice(i, i + 1_000).map((id, j) => [id, docs[i + j]!]));
    await speeches.putMany(ids.slice(i, i + 1_000).map((id, j) => [id, docs[i + j]!]));
    await raw.transaction((tx) => rawPutMany(tx, i, 1_000));
  }
  // Every table of the database, quire's as well as the raw one: the same visibility map, hint
  // bits and planner statistics on both sides.
  await raw.query("VACUUM ANALYZE");

  // Search: the statements quire runs, recorded from its own code on the same tables.
  const [catalog] = await raw.query<{ id: number; options: string }>(
    "SELECT id, options FROM bench.quire_collections WHERE name = 'speeches'",
  );
  const searchOptions = parseStoredOptions("speeches", catalog!.options).search!;
  const searchIndex = new PgSearchIndex(
    '"bench"',
    catalog!.id,
    documentTable('"bench"', catalog!.id),
    searchOptions,
  );
  const recorder = (statements: Statement[], on?: PgQueryable): PgQueryable => ({
    query: <T = PgRow>(sql: string, params: readonly PgParam[] = []) => {
      statements.push({ sql, params });
      return on === undefined ? Promise.resolve([] as T[]) : on.query<T>(sql, params);
    },
    execute: (sql, params = []) => {
      statements.push({ sql, params });
      return on === undefined ? Promise.resolve(0) : on.execute(sql, params);
    },
  });
  const searches = [
    { name: "one term", text: "peace" },
    { name: "two terms", text: "united states" },
    { name: "phrase", text: '"united states"' },
    { name: "prefix", text: "amer*" },
    { name: "term + year range", text: "peace", filter: { year: { $gte: 1900, $lt: 1950 } } },
  ].map((search) => ({ ...search, statements: [] as Statement[] }));
  for (const { text, filter, statements } of searches) {
    await searchIndex.search(recorder(statements, raw), "speeches", {
      text,
      raw: false,
      query: compileSearch(text, searchOptions),
      filter: parseFilter(filter ?? {}),
      limit: 20,
      facets: [],
    });
  }
  const replay = (statements: readonly Statement[]) =>
    raw.transaction(async (tx) => {
      for (const { sql, params } of statements) {
        for (const row of await tx.query<{ postings?: string; data?: string }>(sql, params)) {
          if (row.postings !== undefined) row.postings.split(",").map(Number);
          if (row.data !== undefined) JSON.parse(row.data);
        }
      }
    }, { isolation: "repeatable read", readOnly: true });

  // putMany into the searched collection: its index statements for each round's documents,
  // recorded without running them, replayed on copies of the index tables.
  await raw.query("CREATE SCHEMA raw_index");
  const rawIndex = new PgSearchIndex('"raw_index"', 1, `"raw_index"."docs"`, searchOptions);
  // Copies of the index tables, indexes included (not `create()`, which also puts the search
  // guard on a document table).
  for (
    const [from, to] of [[searchIndex.terms, rawIndex.terms], [
      searchIndex.lengths,
      rawIndex.lengths,
    ]]
  ) {
    await raw.query(`CREATE TABLE ${to} (LIKE ${from} INCLUDING ALL)`);
    await raw.query(`INSERT INTO ${to} SELECT * FROM ${from} ORDER BY 1, 2`);
  }
  await raw.query(`VACUUM ANALYZE ${rawIndex.terms}, ${rawIndex.lengths}`);
  const indexWrites: Statement[][] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const from = (round * CHUNK.putMany) % (DOCUMENTS - CHUNK.putMany);
    const statements: Statement[] = [];
    await rawIndex.write(
      recorder(statements),
      ids.slice(from, from + CHUNK.putMany).map((id, j) => [id, JSON.stringify(docs[from + j])]),
    );
    indexWrites.push(statements);
  }

  // Indexed find: the statement quire runs (from explain), run by hand with the same values.
  const years = Array.from({ length: 50 }, (_, i) => docs[(i * 1_999) % DOCUMENTS]!.year);
  const findSql = await Promise.all(
    years.map(async (year) => {
      const plan = await books.explain({ year }, { limit: 50 });
      return { sql: plan.sql!, params: plan.params! as (string | number | null)[] };
    }),
  );
  // Both pools in the same state. The fifty explains above ran at once, so quire's pool holds
  // all its connections; the raw pool runs the same finds at once, to hold as many. A pool hands
  // its idle connections out in turn, and a statement costs more on a connection that has run it
  // fewer times (a server process's cold caches, and custom plans for its first five runs): at
  // 100,000 documents a putMany costs 25–35% more rotating over ten connections than on one.
  await Promise.all(findSql.map(({ sql, params }) => raw.query(sql, params)));

  type Side = (round: number) => Promise<void>;
  const cases: { name: string; target: string; quire: Side; raw: Side; ops: number }[] = [
    {
      name: "get",
      target: "time ≤ 1.3× raw",
      ops: CHUNK.get,
      quire: async (round) => {
        for (let i = 0; i < CHUNK.get; i++) {
          await notes.get(readOrder[(round * CHUNK.get + i) % DOCUMENTS]!);
        }
      },
      raw: async (round) => {
        for (let i = 0; i < CHUNK.get; i++) {
          const [row] = await raw.query<{ data: string }>(
            `SELECT id, rev, created_at, updated_at, data::text AS data FROM ${table} WHERE id = $1`,
            [readOrder[(round * CHUNK.get + i) % DOCUMENTS]!],
          );
          JSON.parse(row!.data);
        }
      },
    },
    {
      name: "put (autocommit)",
      target: "(no target)",
      ops: CHUNK.put,
      quire: async (round) => {
        for (let i = 0; i < CHUNK.put; i++) {
          await notes.put(ids[i]!, docs[(i + round) % DOCUMENTS]!);
        }
      },
      raw: async (round) => {
        for (let i = 0; i < CHUNK.put; i++) {
          const data = JSON.stringify(docs[(i + round) % DOCUMENTS]);
          await raw.query(upsert, [ids[i]!, new Date().toISOString(), data, null]);
        }
      },
    },
    {
      name: "putMany (1,000 in 1 tx)",
      target: "throughput ≥ 0.75× raw",
      ops: CHUNK.putMany,
      quire: async (round) => {
        const from = (round * CHUNK.putMany) % (DOCUMENTS - CHUNK.putMany);
        await notes.putMany(
          ids.slice(from, from + CHUNK.putMany).map((id, j) => [id, docs[from + j]!]),
        );
      },
      raw: async (round) => {
        const from = (round * CHUNK.putMany) % (DOCUMENTS - CHUNK.putMany);
        await raw.transaction((tx) => rawPutMany(tx, from, CHUNK.putMany), SERIALIZABLE);
      },
    },
    {
      name: "indexed find (year =, limit 50)",
      target: "time ≤ 1.5× raw",
      ops: years.length,
      quire: async () => {
        for (const year of years) await books.find({ year }, { limit: 50 });
      },
      raw: async () => {
        for (const { sql, params } of findSql) {
          for (const row of await raw.query<{ data: string }>(sql, params)) JSON.parse(row.data);
        }
      },
    },
    ...searches.map(({ name, text, filter, statements }) => ({
      name: `search: ${name}`,
      target: "(no target)",
      ops: CHUNK.search,
      quire: async () => {
        for (let i = 0; i < CHUNK.search; i++) await speeches.search(text, { filter, limit: 20 });
      },
      raw: async () => {
        for (let i = 0; i < CHUNK.search; i++) await replay(statements);
      },
    })),
    {
      name: "putMany, searched (1,000 in 1 tx)",
      target: "(no target)",
      ops: CHUNK.putMany,
      quire: async (round) => {
        const from = (round * CHUNK.putMany) % (DOCUMENTS - CHUNK.putMany);
        await speeches.putMany(
          ids.slice(from, from + CHUNK.putMany).map((id, j) => [id, docs[from + j]!]),
        );
      },
      raw: async (round) => {
        const from = (round * CHUNK.putMany) % (DOCUMENTS - CHUNK.putMany);
        await raw.transaction(async (tx) => {
          await rawPutMany(tx, from, CHUNK.putMany);
          for (const { sql, params } of indexWrites[round]!) await tx.query(sql, params);
        }, SERIALIZABLE);
      },
    },
  ];

  const rows: string[][] = [];
  for (const { name, target, quire, raw: floor, ops } of cases) {
    await quire(0);
    await floor(0);
    const ratios: number[] = [];
    const times = { quire: [] as number[], raw: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      const order: ["quire" | "raw", Side][] = round % 2 === 0
        ? [["quire", quire], ["raw", floor]]
        : [["raw", floor], ["quire", quire]];
      const ms: Record<string, number> = {};
      for (const [side, run] of order) {
        const start = performance.now();
        await run(round);
        ms[side] = performance.now() - start;
        times[side].push(ms[side]);
      }
      ratios.push(ms.quire! / ms.raw!);
    }
    const ratio = median(ratios);
    const sorted = [...ratios].sort((a, b) => a - b);
    const quireMs = median(times.quire);
    const rawMs = median(times.raw);
    const verdict = name === "get"
      ? (ratio <= 1.3 ? "PASS" : "FAIL")
      : name.startsWith("indexed find")
      ? (ratio <= 1.5 ? "PASS" : "FAIL")
      : name.startsWith("putMany (")
      ? (1 / ratio >= 0.75 ? "PASS" : "FAIL")
      : "";
    rows.push([
      name,
      target,
      (quireMs / ops * 1000).toFixed(0),
      (rawMs / ops * 1000).toFixed(0),
      `${ratio.toFixed(3)}×`,
      `${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)}`,
      verdict,
    ]);
  }
  console.log(
    `\n${runtimeName()}, ${machine()}; Postgres ${server.version}, driver ${
      (await store.stats()).storage.driver
    }; ${DOCUMENTS.toLocaleString("en")} documents; ${ROUNDS} rounds\n`,
  );
  printTable(
    [
      ["operation", "target", "quire µs/op", "raw µs/op", "time ratio", "rounds min–max", ""],
      ...rows,
    ],
    [false, false, true, true, true, true, false],
  );
  await store.close();
  await raw.close();
}
