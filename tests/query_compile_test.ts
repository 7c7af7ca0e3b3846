/**
 * The SQL compiler (src/backends/sqlite/to_sql.ts) against one table of cases: each case's exact SQL and
 * parameters, then its result on a real SQLite table, then the evaluator's result
 * (src/query/evaluate.ts) on the same documents: all three must agree.
 */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createDocumentTable } from "../src/backends/sqlite/schema.ts";
import { QuireError } from "../src/errors.ts";
import {
  and,
  compare,
  contains,
  exists,
  type Filter,
  FILTER_LIMITS,
  isIn,
  like,
  metaField,
  not,
  or,
  pathField,
  type SortKey,
  sortKey,
  startsWith,
} from "../src/query/ast.ts";
import { compileFilter, compileSort, type QueryEntry } from "../src/query/evaluate.ts";
import { compareSqlValues, sqlValueOf } from "../src/query/sql_value.ts";
import {
  filterToSql,
  keysetSql,
  orderBySql,
  selectSql,
  type SqlParam,
} from "../src/backends/sqlite/to_sql.ts";
import { parseObjectFilter } from "../src/query/parse_object.ts";
import { prefixSuccessor } from "../src/query/prefix_successor.ts";
import { parseTextFilter } from "../src/query/parse_text.ts";
import { type Database, openDriver } from "../src/sqlite/driver.ts";
import { throwsWith } from "./helpers.ts";

const p = (...segments: (string | number)[]) => pathField(segments);
const year = p("year");

/** The documents, as the JSON text stored (doc c is written by hand: its `n` is `1.0`). */
const DOCS: { id: string; rev: number; day: number; json: string }[] = [
  {
    id: "a",
    rev: 1,
    day: 1,
    json: JSON.stringify({
      year: 1999,
      title: "Ann",
      tags: ["x", "y"],
      n: 1,
      flag: true,
      nul: null,
      s: "1",
      name: "École",
      emoji: "a😀b",
      code: "\uE000",
      pct: "50%_off",
      z: "x",
      "a.b": "dotted",
      'q"k': "dq",
      "it's": "sq",
      "]": "br",
      "$": "dollar",
      "sp ace": "space",
      nested: { deep: { v: 1.5 } },
      arr: [10, 20],
    }),
  },
  {
    id: "b",
    rev: 2,
    day: 2,
    json: JSON.stringify({
      year: 2005,
      title: "ann",
      tags: "x",
      n: 2.5,
      flag: false,
      s: 1,
      name: "école",
      emoji: "a😀😀b",
      code: "\uFFFF",
      pct: "50abc",
      z: "x\u0000y",
      a: { b: "nested" },
      arr: { "0": 10 },
    }),
  },
  {
    id: "c",
    rev: 3,
    day: 3,
    json:
      '{"year":"2005","title":"ANN","tags":{"x":1},"n":1.0,"flag":1,"nul":"null","s":"01","name":"ECOLE","emoji":"ab","code":"😀","pct":"5%"}',
  },
  {
    id: "d",
    rev: 1,
    day: 4,
    json: JSON.stringify({
      year: 2010,
      tags: ["1", 1, true, null],
      n: -3,
      flag: "true",
      s: true,
      code: "\uD7FF",
      z: "x\u0001",
      arr: [30],
    }),
  },
  { id: "e", rev: 2, day: 5, json: JSON.stringify({ title: null, tags: ["1"], n: 0.1, s: null }) },
  {
    id: "f",
    rev: 1,
    day: 6,
    json: JSON.stringify({ year: null, tags: [["x"]], n: 1e21, code: "" }),
  },
];
const ALL = DOCS.map((doc) => doc.id);
const stamp = (day: number) => `2024-01-0${day}T00:00:00.000Z`;
const ENTRIES: QueryEntry[] = DOCS.map((doc) => ({
  id: doc.id,
  rev: doc.rev,
  createdAt: stamp(doc.day),
  updatedAt: stamp(doc.day),
  doc: JSON.parse(doc.json),
}));

/** A table shaped like the SQLite backend's, holding DOCS. */
async function openTable(): Promise<Database> {
  const db = await openDriver(":memory:");
  db.exec(createDocumentTable("t"));
  for (const doc of DOCS) {
    db.prepare("INSERT INTO t (id, rev, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?)")
      .run(doc.id, doc.rev, stamp(doc.day), stamp(doc.day), doc.json);
  }
  return db;
}

const db = await openTable();

interface Case {
  name: string;
  filter: Filter;
  sql: string;
  params: SqlParam[];
  ids: string[];
}

const NUM = "IN ('integer', 'real')";
/** An `in` list: one parameter, the values' JSON array. */
const LIST = "(SELECT value FROM json_each(?))";
const CASES: Case[] = [
  // Type strictness.
  {
    name: "number equality",
    filter: compare("eq", year, 1999),
    sql: `json_extract(data, '$."year"') = ?`,
    params: [1999],
    ids: ["a"],
  },
  {
    name: "a number does not match a numeric string",
    filter: compare("eq", year, 2005),
    sql: `json_extract(data, '$."year"') = ?`,
    params: [2005],
    ids: ["b"],
  },
  {
    name: "a string does not match a number",
    filter: compare("eq", year, "2005"),
    sql: `json_extract(data, '$."year"') = ?`,
    params: ["2005"],
    ids: ["c"],
  },
  {
    name: '"1" is not 1',
    filter: compare("eq", p("s"), "1"),
    sql: `json_extract(data, '$."s"') = ?`,
    params: ["1"],
    ids: ["a"],
  },
  {
    name: '1 is not "1" nor true',
    filter: compare("eq", p("s"), 1),
    sql: `(json_extract(data, '$."s"') = ? AND json_type(data, '$."s"') ${NUM})`,
    params: [1],
    ids: ["b"],
  },
  {
    name: 'true is not 1 nor "true"',
    filter: compare("eq", p("flag"), true),
    sql: `json_type(data, '$."flag"') = 'true'`,
    params: [],
    ids: ["a"],
  },
  {
    name: "1 is not true",
    filter: compare("eq", p("flag"), 1),
    sql: `(json_extract(data, '$."flag"') = ? AND json_type(data, '$."flag"') ${NUM})`,
    params: [1],
    ids: ["c"],
  },
  {
    // json_extract gives an array as its JSON text "[30]": the type test must stay.
    name: "a string that looks like an array's JSON text does not match the array",
    filter: compare("eq", p("arr"), "[30]"),
    sql: `(json_extract(data, '$."arr"') = ? AND json_type(data, '$."arr"') = 'text')`,
    params: ["[30]"],
    ids: [],
  },
  {
    name: "false is not 0",
    filter: compare("eq", p("flag"), false),
    sql: `json_type(data, '$."flag"') = 'false'`,
    params: [],
    ids: ["b"],
  },
  {
    name: "an integer equals the same float (1 = 1.0)",
    filter: compare("eq", p("n"), 1),
    sql: `(json_extract(data, '$."n"') = ? AND json_type(data, '$."n"') ${NUM})`,
    params: [1],
    ids: ["a", "c"],
  },
  {
    name: "a range over numbers skips other types",
    filter: compare("gt", p("n"), 0.5),
    sql: `(json_extract(data, '$."n"') > ? AND json_type(data, '$."n"') ${NUM})`,
    params: [0.5],
    ids: ["a", "b", "c", "f"],
  },
  {
    name: "lte over negative numbers and floats",
    filter: compare("lte", p("n"), 0.1),
    sql: `(json_extract(data, '$."n"') <= ? AND json_type(data, '$."n"') ${NUM})`,
    params: [0.1],
    ids: ["d", "e"],
  },
  {
    name: "a range on a boolean matches nothing",
    filter: compare("gt", p("flag"), true),
    sql: "0",
    params: [],
    ids: [],
  },
  // null and missing.
  {
    name: 'null matches only a stored null, not "null"',
    filter: compare("eq", p("nul"), null),
    sql: `json_type(data, '$."nul"') = 'null'`,
    params: [],
    ids: ["a"],
  },
  {
    name: "null does not match a missing path",
    filter: compare("eq", year, null),
    sql: `json_type(data, '$."year"') = 'null'`,
    params: [],
    ids: ["f"],
  },
  {
    name: "exists matches a stored null",
    filter: exists(p("nul")),
    sql: `json_type(data, '$."nul"') IS NOT NULL`,
    params: [],
    ids: ["a", "c"],
  },
  {
    name: "$exists: false matches a missing path only",
    filter: not(exists(p("nul"))),
    sql: `NOT coalesce(json_type(data, '$."nul"') IS NOT NULL, 0)`,
    params: [],
    ids: ["b", "d", "e", "f"],
  },
  {
    name: "$ne also matches a missing path",
    filter: not(compare("eq", year, 1999)),
    sql: `NOT coalesce(json_extract(data, '$."year"') = ?, 0)`,
    params: [1999],
    ids: ["b", "c", "d", "e", "f"],
  },
  {
    name: "$nin also matches a missing path",
    filter: not(isIn(year, [1999, 2005])),
    sql: `NOT coalesce((json_extract(data, '$."year"') IN ${LIST} AND ` +
      `json_type(data, '$."year"') ${NUM}), 0)`,
    params: ["[1999,2005]"],
    ids: ["c", "d", "e", "f"],
  },
  // in
  {
    name: "in mixes types strictly",
    filter: isIn(p("s"), [1, "1", true, null]),
    sql: `((json_extract(data, '$."s"') IN ${LIST} AND ` +
      `json_type(data, '$."s"') IN ('integer', 'real', 'text')) OR ` +
      `json_type(data, '$."s"') IN ('true', 'null'))`,
    params: ['[1,"1"]'],
    ids: ["a", "b", "d", "e"],
  },
  {
    name: "in: numbers only, so not a numeric string nor true (read as 1)",
    filter: isIn(p("s"), [1, 2]),
    sql: `(json_extract(data, '$."s"') IN ${LIST} AND json_type(data, '$."s"') ${NUM})`,
    params: ["[1,2]"],
    ids: ["b"],
  },
  {
    name: "in: strings only, so not a number nor an array's JSON text",
    filter: isIn(p("tags"), ["x", '["x","y"]', "2005"]),
    sql: `(json_extract(data, '$."tags"') IN ${LIST} AND json_type(data, '$."tags"') = 'text')`,
    params: ['["x","[\\"x\\",\\"y\\"]","2005"]'],
    ids: ["b"],
  },
  {
    name: "in: 1 equals a stored 1.0, text with quotes and astral characters round-trips",
    filter: isIn(p("n"), [1, "a😀b", 'q"k']),
    sql: `(json_extract(data, '$."n"') IN ${LIST} AND ` +
      `json_type(data, '$."n"') IN ('integer', 'real', 'text'))`,
    params: ['[1,"a😀b","q\\"k"]'],
    ids: ["a", "c"],
  },
  { name: "an empty in matches nothing", filter: isIn(p("s"), []), sql: "0", params: [], ids: [] },
  {
    name: "not of an empty in matches everything",
    filter: not(isIn(p("s"), [])),
    sql: "NOT coalesce(0, 0)",
    params: [],
    ids: ALL,
  },
  // Strings by code point.
  {
    name: "an astral character sorts after U+FFFF",
    filter: compare("gt", p("code"), "\uFFFF"),
    sql: `(json_extract(data, '$."code"') > ? AND json_type(data, '$."code"') = 'text')`,
    params: ["\uFFFF"],
    ids: ["c"],
  },
  {
    name: "an astral character sorts after U+E000",
    filter: compare("lt", p("code"), "\uE000"),
    sql: `(json_extract(data, '$."code"') < ? AND json_type(data, '$."code"') = 'text')`,
    params: ["\uE000"],
    ids: ["d", "f"],
  },
  // contains
  {
    name: "contains reads arrays only, not strings or objects",
    filter: contains(p("tags"), "x"),
    sql: `(json_type(data, '$."tags"') = 'array' AND EXISTS (SELECT 1 FROM json_each(data, ` +
      `'$."tags"') AS e WHERE e.value = ? AND e.type = 'text'))`,
    params: ["x"],
    ids: ["a"],
  },
  {
    name: "contains is type-strict: 1",
    filter: contains(p("tags"), 1),
    sql: `(json_type(data, '$."tags"') = 'array' AND EXISTS (SELECT 1 FROM json_each(data, ` +
      `'$."tags"') AS e WHERE e.value = ? AND e.type ${NUM}))`,
    params: [1],
    ids: ["d"],
  },
  {
    name: 'contains is type-strict: "1"',
    filter: contains(p("tags"), "1"),
    sql: `(json_type(data, '$."tags"') = 'array' AND EXISTS (SELECT 1 FROM json_each(data, ` +
      `'$."tags"') AS e WHERE e.value = ? AND e.type = 'text'))`,
    params: ["1"],
    ids: ["d", "e"],
  },
  {
    name: "contains true and null",
    filter: and([contains(p("tags"), true), contains(p("tags"), null)]),
    sql: `((json_type(data, '$."tags"') = 'array' AND EXISTS (SELECT 1 FROM json_each(data, ` +
      `'$."tags"') AS e WHERE e.type = 'true')) AND (json_type(data, '$."tags"') = 'array' AND ` +
      `EXISTS (SELECT 1 FROM json_each(data, '$."tags"') AS e WHERE e.type = 'null')))`,
    params: [],
    ids: ["d"],
  },
  // startsWith
  {
    name: "startsWith takes % and _ literally",
    filter: startsWith(p("pct"), "50%_"),
    sql: `(json_extract(data, '$."pct"') >= ? AND json_extract(data, '$."pct"') < ? AND ` +
      `json_type(data, '$."pct"') = 'text' AND ` +
      `substr(json_extract(data, '$."pct"'), 1, length(?)) = ?)`,
    params: ["50%_", "50%`", "50%_", "50%_"],
    ids: ["a"],
  },
  {
    name: "startsWith an astral prefix",
    filter: startsWith(p("emoji"), "a😀"),
    sql: `(json_extract(data, '$."emoji"') >= ? AND json_extract(data, '$."emoji"') < ? AND ` +
      `json_type(data, '$."emoji"') = 'text' AND ` +
      `substr(json_extract(data, '$."emoji"'), 1, length(?)) = ?)`,
    params: ["a😀", "a😁", "a😀", "a😀"],
    ids: ["a", "b"],
  },
  {
    name: "startsWith an empty prefix matches every string",
    filter: startsWith(p("code"), ""),
    sql: `json_type(data, '$."code"') = 'text'`,
    params: [],
    ids: ["a", "b", "c", "d", "f"],
  },
  // like
  {
    name: "like: _ is one character, a whole emoji",
    filter: like(p("emoji"), "a_b"),
    sql: `(json_extract(data, '$."emoji"') LIKE ? AND json_type(data, '$."emoji"') = 'text')`,
    params: ["a_b"],
    ids: ["a"],
  },
  {
    name: "like: __ is two emoji",
    filter: like(p("emoji"), "a__b"),
    sql: `(json_extract(data, '$."emoji"') LIKE ? AND json_type(data, '$."emoji"') = 'text')`,
    params: ["a__b"],
    ids: ["b"],
  },
  {
    name: "like: % is any run, empty included",
    filter: like(p("emoji"), "a%b"),
    sql: `(json_extract(data, '$."emoji"') LIKE ? AND json_type(data, '$."emoji"') = 'text')`,
    params: ["a%b"],
    ids: ["a", "b", "c"],
  },
  {
    name: "like folds ASCII letters",
    filter: like(p("title"), "aNn"),
    sql: `(json_extract(data, '$."title"') LIKE ? AND json_type(data, '$."title"') = 'text')`,
    params: ["aNn"],
    ids: ["a", "b", "c"],
  },
  {
    name: "like does not fold É and é",
    filter: like(p("name"), "école"),
    sql: `(json_extract(data, '$."name"') LIKE ? AND json_type(data, '$."name"') = 'text')`,
    params: ["école"],
    ids: ["b"],
  },
  {
    name: "like: % and _ in the value are plain characters",
    filter: like(p("pct"), "5_"),
    sql: `(json_extract(data, '$."pct"') LIKE ? AND json_type(data, '$."pct"') = 'text')`,
    params: ["5_"],
    ids: ["c"],
  },
  {
    name: "like reads a value up to a NUL, as SQLite does",
    filter: like(p("z"), "x"),
    sql: `(json_extract(data, '$."z"') LIKE ? AND json_type(data, '$."z"') = 'text')`,
    params: ["x"],
    ids: ["a", "b"],
  },
  {
    name: "equality reads a value past a NUL",
    filter: compare("eq", p("z"), "x"),
    sql: `json_extract(data, '$."z"') = ?`,
    params: ["x"],
    ids: ["a"],
  },
  // Keys are data.
  {
    name: "a key with a dot is one key",
    filter: compare("eq", p("a.b"), "dotted"),
    sql: `json_extract(data, '$."a.b"') = ?`,
    params: ["dotted"],
    ids: ["a"],
  },
  {
    name: "two keys are a nested path",
    filter: compare("eq", p("a", "b"), "nested"),
    sql: `json_extract(data, '$."a"."b"') = ?`,
    params: ["nested"],
    ids: ["b"],
  },
  {
    name: "keys with quotes, brackets, dollars and spaces",
    filter: and([
      compare("eq", p('q"k'), "dq"),
      compare("eq", p("it's"), "sq"),
      compare("eq", p("]"), "br"),
      compare("eq", p("$"), "dollar"),
      compare("eq", p("sp ace"), "space"),
    ]),
    sql: `(json_extract(data, '$."q\\"k"') = ? AND ` +
      `json_extract(data, '$."it''s"') = ? AND ` +
      `json_extract(data, '$."]"') = ? AND ` +
      `json_extract(data, '$."$"') = ? AND ` +
      `json_extract(data, '$."sp ace"') = ?)`,
    params: ["dq", "sq", "br", "dollar", "space"],
    ids: ["a"],
  },
  {
    name: 'an index reads arrays only, not a key "0"',
    filter: compare("eq", p("arr", 0), 10),
    sql: `json_extract(data, '$."arr"[0]') = ?`,
    params: [10],
    ids: ["a"],
  },
  {
    name: "a deep path",
    filter: compare("gt", p("nested", "deep", "v"), 1),
    sql: `(json_extract(data, '$."nested"."deep"."v"') > ? AND ` +
      `json_type(data, '$."nested"."deep"."v"') ${NUM})`,
    params: [1],
    ids: ["a"],
  },
  // not, and, or
  {
    name: "not of or, with a not inside",
    filter: not(or([compare("eq", year, 1999), not(exists(year))])),
    sql: `NOT coalesce((json_extract(data, '$."year"') = ? ` +
      `OR NOT coalesce(json_type(data, '$."year"') IS NOT NULL, 0)), 0)`,
    params: [1999],
    ids: ["b", "c", "d", "f"],
  },
  {
    name: "not of not",
    filter: not(not(compare("eq", year, 1999))),
    sql: `NOT coalesce(NOT coalesce(json_extract(data, '$."year"') = ?, 0), 0)`,
    params: [1999],
    ids: ["a"],
  },
  {
    name: "not of and over a path some documents lack",
    filter: not(and([compare("gt", p("n"), 0), compare("lt", p("n"), 2)])),
    // Two range terms on one path share one type test.
    sql: `NOT coalesce((json_extract(data, '$."n"') > ? AND json_type(data, '$."n"') ${NUM} ` +
      `AND json_extract(data, '$."n"') < ?), 0)`,
    params: [0, 2],
    ids: ["b", "d", "f"],
  },
  { name: "and of nothing matches everything", filter: and([]), sql: "1", params: [], ids: ALL },
  { name: "or of nothing matches nothing", filter: or([]), sql: "0", params: [], ids: [] },
  // Metadata.
  {
    name: "$rev compared with a string matches nothing",
    filter: compare("eq", metaField("rev"), "1"),
    sql: "0",
    params: [],
    ids: [],
  },
  {
    name: "not of a wrong-typed metadata comparison matches everything",
    filter: not(compare("eq", metaField("rev"), "1")),
    sql: "NOT coalesce(0, 0)",
    params: [],
    ids: ALL,
  },
  {
    name: "$id compared with a number matches nothing",
    filter: compare("eq", metaField("id"), 5),
    sql: "0",
    params: [],
    ids: [],
  },
  {
    name: "$rev compared with a number",
    filter: compare("gte", metaField("rev"), 2),
    sql: "rev >= ?",
    params: [2],
    ids: ["b", "c", "e"],
  },
  {
    name: "$createdAt maps to created_at",
    filter: compare("lt", metaField("createdAt"), "2024-01-03"),
    sql: "created_at < ?",
    params: ["2024-01-03"],
    ids: ["a", "b"],
  },
  {
    name: "$id in keeps only strings",
    filter: isIn(metaField("id"), ["a", 5, true, "f"]),
    sql: `id IN ${LIST}`,
    params: ['["a","f"]'],
    ids: ["a", "f"],
  },
  {
    name: "$updatedAt startsWith",
    filter: startsWith(metaField("updatedAt"), "2024-01-05"),
    sql: "(updated_at >= ? AND updated_at < ? AND substr(updated_at, 1, length(?)) = ?)",
    params: ["2024-01-05", "2024-01-06", "2024-01-05", "2024-01-05"],
    ids: ["e"],
  },
  {
    name: "$id like folds ASCII",
    filter: like(metaField("id"), "A"),
    sql: "id LIKE ?",
    params: ["A"],
    ids: ["a"],
  },
  {
    name: "metadata always exists and is never an array or a string to like for $rev",
    filter: or([
      not(exists(metaField("rev"))),
      contains(metaField("id"), "a"),
      like(metaField("rev"), "1"),
      startsWith(metaField("rev"), "1"),
    ]),
    sql: "(NOT coalesce(1, 0) OR 0 OR 0 OR 0)",
    params: [],
    ids: [],
  },
];

interface SortCase {
  name: string;
  sort: SortKey[];
  orderBy: string;
  ids: string[];
}

const SORT_CASES: SortCase[] = [
  {
    name: "missing first, then strings by code point",
    sort: [sortKey(p("code"), false)],
    orderBy: `json_extract(data, '$."code"') ASC, id ASC`,
    ids: ["e", "f", "d", "a", "b", "c"],
  },
  {
    name: "descending: text, then booleans and numbers together, missing last",
    sort: [sortKey(p("flag"), true)],
    orderBy: `json_extract(data, '$."flag"') DESC, id ASC`,
    ids: ["d", "a", "c", "b", "e", "f"],
  },
  {
    name: "arrays and objects sort as their JSON text, among the strings",
    sort: [sortKey(p("tags"), false)],
    orderBy: `json_extract(data, '$."tags"') ASC, id ASC`,
    ids: ["d", "e", "a", "f", "b", "c"],
  },
  {
    name: "a metadata key, then a path",
    sort: [sortKey(metaField("rev"), true), sortKey(p("n"), false)],
    orderBy: `rev DESC, json_extract(data, '$."n"') ASC, id ASC`,
    ids: ["c", "e", "b", "d", "a", "f"],
  },
  {
    name: "a value with a NUL sorts after its prefix",
    sort: [sortKey(p("z"), false)],
    orderBy: `json_extract(data, '$."z"') ASC, id ASC`,
    ids: ["c", "e", "f", "a", "b", "d"],
  },
];

function sqlIds(sql: string, params: readonly SqlParam[]): string[] {
  return db.prepare(sql).all<{ id: string }>(...params).map((row) => row.id);
}

describe("query compiler: exact SQL, SQLite and the evaluator agree", () => {
  after(() => db.close());

  for (const c of CASES) {
    test(c.name, () => {
      const { sql, params } = filterToSql(c.filter);
      assert.equal(sql, c.sql);
      assert.deepEqual(params, c.params);
      assert.deepEqual(
        sqlIds(`SELECT id FROM t WHERE ${sql} ORDER BY id`, params),
        c.ids,
        "SQLite",
      );
      const matches = compileFilter(c.filter);
      assert.deepEqual(ENTRIES.filter(matches).map((e) => e.id), c.ids, "evaluator");
    });
  }

  for (const c of SORT_CASES) {
    test(`sort: ${c.name}`, () => {
      assert.equal(orderBySql(c.sort), c.orderBy);
      const { sql, params } = selectSql("t", { filter: and([]), sort: c.sort });
      assert.equal(
        sql,
        `SELECT id, rev, created_at, updated_at, data FROM "t" ORDER BY ${c.orderBy}`,
      );
      assert.deepEqual(sqlIds(sql, params), c.ids, "SQLite");
      const sorter = compileSort(c.sort);
      const keyed = ENTRIES.map((entry) => ({ id: entry.id, key: sorter.key(entry) }));
      keyed.sort((a, b) => sorter.compare(a.key, b.key));
      assert.deepEqual(keyed.map((k) => k.id), c.ids, "evaluator");
      // Paging one row at a time with the evaluator's keys as cursors gives the same order.
      const paged: string[] = [];
      let cursor: (null | number | string)[] | undefined;
      for (;;) {
        const page = selectSql("t", { filter: and([]), sort: c.sort, after: cursor, limit: 1 });
        const [id] = sqlIds(page.sql, page.params);
        if (id === undefined) break;
        paged.push(id);
        cursor = keyed.find((k) => k.id === id)!.key;
      }
      assert.deepEqual(paged, c.ids, "SQLite, paged");
    });
  }

  test("sort values are what json_extract returns", () => {
    const paths = ["year", "title", "tags", "n", "flag", "nul", "s", "code", "z", "arr", "nested"];
    for (const entry of ENTRIES) {
      for (const path of paths) {
        const row = db.prepare(
          `SELECT typeof(json_extract(data, '$."${path}"')) AS type, ` +
            `hex(json_extract(data, '$."${path}"')) AS hex, json_extract(data, '$."${path}"') AS v ` +
            "FROM t WHERE id = ?",
        ).get<{ type: string; hex: string; v: unknown }>(entry.id)!;
        const mine = sqlValueOf((entry.doc as Record<string, unknown>)[path]);
        const where = `${entry.id}.${path}`;
        if (typeof mine === "string") {
          assert.equal(row.type, "text", where);
          // Compared as UTF-8 bytes: node:sqlite hands back text only up to a NUL.
          assert.equal(row.hex, hexOf(mine), where);
        } else {
          assert.equal(row.v, mine, where);
        }
      }
    }
  });

  test("the SQL value order: NULL, numbers, then text by code point", () => {
    const values = [null, -1, 0, 0.5, 1, 1e21, "", "1", "[", "\uE000", "\uFFFF", "😀"];
    const shuffled = [...values].reverse();
    shuffled.sort(compareSqlValues);
    assert.deepEqual(shuffled, values);
    assert.equal(sqlValueOf(true), 1);
    assert.equal(sqlValueOf(false), 0);
    assert.equal(sqlValueOf(undefined), null);
    assert.equal(sqlValueOf({ a: [1, "x"] }), '{"a":[1,"x"]}');
  });

  test("keyset conditions mirror ORDER BY, NULLs first ascending and last descending", () => {
    const code = [sortKey(p("code"), false)];
    const flag = [sortKey(p("flag"), true)];
    const X = `json_extract(data, '$."code"')`;
    const F = `json_extract(data, '$."flag"')`;
    assert.deepEqual(keysetSql(code, ["\uE000", "a"]), {
      sql: `(${X} >= ? AND (${X} > ? OR (${X} = ? AND id > ?)))`,
      params: ["\uE000", "\uE000", "\uE000", "a"],
    });
    assert.deepEqual(keysetSql(code, [null, "e"]), {
      sql: `(${X} IS NOT NULL OR (${X} IS NULL AND id > ?))`,
      params: ["e"],
    });
    assert.deepEqual(keysetSql(flag, [1, "a"]), {
      sql: `((${F} < ? OR ${F} IS NULL) OR (${F} = ? AND id > ?))`,
      params: [1, 1, "a"],
    });
    assert.deepEqual(keysetSql(flag, [null, "e"]), {
      sql: `(${F} IS NULL AND id > ?)`,
      params: ["e"],
    });
    assert.deepEqual(keysetSql([], ["c"]), { sql: "id > ?", params: ["c"] });
    // Text with a NUL cannot be bound as text: it goes as its bytes, cast back.
    const withNul = keysetSql([sortKey(p("z"), false)], ["x\0y", "b"]);
    assert.match(withNul.sql, /^\(json_extract\(data, '\$\."z"'\) >= CAST\(\? AS TEXT\) AND/);
    assert.deepEqual(withNul.params[0], new TextEncoder().encode("x\0y"));
  });

  test("a whole select: filter, cursor, order and limit, parameters in order", () => {
    const { sql, params } = selectSql("t", {
      filter: compare("gte", year, 2000),
      sort: [sortKey(year, true)],
      after: [2010, "d"],
      limit: 10,
    });
    const Y = `json_extract(data, '$."year"')`;
    assert.equal(
      sql,
      `SELECT id, rev, created_at, updated_at, data FROM "t" WHERE (${Y} >= ? AND ` +
        `json_type(data, '$."year"') ${NUM}) AND ((${Y} < ? OR ${Y} IS NULL) OR (${Y} = ? AND ` +
        `id > ?)) ORDER BY ${Y} DESC, id ASC LIMIT ?`,
    );
    assert.deepEqual(params, [2000, 2010, 2010, "d", 10]);
    assert.deepEqual(sqlIds(sql, params), ["b"]);
    assert.ok(Object.isFrozen(filterToSql(and([]))));
    assert.ok(Object.isFrozen(selectSql("t", { filter: and([]), sort: [] }).params));
  });

  test("invalid input is refused the same way by both back ends", () => {
    const bad: Filter[] = [
      compare("eq", year, Number.NaN),
      compare("eq", year, "a\0b"),
      compare("eq", year, "\ud800"),
      compare("like" as "eq", year, 1),
      { kind: "regex" } as unknown as Filter,
      compare("eq", metaField("nope" as "id"), 1),
      compare("eq", pathField([1.5]), 1),
      // SQLite would read a key only up to its NUL: `n\0x` as `n`.
      compare("eq", pathField(["n\0x"]), 1),
      isIn(pathField(["a", "n\0"]), [1, "x"]),
      exists(pathField(["\0"])),
      compare("eq", pathField(["\ud800"]), 1),
      // A prefix, like a pattern, is at most 50,000 UTF-8 bytes.
      startsWith(year, "x".repeat(50_001)),
      startsWith(year, "\u{10FFFF}".repeat(1_000_000)),
      startsWith(year, 5 as unknown as string),
    ];
    for (const filter of bad) {
      throwsWith(() => filterToSql(filter), "INVALID_FILTER");
      throwsWith(() => compileFilter(filter), "INVALID_FILTER");
    }
    throwsWith(
      () => selectSql('t"; DROP TABLE t; --', { filter: and([]), sort: [] }),
      "INVALID_OPTION",
    );
    throwsWith(() => selectSql("t", { filter: and([]), sort: [], limit: -1 }), "INVALID_OPTION");
    // A cursor that does not fit the sort.
    throwsWith(() => keysetSql([sortKey(year, false)], ["a"]), "INVALID_FILTER");
    throwsWith(() => keysetSql([sortKey(metaField("rev"), false)], ["1", "a"]), "INVALID_FILTER");
    throwsWith(() => keysetSql([], [5]), "INVALID_FILTER");
    assert.ok(new QuireError("INVALID_FILTER", "x") instanceof Error);
  });

  test("SQLite reads a path's key only up to a NUL: why such keys are refused", () => {
    const read = (json: string, path: string) =>
      db.prepare("SELECT json_extract(?, ?) AS v").get<{ v: unknown }>(json, path)?.v;
    assert.equal(read('{"n":1}', '$."n\\u0000x"'), 1);
    assert.equal(read('{"n\\u0000x":2}', '$."n"'), 2);
  });

  test("an in list is one parameter, however long; values keep their types", () => {
    const values = Array.from({ length: FILTER_LIMITS.inValues }, (_, i) => i % 2 ? i : `${i}`);
    const { sql, params } = filterToSql(isIn(p("n"), values));
    assert.equal(params.length, 1);
    // The numbers, then the strings.
    const sorted = [
      ...values.filter((v) => typeof v === "number"),
      ...values.filter((v) => typeof v === "string"),
    ];
    assert.deepEqual(JSON.parse(params[0] as string), sorted);
    // `n` is 1.0 in c: the number 1 is in the list, the string "1" never equals it.
    assert.deepEqual(sqlIds(`SELECT id FROM t WHERE ${sql} ORDER BY id`, params), ["a", "c"]);
  });

  test("no filter within the limits binds more than 4 parameters per node", () => {
    const { terms, inValues } = FILTER_LIMITS;
    const leaves = terms - 1; // under one $or
    const values = Array.from({ length: inValues }, (_, i) => (i % 3 ? i : `v${i}`));
    const shapes: [string, Filter][] = [
      ["$in", parseObjectFilter({ $or: Array(leaves).fill({ n: { $in: values } }) })],
      ["$nin", parseObjectFilter({ $and: Array(leaves >> 1).fill({ n: { $nin: values } }) })],
      ["$id $in", parseObjectFilter({ $or: Array(leaves).fill({ $id: { $in: values } }) })],
      [
        "$startsWith",
        parseObjectFilter({ $or: Array(leaves).fill({ title: { $startsWith: "x😀" } }) }),
      ],
      ["$like", parseObjectFilter({ $or: Array(leaves).fill({ title: { $like: "%a%" } }) })],
      [
        "ranges",
        parseObjectFilter({ $or: Array(Math.floor(leaves / 3)).fill({ n: { $gt: 0, $lt: 5 } }) }),
      ],
      ["text", parseTextFilter(Array(leaves).fill("n=1").join(" or "))],
    ];
    for (const [what, filter] of shapes) {
      const { sql, params } = filterToSql(filter);
      assert.ok(params.length <= 4 * terms, `${what}: ${params.length} parameters`);
      assert.doesNotThrow(() => sqlIds(`SELECT id FROM t WHERE ${sql}`, params), what);
    }
    // With a cursor over the most sort keys and a limit: at most 2 per key, plus 3.
    const sort = Array.from(
      { length: FILTER_LIMITS.sortKeys },
      (_, i) => sortKey(p(`k${i}`), false),
    );
    const after = [...sort.map(() => 1), "a"];
    const { params } = selectSql("t", { filter: shapes[3][1], sort, after, limit: 10 });
    assert.ok(params.length <= 4 * terms + 2 * sort.length + 3, `${params.length} parameters`);
  });

  test("prefixSuccessor: the least string above the prefix's strings, for any length", () => {
    assert.equal(prefixSuccessor("ab"), "ac");
    assert.equal(prefixSuccessor("a\uD7FF"), "a\uE000"); // skips the surrogates
    assert.equal(prefixSuccessor("a\uFFFF"), "a\u{10000}");
    assert.equal(prefixSuccessor("a😀"), "a😁");
    assert.equal(prefixSuccessor("a\u{10FFFF}\u{10FFFF}"), "b");
    assert.equal(prefixSuccessor("😀\u{10FFFF}"), "😁");
    assert.equal(prefixSuccessor("\u{10FFFF}\u{10FFFF}"), undefined);
    // No spread of the code points: a million of them is no stack overflow.
    const long = "😀".repeat(1_000_000);
    assert.equal(prefixSuccessor(long), "😀".repeat(999_999) + "😁");
    assert.equal(prefixSuccessor("a".repeat(1_000_000)), "a".repeat(999_999) + "b");
  });

  test("EXPLAIN QUERY PLAN: equality, ranges, prefixes, sorts and cursors use the index", async () => {
    const indexed = await openTable();
    try {
      for (const [what, detail, expected] of explainPlans(indexed)) {
        assert.match(detail, expected, `${what}: ${detail}`);
      }
    } finally {
      indexed.close();
    }
  });
});

/** The plans of indexable queries, with an index made the way the SQLite backend makes them. */
function explainPlans(indexed: Database): [string, string, RegExp][] {
  indexed.exec(`CREATE INDEX ix ON t (json_extract(data, '$."year"'))`);
  const plan = (sql: string, params: readonly SqlParam[]) =>
    indexed.prepare(`EXPLAIN QUERY PLAN ${sql}`).all<{ detail: string }>(...params)
      .map((row) => row.detail).join("; ");
  const where = (filter: Filter) => {
    const { sql, params } = filterToSql(filter);
    return plan(`SELECT id FROM t WHERE ${sql}`, params);
  };
  const select = (request: Parameters<typeof selectSql>[1]) => {
    const { sql, params } = selectSql("t", request);
    return plan(sql, params);
  };
  const all = and([]);
  const search = (constraint: string) => new RegExp(`^SEARCH t USING INDEX ix \\(${constraint}\\)`);
  // "LAST TERM" is the id that breaks ties: only rows with equal years are sorted.
  const ordered = /^SCAN t USING INDEX ix(; USE TEMP B-TREE FOR LAST TERM OF ORDER BY)?$/;
  return [
    ["equality", where(compare("eq", year, 2005)), search("<expr>=\\?")],
    [
      "range",
      where(and([compare("gte", year, 2000), compare("lt", year, 2010)])),
      search("<expr>>\\? AND <expr><\\?"),
    ],
    ["string range", where(compare("gt", year, "2000")), search("<expr>>\\?")],
    ["in", where(isIn(year, [1999, 2005])), search("<expr>=\\?")],
    ["startsWith", where(startsWith(year, "20")), search("<expr>>\\? AND <expr><\\?")],
    ["order by", select({ filter: all, sort: [sortKey(year, false)], limit: 50 }), ordered],
    [
      "order by descending",
      select({ filter: all, sort: [sortKey(year, true)], limit: 50 }),
      ordered,
    ],
    [
      "cursor",
      select({ filter: all, sort: [sortKey(year, false)], after: [1999, "a"], limit: 50 }),
      search("<expr>>\\?"),
    ],
  ];
}

function hexOf(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0"))
    .join("").toUpperCase();
}
