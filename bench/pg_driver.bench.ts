/**
 * The two Postgres drivers behind src/backends/postgres/driver.ts, on a throwaway server
 * (scripts/lib/pg_server.ts: a local cluster on 127.0.0.1, `fsync=off`): Bun's built-in
 * `Bun.SQL` against postgres.js, through quire's own `PgDriver` wrapper, on the work the
 * Postgres backend will do most:
 *
 * - `select`: a prepared single-row SELECT by primary key (`id`, `rev`, `data` as jsonb, parsed),
 *   ids in a shuffled order, one statement at a time (each waits for the previous one);
 * - `insert`: a single-row INSERT (autocommit), one at a time;
 * - `insert 1,000`: a 1,000-row multi-VALUES INSERT (3,000 parameters) in a transaction.
 *
 * One mitata sample is a whole workload (1,000 selects, 500 inserts, or one 1,000-row insert),
 * so the table printed after mitata's output turns the medians into time per operation and
 * rows per second, with the ratio postgres.js / Bun.SQL (above 1: Bun.SQL is faster). mitata runs
 * one driver's samples after the other's, which a shared machine's changing load can skew; so the
 * samples are then taken again 15 times per driver with the drivers taking turns, and the verdict
 * is the median of those per-round ratios. Documents are ≈ 500 bytes of JSON.
 *
 * Usage:
 *   bun bench/pg_driver.bench.ts [--quick] [--pairs]
 *   deno run -A bench/pg_driver.bench.ts [--quick]      (postgres.js only)
 *
 * `--quick` runs small counts (a smoke run); `--pairs` only the interleaved rounds.
 *
 * Needs Postgres installed (`apt-get install postgresql`, or `PG_BIN`); prints why and exits
 * otherwise. The server and its directory are removed at the end (and on Ctrl-C).
 *
 * @module
 */

import process from "node:process";
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { openPgDriver, type PgDriver, type PgDriverName } from "../src/backends/postgres/driver.ts";
import { pgServerUnavailable, startPgServer } from "../scripts/lib/pg_server.ts";
import { machine, median, printTable, runtimeName } from "./lib/measure.ts";

const QUICK = process.argv.includes("--quick");
/** Only the interleaved pairs, without mitata. */
const PAIRS_ONLY = process.argv.includes("--pairs");
/** Interleaved samples per driver and operation. */
const REPEATS = QUICK ? 3 : 15;
const COUNTS = QUICK
  ? { rows: 2_000, select: 200, insert: 100, bulk: 1_000 }
  : { rows: 20_000, select: 1_000, insert: 500, bulk: 1_000 };
const DRIVERS: PgDriverName[] = "Bun" in globalThis ? ["bun", "postgres.js"] : ["postgres.js"];
const LABEL: Record<PgDriverName, string> = { "bun": "Bun.SQL", "postgres.js": "postgres.js" };

const unavailable = pgServerUnavailable();
if (unavailable !== undefined) {
  console.log(`pg_driver bench skipped: ${unavailable}`);
  process.exit(0);
}

const server = await startPgServer({ database: "bench" });
const stopOnSignal = () => {
  void server.stop().then(() => process.exit(130));
};
process.on("SIGINT", stopOnSignal);
process.on("SIGTERM", stopOnSignal);
const drivers: PgDriver[] = [];
try {
  await main();
} finally {
  for (const driver of drivers) await driver.close();
  await server.stop();
  process.off("SIGINT", stopOnSignal);
  process.off("SIGTERM", stopOnSignal);
}

/** ≈ 500 bytes of JSON for document `i`. */
function documentText(i: number): string {
  return JSON.stringify({
    title: `Document ${i}`,
    year: 1790 + (i % 230),
    tags: ["alpha", "beta", i % 2 === 0 ? "even" : "odd"],
    author: { name: `Author ${i % 97}`, id: i % 97 },
    text: "The quick brown fox jumps over the lazy dog. ".repeat(9).slice(0, 380),
  });
}

/** A fixed shuffle (xorshift), the same for every driver. */
function shuffled(n: number): string[] {
  const ids = Array.from({ length: n }, (_, i) => `doc-${String(i).padStart(6, "0")}`);
  let seed = 0x9e3779b9;
  for (let i = n - 1; i > 0; i--) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const j = (seed >>> 0) % (i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}

async function main(): Promise<void> {
  const setup = openPgDriver(server.url, { driver: DRIVERS[0]! });
  drivers.push(setup);
  const [{ version }] = await setup.query<{ version: string }>(
    "select current_setting('server_version') as version",
  ) as [{ version: string }];
  console.log(
    `Postgres driver benchmarks on ${runtimeName()}, Postgres ${version} (throwaway, fsync=off, ` +
      `127.0.0.1)${QUICK ? " (--quick)" : ""}\n${machine()}\n`,
  );
  const columns = "(id text primary key, rev int not null, data jsonb not null)";
  await setup.execute(`create table reads ${columns}`);
  for (let start = 0; start < COUNTS.rows; start += 1000) {
    const end = Math.min(COUNTS.rows, start + 1000);
    const params: (string | number)[] = [];
    const rows: string[] = [];
    for (let i = start; i < end; i++) {
      const k = params.length;
      rows.push(`($${k + 1}, $${k + 2}, $${k + 3}::text::jsonb)`);
      params.push(`doc-${String(i).padStart(6, "0")}`, 1, documentText(i));
    }
    await setup.execute(`insert into reads (id, rev, data) values ${rows.join(", ")}`, params);
  }
  await setup.execute("vacuum analyze reads");
  const order = shuffled(COUNTS.rows).slice(0, COUNTS.select);

  // A 1,000-row multi-VALUES statement: the same text every time.
  const bulkRows: string[] = [];
  for (let i = 0; i < COUNTS.bulk; i++) {
    bulkRows.push(`($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3}::text::jsonb)`);
  }
  const doc = documentText(7);

  const names = {
    select: `select by primary key: ${COUNTS.select} per sample`,
    insert: `single-row insert, autocommit: ${COUNTS.insert} per sample`,
    bulk: `${COUNTS.bulk}-row multi-VALUES insert in a transaction: 1 per sample`,
  };
  const ops = { select: COUNTS.select, insert: COUNTS.insert, bulk: 1 };
  const perDriver = new Map<PgDriverName, Record<keyof typeof names, () => Promise<void>>>();
  for (const name of DRIVERS) {
    const db = name === DRIVERS[0] ? setup : openPgDriver(server.url, { driver: name });
    if (db !== setup) drivers.push(db);
    const table = `writes_${name === "bun" ? "bun" : "pgjs"}`;
    await db.execute(`create table ${table} ${columns}`);
    let next = 0;
    const selectText = "select id, rev, data from reads where id = $1";
    const insertText = `insert into ${table} (id, rev, data) values ($1, $2, $3::text::jsonb)`;
    const bulkText = `insert into ${table} (id, rev, data) values ${bulkRows.join(", ")}`;
    // Warm up: a connection and the prepared statements.
    await db.query(selectText, [order[0]!]);
    perDriver.set(name, {
      select: async () => {
        for (const id of order) do_not_optimize(await db.query(selectText, [id]));
      },
      insert: async () => {
        for (let i = 0; i < COUNTS.insert; i++) {
          await db.execute(insertText, [`w${next++}`, 1, doc]);
        }
      },
      bulk: async () => {
        const params: (string | number)[] = new Array(3 * COUNTS.bulk);
        for (let i = 0; i < COUNTS.bulk; i++) {
          params[3 * i] = `b${next++}`;
          params[3 * i + 1] = 1;
          params[3 * i + 2] = doc;
        }
        await db.transaction((tx) => tx.execute(bulkText, params));
      },
    });
  }

  const opNames = Object.keys(names) as (keyof typeof names)[];
  for (const op of opNames) {
    group(names[op], () => {
      summary(() => {
        for (const name of DRIVERS) bench(`${LABEL[name]}: ${op}`, perDriver.get(name)![op]);
      });
    });
  }
  const medianNs = new Map<string, number>();
  if (!PAIRS_ONLY) {
    const { benchmarks } = await run();
    for (const trial of benchmarks) {
      const stats = trial.runs[0]?.stats;
      if (stats !== undefined) medianNs.set(trial.alias, stats.p50);
    }
    console.log(`\nmitata's medians, ${runtimeName()}, Postgres ${version}`);
    printMedians(
      opNames,
      (name, op) => (medianNs.get(`${LABEL[name]}: ${op}`) ?? NaN) / 1000 / ops[op],
    );
  }

  // The same samples again, the drivers taking turns (which goes first alternates), so that a
  // change in the load of a shared machine hits both alike; the ratio is the median of the
  // per-round ratios.
  const times = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  for (const op of opNames) {
    for (let round = 0; round < REPEATS; round++) {
      const order = round % 2 === 0 ? DRIVERS : [...DRIVERS].reverse();
      const took = new Map<PgDriverName, number>();
      for (const name of order) {
        const started = performance.now();
        await perDriver.get(name)![op]();
        took.set(name, (performance.now() - started) * 1000 / ops[op]);
      }
      for (const [name, us] of took) push(times, `${name} ${op}`, us);
      if (DRIVERS.length === 2) push(ratios, op, took.get("postgres.js")! / took.get("bun")!);
    }
  }
  console.log(
    `\ninterleaved, ${REPEATS} rounds: median µs per operation, and the median of the ` +
      `per-round ratios; ${runtimeName()}, Postgres ${version}`,
  );
  printMedians(
    opNames,
    (name, op) => median(times.get(`${name} ${op}`)!),
    (op) => median(ratios.get(op) ?? []),
  );
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Prints µs per operation for each driver (rows/s for the bulk insert), and their ratio. */
function printMedians(
  opNames: ("select" | "insert" | "bulk")[],
  perOp: (name: PgDriverName, op: "select" | "insert" | "bulk") => number,
  ratio?: (op: "select" | "insert" | "bulk") => number,
): void {
  const header = ["operation", ...DRIVERS.map((n) => `${LABEL[n]} µs/op`)];
  if (DRIVERS.length === 2) header.push("postgres.js / Bun.SQL");
  const rows: string[][] = [header];
  for (const op of opNames) {
    const us = DRIVERS.map((name) => perOp(name, op));
    const cells = us.map((t) =>
      op === "bulk"
        ? `${t.toFixed(0)} (${(COUNTS.bulk / t * 1e6).toFixed(0)} rows/s)`
        : `${t.toFixed(1)} (${(1e6 / t).toFixed(0)}/s)`
    );
    const row = [op === "bulk" ? `insert ${COUNTS.bulk} rows` : op, ...cells];
    if (DRIVERS.length === 2) row.push(`${(ratio?.(op) ?? us[1]! / us[0]!).toFixed(2)}×`);
    rows.push(row);
  }
  printTable(rows, rows[0]!.map((_, i) => i > 0));
}
