/**
 * Where an indexed find's time goes between the suite's floor (bench/suite/subjects/raw_sqlite.ts)
 * and quire's SQLite backend: the suite's `findIndexed` (`find({ year }, { limit: 50 })`, the
 * years of data.ts `FIND_YEARS`) done layer by layer, each adding one thing to the one before.
 *
 * | layer     | what runs per find                                                              |
 * | --------- | ------------------------------------------------------------------------------- |
 * | floor     | the floor's table `docs (id, data)`: `SELECT data … ORDER BY id LIMIT 50`, parse |
 * | quire's   | the same statement on quire's table (its file, read by the binding)             |
 * | +meta     | quire's statement: the id, rev and times with the data, 51 rows (one to page)   |
 * | +types    | the SQL quire compiles (explain's), run on the binding: the type test of the    |
 * |           | year (`json_type(…) IN ('integer', 'real')`) beside the equality                  |
 * | driver    | that SQL through quire's driver and connection, rows as arrays, parsed          |
 * | backend   | SqliteBackend.find: the SQL compiled from the filter, an entry per row          |
 * | quire     | Collection.find: the filter parsed, the cursor tag, the Store, the page         |
 *
 * Both files are made by the suite's own subjects (quire sqlite, raw SQLite) from the suite's
 * documents. The layers' chunks (50 finds) are interleaved, the first layer rotating, and each
 * figure is the median over the rounds, so that a shared machine's load falls on all alike.
 *
 *   bun bench/profile_find.ts [--size 10000]
 *   deno run -A bench/profile_find.ts [--size 10000]
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { open } from "../mod.ts";
import { openSqliteBackend } from "../src/backends/sqlite/sqlite_backend.ts";
import { parseFilter } from "../src/query/query.ts";
import type { SqlValue } from "../src/sqlite/driver_raw.ts";
import { median, printTable, runtimeName } from "./lib/measure.ts";
import { bindingName, openRawDocsDatabase } from "./lib/raw_sqlite.ts";
import { documents, FIND_YEARS } from "./suite/data.ts";
import { quireSqlite } from "./suite/subjects/quire.ts";
import { rawSqlite } from "./suite/subjects/raw_sqlite.ts";
import { COLLECTION } from "./suite/types.ts";

const { values } = parseArgs({ options: { size: { type: "string", default: "10000" } } });
const SIZE = Number(values.size);
const FINDS = 50;
const ROUNDS = 31;
const LIMIT = 50;

const dir = mkdtempSync(join(tmpdir(), "quire-profile-find-"));
try {
  const docs = await documents(SIZE);
  await (await quireSqlite.open(join(dir), docs, { search: false })).close();
  await (await rawSqlite.open(join(dir), docs, { search: false })).close();
  const quireFile = join(dir, "quire.db");
  const floorDb = await openRawDocsDatabase(join(dir, "raw.db"));
  const quireDb = await openRawDocsDatabase(quireFile);
  const backend = await openSqliteBackend(quireFile);
  const store = await open(`sqlite://${quireFile}`);
  const collection = store.collection(COLLECTION);
  const explained = await collection.explain({ year: FIND_YEARS[0]! }, { limit: LIMIT });
  const table = /FROM ("[^"]+")/.exec(explained.sql!)![1]!;
  const where = `json_extract(data, '$."year"') = ? ORDER BY id ASC LIMIT ?`;
  const floor = floorDb.prepare(
    "SELECT data FROM docs WHERE json_extract(data, '$.year') = ? ORDER BY id LIMIT ?",
  );
  const dataOnly = quireDb.prepare(`SELECT data FROM ${table} WHERE ${where}`);
  const withMeta = quireDb.prepare(
    `SELECT id, rev, created_at, updated_at, data FROM ${table} WHERE ${where}`,
  );
  // The compiled SQL, with the year and the limit as its two parameters.
  const compiled = quireDb.prepare(explained.sql!);
  const parseAll = (rows: unknown[]) =>
    rows.map((row) => JSON.parse((row as { data: string }).data));

  type Find = (year: number) => unknown;
  const layers: [string, Find][] = [
    ["floor", (year) => parseAll(floor.all(year, LIMIT))],
    ["quire's table", (year) => parseAll(dataOnly.all(year, LIMIT))],
    ["+meta", (year) => parseAll(withMeta.all(year, LIMIT + 1))],
    ["+types", (year) => parseAll(compiled.all(year, LIMIT + 1))],
    [
      "driver",
      (year) =>
        backend.database.prepare(explained.sql!, { transient: true }).values<SqlValue[]>(
          year,
          LIMIT + 1,
        ).map((row) => JSON.parse(row[4] as string)),
    ],
    [
      "backend",
      (year) =>
        backend.find(COLLECTION, {
          filter: parseFilter({ year }),
          sort: [],
          limit: LIMIT + 1,
        }),
    ],
    ["quire", (year) => collection.find({ year }, { limit: LIMIT })],
  ];
  const times = new Map(layers.map(([name]) => [name, [] as number[]]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (let i = 0; i < layers.length; i++) {
      const [name, find] = layers[(round + i) % layers.length]!;
      const start = performance.now();
      for (let call = 0; call < FINDS; call++) await find(FIND_YEARS[call % FIND_YEARS.length]!);
      // Round 0 warms every layer up.
      if (round > 0) times.get(name)!.push((performance.now() - start) / FINDS * 1e3);
    }
  }
  console.log(
    `indexed find, layer by layer, on ${runtimeName()} (${bindingName()}): ` +
      `${
        SIZE.toLocaleString("en")
      } documents, ${FINDS} finds a chunk, median of ${ROUNDS} rounds\n`,
  );
  const floorMedian = median(times.get("floor")!);
  let previous = floorMedian;
  printTable(
    [
      ["layer", "µs per find", "× floor", "added µs"],
      ...layers.map(([name]) => {
        const us = median(times.get(name)!);
        const row = [
          name,
          us.toFixed(1),
          (us / floorMedian).toFixed(2),
          (us - previous).toFixed(1),
        ];
        previous = us;
        return row;
      }),
    ],
    [false, true, true, true],
  );
  await store.close();
  backend.close();
  quireDb.close();
  floorDb.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
