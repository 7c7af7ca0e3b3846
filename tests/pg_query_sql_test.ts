/**
 * The Postgres filter compiler (src/backends/postgres/pg_query_sql.ts): what it writes (every
 * value a parameter, paths as escaped literals, the same text for the same shape), what it
 * refuses (as SQLite's compiler refuses it), and, on a throwaway server, what the SQL means:
 * keys with quotes, `$`, backslashes and accents; type strictness; LIKE folding only ASCII; big
 * and tiny doubles; the largest `in` list. The generated cases are in
 * tests/query_differential_pg_test.ts. The server part is skipped, with the reason printed,
 * where Postgres is not installed.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type PgServer, pgServerUnavailable, startPgServer } from "../scripts/lib/pg_server.ts";
import { openPgDriver, type PgDriver, type PgQueryable } from "../src/backends/postgres/driver.ts";
import { createDocumentTable } from "../src/backends/postgres/pg_schema.ts";
import {
  INDEXED_CHARACTERS,
  pgCountSql,
  pgFilterSql,
  pgIndexExpressions,
  pgSelectSql,
  pgTextLiteral,
} from "../src/backends/postgres/pg_query_sql.ts";
import {
  and,
  compare,
  contains,
  exists,
  type Filter,
  FILTER_LIMITS,
  isIn,
  like,
  MATCH_ALL,
  metaField,
  not,
  or,
  pathField,
  sortKey,
  startsWith,
} from "../src/query/ast.ts";
import { parseFilter } from "../src/query/query.ts";
import { filterToSql } from "../src/backends/sqlite/to_sql.ts";
import { QuireError } from "../src/errors.ts";
import { runtime } from "./helpers.ts";

const TABLE = `"q"."quire_docs_1"`;

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => error instanceof QuireError && error.code === code);
}

describe("pg_query_sql.ts: the SQL it writes", () => {
  test("text literals: plain for safe ASCII, E'' with escapes otherwise; NUL refused", () => {
    assert.equal(pgTextLiteral("year"), "'year'");
    assert.equal(pgTextLiteral("a b.$c"), "'a b.$c'");
    assert.equal(pgTextLiteral("it's"), "E'it\\'s'");
    assert.equal(pgTextLiteral("a\\b"), "E'a\\\\b'");
    assert.equal(pgTextLiteral("é😀\n"), "E'\\u00e9\\U0001f600\\u000a'");
    throwsCode(() => pgTextLiteral("a\0b"), "INVALID_FILTER");
    throwsCode(() => pgTextLiteral("\uD800"), "INVALID_FILTER");
  });

  test("values are parameters: nothing of the user's in the SQL text", () => {
    const evil = "'; DROP TABLE x; -- $1 \\";
    const filter = or([
      compare("eq", pathField(["a'b", 'q"t', "$", "\\"]), evil),
      compare("gt", pathField(["n"]), evil),
      isIn(pathField(["n"]), [evil, 1, true, null]),
      contains(pathField(["tags"]), evil),
      startsWith(pathField(["s"]), evil),
      like(pathField(["s"]), evil),
      compare("eq", metaField("id"), evil),
    ]);
    const { sql, params } = pgFilterSql(filter);
    assert.ok(!sql.includes("DROP"), sql);
    assert.ok(!sql.includes("a'b"), "the quote of a key is escaped");
    assert.match(sql, /E'a\\'b'/);
    assert.ok(params.some((p) => typeof p === "string" && p.includes("DROP")));
    // Every $n in the text is a parameter, in order.
    const placeholders = [...sql.matchAll(/\$(\d+)(?![\d\]])/g)].map((m) => Number(m[1]));
    assert.deepEqual(placeholders, params.map((_, i) => i + 1));
  });

  test("the same shape gives the same text (prepared statements are reused)", () => {
    const shape = (year: number, title: string) =>
      pgSelectSql(TABLE, {
        filter: and([
          compare("gte", pathField(["year"]), year),
          startsWith(pathField(["t"]), title),
        ]),
        sort: [sortKey(pathField(["year"]), true)],
        after: [year, "id"],
        limit: 10,
      });
    const [a, b] = [shape(2000, "ab"), shape(1999.5, "zz")];
    assert.equal(a.sql, b.sql);
    assert.notDeepEqual(a.params, b.params);
  });

  test("an in list binds at most 5 parameters, however long (FILTER_LIMITS.inValues)", () => {
    const values = Array.from({ length: FILTER_LIMITS.inValues }, (_, i) => i % 2 ? i : `v${i}`);
    const { params } = pgFilterSql(isIn(pathField(["s"]), [...values, true, null]));
    assert.equal(params.length, 5);
    assert.equal(pgFilterSql(isIn(pathField(["s"]), [])).sql, "false");
  });

  test("what SQLite's compiler refuses, this one refuses too", () => {
    const bad: unknown[] = [
      { kind: "nope" },
      { kind: "compare", op: "like", field: pathField(["a"]), value: 1 },
      compare("eq", pathField(["a"]), NaN),
      compare("eq", pathField(["a"]), "x\0y"),
      compare("eq", pathField(["a\0b"]), 1),
      compare("eq", pathField([-1]), 1),
      compare("eq", { kind: "meta", name: "nope" } as never, 1),
      like(pathField(["a"]), "\uDC00"),
      startsWith(pathField(["a"]), 5 as never),
    ];
    for (const filter of bad) {
      throwsCode(() => filterToSql(filter as Filter), "INVALID_FILTER");
      throwsCode(() => pgFilterSql(filter as Filter), "INVALID_FILTER");
    }
    throwsCode(() => pgSelectSql("x; DROP", { filter: MATCH_ALL, sort: [] }), "INVALID_OPTION");
    throwsCode(
      () => pgSelectSql(TABLE, { filter: MATCH_ALL, sort: [], limit: -1 }),
      "INVALID_OPTION",
    );
    const sort = [sortKey(metaField("rev"), false)];
    for (const after of [[1], ["1", "id"], [1, 2], [null, "id"], [1, "a\0"]]) {
      throwsCode(() => pgSelectSql(TABLE, { filter: MATCH_ALL, sort, after }), "INVALID_FILTER");
    }
  });

  test("index expressions are the filters' and sorts' own expressions", () => {
    const [expressions] = pgIndexExpressions([["year"]]) as [string[]];
    assert.equal(expressions.length, 3);
    const uses = (sql: string) => expressions.every((expression) => sql.includes(expression));
    const field = pathField(["year"]);
    for (
      const filter of [
        compare("eq", field, 1),
        compare("eq", field, true),
        compare("eq", field, null),
        compare("gt", field, 1),
        compare("eq", field, "a"),
        compare("gt", field, "a"),
        startsWith(field, "a"),
        isIn(field, ["a", 1]),
      ]
    ) {
      assert.ok(uses(pgFilterSql(filter).sql), JSON.stringify(filter));
    }
    const sorted = pgSelectSql(TABLE, {
      filter: MATCH_ALL,
      sort: [sortKey(field, true)],
      after: ["x", "id"],
    });
    assert.ok(uses(sorted.sql.slice(sorted.sql.indexOf("ORDER BY"))));
    assert.ok(uses(sorted.sql.slice(0, sorted.sql.indexOf("ORDER BY"))));
    assert.equal(pgIndexExpressions([["a"], ["b", 0]])[0]!.length, 6);
    throwsCode(() => pgIndexExpressions([["a\0"]]), "INVALID_OPTION");
  });
});

const unavailable = pgServerUnavailable();
if (unavailable !== undefined) console.log(`Postgres compiler tests skipped: ${unavailable}`);
// Started while the module loads, not in a before() hook: initdb can take longer than Bun's
// hook timeout (5 s) on a loaded machine, and Bun does not read node:test's `{ timeout }` there.
const server: PgServer | undefined = unavailable === undefined ? await startPgServer() : undefined;

describe(`pg_query_sql.ts on Postgres (${runtime})`, { skip: unavailable ?? false }, () => {
  let driver: PgDriver;
  const docs: Record<string, unknown> = {
    a: { n: 1, s: "É", "it's": "q", "a$b": 1, "back\\slash": 2, "é😀": 3, tags: [1, "1", true] },
    b: { n: "1", s: "é", nested: { "0": "key", arr: ["x"] } },
    c: { n: true, s: "ß", arr: [[1], { x: 1 }] },
    d: { n: 1.0000000000000002, s: "ss", big: 1e21, tiny: 5e-324 },
    e: { n: null, s: "SS", big: 9e20, tiny: 1e-323 },
    f: { n: 0.30000000000000004, s: "İ", big: -1e21, tiny: 0 },
    g: { s: "\u{10FFFF}x", m: "ab" },
    h: { n: [1], s: "a_b%c", m: ["ab"] },
  };

  before(async () => {
    driver = openPgDriver(server!.url);
    await driver.query(`CREATE SCHEMA "q"`);
    await driver.query(createDocumentTable(TABLE));
    for (const [id, doc] of Object.entries(docs)) {
      await driver.query(
        `INSERT INTO ${TABLE} VALUES ($1, 1, '2024', '2024', $2::text::json, $2::text::jsonb)`,
        [id, JSON.stringify(doc)],
      );
    }
  });
  after(async () => {
    await driver?.close();
    await server?.stop();
  });

  const ids = async (filter: Filter | string, on: PgQueryable = driver) => {
    const parsed = typeof filter === "string" ? parseFilter(filter) : filter;
    const { sql, params } = pgSelectSql(TABLE, { filter: parsed, sort: [] });
    return (await on.query<{ id: string }>(sql, params)).map((row) => row.id);
  };

  test("keys with quotes, $, backslashes and accents are read as data", async () => {
    assert.deepEqual(await ids(compare("eq", pathField(["it's"]), "q")), ["a"]);
    assert.deepEqual(await ids(compare("eq", pathField(["a$b"]), 1)), ["a"]);
    assert.deepEqual(await ids(compare("eq", pathField(["back\\slash"]), 2)), ["a"]);
    assert.deepEqual(await ids(compare("eq", pathField(["é😀"]), 3)), ["a"]);
    // ...whatever standard_conforming_strings says.
    await driver.transaction(async (tx) => {
      await tx.query("SET LOCAL standard_conforming_strings = off");
      assert.deepEqual(await ids(compare("eq", pathField(["back\\slash"]), 2), tx), ["a"]);
      assert.deepEqual(await ids(compare("eq", pathField(["it's"]), "q"), tx), ["a"]);
    });
  });

  test("an index reads only arrays, a key only objects", async () => {
    assert.deepEqual(await ids(exists(pathField(["nested", "0"]))), ["b"]);
    assert.deepEqual(await ids(exists(pathField(["nested", 0]))), []);
    assert.deepEqual(await ids(exists(pathField(["m", 0]))), ["h"], "not the string itself");
    assert.deepEqual(await ids(exists(pathField(["s", 0]))), []);
    assert.deepEqual(await ids(compare("eq", pathField(["nested", "arr", 0]), "x")), ["b"]);
    assert.deepEqual(await ids(exists(pathField(["tags", 2 ** 40]))), []);
  });

  test("comparisons are type-strict", async () => {
    assert.deepEqual(await ids(compare("eq", pathField(["n"]), 1)), ["a"]);
    assert.deepEqual(await ids(compare("eq", pathField(["n"]), "1")), ["b"]);
    assert.deepEqual(await ids(compare("eq", pathField(["n"]), true)), ["c"]);
    assert.deepEqual(await ids(compare("eq", pathField(["n"]), null)), ["e"]);
    assert.deepEqual(await ids(compare("gte", pathField(["n"]), 1)), ["a", "d"]);
    assert.deepEqual(await ids(compare("gte", pathField(["n"]), "")), ["b"]);
    assert.deepEqual(await ids(compare("gte", pathField(["n"]), true)), []);
    assert.deepEqual(await ids(isIn(pathField(["n"]), [1, null])), ["a", "e"]);
    assert.deepEqual(await ids(not(compare("eq", pathField(["n"]), 1))), [
      "b",
      "c",
      "d",
      "e",
      "f",
      "g",
      "h",
    ]);
    assert.deepEqual(await ids(contains(pathField(["tags"]), 1)), ["a"]);
    assert.deepEqual(await ids(contains(pathField(["tags"]), "1")), ["a"]);
    assert.deepEqual(await ids(contains(pathField(["tags"]), false)), []);
    assert.deepEqual(await ids(contains(pathField(["arr"]), 1)), [], "not inside a nested array");
    assert.deepEqual(await ids(contains(pathField(["n"]), 1)), ["h"]);
    assert.deepEqual(await ids(contains(pathField(["s"]), "É")), [], "not on a non-array");
    assert.deepEqual(await ids(compare("eq", metaField("rev"), 1.5)), []);
    assert.deepEqual(await ids(compare("eq", metaField("rev"), "1")), []);
  });

  test("big and tiny doubles compare by value", async () => {
    assert.deepEqual(await ids(compare("gt", pathField(["big"]), 9.999999999999999e20)), ["d"]);
    assert.deepEqual(await ids(compare("lt", pathField(["big"]), -9.999999999999999e20)), ["f"]);
    assert.deepEqual(await ids(compare("eq", pathField(["tiny"]), 5e-324)), ["d"]);
    assert.deepEqual(await ids(compare("gt", pathField(["tiny"]), 5e-324)), ["e"]);
    assert.deepEqual(await ids(compare("gt", pathField(["n"]), 1)), ["d"]);
    assert.deepEqual(await ids(compare("eq", pathField(["n"]), 0.1 + 0.2)), ["f"]);
    assert.deepEqual(await ids(compare("eq", pathField(["n"]), 0.3)), []);
  });

  test("LIKE folds only ASCII letters; _ is one character; no escape", async () => {
    assert.deepEqual(await ids('s like "é"'), ["b"]);
    assert.deepEqual(await ids('s like "É"'), ["a"]);
    assert.deepEqual(await ids('s like "ss"'), ["d", "e"]);
    assert.deepEqual(await ids('s like "_"'), ["a", "b", "c", "f"], "ß and İ are one character");
    assert.deepEqual(await ids('s like "i"'), [], "İ is not folded");
    assert.deepEqual(await ids('s like "a\\\\_b%"'), [], "\\ escapes nothing");
    assert.deepEqual(await ids('s like "a_b\\\\%c"'), []);
    assert.deepEqual(await ids('s like "A_B%C"'), ["h"]);
    assert.deepEqual(await ids('s like "_x"'), ["g"], "an astral character is one");
  });

  test("strings longer than the indexed prefix compare in full", async () => {
    const long = "é".repeat(INDEXED_CHARACTERS) + "b";
    await driver.query(
      `INSERT INTO ${TABLE} VALUES ('z1', 1, '2024', '2024', $1::text::json, $1::text::jsonb),
         ('z2', 1, '2024', '2024', $2::text::json, $2::text::jsonb)`,
      [JSON.stringify({ long }), JSON.stringify({ long: long.slice(0, -1) + "c" })],
    );
    try {
      const field = pathField(["long"]);
      assert.deepEqual(await ids(compare("eq", field, long)), ["z1"]);
      assert.deepEqual(await ids(compare("gt", field, long)), ["z2"]);
      assert.deepEqual(await ids(compare("lte", field, long)), ["z1"]);
      assert.deepEqual(await ids(compare("lt", field, "é".repeat(INDEXED_CHARACTERS))), []);
      assert.deepEqual(await ids(isIn(field, [long, "x"])), ["z1"]);
      assert.deepEqual(await ids(startsWith(field, long.slice(0, -1))), ["z1", "z2"]);
      assert.deepEqual(await ids(startsWith(field, long)), ["z1"]);
      assert.deepEqual(await ids(startsWith(field, "é".repeat(INDEXED_CHARACTERS - 1))), [
        "z1",
        "z2",
      ]);
    } finally {
      await driver.query(`DELETE FROM ${TABLE} WHERE id IN ('z1', 'z2')`);
    }
  });

  test("startsWith is a code point prefix, up to U+10FFFF", async () => {
    assert.deepEqual(await ids(startsWith(pathField(["s"]), "\u{10FFFF}")), ["g"]);
    assert.deepEqual(await ids(startsWith(pathField(["s"]), "S")), ["e"]);
    assert.deepEqual(await ids(startsWith(pathField(["s"]), "")), Object.keys(docs));
    assert.deepEqual(await ids(startsWith(pathField(["s"]), "a_")), ["h"]);
  });

  test("the largest in list and the largest filter run", async () => {
    const values = Array.from({ length: FILTER_LIMITS.inValues }, (_, i) => i % 2 ? i : `${i}`);
    assert.deepEqual(await ids(isIn(pathField(["n"]), [...values.slice(1), 1])), ["a"]);
    const terms = Array.from(
      { length: FILTER_LIMITS.terms - 1 },
      (_, i) => compare("eq", pathField(["s", `k${i}`]), i),
    );
    assert.deepEqual(await ids(or(terms)), []);
    const { sql, params } = pgCountSql(TABLE, and([not(or(terms))]));
    const [row] = await driver.query<{ n: string }>(sql, params);
    assert.equal(Number(row!.n), Object.keys(docs).length);
  });
});
