/**
 * The filter front ends (object form, text form) and sort parsing: one table of cases whose
 * expected ASTs are built with the factories of ast.ts, where every text case that has an
 * object-form equivalent must parse to the same AST; a table of refusals; the limits; hostile
 * inputs that must be refused quickly.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
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
  MATCH_ALL,
  metaField,
  not,
  or,
  pathField,
  type SortKey,
  sortKey,
  startsWith,
} from "../src/query/ast.ts";
import { parseObjectFilter } from "../src/query/parse_object.ts";
import { parseTextFilter } from "../src/query/parse_text.ts";
import type { PathSegment } from "../src/query/path.ts";
import { parseSort } from "../src/query/sort.ts";
import { seededRandom, throwsWith } from "./helpers.ts";

/** A path field from its segments. */
const p = (...segments: PathSegment[]) => pathField(segments);
const eq = (field: ReturnType<typeof p>, value: null | boolean | number | string) =>
  compare("eq", field, value);

/** A test name: long inputs cut, ending in a visible character. */
function shorten(name: string): string {
  return name.length > 80 ? `${name.slice(0, 60)}… (${name.length} characters)` : name;
}

interface ParseCase {
  name: string;
  /** The object form; leave the key out when there is none (`undefined` is a case of its own). */
  object?: unknown;
  text?: string;
  expected: Filter;
}

const nullPrototype = Object.assign(Object.create(null), { a: 1 });

const CASES: ParseCase[] = [
  // values and comparisons
  {
    name: "a bare value is $eq",
    object: { year: 2000 },
    text: "year = 2000",
    expected: eq(p("year"), 2000),
  },
  {
    name: "$eq",
    object: { year: { $eq: 2000 } },
    text: "year=2000",
    expected: eq(p("year"), 2000),
  },
  {
    name: "a string",
    object: { title: "Dune" },
    text: 'title = "Dune"',
    expected: eq(p("title"), "Dune"),
  },
  { name: "null", object: { a: null }, text: "a = null", expected: eq(p("a"), null) },
  { name: "true", object: { draft: true }, text: "draft = true", expected: eq(p("draft"), true) },
  {
    name: "false, upper case",
    object: { draft: false },
    text: "draft = FALSE",
    expected: eq(p("draft"), false),
  },
  {
    name: "$ne is not(eq)",
    object: { a: { $ne: 1 } },
    text: "a != 1",
    expected: not(eq(p("a"), 1)),
  },
  {
    name: "$ne null",
    object: { a: { $ne: null } },
    text: "a != null",
    expected: not(eq(p("a"), null)),
  },
  { name: "$gt", object: { a: { $gt: 1 } }, text: "a > 1", expected: compare("gt", p("a"), 1) },
  {
    name: "$gte",
    object: { a: { $gte: -1.5 } },
    text: "a >= -1.5",
    expected: compare("gte", p("a"), -1.5),
  },
  {
    name: "$lt",
    object: { a: { $lt: "m" } },
    text: 'a < "m"',
    expected: compare("lt", p("a"), "m"),
  },
  {
    name: "$lte",
    object: { a: { $lte: 1e3 } },
    text: "a <= 1E3",
    expected: compare("lte", p("a"), 1000),
  },
  {
    name: "several operators on one field are ANDed",
    object: { year: { $gte: 1990, $lt: 2000 } },
    text: "year >= 1990 and year < 2000",
    expected: and([compare("gte", p("year"), 1990), compare("lt", p("year"), 2000)]),
  },
  {
    name: "$in",
    object: { a: { $in: [1, "x", null, true] } },
    text: 'a in [1, "x", null, true]',
    expected: isIn(p("a"), [1, "x", null, true]),
  },
  { name: "empty $in", object: { a: { $in: [] } }, text: "a in [ ]", expected: isIn(p("a"), []) },
  {
    name: "$nin",
    object: { a: { $nin: [1, 2] } },
    text: "not a in [1,2]",
    expected: not(isIn(p("a"), [1, 2])),
  },
  {
    name: "$exists: true",
    object: { a: { $exists: true } },
    text: "a exists",
    expected: exists(p("a")),
  },
  {
    name: "$exists: false",
    object: { a: { $exists: false } },
    text: "not a exists",
    expected: not(exists(p("a"))),
  },
  {
    name: "$contains",
    object: { tags: { $contains: "x" } },
    text: 'tags contains "x"',
    expected: contains(p("tags"), "x"),
  },
  {
    name: "$startsWith",
    object: { title: { $startsWith: "Du" } },
    text: 'title startsWith "Du"',
    expected: startsWith(p("title"), "Du"),
  },
  {
    name: "$like",
    object: { title: { $like: "d_n%" } },
    text: 'title like "d_n%"',
    expected: like(p("title"), "d_n%"),
  },
  // fields
  {
    name: "$id",
    object: { $id: "abc" },
    text: '$id = "abc"',
    expected: eq(metaField("id"), "abc"),
  },
  {
    name: "$rev",
    object: { $rev: { $gt: 1 } },
    text: "$rev > 1",
    expected: compare("gt", metaField("rev"), 1),
  },
  {
    name: "$createdAt",
    object: { $createdAt: { $gte: "2024" } },
    text: '$createdAt >= "2024"',
    expected: compare("gte", metaField("createdAt"), "2024"),
  },
  {
    name: "$updatedAt",
    object: { $updatedAt: { $exists: true } },
    text: "$updatedAt exists",
    expected: exists(metaField("updatedAt")),
  },
  {
    name: "a dotted path",
    object: { "author.name": "Ann" },
    text: 'author.name = "Ann"',
    expected: eq(p("author", "name"), "Ann"),
  },
  {
    name: "an index",
    object: { "tags.0": "x" },
    text: 'tags.0 = "x"',
    expected: eq(p("tags", 0), "x"),
  },
  {
    name: "index after index",
    object: { "m.0.5": 1 },
    text: "m . 0 . 5 = 1",
    expected: eq(p("m", 0, 5), 1),
  },
  {
    name: "leading zeros make a key",
    object: { "a.007": 1 },
    text: "a.007 = 1",
    expected: eq(p("a", "007"), 1),
  },
  {
    name: "a long digit run is a key",
    object: { "a.1234567890": 1 },
    text: "a.1234567890 = 1",
    expected: eq(p("a", "1234567890"), 1),
  },
  {
    name: "names with - and _",
    object: { "my-field_2": 1 },
    text: "my-field_2 = 1",
    expected: eq(p("my-field_2"), 1),
  },
  {
    name: "a $ inside a path",
    object: { "a.$b": 1 },
    text: 'a."$b" = 1',
    expected: eq(p("a", "$b"), 1),
  },
  {
    name: "quoted segments are keys with any characters",
    text: '"a.b"."key with space"."q\\"uote" = 1',
    expected: eq(p("a.b", "key with space", 'q"uote'), 1),
  },
  {
    name: "a quoted digit segment is a key",
    text: 'tags."0" = 1',
    expected: eq(p("tags", "0"), 1),
  },
  { name: "a quoted $id is a key", text: '"$id" = 1', expected: eq(p("$id"), 1) },
  {
    name: "a quoted keyword is a field",
    object: { and: 1 },
    text: '"and" = 1',
    expected: eq(p("and"), 1),
  },
  {
    name: "keywords after a dot are names",
    object: { "stats.like": { $gt: 3 } },
    text: "stats.like > 3",
    expected: compare("gt", p("stats", "like"), 3),
  },
  {
    name: "__proto__ is a field name",
    object: JSON.parse('{"__proto__": {"$gt": 1}}'),
    text: "__proto__ > 1",
    expected: compare("gt", p("__proto__"), 1),
  },
  {
    name: "constructor is a field name",
    object: { constructor: { $eq: 1 }, hasOwnProperty: 2 },
    text: "constructor = 1 and hasOwnProperty = 2",
    expected: and([eq(p("constructor"), 1), eq(p("hasOwnProperty"), 2)]),
  },
  {
    name: "a null-prototype object",
    object: nullPrototype,
    text: "a = 1",
    expected: eq(p("a"), 1),
  },
  // values
  { name: "-0 is 0", object: { a: -0 }, text: "a = -0", expected: eq(p("a"), 0) },
  { name: "an exponent", object: { a: 1.5e-3 }, text: "a = 15e-4", expected: eq(p("a"), 0.0015) },
  {
    name: "1e21 and up are floats",
    object: { a: 1e21 },
    text: "a = 1e21",
    expected: eq(p("a"), 1e21),
  },
  {
    name: "the largest safe integer",
    object: { a: -9007199254740991 },
    text: "a = -9007199254740991",
    expected: eq(p("a"), -9007199254740991),
  },
  {
    name: "JSON escapes and surrogate pairs",
    object: { a: 'q"b\\c\n\t/é😀' },
    text: 'a = "q\\"b\\\\c\\n\\t\\/\\u00e9\\ud83d\\ude00"',
    expected: eq(p("a"), 'q"b\\c\n\t/é😀'),
  },
  {
    name: "raw non-ASCII in a string",
    object: { a: "é😀中" },
    text: 'a = "é😀中"',
    expected: eq(p("a"), "é😀中"),
  },
  { name: "an empty string", object: { a: "" }, text: 'a = ""', expected: eq(p("a"), "") },
  // logic
  {
    name: "field-level $not",
    object: { year: { $not: { $gt: 5 } } },
    text: "not year > 5",
    expected: not(compare("gt", p("year"), 5)),
  },
  {
    name: "field-level $not of two operators",
    object: { year: { $not: { $gt: 5, $lt: 1 } } },
    text: "not (year > 5 and year < 1)",
    expected: not(and([compare("gt", p("year"), 5), compare("lt", p("year"), 1)])),
  },
  {
    name: "field-level $not of $ne",
    object: { year: { $not: { $ne: 5 } } },
    text: "not year != 5",
    expected: not(not(eq(p("year"), 5))),
  },
  {
    name: "top-level $not of a filter",
    object: { $not: { a: 1, b: 2 } },
    text: "not (a = 1 and b = 2)",
    expected: not(and([eq(p("a"), 1), eq(p("b"), 2)])),
  },
  {
    name: "not not",
    object: { $not: { $not: { a: 1 } } },
    text: "NOT not a = 1",
    expected: not(not(eq(p("a"), 1))),
  },
  {
    name: "several fields are ANDed",
    object: { a: 1, b: 2 },
    text: "a = 1 and b = 2",
    expected: and([eq(p("a"), 1), eq(p("b"), 2)]),
  },
  {
    name: "$and",
    object: { $and: [{ a: 1 }, { b: 2 }] },
    text: "a = 1 AND b = 2",
    expected: and([eq(p("a"), 1), eq(p("b"), 2)]),
  },
  {
    name: "$or",
    object: { $or: [{ a: 1 }, { b: 2 }, { c: 3 }] },
    text: "a = 1 or b = 2 Or c = 3",
    expected: or([eq(p("a"), 1), eq(p("b"), 2), eq(p("c"), 3)]),
  },
  {
    name: "and binds tighter than or",
    object: { $or: [{ a: 1 }, { b: 2, c: 3 }] },
    text: "a = 1 or b = 2 and c = 3",
    expected: or([eq(p("a"), 1), and([eq(p("b"), 2), eq(p("c"), 3)])]),
  },
  {
    name: "not binds tighter than and",
    object: { $and: [{ $not: { a: 1 } }, { b: 2 }] },
    text: "not a = 1 and b = 2",
    expected: and([not(eq(p("a"), 1)), eq(p("b"), 2)]),
  },
  {
    name: "parentheses",
    object: { $and: [{ $or: [{ a: 1 }, { b: 2 }] }, { c: 3 }] },
    text: "(a = 1 or b = 2) and c = 3",
    expected: and([or([eq(p("a"), 1), eq(p("b"), 2)]), eq(p("c"), 3)]),
  },
  {
    name: "parentheses keep their grouping",
    object: { $and: [{ a: 1, b: 2 }, { c: 3 }] },
    text: "(a = 1 and b = 2) and c = 3",
    expected: and([and([eq(p("a"), 1), eq(p("b"), 2)]), eq(p("c"), 3)]),
  },
  {
    name: "redundant parentheses make no node",
    object: { a: 1 },
    text: "((( a = 1 )))",
    expected: eq(p("a"), 1),
  },
  {
    name: "the example of the design",
    object: {
      year: { $gte: 2000 },
      "author.name": "Ann",
      $or: [{ tags: { $contains: "x" } }, { draft: { $ne: true } }],
    },
    text: 'year >= 2000 and author.name = "Ann" and (tags contains "x" or not draft = true)',
    expected: and([
      compare("gte", p("year"), 2000),
      eq(p("author", "name"), "Ann"),
      or([contains(p("tags"), "x"), not(eq(p("draft"), true))]),
    ]),
  },
  {
    name: "fields, operators and logic in one object",
    object: { a: 1, b: { $gt: 2, $in: [3] }, $or: [{ c: 3 }, { c: 4 }], $not: { d: 4 } },
    text: "a = 1 and b > 2 and b in [3] and (c = 3 or c = 4) and not d = 4",
    expected: and([
      eq(p("a"), 1),
      compare("gt", p("b"), 2),
      isIn(p("b"), [3]),
      or([eq(p("c"), 3), eq(p("c"), 4)]),
      not(eq(p("d"), 4)),
    ]),
  },
  {
    name: "keywords and word operators are case-insensitive",
    object: {
      $or: [{ A: { $exists: true }, b: { $in: [1] } }, { $not: { c: { $like: "x" } } }, {
        d: { $startsWith: "y", $contains: null },
      }],
    },
    text: 'A EXISTS AND b IN [1] OR NOT c LIKE "x" oR d STARTSWITH "y" AnD d Contains NULL',
    expected: or([
      and([exists(p("A")), isIn(p("b"), [1])]),
      not(like(p("c"), "x")),
      and([startsWith(p("d"), "y"), contains(p("d"), null)]),
    ]),
  },
  {
    name: "whitespace is optional between symbols",
    text: '(a=1)and(b!="x")or not(c<=2)',
    expected: or([and([eq(p("a"), 1), not(eq(p("b"), "x"))]), not(compare("lte", p("c"), 2))]),
  },
  { name: "any JSON whitespace", text: "\t a\n=\r\n1 ", expected: eq(p("a"), 1) },
  // everything
  { name: "{} matches everything", object: {}, text: "", expected: MATCH_ALL },
  {
    name: "undefined matches everything",
    object: undefined,
    text: " \t\r\n ",
    expected: MATCH_ALL,
  },
  { name: "null matches everything", object: null, expected: MATCH_ALL },
  { name: "$and: [] matches everything", object: { $and: [] }, expected: and([]) },
  { name: "$or: [] matches nothing", object: { $or: [] }, expected: or([]) },
  { name: "an empty filter inside $or", object: { $or: [{}] }, expected: or([MATCH_ALL]) },
  {
    name: "$nin: [] matches everything",
    object: { a: { $nin: [] } },
    text: "not a in []",
    expected: not(isIn(p("a"), [])),
  },
];

describe("filter parsing", () => {
  for (const c of CASES) {
    test(c.name, () => {
      if ("object" in c) assert.deepEqual(parseObjectFilter(c.object), c.expected, "object form");
      if (c.text !== undefined) assert.deepEqual(parseTextFilter(c.text), c.expected, "text form");
      if ("object" in c && c.text !== undefined) {
        assert.deepEqual(parseObjectFilter(c.object), parseTextFilter(c.text), "the two forms");
      }
    });
  }

  test("every case has at least one form, and most have both", () => {
    assert.ok(CASES.every((c) => "object" in c || c.text !== undefined));
    const both = CASES.filter((c) => "object" in c && c.text !== undefined).length;
    assert.ok(both > CASES.length * 0.75, `${both} of ${CASES.length}`);
  });

  test("the shared parts of the AST are frozen: fields (one object per path), sort keys, match-all", () => {
    const [first, second] = [
      parseObjectFilter({ a: { $in: [1] }, b: 2 }),
      parseTextFilter("a in [1] and b = 2"),
    ];
    for (const filter of [first, second]) {
      assert.equal(filter.kind, "and");
      if (filter.kind !== "and") continue;
      const term = filter.terms[0];
      assert.equal(term.kind, "in");
      if (term.kind === "in") assert.ok(Object.isFrozen(term.field));
    }
    // The object form hands out the same field object for the same path.
    const again = parseObjectFilter({ a: 3 });
    assert.ok(first.kind === "and" && first.terms[0].kind === "in" && again.kind === "compare");
    if (first.kind === "and" && first.terms[0].kind === "in" && again.kind === "compare") {
      assert.equal(again.field, first.terms[0].field);
    }
    assert.ok(Object.isFrozen(MATCH_ALL));
    assert.ok(MATCH_ALL.kind === "and" && Object.isFrozen(MATCH_ALL.terms));
    const sort = parseSort("-year,title");
    assert.ok(Object.isFrozen(sort) && sort.every((key) => Object.isFrozen(key)));
    assert.equal(parseSort("-year,title"), sort);
  });

  test("the object form does not change its input", () => {
    const filter = { a: { $in: [1, 2] }, $or: [{ b: 1 }] };
    const copy = structuredClone(filter);
    parseObjectFilter(filter);
    assert.deepEqual(filter, copy);
  });
});

interface ErrorCase {
  object?: unknown;
  text?: string;
  message: RegExp;
}

const sparse: unknown[] = [1];
sparse[2] = 2;
class Foo {
  a = 1;
}

const ERRORS: ErrorCase[] = [
  // object form: operators
  {
    object: { year: { $regex: "x" } },
    message: /^Cannot parse filter: unknown operator "\$regex" at year$/,
  },
  { object: { $where: "1" }, message: /^Cannot parse filter: unknown operator "\$where"$/ },
  {
    object: { $or: [{ tags: { $elemMatch: {} } }] },
    message: /unknown operator "\$elemMatch" at \$or\[0\]\.tags$/,
  },
  { object: { $gt: 1 }, message: /^Cannot parse filter: operator "\$gt" needs a field/ },
  { object: { $nor: [] }, message: /unknown operator "\$nor"$/ },
  { object: { "$id.x": 1 }, message: /unknown operator "\$id\.x"$/ },
  { object: { $ID: 1 }, message: /unknown operator "\$ID"$/ },
  {
    object: { year: { $or: [] } },
    message: /operator "\$or" takes filters and cannot be used on a field at year$/,
  },
  { object: { year: { $id: 1 } }, message: /unknown operator "\$id" at year$/ },
  {
    object: { a: { b: 1 } },
    message: /expected an operator, found the key "b" .*dotted path.* at a$/,
  },
  { object: { a: { $gt: 1, b: 1 } }, message: /found the key "b"/ },
  {
    object: { a: {} },
    message: /expected an operator object with at least one operator, found \{\} at a$/,
  },
  // object form: values
  { object: { tags: ["x"] }, message: /found an array \(use \$in .*\$contains.*\) at tags$/ },
  { object: { a: undefined }, message: /or an operator object, found undefined at a$/ },
  {
    object: { a: { $eq: undefined } },
    message: /"\$eq" takes null, a boolean, a number or a string, found undefined at a\.\$eq$/,
  },
  { object: { a: { $eq: [1] } }, message: /"\$eq" takes .*found an array at a\.\$eq$/ },
  { object: { a: { $eq: { b: 1 } } }, message: /"\$eq" takes .*found an object at a\.\$eq$/ },
  { object: { a: NaN }, message: /found NaN, which is not a finite number at a$/ },
  {
    object: { a: { $gt: -Infinity } },
    message: /found -Infinity, which is not a finite number at a\.\$gt$/,
  },
  {
    object: { a: 2 ** 53 },
    message: /found 9007199254740992, an integer beyond ±\(2\^53−1\).* at a$/,
  },
  {
    object: { a: { $in: [-(2 ** 60)] } },
    message: /an integer beyond ±\(2\^53−1\).* at a\.\$in\[0\]$/,
  },
  { object: { a: 10n }, message: /found a BigInt at a$/ },
  { object: { a: () => 1 }, message: /found a function at a$/ },
  { object: { a: Symbol("s") }, message: /found a symbol at a$/ },
  { object: { a: new Date(0) }, message: /found an instance of Date at a$/ },
  { object: { a: "x\ud800" }, message: /found a string with a lone surrogate at a$/ },
  { object: { a: { $contains: "\udc00" } }, message: /lone surrogate at a\.\$contains$/ },
  {
    object: { a: { $gt: true } },
    message: /"\$gt" takes a number or a string, found true at a\.\$gt$/,
  },
  { object: { a: { $gte: null } }, message: /"\$gte" takes a number or a string, found null/ },
  { object: { a: { $lt: [1] } }, message: /"\$lt" takes a number or a string, found an array/ },
  { object: { a: { $lte: {} } }, message: /"\$lte" takes a number or a string, found an object/ },
  { object: { a: { $in: 5 } }, message: /"\$in" takes an array of values, found 5 at a\.\$in$/ },
  { object: { a: { $in: "abc" } }, message: /"\$in" takes an array of values, found "abc"/ },
  { object: { a: { $in: [[1]] } }, message: /found an array at a\.\$in\[0\]$/ },
  {
    object: { a: { $nin: [1, {}] } },
    message: /"\$nin" takes .*found an object at a\.\$nin\[1\]$/,
  },
  { object: { a: { $in: sparse } }, message: /found a hole in the array at a\.\$in\[1\]$/ },
  {
    object: { a: { $exists: 1 } },
    message: /"\$exists" takes true or false, found 1 at a\.\$exists$/,
  },
  { object: { a: { $exists: "false" } }, message: /"\$exists" takes true or false, found "false"/ },
  { object: { a: { $startsWith: 1 } }, message: /"\$startsWith" takes a string, found 1/ },
  { object: { a: { $like: null } }, message: /"\$like" takes a string, found null/ },
  {
    object: { a: { $like: "x".repeat(8193) } },
    message: /"\$like" takes a pattern of at most 8192 characters/,
  },
  {
    object: { a: { $startsWith: "x".repeat(8193) } },
    message: /"\$startsWith" takes a prefix of at most 8192 characters, found one of 8193 at a/,
  },
  // A key holding NUL: SQLite would read `n\0x` as `n`.
  {
    object: { "n\u0000x": 1 },
    message: /invalid path "n\\u0000x": a key cannot hold a NUL character \(U\+0000\)/,
  },
  { object: { "a.\u0000": { $exists: true } }, message: /a key cannot hold a NUL character/ },
  { object: { a: { $contains: {} } }, message: /"\$contains" takes .*found an object/ },
  {
    object: { a: { $not: 5 } },
    message: /"\$not" on a field takes an operator object .*found 5 at a\.\$not$/,
  },
  { object: { a: { $not: {} } }, message: /at least one operator, found \{\} at a\.\$not$/ },
  { object: { a: { $not: { b: 1 } } }, message: /found the key "b" .* at a\.\$not$/ },
  // object form: structure
  {
    object: { $and: {} },
    message: /"\$and" takes an array of filter objects, found an object at \$and$/,
  },
  { object: { $or: "a = 1" }, message: /"\$or" takes an array of filter objects, found "a = 1"/ },
  { object: { $or: [1] }, message: /expected a filter object, found 1 at \$or\[0\]$/ },
  { object: { $or: [[]] }, message: /expected a filter object, found an array at \$or\[0\]$/ },
  { object: { $not: [] }, message: /expected a filter object, found an array at \$not$/ },
  { object: { $not: true }, message: /expected a filter object, found true at \$not$/ },
  { object: [], message: /^Cannot parse filter: expected a filter object, found an array$/ },
  { object: "a = 1", message: /expected a filter object, found "a = 1"$/ },
  { object: 5, message: /expected a filter object, found 5$/ },
  { object: new Map(), message: /expected a filter object, found an instance of Map$/ },
  { object: new Foo(), message: /found an instance of Foo$/ },
  { object: Object.create({ a: 1 }), message: /found an object with a custom prototype$/ },
  { object: { __proto__: { a: 1 } }, message: /found an object with a custom prototype$/ },
  { object: { [Symbol("s")]: 1 }, message: /expected string keys, found a symbol key$/ },
  { object: { a: { [Symbol("s")]: 1 } }, message: /found a symbol key at a$/ },
  // object form: paths
  {
    object: { "a..b": 1 },
    message: /^Cannot parse filter: invalid path "a\.\.b": it has an empty segment$/,
  },
  { object: { ".a": 1 }, message: /empty segment/ },
  { object: { "": 1 }, message: /invalid path "": expected 1 to 256 characters$/ },
  { object: { ["x".repeat(257)]: 1 }, message: /expected 1 to 256 characters$/ },
  { object: { "a\ud800": 1 }, message: /lone surrogate/ },
  { object: { $or: [{ a: 1 }, { "a.": 1 }] }, message: /empty segment at \$or\[1\]$/ },
  {
    object: { $or: [{ "key with space": { $foo: 1 } }] },
    message: /unknown operator "\$foo" at \$or\[0\]\."key with space"$/,
  },
  // text form: the column and what was expected
  {
    text: "author.x = and b = 1",
    message: /^Cannot parse filter at column 12: expected a value after "=", found "and"$/,
  },
  {
    text: "a",
    message: /^Cannot parse filter at column 2: expected an operator .* after "a", found the end$/,
  },
  {
    text: "a foo 1",
    message: /^Cannot parse filter at column 3: expected an operator .*found "foo"$/,
  },
  { text: "a == 1", message: /column 3: expected an operator .*found "=="$/ },
  { text: "a ! 1", message: /column 3: expected an operator .*found "!"$/ },
  { text: "a = 1 b = 2", message: /column 7: expected "and", "or" or the end, found "b"$/ },
  { text: "a = 1 && b = 2", message: /column 7: expected "and", "or" or the end, found "&"$/ },
  { text: "a = 1 orb = 2", message: /column 7: expected "and", "or" or the end, found "orb"$/ },
  { text: "a exists 1", message: /column 10: expected "and", "or" or the end, found "1"$/ },
  {
    text: "(a = 1",
    message:
      /column 7: expected "and", "or" or "\)" \(to close the "\(" at column 1\), found the end$/,
  },
  { text: "a = 1)", message: /column 6: expected "and", "or" or the end, found "\)"$/ },
  { text: "()", message: /column 2: expected a field, "not" or "\(", found "\)"$/ },
  { text: "a = 1 and", message: /column 10: expected a field, "not" or "\(", found the end$/ },
  { text: "not", message: /column 4: expected a field, "not" or "\(", found the end$/ },
  {
    text: "a = 1 or or b = 1",
    message: /column 10: .*found the keyword "or" \(write a field of that name in double quotes\)$/,
  },
  { text: "like > 3", message: /column 1: .*found the keyword "like"/ },
  { text: "True = 1", message: /column 1: .*found the keyword "True"/ },
  {
    text: "a = Ann",
    message: /column 5: expected a value after "=", found "Ann" \(strings take double quotes\)$/,
  },
  {
    text: "a = 'x'",
    message: /column 5: expected a value after "=", found "'" \(strings take double quotes\)$/,
  },
  { text: "a =", message: /column 4: expected a value after "=", found the end$/ },
  { text: "a > true", message: /column 5: expected a number or a string after ">", found "true"$/ },
  {
    text: "a <= null",
    message: /column 6: expected a number or a string after "<=", found "null"$/,
  },
  { text: "a like 5", message: /column 8: expected a string after "like", found "5"$/ },
  {
    text: 'a."n\\u0000x" = 1',
    message: /column 3: a key cannot hold a NUL character \(U\+0000\)$/,
  },
  {
    text: "a STARTSWITH false",
    message: /column 14: expected a string after "STARTSWITH", found "false"$/,
  },
  { text: "a contains [1]", message: /column 12: expected a value after "contains", found "\["$/ },
  { text: "a in 1", message: /column 6: expected "\[" after "in", found "1"$/ },
  { text: "a in [1,]", message: /column 9: expected a value after ",", found "\]"$/ },
  { text: "a in [,1]", message: /column 7: expected a value after "\[", found ","$/ },
  { text: "a in [1 2]", message: /column 9: expected "," or "\]", found "2"$/ },
  { text: "a in [1", message: /column 8: expected "," or "\]", found the end$/ },
  { text: "a in [[1]]", message: /column 7: expected a value after "\["/ },
  // text form: numbers
  { text: "a = 01", message: /column 5: expected a value after "=", found "01"$/ },
  { text: "a = 1.", message: /column 5: .*found "1\."$/ },
  { text: "a = 1e", message: /column 5: .*found "1e"$/ },
  { text: "a = 1and b = 2", message: /column 5: .*found "1and"$/ },
  { text: "a = -", message: /column 5: expected a value after "=", found "-"$/ },
  { text: "a = - 1", message: /column 5: .*found "-"$/ },
  { text: "a = +1", message: /column 5: .*found "\+"$/ },
  { text: "a = .5", message: /column 5: .*found "\."$/ },
  { text: "a = 0x10", message: /column 5: .*found "0x10"$/ },
  { text: "a = NaN", message: /column 5: .*found "NaN"/ },
  { text: "a = 1e400", message: /column 5: the number "1e400" is too large$/ },
  {
    text: "a = 9007199254740993",
    message: /column 5: the number "9007199254740993" is a whole number beyond ±\(2\^53−1\)/,
  },
  {
    text: "a in [1, -9007199254740992]",
    message: /column 10: the number "-9007199254740992" is a whole/,
  },
  // text form: strings
  { text: 'a = "x', message: /column 5: the string is not closed$/ },
  { text: 'a = "x\\"', message: /column 5: the string is not closed$/ },
  { text: 'a = "\\x"', message: /column 6: invalid escape "\\\\x" in a string$/ },
  { text: 'a = "\\u12"', message: /column 6: invalid escape "\\\\u12\\"" in a string$/ },
  { text: 'a = "\\U0041"', message: /column 6: invalid escape "\\\\U"/ },
  { text: 'a = "\\ud800"', message: /column 5: found a string with a lone surrogate$/ },
  { text: 'a = "\\ude00\\ud83d"', message: /column 5: found a string with a lone surrogate$/ },
  { text: 'a = "x\ud800"', message: /column 5: found a string with a lone surrogate$/ },
  {
    text: 'a = "line\nbreak"',
    message: /column 10: a control character \(U\+000A\) must be escaped in a string$/,
  },
  { text: 'a = "tab\there"', message: /column 9: a control character \(U\+0009\)/ },
  // text form: fields
  { text: '"" = 1', message: /column 1: expected a key, found an empty string$/ },
  { text: "a. = 1", message: /column 4: expected a field segment after "\.", found "="$/ },
  { text: "a..b = 1", message: /column 3: expected a field segment after "\.", found "\."$/ },
  { text: ".a = 1", message: /column 1: expected a field, "not" or "\(", found "\."$/ },
  {
    text: "1abc = 1",
    message:
      /column 1: expected a field segment \(a name, an index or a quoted key\), found "1abc"$/,
  },
  { text: "a.-b = 1", message: /column 3: expected a field segment .*found "-b"$/ },
  {
    text: "$foo = 1",
    message:
      /column 1: unknown pseudo-field "\$foo": expected \$id, \$rev, \$createdAt or \$updatedAt/,
  },
  { text: "$ = 1", message: /column 1: unknown pseudo-field "\$"/ },
  { text: "$id.x = 1", message: /column 4: expected an operator after "\$id", found "\."$/ },
  { text: "a.$b = 1", message: /column 3: expected a field segment after "\.", found "\$b"$/ },
  { text: "é = 1", message: /column 1: expected a field, "not" or "\(", found "é"$/ },
  { text: "😀 = 1", message: /column 1: .*found "😀"$/ },
  { text: "a = 1 and b\u00a0= 2", message: /column 12: expected an operator .*found "\u00a0"$/ },
  { text: '"é😀" = 1 b', message: /^Cannot parse filter at column 11: / }, // UTF-16 columns
  { text: "a".repeat(257) + " = 1", message: /column 1: the field is longer than 256 characters$/ },
  {
    text: "a.".repeat(128) + "a = 1",
    message: /column 1: the field is longer than 256 characters$/,
  },
  {
    text: `"${"k".repeat(300)}" = 1`,
    message: /column 1: the field is longer than 256 characters$/,
  },
  { text: "1".repeat(300) + " = 1", message: /column 1: the field is longer than 256 characters$/ },
  {
    text: 5 as unknown as string,
    message: /^Cannot parse filter: expected a string, found number$/,
  },
];

describe("filter refusals", () => {
  test("random token soup parses or is refused with a column, never anything else", () => {
    const TOKENS = [
      "a",
      "b.c",
      "tags.0",
      '"k"',
      "$id",
      "(",
      ")",
      "not",
      "and",
      "or",
      "=",
      "!=",
      ">=",
      "<",
      "in",
      "[",
      "]",
      ",",
      "exists",
      "contains",
      "like",
      '"x"',
      '"\\ud800"',
      "1",
      "-2.5e3",
      "true",
      "null",
      "01",
      ".",
      "$",
      "\\",
      '"',
      "é",
      "😀",
    ];
    const next = seededRandom(42);
    for (let i = 0; i < 5000; i++) {
      let text = "";
      const n = Math.floor(next() * 12);
      for (let j = 0; j < n; j++) {
        text += TOKENS[Math.floor(next() * TOKENS.length)] + (next() < 0.7 ? " " : "");
      }
      try {
        parseTextFilter(text);
      } catch (error) {
        assert.ok(error instanceof QuireError, `${JSON.stringify(text)}: ${error}`);
        assert.equal(error.code, "INVALID_FILTER");
        const column = Number(/^Cannot parse filter at column (\d+): /.exec(error.message)?.[1]);
        assert.ok(
          column >= 1 && column <= text.length + 1,
          `${JSON.stringify(text)}: ${error.message}`,
        );
      }
    }
  });

  for (const [i, c] of ERRORS.entries()) {
    const what = "object" in c ? `object ${String(c.message)}` : `text ${JSON.stringify(c.text)}`;
    test(`${i + 1}: ${shorten(what)}`, () => {
      const error = throwsWith(
        () => ("object" in c ? parseObjectFilter(c.object) : parseTextFilter(c.text!)),
        "INVALID_FILTER",
      );
      assert.match(error.message, c.message);
    });
  }
});

/** `{ $not: ... n times ... inner }` */
function nots(n: number, inner: unknown): unknown {
  let filter = inner;
  for (let i = 0; i < n; i++) filter = { $not: filter };
  return filter;
}

/** and/or alternating n levels deep, in both forms, and the AST. */
function alternating(n: number): { object: unknown; text: string; expected: Filter } {
  let object: unknown = { a: 1 };
  let text = "a = 1";
  let expected = eq(p("a"), 1);
  for (let i = 0; i < n; i++) {
    const key = i % 2 === 0 ? "$and" : "$or";
    object = { [key]: [{ a: 1 }, object] };
    text = `a = 1 ${i % 2 === 0 ? "and" : "or"} (${text})`;
    expected = (i % 2 === 0 ? and : or)([eq(p("a"), 1), expected]);
  }
  return { object, text, expected };
}

/** Asserts that `fn` throws INVALID_FILTER matching `message` within 200 ms. */
/**
 * A hostile input is refused with the limit's message. (How fast is not asserted: tests assert no
 * wall-clock time, which a loaded machine makes fail at random; the limits are checked before the
 * input is walked, which is what keeps the refusal quick.)
 */
function refusedQuickly(fn: () => unknown, message: RegExp): void {
  const error = throwsWith(fn, "INVALID_FILTER");
  assert.match(error.message, message);
}

describe("filter limits", () => {
  const { depth, terms, inValues, textLength } = FILTER_LIMITS;
  const DEEP = /nested deeper than 16 levels/;
  const MANY = /more than 256 terms/;

  test("the limits are the documented ones", () => {
    assert.deepEqual({ depth, terms, inValues, textLength }, {
      depth: 16,
      terms: 256,
      inValues: 1000,
      textLength: 8192,
    });
  });

  test("depth: 16 nested nots pass, 17 do not (both forms)", () => {
    let expected = eq(p("a"), 1);
    for (let i = 0; i < depth; i++) expected = not(expected);
    assert.deepEqual(parseObjectFilter(nots(depth, { a: 1 })), expected);
    assert.deepEqual(parseTextFilter("not ".repeat(depth) + "a = 1"), expected);
    assert.match(
      throwsWith(() => parseObjectFilter(nots(depth + 1, { a: 1 })), "INVALID_FILTER").message,
      DEEP,
    );
    assert.match(
      throwsWith(() => parseTextFilter("not ".repeat(depth + 1) + "a = 1"), "INVALID_FILTER")
        .message,
      DEEP,
    );
  });

  test("depth: and/or nesting, the same in both forms", () => {
    const ok = alternating(depth);
    assert.deepEqual(parseObjectFilter(ok.object), ok.expected);
    assert.deepEqual(parseTextFilter(ok.text), ok.expected);
    const deep = alternating(depth + 1);
    assert.match(throwsWith(() => parseObjectFilter(deep.object), "INVALID_FILTER").message, DEEP);
    assert.match(throwsWith(() => parseTextFilter(deep.text), "INVALID_FILTER").message, DEEP);
  });

  test("depth: the implicit and of several keys and the not of $ne count", () => {
    // 14 nots, the and of two keys, the not of $ne: 16 levels.
    parseObjectFilter(nots(depth - 2, { a: 1, b: { $ne: 1 } }));
    parseTextFilter("not ".repeat(depth - 2) + "(a = 1 and b != 1)");
    assert.match(
      throwsWith(
        () => parseObjectFilter(nots(depth - 1, { a: 1, b: { $ne: 1 } })),
        "INVALID_FILTER",
      )
        .message,
      DEEP,
    );
    assert.match(
      throwsWith(
        () => parseTextFilter("not ".repeat(depth - 1) + "(a = 1 and b != 1)"),
        "INVALID_FILTER",
      )
        .message,
      DEEP,
    );
  });

  test("depth: field-level $not", () => {
    let ok: unknown = { $gt: 1 };
    for (let i = 0; i < depth; i++) ok = { $not: ok };
    parseObjectFilter({ a: ok });
    assert.match(
      throwsWith(() => parseObjectFilter({ a: { $not: ok } }), "INVALID_FILTER").message,
      /nested deeper than 16 levels of \$and, \$or and \$not at a(\.\$not)+$/,
    );
  });

  test("parentheses: up to 32 redundant levels", () => {
    const text = (n: number) => "(".repeat(n) + "a = 1" + ")".repeat(n);
    assert.deepEqual(parseTextFilter(text(2 * depth)), eq(p("a"), 1));
    assert.match(
      throwsWith(() => parseTextFilter(text(2 * depth + 1)), "INVALID_FILTER").message,
      /^Cannot parse filter at column 33: parentheses and "not" are nested deeper than 32 levels$/,
    );
  });

  test("terms: 256 nodes pass, 257 do not (both forms)", () => {
    const list = (n: number, term: string) => Array(n).fill(term).join(" or ");
    assert.equal(parseObjectFilter({ $or: Array(terms - 1).fill({ a: 1 }) }).kind, "or");
    assert.equal(parseTextFilter(list(terms - 1, "a = 1")).kind, "or");
    assert.match(
      throwsWith(() => parseObjectFilter({ $or: Array(terms).fill({ a: 1 }) }), "INVALID_FILTER")
        .message,
      MANY,
    );
    assert.match(
      throwsWith(() => parseTextFilter(list(terms, "a = 1")), "INVALID_FILTER").message,
      MANY,
    );
    // $ne is two nodes: 127 of them and the or are 255, 128 are 257.
    parseObjectFilter({ $or: Array(127).fill({ a: { $ne: 1 } }) });
    parseTextFilter(list(127, "a != 1"));
    assert.match(
      throwsWith(
        () => parseObjectFilter({ $or: Array(128).fill({ a: { $ne: 1 } }) }),
        "INVALID_FILTER",
      ).message,
      MANY,
    );
    assert.match(
      throwsWith(() => parseTextFilter(list(128, "a != 1")), "INVALID_FILTER").message,
      MANY,
    );
  });

  test("terms: many keys in one object", () => {
    const keys = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    assert.equal(parseObjectFilter(keys(terms - 1)).kind, "and");
    assert.match(throwsWith(() => parseObjectFilter(keys(terms)), "INVALID_FILTER").message, MANY);
  });

  test("in: 1000 values pass, 1001 do not (both forms)", () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => i);
    assert.deepEqual(
      parseObjectFilter({ a: { $in: values(inValues) } }),
      isIn(p("a"), values(inValues)),
    );
    assert.deepEqual(parseTextFilter(`a in [${values(inValues)}]`), isIn(p("a"), values(inValues)));
    assert.match(
      throwsWith(() => parseObjectFilter({ a: { $nin: values(inValues + 1) } }), "INVALID_FILTER")
        .message,
      /^Cannot parse filter: "\$nin" takes at most 1000 values, found 1001 at a\.\$nin$/,
    );
    const text = `a in [${values(inValues + 1)}]`;
    assert.match(
      throwsWith(() => parseTextFilter(text), "INVALID_FILTER").message,
      new RegExp(
        `^Cannot parse filter at column ${
          text.lastIndexOf(",") + 2
        }: the list has more than 1000 values$`,
      ),
    );
  });

  test("text length: 8192 characters pass, 8193 do not, before any other check", () => {
    const filter = (n: number) => `a = "${"x".repeat(n - 6)}"`;
    assert.equal(filter(textLength).length, textLength);
    assert.deepEqual(parseTextFilter(filter(textLength)), eq(p("a"), "x".repeat(textLength - 6)));
    const long = /^Cannot parse filter: the text is longer than 8192 characters \(8193\)$/;
    assert.match(
      throwsWith(() => parseTextFilter(filter(textLength + 1)), "INVALID_FILTER").message,
      long,
    );
    assert.match(
      throwsWith(() => parseTextFilter(" ".repeat(textLength + 1)), "INVALID_FILTER").message,
      long,
    );
    assert.match(
      throwsWith(() => parseTextFilter("(".repeat(textLength + 1)), "INVALID_FILTER").message,
      long,
    );
  });

  describe("hostile inputs are refused quickly", () => {
    const deepAnd = () => {
      let filter: unknown = { a: 1 };
      for (let i = 0; i < 100_000; i++) filter = { $and: [filter] };
      return filter;
    };
    const deepFieldNot = () => {
      let ops: unknown = { $gt: 1 };
      for (let i = 0; i < 100_000; i++) ops = { $not: ops };
      return { a: ops };
    };
    const cycle = (key: string, value: (self: unknown) => unknown) => () => {
      const filter: Record<string, unknown> = {};
      filter[key] = value(filter);
      return filter;
    };
    const manyKeys = (prefix: string) =>
      Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`${prefix}${i}`, i]));
    const HOSTILE: {
      name: string;
      text?: () => string;
      object?: () => unknown;
      message: RegExp;
    }[] = [
      { name: "100k open parentheses", text: () => "(".repeat(100_000), message: /than 8192/ },
      { name: "8000 open parentheses", text: () => "(".repeat(8000), message: /than 32/ },
      { name: "2000 nots", text: () => "not ".repeat(2000) + "a = 1", message: /than 32/ },
      { name: "(not ( ... 1000 times", text: () => "(not ".repeat(1000), message: /than 32/ },
      { name: "a 1 MB string", text: () => `a = "${"x".repeat(1 << 20)}"`, message: /than 8192/ },
      {
        name: "an unclosed 8 kB string",
        text: () => `a = "${"\\\\".repeat(4000)}`,
        message: /closed/,
      },
      { name: "900 ors", text: () => "a = 1 or ".repeat(900) + "a = 1", message: MANY },
      {
        name: "4000 in values",
        text: () => `a in [${"1,".repeat(4000)}1]`,
        message: /1000 values/,
      },
      { name: "100k nested $not", object: () => nots(100_000, { a: 1 }), message: DEEP },
      { name: "100k nested $and", object: deepAnd, message: DEEP },
      { name: "100k nested field $not", object: deepFieldNot, message: DEEP },
      { name: "a cycle through $not", object: cycle("$not", (self) => self), message: DEEP },
      { name: "a cycle through $or", object: cycle("$or", (self) => [self, self]), message: DEEP },
      {
        name: "a 1M-element $or",
        object: () => ({ $or: Array(1e6).fill({ a: 1 }) }),
        message: MANY,
      },
      {
        name: "a 1M-element $in",
        object: () => ({ a: { $in: Array(1e6).fill(1) } }),
        message: /most 1000/,
      },
      { name: "100k keys", object: () => manyKeys("k"), message: MANY },
      { name: "100k operators on a field", object: () => ({ a: manyKeys("$x") }), message: MANY },
      {
        name: "a 1 MB $like pattern",
        object: () => ({ a: { $like: "%".repeat(1 << 20) } }),
        message: /most 8192/,
      },
      {
        name: "a 1 MB $startsWith prefix",
        object: () => ({ a: { $startsWith: "😀".repeat(1 << 19) } }),
        message: /most 8192/,
      },
    ];
    for (const c of HOSTILE) {
      test(c.name, () => {
        // Built before the clock starts: only parsing is timed.
        if (c.text) {
          const input = c.text();
          refusedQuickly(() => parseTextFilter(input), c.message);
        } else {
          const input = c.object!();
          refusedQuickly(() => parseObjectFilter(input), c.message);
        }
      });
    }
  });
});

interface SortCase {
  sort: unknown;
  expected: SortKey[];
}

const asc = (field: ReturnType<typeof p>) => sortKey(field, false);
const desc = (field: ReturnType<typeof p>) => sortKey(field, true);

const SORTS: SortCase[] = [
  { sort: undefined, expected: [] },
  { sort: null, expected: [] },
  { sort: "", expected: [] },
  { sort: " \t ", expected: [] },
  { sort: [], expected: [] },
  { sort: "year", expected: [asc(p("year"))] },
  { sort: "+year", expected: [asc(p("year"))] },
  { sort: "-year", expected: [desc(p("year"))] },
  { sort: "-year,title", expected: [desc(p("year")), asc(p("title"))] },
  { sort: "  -year ,  +title  ", expected: [desc(p("year")), asc(p("title"))] },
  { sort: ["-year", "title"], expected: [desc(p("year")), asc(p("title"))] },
  {
    sort: ["-year,title", " $id "],
    expected: [desc(p("year")), asc(p("title")), asc(metaField("id"))],
  },
  { sort: "author.name,-tags.0", expected: [asc(p("author", "name")), desc(p("tags", 0))] },
  { sort: "a.007", expected: [asc(p("a", "007"))] },
  {
    sort: "$createdAt,-$updatedAt,+$rev,-$id",
    expected: [
      asc(metaField("createdAt")),
      desc(metaField("updatedAt")),
      asc(metaField("rev")),
      desc(metaField("id")),
    ],
  },
  { sort: "-my-field_2", expected: [desc(p("my-field_2"))] },
  { sort: "like,and,__proto__", expected: [asc(p("like")), asc(p("and")), asc(p("__proto__"))] },
  { sort: "a,b,c,d,e,f,g,h", expected: "abcdefgh".split("").map((key) => asc(p(key))) },
  { sort: "a.b,a.c,a", expected: [asc(p("a", "b")), asc(p("a", "c")), asc(p("a"))] },
];

const SORT_ERRORS: [unknown, RegExp][] = [
  ["a,b,c,d,e,f,g,h,i", /^Cannot parse sort: it has more than 8 keys$/],
  [["a", "b", "c", "d", "e", "f", "g", "h", "i"], /more than 8 keys/],
  [["a,b,c,d,e", "f,g,h,i"], /more than 8 keys/],
  [",".repeat(5000), /expected a key, found an empty one/],
  ["year,,title", /^Cannot parse sort: expected a key, found an empty one$/],
  ["year,", /found an empty one/],
  [",year", /found an empty one/],
  [["year", ""], /found an empty one/],
  [["year", " "], /found an empty one/],
  [
    "year title",
    /^Cannot parse sort key "year title": expected "-" or "\+" \(or nothing\), then a field/,
  ],
  ["- year", /sort key "- year"/],
  ["--year", /sort key "--year"/],
  ["+-year", /sort key "\+-year"/],
  ["a..b", /sort key "a\.\.b"/],
  [".a", /sort key "\.a"/],
  ["a.", /sort key "a\."/],
  ["a. b", /sort key "a\. b"/],
  ['"quoted"', /sort key "\\"quoted\\""/],
  ["a.$b", /sort key "a\.\$b"/],
  ["é", /sort key "é"/],
  [
    "$foo",
    /^Cannot parse sort key "\$foo": unknown pseudo-field, expected \$id, \$rev, \$createdAt or \$updatedAt$/,
  ],
  ["-$ID", /unknown pseudo-field/],
  ["$id.x", /sort key "\$id\.x"/],
  ["year,-year", /^Cannot parse sort: the field of "-year" is repeated$/],
  ["$id, $id", /repeated/],
  ["tags.0,tags.0", /repeated/],
  [
    "a".repeat(257),
    /^Cannot parse sort key "a{59}…: invalid path "a{59}…: expected 1 to 256 characters$/,
  ],
  ["x".repeat(9000), /^Cannot parse sort: it is longer than 8192 characters$/],
  [" ".repeat(9000), /longer than 8192 characters/],
  [5, /^Cannot parse sort: expected a string or an array of strings, found 5$/],
  [{ year: -1 }, /found an object$/],
  [true, /found true$/],
  [[5], /^Cannot parse sort: expected a string at \[0\], found 5$/],
  [[["a"]], /expected a string at \[0\], found an array$/],
  [["a", null], /expected a string at \[1\], found null$/],
];

describe("sort parsing", () => {
  for (const c of SORTS) {
    test(`sort ${JSON.stringify(c.sort) ?? "undefined"}`, () => {
      assert.deepEqual(parseSort(c.sort), c.expected);
    });
  }
  for (const [sort, message] of SORT_ERRORS) {
    const name = `refuses ${JSON.stringify(sort)}`;
    test(shorten(name), () => {
      assert.match(throwsWith(() => parseSort(sort), "INVALID_FILTER").message, message);
    });
  }
  test("a long sort is refused quickly", () => {
    const sort = Array(1_000_000).fill("a");
    refusedQuickly(() => parseSort(sort), /more than 8 keys/);
    const text = Array.from({ length: 1000 }, (_, i) => `k${i}`).join(",");
    refusedQuickly(() => parseSort(text), /more than 8 keys/);
  });
});
