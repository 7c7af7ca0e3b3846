/**
 * fast-check generators for the fuzz test of the public API (tests/fuzz/properties.ts): what a
 * caller can hand quire, from the ordinary to the hostile.
 *
 * Every generator mixes values that work (so that the store fills up and queries match) with
 * values that must be refused: NUL and lone surrogates, huge and deeply nested values, prototype
 * keys (`__proto__`, `constructor`, `prototype`, always as own properties), numbers at the edges
 * (-0, ±2^53±1, 5e-324, 1e308, NaN, ±Infinity), values JSON cannot hold, wrong types where the
 * types say otherwise (JavaScript callers pass anything), and documents of about 1 MiB on either
 * side of the limit. NDJSON imports come as text, bytes, chunked streams or records, with BOMs,
 * CRLF, invalid UTF-8 and 1 MB lines.
 *
 * @module
 */

import fc from "fast-check";
import { PATHS } from "../fixtures/query_generator.ts";

/** Where a cursor comes from: the previous page's `next`, changed or not, or made up. */
export type AfterSpec =
  | { kind: "last"; tamper?: Tamper }
  | { kind: "given"; value: unknown };

/** How to change a real cursor while keeping it decodable. */
export type Tamper =
  | "flip"
  | "truncate"
  | "extra-key"
  | "drop-key"
  | "object-key"
  | "number-id"
  | "huge-string"
  | "nan-text"
  | "other-query"
  | "swap-types";

/** What an import reads, before it is turned into a source (streams can be read only once). */
export interface ImportSpec {
  lines: string[];
  eol: "\n" | "\r\n" | "\r";
  finalEol: boolean;
  bom: boolean;
  form: "string" | "bytes" | "byte-chunks" | "stream" | "text-chunks" | "records" | "async";
  /** Where to cut chunks, as fractions of the input. */
  cuts: number[];
  /** Bytes spliced in at a fraction of the input (invalid UTF-8 and the like). */
  splice?: { at: number; bytes: number[] };
  /** Records for the "records" form: values as JavaScript hands them, hostile ones included. */
  records: unknown[];
}

// ---- building blocks ----

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Words the documents and the searches share, so that searches find something. */
export const WORDS = [
  "fox",
  "quick",
  "brown",
  "dog",
  "dogs",
  "running",
  "run",
  "data",
  "database",
  "café",
  "Zoë",
  "creme",
  "crème",
  "中文",
  "multi-agent",
  "don't",
  "a@b.com",
  "SKU-1234",
  "OR",
  "and",
  "NOT",
  "😀",
  "🥰",
  "ß",
  "İstanbul",
];

/** Prototype-related and other awkward keys, always written as own properties. */
export const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"];

const KEYS = [
  "n",
  "s",
  "b",
  "t",
  "title",
  "tags",
  "o",
  "x",
  "y",
  "z",
  "0",
  "1",
  "",
  ".",
  "a.b",
  "$",
  "$ref",
  "$id",
  "sp ace",
  'q"t',
  "é",
  "😀",
  "\u0000",
  "n\u0000x",
  "\uD800",
  ...PROTO_KEYS,
];

const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1.5,
  MAX_SAFE,
  -MAX_SAFE,
  MAX_SAFE + 1,
  -(MAX_SAFE + 1),
  MAX_SAFE + 2,
  2 ** 53,
  2 ** 63,
  1e20,
  1e21,
  -1e21,
  1e21 + 2 ** 20,
  5e-324,
  -5e-324,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  NaN,
  Infinity,
  -Infinity,
];

const HOSTILE_STRINGS = [
  "",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "a\uDC00b",
  "\uDBFF\uDBFF",
  "\uFEFF",
  "\r\n",
  "\u2028",
  "'",
  '"',
  "\\",
  "%",
  "_",
  "%_%",
  "\u0085",
  "\u007f",
  "\uFFFF",
  "\uE000",
  "\u{10FFFF}",
  "<mark>",
  "&amp;",
  "$ref",
  "null",
  "[1]",
];

/** An object with these entries as own, enumerable properties (`__proto__` included). */
export function ownObject(
  entries: readonly (readonly [string, unknown])[],
): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

// ---- ids and names ----

/** Ids: a small pool (so that writes meet), awkward valid ones, and invalid ones. */
export const idArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("a", "b", "c", "A", "d1", "d2") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "../x",
      "a/b",
      "CON",
      ".",
      "..",
      "😀",
      "\uFFFF",
      "\uE000",
      "x y",
      "é",
      "%2e",
      "_~41",
      ...PROTO_KEYS,
      "€".repeat(170), // 510 bytes
      "x".repeat(512),
      "😀".repeat(128), // 512 bytes
      "x".repeat(300) + "😀",
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      "",
      "\u0000",
      "a\u0000b",
      "a\u007f",
      "\u0085",
      "\n",
      "\uD800",
      "a\uDC00",
      "€".repeat(171), // 513 bytes
      "x".repeat(513),
      "😀".repeat(129),
      5,
      null,
      undefined,
      {},
      ["a"],
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 8 }) },
);

/** Collection names: a few valid ones (prototype names included), and invalid ones. */
export const collectionNameArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("a", "b", "A") },
  {
    weight: 2,
    arbitrary: fc.constantFrom("constructor", "toString", "prototype", "a-b_C9", "z".repeat(64)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      "",
      "1a",
      "_a",
      "__proto__",
      "a b",
      "a\u0000",
      "é",
      "a".repeat(65),
      "a/b",
      "..",
      5,
      null,
      undefined,
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);

/** A number: ordinary ones mostly, the edges (NaN and ±Infinity included) often. */
export const numberArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -10, max: 10 }) },
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
);

/** A well-formed number (what a valid document holds). */
const safeNumberArb = numberArb.filter((n) =>
  Number.isFinite(n) && !(Number.isInteger(n) && !Number.isSafeInteger(n) && Math.abs(n) < 1e21)
);

/** A string: words and text mostly; NUL, lone surrogates and any code unit at all sometimes. */
export const stringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...WORDS) },
  {
    weight: 3,
    arbitrary: fc.array(fc.constantFrom(...WORDS), { maxLength: 6 }).map((w) => w.join(" ")),
  },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }) },
);

const scalarArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: numberArb },
  { weight: 4, arbitrary: stringArb },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** A key: ordinary, awkward, prototype-related, or any string. */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);

class Widget {
  x = 1;
}

/** Values JSON cannot hold, or that quire refuses: each must give INVALID_DOCUMENT. */
const unstorableArb: fc.Arbitrary<unknown> = fc.constantFrom(
  "undefined-in-array",
  "function",
  "symbol",
  "bigint",
  "date",
  "map",
  "bytes",
  "class",
  "sparse",
  "cycle",
  "symbol-key",
  "custom-proto",
  "boxed",
).map((kind) => {
  switch (kind) {
    case "undefined-in-array":
      return [1, undefined];
    case "function":
      return () => 1;
    case "symbol":
      return Symbol("s");
    case "bigint":
      return 10n;
    case "date":
      return new Date(0);
    case "map":
      return new Map([["a", 1]]);
    case "bytes":
      return new Uint8Array(2);
    case "class":
      return new Widget();
    case "sparse":
      // deno-lint-ignore no-sparse-arrays
      return [1, , 2];
    case "cycle": {
      const cycle: Record<string, unknown> = { a: 1 };
      cycle.self = { back: cycle };
      return cycle;
    }
    case "symbol-key":
      return { [Symbol("k")]: 1 };
    case "custom-proto":
      return Object.create({ inherited: 1 });
    default:
      return new String("boxed");
  }
});

/**
 * Arrays and objects nested `depth` levels (the limit is 64, the document counting as 1), the
 * outermost an array. It prints as `nested(depth)`: fast-check's printer would overflow the stack.
 */
export function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = depth - 1; i >= 0; i--) value = i % 2 === 0 ? [value] : { d: value };
  return printedAs(value as unknown[], `nested(${depth})`);
}

/**
 * Gives an array a short printed form for fast-check's reports (a non-enumerable symbol key,
 * which neither JSON nor quire reads on an array).
 */
function printedAs<T extends unknown[]>(array: T, text: string): T {
  Object.defineProperty(array, fc.toStringMethod, { value: () => text, enumerable: false });
  return array;
}

const deepArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 60, max: 66 }),
  fc.constantFrom(1000, 100_000),
).map((depth) => nested(depth));

/** A string that makes a `{"h": …}` document about 1 MiB, just under or just over the limit. */
export function hugeString(char: string, delta: number): string {
  const bytes = new TextEncoder().encode(char).length;
  const content = 1024 * 1024 - '{"h":""}'.length + delta;
  return char.repeat(Math.max(0, Math.floor(content / bytes)));
}

const hugeArb: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom("x", "é", "😀", '"'),
  fc.integer({ min: -4, max: 4 }),
).map(([char, delta]) => hugeString(char, delta));

/** Any value a document might hold, hostile ones included. */
export const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 10, arbitrary: scalarArb },
    { weight: 2, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    {
      weight: 2,
      arbitrary: fc.array(fc.tuple(keyArb, tie("value")), { maxLength: 4 }).map(ownObject),
    },
    { weight: 1, arbitrary: refArb() },
  ),
})).value;

function refArb(): fc.Arbitrary<unknown> {
  return fc.record({ $ref: collectionNameArb, $id: idArb });
}

/** A document as users write them: the known fields, each maybe there. */
const ordinaryDocArb: fc.Arbitrary<Record<string, unknown>> = fc.record({
  n: safeNumberArb,
  s: fc.constantFrom(...WORDS, "", "a", "A", "b"),
  b: fc.boolean(),
  t: fc.array(fc.constantFrom(...WORDS), { maxLength: 8 }).map((w) => w.join(" ")),
  title: fc.constantFrom(...WORDS),
  tags: fc.array(fc.oneof(fc.constantFrom(...WORDS), safeNumberArb), { maxLength: 4 }),
  o: fc.record({
    x: fc.oneof(safeNumberArb, fc.constantFrom(...WORDS)),
    y: fc.record({ z: fc.boolean() }),
  }, {
    requiredKeys: [],
  }),
  r: refArb(),
}, { requiredKeys: [] });

/** A document: ordinary fields plus random, hostile or huge ones; sometimes not an object. */
export const docArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: ordinaryDocArb },
  {
    weight: 6,
    arbitrary: fc.tuple(ordinaryDocArb, fc.array(fc.tuple(keyArb, valueArb), { maxLength: 4 }))
      .map(([doc, extra]) => ownObject([...Object.entries(doc), ...extra])),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(keyArb, unstorableArb).map(([key, value]) => ownObject([[key, value]])),
  },
  { weight: 1, arbitrary: deepArb.map((value) => ({ d: value })) },
  { weight: 1, arbitrary: hugeArb.map((h) => ({ h })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      null,
      undefined,
      [],
      [1],
      "doc",
      5,
      new Date(0),
      Object.create(null),
      ownObject([["__proto__", { polluted: true }]]),
      ownObject([["constructor", { prototype: { polluted: true } }]]),
      JSON.parse('{"__proto__": {"x": 1}, "a": 1}'),
    ),
  },
);

// ---- paths, filters, sorts, projections ----

/** Dotted paths of tests/fixtures/query_generator.ts (those the object form can name). */
const GENERATOR_PATHS = PATHS.filter((path) =>
  path.every((segment) => typeof segment === "number" || !segment.includes("."))
).map((path) => path.join("."));

const VALID_PATHS = [
  "n",
  "s",
  "b",
  "t",
  "title",
  "tags",
  "tags.0",
  "tags.1",
  "o",
  "o.x",
  "o.y.z",
  "r.$id",
  "missing",
  ...GENERATOR_PATHS,
  ...PROTO_KEYS,
  "constructor.prototype",
  "o.__proto__",
];

const BAD_PATHS = ["", ".", "a..b", ".a", "a.", "\uD800", "x".repeat(257), "n\u0000x", "\u0000"];

/** A path: mostly valid, sometimes not. */
export const pathArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...VALID_PATHS) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_PATHS) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);

const META_FIELDS = ["$id", "$rev", "$createdAt", "$updatedAt"];

const filterFieldArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: pathArb },
  { weight: 2, arbitrary: fc.constantFrom(...META_FIELDS) },
  { weight: 1, arbitrary: fc.constantFrom("$bogus", "$", "$and", "$where") },
);

/** A value to compare with: scalars mostly; arrays, objects and undefined sometimes. */
const operandArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: scalarArb },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, [1], { a: 1 }, new Date(0), 10n) },
);

function operatorEntryArb(inner: fc.Arbitrary<unknown>): fc.Arbitrary<[string, unknown]> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(
        fc.constantFrom("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$contains"),
        operandArb,
      ),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(
        fc.constantFrom("$in", "$nin"),
        fc.oneof(
          { weight: 8, arbitrary: fc.array(operandArb, { maxLength: 5 }) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(999, 1000, 1001).map((n) =>
              Array.from({ length: n }, (_, i) => i)
            ),
          },
          { weight: 1, arbitrary: operandArb },
        ),
      ),
    },
    { weight: 2, arbitrary: fc.tuple(fc.constant("$exists"), fc.oneof(fc.boolean(), operandArb)) },
    {
      weight: 3,
      arbitrary: fc.tuple(
        fc.constantFrom("$startsWith", "$like"),
        fc.oneof(
          { weight: 8, arbitrary: stringArb },
          { weight: 1, arbitrary: fc.constantFrom(1000, 5000, 200_000).map((n) => "x".repeat(n)) },
          { weight: 1, arbitrary: operandArb },
        ),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constant("$not"), inner) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom("$regex", "$where", "$size", "$EQ", "eq", "$"),
        operandArb,
      ),
    },
  );
}

/** Object-form filters: field conditions, `$and`/`$or`/`$not`, and hostile shapes. */
export const objectFilterArb: fc.Arbitrary<unknown> = fc.letrec<{
  filter: unknown;
  condition: unknown;
}>((tie) => ({
  condition: fc.oneof(
    { depthSize: "small" },
    { weight: 4, arbitrary: operandArb },
    {
      weight: 5,
      arbitrary: fc.array(operatorEntryArb(tie("condition")), { maxLength: 3 }).map(ownObject),
    },
  ),
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    {
      weight: 6,
      arbitrary: fc.array(fc.tuple(filterFieldArb, tie("condition")), { maxLength: 3 }).map(
        ownObject,
      ),
    },
    { weight: 1, arbitrary: fc.array(tie("filter"), { maxLength: 3 }).map(($and) => ({ $and })) },
    { weight: 1, arbitrary: fc.array(tie("filter"), { maxLength: 3 }).map(($or) => ({ $or })) },
    { weight: 1, arbitrary: tie("filter").map(($not) => ({ $not })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        5,
        [],
        [{}],
        true,
        new Date(0),
        { $and: {} },
        { $or: "x" },
        { $not: [] },
        { n: {} },
        { [Symbol("k")]: 1 },
        Object.create(null),
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(15, 16, 17, 10_000).map(deepNot) },
    { weight: 1, arbitrary: fc.constantFrom(255, 256, 257, 5000).map(wideOr) },
  ),
})).filter;

function deepNot(depth: number): unknown {
  let filter: unknown = { n: 1 };
  for (let i = 1; i < depth; i++) filter = { $not: filter };
  return { $and: printedAs([{ $not: filter }], `[deepNot(${depth})]`) };
}

function wideOr(terms: number): unknown {
  return {
    $or: printedAs(Array.from({ length: terms }, (_, i) => ({ n: i })), `[${terms} terms]`),
  };
}

const TEXT_FIELDS = [
  "n",
  "s",
  "tags.0",
  "o.x",
  "o.y.z",
  '"a.b"',
  '"sp ace"',
  '"n\\u0000x"',
  '"__proto__"',
  "constructor",
  "$id",
  "$rev",
  "$createdAt",
  "$updatedAt",
  "$nope",
  "tags.99999999999",
  '"\\ud800"',
  "a-b",
  "_x",
  "0",
];
const TEXT_OPS = [
  "=",
  "!=",
  ">",
  ">=",
  "<",
  "<=",
  "contains",
  "startsWith",
  "like",
  "CONTAINS",
  "==",
  "=>",
  "<>",
  "~",
];
const TEXT_VALUES = [
  "1",
  "-0",
  "0",
  "1.5",
  "-7",
  "1e308",
  "1e999",
  "5e-324",
  "9007199254740993",
  "1e21",
  "01",
  ".5",
  "0x10",
  "true",
  "false",
  "null",
  "TRUE",
  '"fox"',
  '"a"',
  '""',
  '"\\u0000"',
  '"\\ud800"',
  '"%"',
  '"x\\"y"',
  '"unterminated',
  "fox",
  "[1]",
];

const textConditionArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(
      fc.constantFrom(...TEXT_FIELDS),
      fc.constantFrom(...TEXT_OPS),
      fc.oneof(fc.constantFrom(...TEXT_VALUES), stringArb.map((s) => JSON.stringify(s))),
    ).map(([field, op, value]) => `${field} ${op} ${value}`),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constantFrom(...TEXT_FIELDS),
      fc.array(fc.constantFrom(...TEXT_VALUES), { maxLength: 4 }),
    ).map(([field, values]) => `${field} in [${values.join(", ")}]`),
  },
  { weight: 1, arbitrary: fc.constantFrom(...TEXT_FIELDS).map((field) => `${field} exists`) },
);

/** Text-form filters: grammar-shaped mostly, garbage and oversized ones sometimes. */
export const textFilterArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.letrec<{ expr: string }>((tie) => ({
      expr: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        { weight: 4, arbitrary: textConditionArb },
        {
          weight: 1,
          arbitrary: fc.tuple(
            tie("expr"),
            fc.constantFrom("and", "or", "AND", "Or", "&&"),
            tie("expr"),
          )
            .map(([a, op, b]) => `${a} ${op} ${b}`),
        },
        { weight: 1, arbitrary: tie("expr").map((e) => `not ${e}`) },
        { weight: 1, arbitrary: tie("expr").map((e) => `(${e})`) },
      ),
    })).expr,
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      "   ",
      "(",
      ")",
      "not",
      "n =",
      "= 1",
      "n = 1 and",
      '"',
      "n = 1\u0000",
      `n = "${"x".repeat(8200)}"`,
      `${"(".repeat(40)}n = 1${")".repeat(40)}`,
      `${"(".repeat(100_000)}n = 1`,
      `${"not ".repeat(40)}n = 1`,
      Array.from({ length: 300 }, (_, i) => `n = ${i}`).join(" or "),
      `n in [${Array.from({ length: 1001 }, (_, i) => i).join(",")}]`,
    ),
  },
);

/** A filter in either form, or nothing. */
export const filterArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<unknown>(undefined, {}, "", null) },
  { weight: 6, arbitrary: objectFilterArb },
  { weight: 5, arbitrary: textFilterArb },
);

const sortKeyArb: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom("", "", "-", "+", "--"),
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...VALID_PATHS, ...META_FIELDS) }, {
    weight: 1,
    arbitrary: pathArb,
  }),
).map(([sign, path]) => sign + path);

/** Sorts: a string or an array of keys; hostile shapes sometimes. */
export const sortArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc.array(sortKeyArb, { minLength: 1, maxLength: 3 }).map((keys) => keys.join(",")),
  },
  { weight: 2, arbitrary: fc.array(sortKeyArb, { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      "",
      ",",
      "n,",
      "-",
      [5],
      [""],
      null,
      {},
      5,
      Array.from({ length: 9 }, (_, i) => `k${i}`).join(","),
      "n".repeat(300),
      "$bogus",
    ),
  },
);

/** `fields` projections. */
export const fieldsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.array(pathArb, { minLength: 1, maxLength: 4 }) },
  {
    weight: 2,
    arbitrary: fc.array(pathArb, { minLength: 1, maxLength: 3 }).map((p) => p.join(",")),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      [],
      "",
      [5],
      null,
      "a,,b",
      ["o", "o.x"],
      ["$id"],
      Array.from({ length: 65 }, (_, i) => `f${i}`),
    ),
  },
);

/** `limit` values, valid and not. */
export const limitArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      0,
      -1,
      1.5,
      NaN,
      Infinity,
      "5",
      null,
      10_000,
      10_001,
      2 ** 53,
      1e308,
    ),
  },
);

/** `after` cursors: the last page's (as is or tampered with), or made up. */
export const afterArb: fc.Arbitrary<AfterSpec | undefined> = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.constant<AfterSpec>({ kind: "last" }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Tamper>(
      "flip",
      "truncate",
      "extra-key",
      "drop-key",
      "object-key",
      "number-id",
      "huge-string",
      "nan-text",
      "other-query",
      "swap-types",
    ).map((tamper): AfterSpec => ({ kind: "last", tamper })),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom<unknown>(
        "",
        "x",
        "====",
        "a".repeat(5000),
        5,
        null,
        {},
        "eyJxIjoiIiwiayI6W119",
      ),
      fc.string({ unit: "binary", maxLength: 20 }),
    ).map((value): AfterSpec => ({ kind: "given", value })),
  },
);

// ---- collection options ----

const SEARCH_FIELDS = ["t", "title", "tags", "o.x", "s", "missing", "n"];

const searchOptionArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      fields: fc.oneof(
        fc.uniqueArray(fc.constantFrom(...SEARCH_FIELDS), { minLength: 1, maxLength: 3 }),
        fc.uniqueArray(fc.constantFrom(...SEARCH_FIELDS), { minLength: 1, maxLength: 3 }).chain((
          fields,
        ) =>
          fc.tuple(...fields.map(() => fc.constantFrom(1, 2, 0.5, 10))).map((weights) =>
            Object.fromEntries(fields.map((field, i) => [field, weights[i]]))
          )
        ),
      ),
      tokenizer: fc.constantFrom("unicode61", "porter", "trigram"),
      removeDiacritics: fc.constantFrom(0, 1, 2),
      prefix: fc.constantFrom([], [2], [2, 3]),
    }, { requiredKeys: ["fields"] }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      {},
      { fields: [] },
      { fields: ["t", "t"] },
      { fields: ["t"], weights: [0] },
      { fields: ["t"], weights: [1, 2] },
      { fields: { t: NaN } },
      { fields: { t: Infinity } },
      { fields: ["t"], tokenizer: "bogus" },
      { fields: ["t"], tokenizer: "trigram", removeDiacritics: 2 },
      { fields: ["t"], tokenizer: "trigram", prefix: [2] },
      { fields: ["t"], prefix: [0] },
      { fields: ["t"], prefix: [17] },
      { fields: ["t"], extra: 1 },
      { fields: [""] },
      { fields: ["\uD800"] },
      { fields: Array.from({ length: 17 }, (_, i) => `f${i}`) },
      ownObject([["__proto__", 1]]),
      null,
      "t",
    ),
  },
);

const indexesArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(fc.oneof(pathArb, fc.array(pathArb, { minLength: 1, maxLength: 3 })), {
      maxLength: 3,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      "n",
      [[]],
      [5],
      Array.from({ length: 33 }, (_, i) => `p${i}`),
      [Array.from({ length: 9 }, (_, i) => `p${i}`)],
      null,
    ),
  },
);

/** Collection options: indexes and search, valid and not. */
export const collectionOptionsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constant({}) },
  {
    weight: 8,
    arbitrary: fc.record({ indexes: indexesArb, search: searchOptionArb }, { requiredKeys: [] }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(null, 5, [], { bogus: 1 }, ownObject([["__proto__", {}]])),
  },
);

// ---- search ----

const SEARCH_TOKENS = [
  ...WORDS,
  "fox",
  "quick",
  "run*",
  "data*",
  '"quick brown"',
  '"fox',
  "-dog",
  "NOT",
  "OR",
  "AND",
  "(",
  ")",
  "t:fox",
  "title:data*",
  'title:"brown fox"',
  "xyz:fox",
  "c0:fox",
  '"',
  "*",
  "-",
  "^",
  "{",
  "}",
  "+",
  ":",
  "NEAR(fox dog)",
  "\u0000",
  "\uD800",
  "\t",
  "é*",
];

/** What a user types in a search box. */
export const searchTextArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.array(fc.constantFrom(...SEARCH_TOKENS), { maxLength: 6 }).map((t) =>
      t.join(" ")
    ),
  },
  {
    weight: 2,
    arbitrary: fc.array(fc.constantFrom(...SEARCH_TOKENS), { maxLength: 6 }).map((t) => t.join("")),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      "",
      "x".repeat(1024),
      "x".repeat(1025),
      Array.from({ length: 32 }, (_, i) => `w${i}`).join(" "),
      Array.from({ length: 33 }, (_, i) => `w${i}`).join(" "),
      `${"(".repeat(9)}fox${")".repeat(9)}`,
      `${"(".repeat(500)}fox`,
      "fox ".repeat(100_000),
      5,
      null,
      undefined,
    ),
  },
);

const RAW_TOKENS = [
  "fox",
  "dog",
  "quick",
  '"quick brown"',
  "fox*",
  "^fox",
  "c0:fox",
  "c1:fox",
  "c9:fox",
  "{c0 c1}:fox",
  "- c0:fox",
  "NEAR(fox dog)",
  "NEAR(fox dog, 2)",
  "AND",
  "OR",
  "NOT",
  "(",
  ")",
  '"',
  "*",
  'fox"',
  ":",
  "+",
  "NEAR(",
  "\u0000",
  "中文",
  "é",
];

/** Raw FTS5 queries, valid and not. */
export const rawTextArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.array(fc.constantFrom(...RAW_TOKENS), { maxLength: 5 }).map((t) => t.join(" ")),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>("", " ", "x".repeat(1025), 5, null) },
);

const highlightArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.boolean() },
  {
    weight: 2,
    arbitrary: fc.record({
      open: fc.constantFrom("[", "<b>", "", "\u0000"),
      close: fc.constantFrom("]", "</b>", ""),
      snippetTokens: fc.constantFrom(1, 3, 24),
      escapeHtml: fc.boolean(),
    }, { requiredKeys: [] }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      null,
      "yes",
      { open: 5 },
      { snippetTokens: 0 },
      { snippetTokens: 1e9 },
      { snippetTokens: 1.5 },
      { escapeHtml: "no" },
      { bogus: 1 },
      { open: "x".repeat(1000) },
    ),
  },
);

const facetsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc.uniqueArray(fc.oneof(pathArb, fc.constantFrom(...META_FIELDS)), { maxLength: 3 }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      ["s", "s"],
      [5],
      "s",
      Array.from({ length: 9 }, (_, i) => `f${i}`),
      ["$bogus"],
    ),
  },
);

/** The options of `search`, with the raw flag deciding which text generator to use. */
export const searchArb: fc.Arbitrary<{ text: unknown; options: unknown }> = fc.boolean().chain((
  raw,
) =>
  fc.tuple(
    raw ? rawTextArb : searchTextArb,
    fc.oneof(
      {
        weight: 12,
        arbitrary: fc.record({
          filter: filterArb,
          limit: limitArb,
          after: afterArb,
          highlight: raw ? fc.constant(undefined) : highlightArb,
          fields: fieldsArb,
          facets: facetsArb,
          raw: fc.constant(raw),
        }, { requiredKeys: ["raw"] }),
      },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 5, "raw", { raw: "yes" }) },
    ),
  ).map(([text, options]) => ({ text, options }))
);

// ---- NDJSON ----

const TIMES = [
  "2024-01-01T00:00:00.000Z",
  "2025-02-03T04:05:06.789Z",
  "2024-13-01T00:00:00.000Z",
  "2024-01-01T00:00:00Z",
  "2024-02-30T00:00:00.000Z",
  "not a time",
];

/** An import record as an object (what a record iterable yields, or a line holds). */
export const recordArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      collection: collectionNameArb,
      id: idArb,
      doc: docArb,
      rev: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, "1", 2 ** 53, NaN, null) },
      ),
      createdAt: fc.constantFrom(...TIMES),
      updatedAt: fc.constantFrom(...TIMES),
    }, { requiredKeys: ["collection", "id", "doc"] }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(null, 5, "x", [], {}, { collection: "a" }, {
      id: "a",
      doc: {},
    }),
  },
);

const headerArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(fc.constantFrom("a", "b", "A", "1x"), collectionOptionsArb, { maxKeys: 2 }).map((
    collections,
  ) => ({
    format: "quire-export",
    version: 1,
    exportedAt: TIMES[0],
    collections,
  })),
  fc.constantFrom<unknown>(
    { format: "quire-export", version: 2, collections: {} },
    { format: "quire-export", version: 1, collections: [] },
    { format: "quire-export", version: 1 },
    { format: "quire-export" },
  ),
);

/** One NDJSON line: a record, a header, blank, not JSON, or 1 MB long. */
export const lineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: recordArb.map(safeStringify) },
  { weight: 1, arbitrary: headerArb.map(safeStringify) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "   ",
      "\t",
      "{",
      "nul",
      "[1,2]",
      '"str"',
      "1",
      "\uFEFF{}",
      '{"collection":"a","id":"bom","doc":{}}\uFEFF',
      '{"collection":"a","id":"dup","id":"dup2","doc":{}}',
      '{"collection":"a","id":"p","doc":{"__proto__":{"x":1}}}',
      '{"collection":"a","id":"s","doc":{"s":"\\ud800"}}',
      '{"collection":"a","id":"z","doc":{"s":"\\u0000"}}',
      '{"collection":"a","id":"big","doc":{"n":9007199254740993}}',
      '{"collection":"a","id":"e","doc":{"n":1e999}}',
      `{"collection":"a","id":"deep","doc":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
      "\u0000",
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 10 }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom("x", "é"), fc.integer({ min: -4, max: 4 })).map((
      [char, delta],
    ) =>
      JSON.stringify({
        collection: "a",
        id: `huge-${char}${delta}`,
        doc: { h: hugeString(char, delta) },
      })
    ),
  },
);

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "undefined";
  } catch {
    return "{}";
  }
}

const INVALID_UTF8 = [
  [0xff],
  [0xc0, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80], // an encoded surrogate
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0xef, 0xbb, 0xbf], // a BOM in the middle
  [0x00],
  [0x0d],
];

/** An import: lines, how they are joined, and what form the source takes. */
export const importArb: fc.Arbitrary<ImportSpec> = fc.record({
  lines: fc.array(lineArb, { maxLength: 6 }),
  eol: fc.constantFrom<ImportSpec["eol"]>("\n", "\n", "\r\n", "\r"),
  finalEol: fc.boolean(),
  bom: fc.boolean(),
  form: fc.constantFrom<ImportSpec["form"]>(
    "string",
    "bytes",
    "byte-chunks",
    "stream",
    "text-chunks",
    "records",
    "async",
  ),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
  splice: fc.option(
    fc.record({
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      bytes: fc.constantFrom(...INVALID_UTF8),
    }),
    { nil: undefined, freq: 4 },
  ),
  records: fc.array(
    fc.oneof({ weight: 6, arbitrary: recordArb }, { weight: 1, arbitrary: lineArb }),
    {
      maxLength: 5,
    },
  ),
}, { requiredKeys: ["lines", "eol", "finalEol", "bom", "form", "cuts", "records"] });

/** Options of `import`. */
export const importOptionsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc.record({
      onConflict: fc.constantFrom("skip", "replace"),
      batchSize: fc.constantFrom(1, 2, 1000),
    }, { requiredKeys: [] }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      null,
      5,
      { onConflict: "bogus" },
      { batchSize: 0 },
      { batchSize: 1.5 },
      { batchSize: "2" },
      { onProgress: "not a function" },
      { onProgress: 5 },
    ),
  },
);

/** The bytes of an import spec (text forms use the same text, decoded). */
export function importBytes(spec: ImportSpec): Uint8Array {
  let text = spec.lines.join(spec.eol);
  if (spec.finalEol && spec.lines.length > 0) text += spec.eol;
  let bytes: Uint8Array = new TextEncoder().encode(text);
  if (spec.bom) bytes = concat([new Uint8Array([0xef, 0xbb, 0xbf]), bytes]);
  if (spec.splice !== undefined) {
    const at = Math.floor(spec.splice.at * bytes.length);
    bytes = concat([bytes.subarray(0, at), new Uint8Array(spec.splice.bytes), bytes.subarray(at)]);
  }
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Cuts `length` units at the spec's fractions: the chunk boundaries. */
export function cutPoints(spec: ImportSpec, length: number): number[] {
  return [...new Set(spec.cuts.map((c) => Math.floor(c * length)))].sort((a, b) => a - b);
}
