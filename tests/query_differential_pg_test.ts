/**
 * The differential test on Postgres: the generated documents, filters and sorts of
 * tests/fixtures/query_generator.ts (the same seed as tests/query_differential_test.ts) run
 * through src/backends/postgres/pg_query_sql.ts on a throwaway server and through the evaluator
 * (src/query/evaluate.ts), which must give the same ids in the same order, the same counts, and
 * the same order again when paging with keyset cursors made as the Collection makes them
 * (`compileSort(...).key` of each page's last row, read back from Postgres).
 *
 * What differs from the SQLite run, on purpose: documents holding a NUL character
 * (`"x\u0000y"`) are left out, since jsonb holds U+FFFD in its place, a documented difference
 * (pg_schema.ts, pg_query_sql.ts). Everything else is compared exactly, the order of arrays and
 * objects among strings (their JSON text) included.
 *
 * Skipped, with the reason printed, where Postgres is not installed.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type PgServer, startPgServer } from "../scripts/lib/pg_server.ts";
import { openPgDriver, type PgDriver } from "../src/backends/postgres/driver.ts";
import { createDocumentTable } from "../src/backends/postgres/pg_schema.ts";
import {
  pgCountSql,
  pgSelectSql,
  type PgSqlFragment,
} from "../src/backends/postgres/pg_query_sql.ts";
import { compileFilter, compileSort, type QueryEntry } from "../src/query/evaluate.ts";
import {
  caseSeed,
  generateCase,
  generateDocuments,
  ValuePool,
} from "./fixtures/query_generator.ts";
import { pgSuiteSkip, runtime } from "./helpers.ts";

const SEED = 20240601;
const CASES = 2_000;
const BATCHES = 2;
/** Every this many cases also page through the results with keyset cursors. */
const PAGE_EVERY = 5;
const TABLE = `"diff"."quire_docs_1"`;

const unavailable = pgSuiteSkip();
if (unavailable !== undefined) console.log(`Postgres differential test skipped: ${unavailable}`);
// Started while the module loads, not in a before() hook: initdb can take longer than Bun's
// hook timeout (5 s) on a loaded machine, and Bun does not read node:test's `{ timeout }` there.
const server: PgServer | undefined = unavailable === undefined ? await startPgServer() : undefined;

interface Row {
  id: string;
  rev: number;
  created_at: string;
  updated_at: string;
  data: string;
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
  let driver: PgDriver;
  // `doc` holds U+FFFD for NUL (a documented difference): those documents stay out.
  const docs = generateDocuments(SEED, 150).filter((doc) => !doc.json.includes("\\u0000"));
  const pool = new ValuePool(docs);

  before(async () => {
    driver = openPgDriver(server!.url);
    await driver.query(`CREATE SCHEMA "diff"`);
    await driver.query(createDocumentTable(TABLE));
    // One statement: a before() hook has 5 s on Bun.
    await driver.query(
      `INSERT INTO ${TABLE} (id, rev, created_at, updated_at, data, doc)
       SELECT r.id, r.rev, r.created_at, r.updated_at, r.data, r.data::jsonb
       FROM json_to_recordset($1::text::json)
         AS r(id text, rev integer, created_at text, updated_at text, data json)`,
      [
        `[${
          docs.map((doc) =>
            `{"id":${JSON.stringify(doc.id)},"rev":${doc.rev},"created_at":"${doc.createdAt}",` +
            `"updated_at":"${doc.updatedAt}","data":${doc.json}}`
          ).join(",")
        }]`,
      ],
    );
  });
  after(async () => {
    await driver?.close();
    await server?.stop();
  });

  const rows = async ({ sql, params }: PgSqlFragment) => await driver.query<Row>(sql, params);

  test("the documents read back as they went in, byte for byte", async () => {
    const back = await rows(pgSelectSql(TABLE, { filter: { kind: "and", terms: [] }, sort: [] }));
    const byId = new Map(docs.map((doc) => [doc.id, doc]));
    assert.equal(back.length, docs.length);
    for (const row of back) assert.equal(row.data, byId.get(row.id)!.json);
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
        const sorter = compileSort(sort);
        const keyed = docs.filter(matches).map((doc) => ({ id: doc.id, key: sorter.key(doc) }));
        keyed.sort((a, b) => sorter.compare(a.key, b.key));
        const expected = keyed.map((k) => k.id);
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
