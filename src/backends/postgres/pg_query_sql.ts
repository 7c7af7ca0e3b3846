/**
 * The Postgres back end of the filter language: compiles a filter AST (src/query/ast.ts), sort
 * keys, a keyset cursor and a limit into Postgres SQL over a document table (`id text COLLATE
 * "C", rev integer, created_at text, updated_at text, data json, doc jsonb`; see pg_schema.ts),
 * with the semantics written in src/query/ast.ts, the ones src/backends/sqlite/to_sql.ts gives
 * SQLite. Filters and sorts read `doc` (jsonb, which indexes serve); only the JSON text of an
 * array or object sort value is read from `data` (json, the document's text as written).
 *
 * What makes injection impossible: every value is a bound parameter (`$n`, appended only by
 * `SqlBuilder.bind`; numbers and JSON go in as text and are cast in SQL, so both drivers bind
 * them alike); a JSON path is only ever written by {@linkcode pgTextLiteral}, one literal per
 * key (plain `'…'` for printable ASCII without `'` and `\`, otherwise `E'…'` with every other
 * character escaped as `\uXXXX`, so the SQL text holds no quote, backslash or non-ASCII
 * character of the user's, whatever `standard_conforming_strings` says); an array index is
 * written as a checked whole number; operators, type names, sort directions and metadata
 * columns come from the allow-lists below; the table name must match a strict pattern. Paths
 * are literals rather than parameters so that an expression index on a path (created with the
 * same text by {@linkcode pgIndexExpressions}) matches the query in a generic plan too. The
 * same shape of query (node kinds, paths, operators, value types) gives the same SQL text, so
 * the drivers' prepared statements are reused.
 *
 * How each point of the semantics is compiled, for a path read as `P` (a jsonb value, SQL NULL
 * where missing) and `T` (its text, for a string its characters). A key is `-> 'key'` (which
 * reads objects only); an index is `jsonb_path_query_first(X, 'strict $[0]', '{}', true)`,
 * which reads arrays only (`X -> 0` would read a scalar as an array of itself: `'"ab"'::jsonb
 * -> 0` is `"ab"`), as src/query/path.ts demands. `T` ends in `->> 'key'` or `#>> '{}'`.
 * A path also has four sort expressions, none ever NULL (see Sorting below): `R` (its rank),
 * `N` (its number), `H` (the first 200 characters of its text, in "C") and `F` (its whole
 * text, in "C"). An index on a path holds `R, N, H` (pgIndexExpressions): bounded (a btree
 * entry holds at most about 2.7 kB; a whole long string, array or object would make its
 * document's write fail) and in sort order, so one index serves filters, sorts and cursors.
 * Each comparison is its exact test first (one read of the value, which rejects most rows at
 * once), then `R, N, H` as far as the exact test implies them, so that an index narrows the scan
 * (and a composite index on several paths is searched on all its columns).
 * - Type strictness: `jsonb_typeof(P)` ('number', 'string', 'boolean', 'null', 'array',
 *   'object'). Equality is jsonb equality, `P = $1::text::jsonb` with the value's JSON text:
 *   jsonb compares a number only with numbers (by value: 1 = 1.0), a string only with strings
 *   (byte for byte), `true` only with `true`, `null` with `null`, so no type test is needed;
 *   then `R = 1 AND N = $2::text::numeric AND H = ''` for a number, `R = 2 AND N = 0 AND H =
 *   $2` for a string ($2 its first 200 characters). `in` is the same with `= ANY(ARRAY(SELECT
 *   jsonb_array_elements($1)))`, each list as one JSON array parameter, however long.
 * - Number ranges: `P > $1::text::jsonb AND jsonb_typeof(P) = 'number'`, then `R = 1 AND N >
 *   $2 AND H = ''`: jsonb and numeric order numbers by value, and every stored number is the
 *   shortest text of a double (as is the bound value), so this is the order of doubles, 1e21
 *   and 5e-324 included; the type test drops what jsonb orders above numbers (booleans...).
 * - String ranges: `(T COLLATE "C") > $1 AND jsonb_typeof(P) = 'string'`, then `R = 2 AND N = 0
 *   AND H >= $2`: "C" compares UTF-8 bytes, which is code point order.
 * - `startsWith`: the range `[prefix, successor(prefix))` on `T COLLATE "C"`, which in code
 *   point order holds exactly the strings with that prefix, and the type test; then the same
 *   range on `H` for the prefix's first 200 characters.
 * - `like`: `translate(T, 'A…Z', 'a…z') COLLATE "C" LIKE $1 ESCAPE ''` with the pattern's A–Z
 *   lowered in JS: only ASCII letters fold (ILIKE would fold É, ß and the rest too), `_` is one
 *   character (a code point), and there is no escape character (Postgres's default is `\`).
 * - `contains`: `jsonb_typeof(P) = 'array' AND P @> $1::text::jsonb` with `[value]`: jsonb
 *   containment of a one-scalar array asks for a top-level element equal to it (jsonb
 *   equality, so type-strict).
 * - `exists`: `P IS NOT NULL` (a stored `null` is jsonb 'null', not SQL NULL).
 * - `not(x)`: `NOT coalesce(x, false)` (a leaf on a missing path is SQL NULL); `and` / `or` of
 *   no terms are `true` / `false`.
 * - Metadata: `id` (already "C"), `rev` (compared as numeric, so `$rev = 1.5` matches nothing),
 *   `created_at` / `updated_at` with `COLLATE "C"`; a value of the wrong type is `false`.
 *
 * Sorting: SQLite orders by `json_extract`'s value: NULL (missing or null), then numbers and
 * booleans together (false = 0, true = 1), then text by code point, where an array or object
 * counts as its JSON text. Here a path key sorts by `R` (0 for missing and null, 1 for numbers
 * and booleans, 2 for strings, arrays and objects), `N` (the number, or 0 / 1 for a boolean;
 * else 0), `H` and `F` (the string, or the JSON text of an array or object as `data` holds it,
 * which is the compact text `json_extract` gives and a cursor holds; else ''), each descending
 * for a descending key; ties by id. Ordering by `H` and then `F` is ordering by `F`; `H` is
 * there for the index, which Postgres reads in order and finishes with an incremental sort.
 * A keyset cursor compares with the same expressions (a cursor value's type gives its rank),
 * spelled out rank first (the planner estimates a row comparison by its first column alone),
 * with a row comparison `(R, N, H) >= (…)` on the first key in front, which an index seeks to.

 * Differences from SQLite: jsonb cannot hold U+0000, so `doc` has U+FFFD in its place
 * (pg_schema.ts): a string holding NUL compares and sorts as if it held U+FFFD there (SQLite's
 * LIKE stops at the NUL); a cursor's string is read the same way, so paging stays exact. An
 * array or object sorts by `data`'s text, which is its compact JSON text when the document was
 * written by quire (JSON.stringify), as on SQLite; but in a document holding U+0000 anywhere
 * (json's operators refuse to read it) by its jsonb text (`[1, "x"]`: `", "` and `": "`, keys
 * by length then bytes, numbers in full), which may order it differently and which a cursor
 * does not hold, so paging through such sort values may skip or repeat them.
 *
 * @module
 */

import { QuireError, quote } from "../../errors.ts";
import type { Field, Filter, FilterKind, MetaName, Scalar, SortKey } from "../../query/ast.ts";
import { type PathSegment, pathSegmentProblem } from "../../query/path.ts";
import { prefixSuccessor } from "../../query/prefix_successor.ts";
import {
  checkFilterValue,
  checkStringOperand,
  type SelectRequest,
  SQL_DIRECTIONS,
  sqlOperator,
} from "../../query/sql_value.ts";

/** A bound parameter (what the Postgres drivers take). */
export type PgSqlParam = null | boolean | number | string;

/** SQL text and its parameters, in order (`$1` is the first). */
export interface PgSqlFragment {
  /** The SQL text, with `$1`, `$2`... placeholders. */
  readonly sql: string;
  /** The values of the placeholders, in order. */
  readonly params: readonly PgSqlParam[];
}

interface MetaColumn {
  readonly kind: "column";
  /** The column as an expression that compares in code point order. */
  readonly column: string;
  readonly type: "string" | "number";
}

/** Metadata fields: their column (in "C" order) and the JSON type of their values. */
const META_COLUMNS: Readonly<Record<MetaName, MetaColumn>> = Object.freeze({
  id: { kind: "column", column: "id", type: "string" },
  rev: { kind: "column", column: "rev", type: "number" },
  createdAt: { kind: "column", column: `(created_at COLLATE "C")`, type: "string" },
  updatedAt: { kind: "column", column: `(updated_at COLLATE "C")`, type: "string" },
});

/** `jsonb_typeof` names. */
const JSON_TYPES = Object.freeze({
  number: "'number'",
  string: "'string'",
  array: "'array'",
});

/** The columns a select returns, in this order (`data` as its JSON text). */
export const PG_SELECT_COLUMNS = "id, rev, created_at, updated_at, data::text AS data";

/**
 * How many characters of a string an index holds: a btree entry holds at most about 2.7 kB,
 * and a whole long string (or array, or object) would make its document's write fail.
 */
export const INDEXED_CHARACTERS = 200;

const TRUE = "true";
const FALSE = "false";
const UPPER = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'";
const LOWER = "'abcdefghijklmnopqrstuvwxyz'";

/** A table: a name, optionally after a schema, each plain or double-quoted. */
const TABLE_NAME =
  /^(?:(?:[A-Za-z_][A-Za-z0-9_]{0,62}|"[A-Za-z_][A-Za-z0-9_]{0,62}")\.)?(?:[A-Za-z_][A-Za-z0-9_]{0,62}|"[A-Za-z_][A-Za-z0-9_]{0,62}")$/;

interface JsonTarget {
  readonly kind: "json";
  /** `doc -> 'a' -> …`: the jsonb value, SQL NULL where missing. */
  readonly value: string;
  /** `doc -> 'a' ->> …`: its text (a string's characters). */
  readonly text: string;
  /** `jsonb_typeof(value)`. */
  readonly type: string;
  /** Sort key 1: 0 missing or null, 1 number or boolean, 2 string, array or object. */
  readonly rank: string;
  /** Sort key 2: the number (a boolean as 0 or 1), else 0. */
  readonly num: string;
  /** Sort key 3: the first {@linkcode INDEXED_CHARACTERS} characters of `full`, in "C". */
  readonly head: string;
  /** Sort key 4: the string, or an array's or object's JSON text, else '', in "C". */
  readonly full: string;
}

type Target = MetaColumn | JsonTarget;

/** Collects parameters; the only way a value gets into SQL. */
class SqlBuilder {
  readonly params: PgSqlParam[] = [];

  /** Binds `value` and returns its placeholder. */
  bind(value: PgSqlParam): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Binds a scalar as JSON text and returns SQL reading it as jsonb. */
  bindJson(value: unknown): string {
    return `${this.bind(JSON.stringify(value))}::text::jsonb`;
  }

  /** Binds a finite number (as its shortest text) and returns SQL reading it as numeric. */
  bindNumeric(value: number): string {
    return `${this.bind(String(value))}::text::numeric`;
  }

  fragment(sql: string): PgSqlFragment {
    return Object.freeze({ sql, params: Object.freeze([...this.params]) });
  }
}

// ---- entry points ----

/**
 * Compiles a filter into a Postgres boolean expression over the document table's columns.
 *
 * @param filter The filter AST.
 * @returns A frozen `{ sql, params }` (`$1` is the first parameter).
 * @throws {QuireError} `INVALID_FILTER` for a node, field or value the semantics do not cover.
 *
 * @example
 * ```ts
 * import { compare, pathField } from "../../query/ast.ts";
 * import { pgFilterSql } from "./pg_query_sql.ts";
 * const { sql, params } = pgFilterSql(compare("gte", pathField(["year"]), 2000));
 * // sql: `((doc -> 'year') >= $1::text::jsonb AND jsonb_typeof((doc -> 'year')) = 'number')`
 * // params: ["2000"]
 * ```
 */
export function pgFilterSql(filter: Filter): PgSqlFragment {
  const builder = new SqlBuilder();
  return builder.fragment(compileFilter(filter, builder));
}

/**
 * A whole `SELECT` of documents: filter, keyset cursor, order and limit.
 *
 * @param table The document table (`"schema"."quire_docs_1"`; letters, digits and `_`).
 * @param request The filter, sort, optional cursor values and optional limit.
 * @returns A frozen `{ sql, params }` selecting {@linkcode PG_SELECT_COLUMNS}.
 * @throws {QuireError} `INVALID_FILTER` for an invalid filter, sort or cursor; `INVALID_OPTION`
 *   for an invalid table name or limit.
 */
export function pgSelectSql(table: string, request: SelectRequest): PgSqlFragment {
  checkTable(table);
  const { filter, sort, after, limit } = request;
  const builder = new SqlBuilder();
  let sql = `SELECT ${PG_SELECT_COLUMNS} FROM ${table}`;
  const conditions: string[] = [];
  const where = compileFilter(filter, builder);
  if (where !== TRUE) conditions.push(where);
  const keys = sortTerms(sort);
  if (after !== undefined) conditions.push(compileKeyset(sort, after, builder));
  if (conditions.length > 0) sql += ` WHERE ${conditions.join(" AND ")}`;
  sql += ` ORDER BY ${keys}`;
  if (limit !== undefined) {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new QuireError(
        "INVALID_OPTION",
        `Invalid limit ${quote(limit)}: expected a whole number ≥ 0`,
      );
    }
    sql += ` LIMIT ${builder.bind(limit)}`;
  }
  return builder.fragment(sql);
}

/**
 * `SELECT count(*) AS n` of the documents a filter matches.
 *
 * @throws {QuireError} as {@linkcode pgSelectSql}.
 */
export function pgCountSql(table: string, filter: Filter): PgSqlFragment {
  checkTable(table);
  const builder = new SqlBuilder();
  const where = compileFilter(filter, builder);
  const sql = `SELECT count(*) AS n FROM ${table}` + (where === TRUE ? "" : ` WHERE ${where}`);
  return builder.fragment(sql);
}

/**
 * `DELETE` of the documents a filter matches.
 *
 * @throws {QuireError} as {@linkcode pgSelectSql}.
 */
export function pgDeleteSql(table: string, filter: Filter): PgSqlFragment {
  checkTable(table);
  const builder = new SqlBuilder();
  const where = compileFilter(filter, builder);
  return builder.fragment(`DELETE FROM ${table}` + (where === TRUE ? "" : ` WHERE ${where}`));
}

/**
 * The `ORDER BY` list for sort keys (without the keywords), ending with `id ASC`.
 *
 * @example
 * ```ts
 * import { metaField, sortKey } from "../../query/ast.ts";
 * import { pgOrderBySql } from "./pg_query_sql.ts";
 * pgOrderBySql([sortKey(metaField("rev"), true)]); // "rev DESC, id ASC"
 * ```
 */
export function pgOrderBySql(sort: readonly SortKey[]): string {
  return sortTerms(sort);
}

/**
 * The expression index for one entry of a collection's `indexes` option, as a list of one list
 * of expressions, which are the compiled filters' and sorts' own (see the module's notes): `R,
 * N, H` of its path, or of each path in turn for a composite list. Bounded, so no document is
 * too big for it; in sort order, so it serves equality, ranges, `in`, `startsWith`, sorts and
 * cursors.
 *
 * @param paths The parsed paths (one, or a composite list).
 * @returns The expressions of each index to create.
 * @throws {QuireError} `INVALID_OPTION` for an invalid path.
 *
 * @example
 * ```ts
 * import { pgIndexExpressions } from "./pg_query_sql.ts";
 * pgIndexExpressions([["year"]])[0]!.length; // 3: rank, number, text
 * ```
 */
export function pgIndexExpressions(paths: readonly (readonly PathSegment[])[]): string[][] {
  const targets = paths.map((segments) => {
    try {
      return jsonTarget(segments);
    } catch (error) {
      throw new QuireError("INVALID_OPTION", (error as Error).message);
    }
  });
  return [targets.flatMap((target) => [target.rank, target.num, target.head])];
}

/**
 * A text as a Postgres string literal that reads the same under any setting of
 * `standard_conforming_strings`: `'…'` when it is printable ASCII without `'` or `\`, else
 * `E'…'` with those two escaped and every other character written as `\uXXXX` or
 * `\UXXXXXXXX`. The text must be well-formed and hold no NUL.
 *
 * @throws {QuireError} `INVALID_FILTER` for a NUL or a lone surrogate.
 *
 * @example
 * ```ts
 * import { pgTextLiteral } from "./pg_query_sql.ts";
 * pgTextLiteral("year"); // "'year'"
 * pgTextLiteral("it's é"); // "E'it\\'s \\u00e9'"
 * ```
 */
export function pgTextLiteral(text: string): string {
  if (text.includes("\0") || !text.isWellFormed()) {
    throw new QuireError("INVALID_FILTER", `Cannot write ${quote(text)} as SQL text`);
  }
  if (/^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/.test(text)) return `'${text}'`;
  let out = "E'";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "'" || char === "\\") out += `\\${char}`;
    else if (code >= 0x20 && code <= 0x7e) out += char;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `${out}'`;
}

function checkTable(table: string): void {
  if (typeof table !== "string" || !TABLE_NAME.test(table)) {
    throw new QuireError("INVALID_OPTION", `Invalid table name ${quote(table)}`);
  }
}

// ---- filters ----

type NodeOf<K extends FilterKind> = Extract<Filter, { kind: K }>;
type NodeCompiler<K extends FilterKind> = (node: NodeOf<K>, builder: SqlBuilder) => string;

/** One compiler per node kind: a new kind fails to type-check until it is handled here. */
const NODE_COMPILERS: { readonly [K in FilterKind]: NodeCompiler<K> } = Object.freeze({
  and: (node, builder) => junction(node.terms, "AND", TRUE, builder),
  or: (node, builder) => junction(node.terms, "OR", FALSE, builder),
  not: (node, builder) => `NOT coalesce(${compileFilter(node.term, builder)}, false)`,
  compare: compileCompare,
  in: compileIn,
  exists: (node) => {
    const target = targetOf(node.field);
    return target.kind === "column" ? TRUE : `${target.value} IS NOT NULL`;
  },
  contains: compileContains,
  startsWith: compileStartsWith,
  like: compileLike,
});

function compileFilter(filter: Filter, builder: SqlBuilder): string {
  const kind = (filter as { kind?: unknown } | null)?.kind;
  if (typeof kind !== "string" || !Object.hasOwn(NODE_COMPILERS, kind)) {
    throw new QuireError("INVALID_FILTER", `Cannot compile filter: unknown node ${quote(kind)}`);
  }
  return (NODE_COMPILERS[kind as FilterKind] as NodeCompiler<FilterKind>)(filter, builder);
}

function junction(
  terms: readonly Filter[],
  operator: "AND" | "OR",
  empty: string,
  builder: SqlBuilder,
): string {
  if (!Array.isArray(terms)) {
    throw new QuireError("INVALID_FILTER", "Cannot compile filter: expected a list of terms");
  }
  if (terms.length === 0) return empty;
  const compiled = terms.map((term) => compileFilter(term, builder));
  return compiled.length === 1 ? compiled[0]! : `(${compiled.join(` ${operator} `)})`;
}

function compileCompare(node: NodeOf<"compare">, builder: SqlBuilder): string {
  const operator = sqlOperator(node.op);
  const target = targetOf(node.field);
  const value = node.value;
  checkFilterValue(value);
  if (target.kind === "column") {
    if (scalarType(value) !== target.type) return FALSE;
    return target.type === "number"
      ? `${target.column} ${operator} ${builder.bindNumeric(value as number)}`
      : `${target.column} ${operator} ${builder.bind(value as string)}`;
  }
  // The exact test first (one read of the value: it rejects most rows at once), then the sort
  // expressions it implies, which an index on the path can use.
  const { rank, num, head } = target;
  if (typeof value === "string") {
    if (node.op === "eq") {
      return `(${target.value} = ${
        builder.bindJson(value)
      } AND ${rank} = 2 AND ${num} = 0 AND ${head} = ${builder.bind(indexedPrefix(value))})`;
    }
    const loose = node.op === "gt" || node.op === "gte" ? ">=" : "<=";
    return `((${target.text} COLLATE "C") ${operator} ${
      builder.bind(value)
    } AND ${target.type} = ${JSON_TYPES.string} AND ${rank} = 2 AND ${num} = 0 AND ${head} ${loose} ${
      builder.bind(indexedPrefix(value))
    })`;
  }
  if (typeof value === "number") {
    const exact = node.op === "eq"
      ? `${target.value} = ${builder.bindJson(value)}`
      : `${target.value} ${operator} ${
        builder.bindJson(value)
      } AND ${target.type} = ${JSON_TYPES.number}`;
    return `(${exact} AND ${rank} = 1 AND ${num} ${operator} ${
      builder.bindNumeric(value)
    } AND ${head} = '')`;
  }
  // true, false and null only match themselves; they have no order.
  if (node.op !== "eq") return FALSE;
  const [r, n] = value === null ? [0, 0] : [1, value ? 1 : 0];
  return `(${target.value} = ${
    builder.bindJson(value)
  } AND ${rank} = ${r} AND ${num} = ${n} AND ${head} = '')`;
}

function compileIn(node: NodeOf<"in">, builder: SqlBuilder): string {
  const target = targetOf(node.field);
  if (!Array.isArray(node.values)) {
    throw new QuireError("INVALID_FILTER", "Cannot compile filter: expected a list of values");
  }
  for (const value of node.values) checkFilterValue(value);
  if (target.kind === "column") {
    const values = node.values.filter((value) => scalarType(value) === target.type);
    if (values.length === 0) return FALSE;
    const list = builder.bind(JSON.stringify(values));
    return target.type === "number"
      ? `${target.column} = ANY(ARRAY(SELECT e::numeric FROM jsonb_array_elements(${list}::text::jsonb) AS e))`
      : `${target.column} = ANY(ARRAY(SELECT jsonb_array_elements_text(${list}::text::jsonb)))`;
  }
  const numbers = node.values.filter((value): value is number => typeof value === "number");
  const strings = node.values.filter((value): value is string => typeof value === "string");
  const others = node.values.filter((value) =>
    typeof value !== "number" && typeof value !== "string"
  );
  const { rank, num, head } = target;
  const terms: string[] = [];
  const anyOf = (list: string) => `ANY(ARRAY(SELECT jsonb_array_elements(${list}::text::jsonb)))`;
  if (numbers.length > 0) {
    const exact = `${target.value} = ${anyOf(builder.bind(JSON.stringify(numbers)))}`;
    const list = builder.bind(JSON.stringify(numbers));
    terms.push(
      `(${exact} AND ${rank} = 1 AND ${num} = ANY(ARRAY(SELECT e::numeric FROM jsonb_array_elements(${list}::text::jsonb) AS e)) AND ${head} = '')`,
    );
  }
  if (strings.length > 0) {
    const exact = `${target.value} = ${anyOf(builder.bind(JSON.stringify(strings)))}`;
    const heads = builder.bind(JSON.stringify(strings.map(indexedPrefix)));
    terms.push(
      `(${exact} AND ${rank} = 2 AND ${num} = 0 AND ${head} = ANY(ARRAY(SELECT jsonb_array_elements_text(${heads}::text::jsonb))))`,
    );
  }
  if (others.length > 0) {
    // true, false, null: by jsonb equality (type-strict).
    terms.push(
      `(${target.value} = ${anyOf(builder.bind(JSON.stringify(others)))} AND ${rank} < 2)`,
    );
  }
  if (terms.length === 0) return FALSE;
  return terms.length === 1 ? terms[0]! : `(${terms.join(" OR ")})`;
}

/** The part of a string an index holds: its first {@linkcode INDEXED_CHARACTERS} code points. */
function indexedPrefix(text: string): string {
  if (text.length <= INDEXED_CHARACTERS) return text;
  let end = 0;
  for (let n = 0; n < INDEXED_CHARACTERS && end < text.length; n++) {
    end += text.codePointAt(end)! > 0xffff ? 2 : 1;
  }
  return text.slice(0, end);
}

function compileContains(node: NodeOf<"contains">, builder: SqlBuilder): string {
  const target = targetOf(node.field);
  const value = node.value;
  checkFilterValue(value);
  if (target.kind === "column") return FALSE;
  return `(${target.type} = ${JSON_TYPES.array} AND ${target.value} @> ${
    builder.bindJson([value])
  })`;
}

function compileStartsWith(node: NodeOf<"startsWith">, builder: SqlBuilder): string {
  const target = targetOf(node.field);
  const prefix = node.prefix;
  checkStringOperand(prefix, "prefix");
  if (target.kind === "column" && target.type !== "string") return FALSE;
  // In code point order ("C"), exactly the strings with the prefix lie in
  // [prefix, successor(prefix)).
  const range = (text: string, from: string) => {
    const terms = [`${text} >= ${builder.bind(from)}`];
    const upper = prefixSuccessor(from);
    if (upper !== undefined) terms.push(`${text} < ${builder.bind(upper)}`);
    return terms;
  };
  if (target.kind === "column") {
    if (prefix === "") return TRUE;
    const terms = range(target.column, prefix);
    return terms.length === 1 ? terms[0]! : `(${terms.join(" AND ")})`;
  }
  if (prefix === "") return `${target.type} = ${JSON_TYPES.string}`;
  // The exact test first, then the sort expressions it implies (an index on them narrows).
  const terms = [
    ...range(`(${target.text} COLLATE "C")`, prefix),
    `${target.type} = ${JSON_TYPES.string}`,
    `${target.rank} = 2`,
    `${target.num} = 0`,
    ...range(target.head, indexedPrefix(prefix)),
  ];
  return `(${terms.join(" AND ")})`;
}

function compileLike(node: NodeOf<"like">, builder: SqlBuilder): string {
  const target = targetOf(node.field);
  checkStringOperand(node.pattern, "pattern");
  if (target.kind === "column" && target.type !== "string") return FALSE;
  const pattern = builder.bind(node.pattern.replace(/[A-Z]+/g, (s) => s.toLowerCase()));
  const text = target.kind === "column" ? target.column : target.text;
  const like = `(translate(${text}, ${UPPER}, ${LOWER}) COLLATE "C") LIKE ${pattern} ESCAPE ''`;
  return target.kind === "column" ? like : `(${like} AND ${target.type} = ${JSON_TYPES.string})`;
}

// ---- fields ----

/** Targets of path fields already checked: the parsers reuse one field object per path. */
const PATH_TARGETS = new WeakMap<Field, Target>();

function targetOf(field: Field): Target {
  const known = PATH_TARGETS.get(field);
  if (known !== undefined) return known;
  if (field?.kind === "meta") {
    if (Object.hasOwn(META_COLUMNS, field.name)) return META_COLUMNS[field.name];
    throw new QuireError("INVALID_FILTER", `Unknown field ${quote(`$${field.name}`)}`);
  }
  if (field?.kind === "path" && Array.isArray(field.segments)) {
    const target = jsonTarget(field.segments);
    if (Object.isFrozen(field) && Object.isFrozen(field.segments)) PATH_TARGETS.set(field, target);
    return target;
  }
  throw new QuireError("INVALID_FILTER", `Invalid field ${quote(JSON.stringify(field))}`);
}

function jsonTarget(segments: readonly PathSegment[]): JsonTarget {
  if (segments.length === 0) {
    throw new QuireError("INVALID_FILTER", "Invalid path: it has no segments");
  }
  let value = "doc";
  let text = "";
  let json = "data";
  for (const segment of segments) {
    const problem = pathSegmentProblem(segment);
    if (problem !== undefined) {
      throw new QuireError("INVALID_FILTER", `Invalid path segment ${quote(segment)}: ${problem}`);
    }
    if (typeof segment === "number") {
      // `-> n` would read a scalar as an array of itself ('"ab"'::jsonb -> 0 is "ab"): a strict
      // jsonpath reads arrays only (anything else is an error, which `silent` makes nothing).
      // An index beyond int4 finds nothing (no array is that long).
      const read = segment > 0x7fffffff
        ? "NULL::jsonb"
        : `jsonb_path_query_first(${value}, 'strict $[${segment}]', '{}', true)`;
      text = `(${read} #>> '{}')`;
      value = `(${read})`;
      // Read only where `value` is an array or object, so every step was of the right kind.
      json = segment > 0x7fffffff ? "NULL::json" : `(${json} -> ${segment})`;
    } else {
      // `-> 'key'` reads objects only.
      const key = pgTextLiteral(segment);
      text = `(${value} ->> ${key})`;
      value = `(${value} -> ${key})`;
      json = `(${json} -> ${key})`;
    }
  }
  const type = `jsonb_typeof(${value})`;
  // json's operators refuse a text holding the escape \u0000 (anywhere): then jsonb's text.
  const container = `(CASE WHEN strpos(data::text, E'\\\\u0000') = 0 THEN ${json}::text ` +
    `ELSE (${value})::text END)`;
  const full = `coalesce(CASE ${type} WHEN 'string' THEN ${text} WHEN 'array' THEN ${container} ` +
    `WHEN 'object' THEN ${container} END, '')`;
  return {
    kind: "json",
    value,
    text,
    type,
    rank: `(CASE ${type} WHEN 'number' THEN 1 WHEN 'boolean' THEN 1 WHEN 'string' THEN 2 ` +
      `WHEN 'array' THEN 2 WHEN 'object' THEN 2 ELSE 0 END)`,
    num: `coalesce(CASE ${type} WHEN 'number' THEN (${value})::numeric ` +
      `WHEN 'boolean' THEN (CASE WHEN (${value})::boolean THEN 1 ELSE 0 END) END, 0)`,
    head: `(left(${full}, ${INDEXED_CHARACTERS}) COLLATE "C")`,
    full: `(${full} COLLATE "C")`,
  };
}

function scalarType(value: Scalar): "number" | "string" | "true" | "false" | "null" {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  return typeof value as "number" | "string";
}

// ---- sort and keyset ----

function direction(key: SortKey): string {
  if (typeof key?.descending !== "boolean") {
    throw new QuireError("INVALID_FILTER", "Invalid sort key: expected a direction");
  }
  return key.descending ? SQL_DIRECTIONS.descending : SQL_DIRECTIONS.ascending;
}

function sortTerms(sort: readonly SortKey[]): string {
  if (!Array.isArray(sort)) {
    throw new QuireError("INVALID_FILTER", "Invalid sort: expected a list of keys");
  }
  const terms: string[] = [];
  for (const key of sort) {
    const dir = direction(key);
    const target = targetOf(key?.field);
    if (target.kind === "column") {
      terms.push(`${target.column} ${dir}`);
    } else {
      const { rank, num, head, full } = target;
      terms.push(`${rank} ${dir}`, `${num} ${dir}`, `${head} ${dir}`, `${full} ${dir}`);
    }
  }
  terms.push(`id ${SQL_DIRECTIONS.ascending}`);
  return terms.join(", ");
}

function compileKeyset(
  sort: readonly SortKey[],
  after: readonly (null | number | string)[],
  builder: SqlBuilder,
): string {
  const invalid = () =>
    new QuireError("INVALID_FILTER", "Invalid cursor: its values do not fit the sort");
  if (!Array.isArray(after) || after.length !== sort.length + 1) throw invalid();
  const id = after[sort.length];
  if (typeof id !== "string" || id.includes("\0")) throw invalid();
  const keys = sort.map((key, i) => {
    const target = targetOf(key.field);
    const value = after[i];
    const ok = value === null ||
      (typeof value === "string" && value.isWellFormed()) ||
      (typeof value === "number" && Number.isFinite(value));
    if (!ok || (target.kind === "column" && typeof value !== target.type)) throw invalid();
    if (typeof value === "string" && value.includes("\0")) {
      // No column holds NUL; `doc` has U+FFFD in its place (see the module's notes).
      if (target.kind === "column") throw invalid();
      return { target, descending: key.descending, value: value.replaceAll("\0", "\uFFFD") };
    }
    return { target, descending: key.descending, value };
  });
  // Built in text order, so that the parameters are bound in the order they appear.
  const tuple = (target: JsonTarget, value: null | number | string) => {
    const columns = [target.rank, target.num, target.head];
    // Only what is written is bound (a parameter the text does not use has no type).
    let values: string[];
    if (value === null) values = ["0", "0", "''", "''"];
    else if (typeof value === "number") values = ["1", builder.bindNumeric(value), "''", "''"];
    else {
      // Typed: a row comparison does not infer its parameters' types.
      values = ["2", "0", `${builder.bind(indexedPrefix(value))}::text`];
    }
    return [`(${columns.join(", ")})`, `(${values.slice(0, columns.length).join(", ")})`];
  };
  let lead = "";
  const first = keys[0];
  if (first !== undefined && first.target.kind === "json") {
    // Implied by the condition below; a row comparison an index on the path can seek to.
    const [columns, values] = tuple(first.target, first.value);
    lead = `${columns} ${first.descending ? "<=" : ">="} ${values} AND `;
  }
  const condition = (i: number): string => {
    const key = keys[i];
    if (key === undefined) return `id > ${builder.bind(id)}`;
    const { target, descending, value } = key;
    const past = descending ? "<" : ">";
    let beyond: string;
    let equal: string;
    if (target.kind === "column") {
      const bound = () =>
        target.type === "number"
          ? builder.bindNumeric(value as number)
          : builder.bind(value as string);
      beyond = `${target.column} ${past} ${bound()}`;
      equal = `${target.column} = ${bound()}`;
    } else {
      // Spelled out (not as one row comparison, which the planner estimates by its first
      // column alone): the rank, then the number or the text (ordering by `head` and then
      // `full` is ordering by `full`, of which `head` is a prefix).
      const { rank, num, full } = target;
      if (value === null) {
        beyond = `${rank} ${past} 0`;
        equal = `${rank} = 0`;
      } else if (typeof value === "number") {
        beyond = `(${rank} ${past} 1 OR (${rank} = 1 AND ${num} ${past} ${
          builder.bindNumeric(value)
        }))`;
        equal = `(${rank} = 1 AND ${num} = ${builder.bindNumeric(value)})`;
      } else {
        beyond = `(${rank} ${past} 2 OR (${rank} = 2 AND ${full} ${past} ${builder.bind(value)}))`;
        equal = `(${rank} = 2 AND ${full} = ${builder.bind(value)})`;
      }
    }
    return `(${beyond} OR (${equal} AND ${condition(i + 1)}))`;
  };
  const rest = condition(0);
  return lead === "" ? rest : `(${lead}${rest})`;
}
