/**
 * The differential test on Postgres: the generated documents, filters and sorts of
 * tests/fixtures/query_generator.ts (the same seed as tests/query_differential_test.ts) run
 * through src/backends/postgres/pg_query_sql.ts on a throwaway server and through the evaluator
 * (src/query/evaluate.ts), which must give the same ids in the same order, the same counts, and
 * the same order again when paging with keyset cursors made as the Collection makes them
 * (`compileSort(...).key` of each page's last row, read back from Postgres).
 *
 * What differs from the SQLite run, on purpose:
 * - documents holding a NUL character (`"x\u0000y"`) are left out: jsonb cannot store one;
 * - the expected order puts an array or object sort value at its jsonb text (`[1, 2]`, keys by
 *   length then bytes, numbers written out in full), as pg_query_sql.ts documents, where SQLite
 *   puts it at its compact JSON text. Everything else is compared exactly.
 *
 * Skipped, with the reason printed, where Postgres is not installed.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type PgServer, pgServerUnavailable, startPgServer } from "../scripts/lib/pg_server.ts";
import { openPgDriver, type PgDriver } from "../src/backends/postgres/driver.ts";
import { createDocumentTable } from "../src/backends/postgres/pg_schema.ts";
import {
  pgCountSql,
  pgSelectSql,
  type PgSqlFragment,
} from "../src/backends/postgres/pg_query_sql.ts";
import type { SortKey } from "../src/query/ast.ts";
import { compileFilter, compileSort, fieldReader, type QueryEntry } from "../src/query/evaluate.ts";
import { compareCodePoints } from "../src/names.ts";
import { compareSqlValues, type SqlSortValue, sqlValueOf } from "../src/query/sql_value.ts";
import {
  caseSeed,
  generateCase,
  type GeneratedDocument,
  generateDocuments,
  ValuePool,
} from "./fixtures/query_generator.ts";
import { runtime } from "./helpers.ts";

const SEED = 20240601;
const CASES = 2_000;
const BATCHES = 2;
/** Every this many cases also page through the results with keyset cursors. */
const PAGE_EVERY = 5;
const TABLE = `"diff"."quire_docs_1"`;

const unavailable = pgServerUnavailable();
if (unavailable !== undefined) console.log(`Postgres differential test skipped: ${unavailable}`);

interface Row {
  id: string;
  rev: number;
  created_at: string;
  updated_at: string;
  data: string;
}

/**
 * A JSON value's text as jsonb writes it: `", "` and `": "` between items, an object's keys by
 * UTF-8 length and then bytes, numbers as Postgres's numeric writes the JSON number's text (in
 * full, without an exponent).
 */
export function jsonbText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const encoder = new TextEncoder();
    const keys = Object.keys(value).sort((a, b) => {
      const [x, y] = [encoder.encode(a), encoder.encode(b)];
      if (x.length !== y.length) return x.length - y.length;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return 0;
    });
    return `{${
      keys.map((key) =>
        `${JSON.stringify(key)}: ${jsonbText((value as Record<string, unknown>)[key])}`
      ).join(", ")
    }}`;
  }
  if (typeof value === "number") return numericText(JSON.stringify(value));
  return JSON.stringify(value);
}

/** A JSON number's text as numeric writes it: an exponent written out. */
function numericText(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign, whole, fraction = "", exponent] = match;
  const digits = whole! + fraction;
  const point = whole!.length + Number(exponent);
  let out: string;
  if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign + out;
}

/** The evaluator's order, with containers at their jsonb text. */
function expectedOrder(docs: readonly GeneratedDocument[], sort: readonly SortKey[]): string[] {
  const readers = sort.map((key) => fieldReader(key.field));
  const keyed = docs.map((doc) => ({
    id: doc.id,
    key: readers.map((read): SqlSortValue => {
      const value = read(doc);
      return typeof value === "object" && value !== null ? jsonbText(value) : sqlValueOf(value);
    }),
  }));
  keyed.sort((a, b) => {
    for (let i = 0; i < sort.length; i++) {
      const order = compareSqlValues(a.key[i]!, b.key[i]!);
      if (order !== 0) return sort[i]!.descending ? -order : order;
    }
    return compareCodePoints(a.id, b.id);
  });
  return keyed.map((k) => k.id);
}

function entryOf(row: Row): QueryEntry {
  return {
    id: row.id,
    rev: row.rev,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    doc: JSON.parse(row.data),
  };
}

describe(`differential on Postgres: pg_query_sql.ts and the evaluator agree (${runtime})`, {
  skip: unavailable ?? false,
}, () => {
  let server: PgServer;
  let driver: PgDriver;
  // jsonb cannot hold NUL: those documents stay out of the Postgres run.
  const docs = generateDocuments(SEED, 150).filter((doc) => !doc.json.includes("\\u0000"));
  const pool = new ValuePool(docs);

  before(async () => {
    server = await startPgServer();
    driver = openPgDriver(server.url);
    await driver.query(`CREATE SCHEMA "diff"`);
    await driver.query(createDocumentTable(TABLE));
    for (const doc of docs) {
      await driver.query(
        `INSERT INTO ${TABLE} (id, rev, created_at, updated_at, data)
         VALUES ($1, $2, $3, $4, $5::text::jsonb)`,
        [doc.id, doc.rev, doc.createdAt, doc.updatedAt, doc.json],
      );
    }
  }, { timeout: 120_000 });
  after(async () => {
    await driver?.close();
    await server?.stop();
  });

  const rows = async ({ sql, params }: PgSqlFragment) => await driver.query<Row>(sql, params);

  test("the documents read back as they went in (numbers included)", async () => {
    const back = await rows(pgSelectSql(TABLE, { filter: { kind: "and", terms: [] }, sort: [] }));
    const byId = new Map(docs.map((doc) => [doc.id, doc]));
    assert.equal(back.length, docs.length);
    for (const row of back) assert.deepEqual(JSON.parse(row.data), byId.get(row.id)!.doc);
  });

  test("jsonbText is what Postgres writes for the generated containers", async () => {
    const containers = docs.flatMap((doc) =>
      Object.values(doc.doc as Record<string, unknown>).filter((v) =>
        typeof v === "object" && v !== null
      )
    );
    const [row] = await driver.query<{ texts: string[] }>(
      "SELECT array_agg(e::text ORDER BY n) AS texts FROM jsonb_array_elements($1::text::jsonb) WITH ORDINALITY AS t(e, n)",
      [JSON.stringify(containers)],
    );
    assert.deepEqual(row!.texts, containers.map(jsonbText));
  });

  const size = CASES / BATCHES;
  for (let batch = 0; batch < BATCHES; batch++) {
    const from = batch * size;
    test(`cases ${from}–${from + size - 1} of seed ${SEED}`, { timeout: 120_000 }, async () => {
      const failures: string[] = [];
      let paged = 0;
      for (let index = from; index < from + size; index++) {
        const seed = caseSeed(SEED, index);
        const { filter, sort } = generateCase(seed, pool);
        const matches = compileFilter(filter);
        const expected = expectedOrder(docs.filter(matches), sort);
        const fail = (what: string, sql: PgSqlFragment, got: readonly string[]) =>
          failures.push(
            [
              `Postgres disagrees (${what}) on case ${index} of seed ${SEED} (case seed ${seed})`,
              `filter: ${JSON.stringify(filter)}`,
              `sort:   ${JSON.stringify(sort)}`,
              `sql:    ${sql.sql}`,
              `params: ${JSON.stringify(sql.params)}`,
              `postgres:  ${JSON.stringify(got)}`,
              `evaluator: ${JSON.stringify(expected)}`,
            ].join("\n"),
          );
        const full = pgSelectSql(TABLE, { filter, sort });
        const ids = (await rows(full)).map((row) => row.id);
        if (JSON.stringify(ids) !== JSON.stringify(expected)) {
          fail("filter and sort", full, ids);
          continue;
        }
        const count = pgCountSql(TABLE, filter);
        const [counted] = await driver.query<{ n: string }>(count.sql, count.params);
        if (Number(counted!.n) !== expected.length) {
          fail(`count ${counted!.n}`, count, ids);
          continue;
        }
        if (index % PAGE_EVERY === 0) {
          paged++;
          const pageSize = 1 + (index % 7);
          const sorter = compileSort(sort);
          const pagedIds: string[] = [];
          let cursor: (null | number | string)[] | undefined;
          let page = full;
          for (let guard = 0; guard <= docs.length; guard++) {
            page = pgSelectSql(TABLE, { filter, sort, after: cursor, limit: pageSize });
            const pageRows = await rows(page);
            pagedIds.push(...pageRows.map((row) => row.id));
            if (pageRows.length < pageSize) break;
            cursor = sorter.key(entryOf(pageRows[pageRows.length - 1]!));
          }
          if (JSON.stringify(pagedIds) !== JSON.stringify(expected)) {
            fail(`paged by ${pageSize}`, page, pagedIds);
          }
        }
      }
      for (const failure of failures.slice(0, 3)) console.error(failure);
      console.log(
        `seed ${SEED}, cases ${from}–${
          from + size - 1
        } (${paged} paged), ${docs.length} documents: ` +
          `${failures.length} mismatches`,
      );
      assert.equal(failures.length, 0, `${failures.length} of ${size} cases disagree`);
    });
  }
});
