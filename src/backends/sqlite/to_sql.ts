/**
 * The SQL back end: compiles a filter AST (src/query/ast.ts), sort keys and a keyset cursor
 * into SQLite SQL over a document table (`id, rev, created_at, updated_at, data`), with the
 * semantics written in src/query/ast.ts.
 *
 * What makes injection impossible: every value goes through one `appendValue` (a `?` and a
 * parameter; the values of an `in` list go as one parameter, their JSON array, which SQL reads
 * back with `json_each`); a JSON path is only ever written by `sqlJsonPathLiteral` (every key a
 * JSON string inside a SQL string literal); operators, sort directions, metadata columns and
 * JSON type names come from the allow-lists below; the table name must match a strict pattern.
 *
 * How many parameters a statement can have: at most 4 per leaf (`startsWith`; an `in` list
 * binds 1, however long), so with `FILTER_LIMITS.terms` nodes a filter binds at most about a
 * thousand; a keyset cursor adds at most 2 per sort key plus 2, a limit 1. That is far below
 * SQLite's limit of 32,766 (tests/query_compile_test.ts checks the largest shapes).
 *
 * How the semantics become SQL:
 * - A comparison keeps the indexable term `json_extract(data, '<path>') <op> ?` as a plain
 *   conjunct (so an expression index on that path serves it) and checks the JSON type beside
 *   it: `json_extract` turns `true` into 1 and an array into its JSON text, so only
 *   `json_type` tells them from the number 1 and the string `[1]`.
 * - A metadata field compared with a value of the wrong type (`$rev = "1"`, `$id = 5`) is the
 *   constant `0`: SQLite's column affinity would otherwise convert the value.
 * - A leaf on a missing path is SQL NULL, so SQL logic is three-valued. `and` and `or` already
 *   agree with two-valued logic when NULL is read as false; `not` does not (NOT NULL is NULL),
 *   so `not(x)` is `NOT coalesce(x, 0)`.
 * - A keyset cursor mirrors `ORDER BY`: NULLs first ascending, last descending, ties by id.
 *
 * @module
 */

import { QuireError, quote } from "../../errors.ts";
import type { Field, Filter, FilterKind, MetaName, Scalar, SortKey } from "../../query/ast.ts";
import { pathSegmentProblem } from "../../query/path.ts";
import { prefixSuccessor } from "../../query/prefix_successor.ts";
import { sqlJsonPathLiteral } from "./json_path.ts";
import {
  checkFilterValue,
  checkStringOperand,
  type SelectRequest,
  SQL_DIRECTIONS,
  sqlOperator,
} from "../../query/sql_value.ts";

/** A bound parameter. (Text holding NUL is bound as its UTF-8 bytes, cast back to text.) */
export type SqlParam = null | number | string | Uint8Array;

/** SQL text and its parameters, in order. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** Metadata fields: their column and the JSON type of their values. */
const META_COLUMNS: Readonly<Record<MetaName, MetaColumn>> = Object.freeze({
  id: { kind: "column", column: "id", type: "string" },
  rev: { kind: "column", column: "rev", type: "number" },
  createdAt: { kind: "column", column: "created_at", type: "string" },
  updatedAt: { kind: "column", column: "updated_at", type: "string" },
});

/** The columns a select returns, in this order. */
const SELECT_COLUMNS = "id, rev, created_at, updated_at, data";

/** `json_type` tests for each kind of scalar. */
const JSON_TYPE_TEST = Object.freeze({
  number: "IN ('integer', 'real')",
  string: "= 'text'",
  numberOrString: "IN ('integer', 'real', 'text')",
  true: "= 'true'",
  false: "= 'false'",
  null: "= 'null'",
  array: "= 'array'",
});

/** Names of the value-less JSON types, for an `in` list. */
const JSON_TYPE_NAMES = Object.freeze({ true: "'true'", false: "'false'", null: "'null'" });

const TRUE = "1";
const FALSE = "0";

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

interface MetaColumn {
  readonly kind: "column";
  readonly column: string;
  readonly type: "string" | "number";
}

interface JsonTarget {
  readonly kind: "json";
  /** `json_extract(data, '<path>')`. */
  readonly value: string;
  /** `json_type(data, '<path>')`. */
  readonly type: string;
  /** The path as a SQL string literal. */
  readonly path: string;
}

type Target = MetaColumn | JsonTarget;

/** Collects parameters; the only way a value gets into SQL. */
class SqlBuilder {
  readonly params: SqlParam[] = [];

  /** Binds `value` and returns the SQL that reads it. */
  appendValue(value: null | number | string): string {
    if (typeof value === "string" && value.includes("\0")) {
      // The drivers cannot bind text holding NUL (a sort value can hold one): bind the bytes.
      this.params.push(new TextEncoder().encode(value));
      return "CAST(? AS TEXT)";
    }
    this.params.push(value);
    return "?";
  }

  /**
   * Binds a list of checked values (finite numbers, strings without NUL) as one parameter, its
   * JSON array, and returns the subquery that reads the values back: numbers as numbers and
   * strings as text, as `json_extract` reads them from a document. One parameter whatever the
   * length, so a long `in` list cannot exceed SQLite's limit on parameters.
   */
  appendList(values: readonly (number | string)[]): string {
    return `(SELECT value FROM json_each(${this.appendValue(JSON.stringify(values))}))`;
  }

  fragment(sql: string): SqlFragment {
    return Object.freeze({ sql, params: Object.freeze([...this.params]) });
  }
}

/**
 * Compiles a filter into a SQL boolean expression over the document table's columns.
 *
 * @param filter The filter AST.
 * @returns A frozen `{ sql, params }`.
 * @throws {QuireError} `INVALID_FILTER` for a node, field or value the semantics do not cover.
 *
 * @example
 * ```ts
 * import { compare, pathField } from "../../query/ast.ts";
 * import { filterToSql } from "./to_sql.ts";
 * const { sql, params } = filterToSql(compare("gte", pathField(["year"]), 2000));
 * // sql: `(json_extract(data, '$."year"') >= ? AND json_type(data, '$."year"') IN ('integer', 'real'))`
 * // params: [2000]
 * ```
 */
export function filterToSql(filter: Filter): SqlFragment {
  const builder = new SqlBuilder();
  return builder.fragment(compileFilter(filter, builder));
}

/**
 * The `ORDER BY` list for sort keys, ending with `id ASC` (ties are always broken by id).
 *
 * @param sort The sort keys.
 * @returns SQL without the `ORDER BY` keywords.
 *
 * @example
 * ```ts
 * import { pathField, sortKey } from "../../query/ast.ts";
 * import { orderBySql } from "./to_sql.ts";
 * orderBySql([sortKey(pathField(["year"]), true)]);
 * // `json_extract(data, '$."year"') DESC, id ASC`
 * ```
 */
export function orderBySql(sort: readonly SortKey[]): string {
  const terms = sort.map((key) => `${sortExpression(key.field)} ${direction(key)}`);
  terms.push(`id ${SQL_DIRECTIONS.ascending}`);
  return terms.join(", ");
}

/**
 * The condition "comes after this row" in the order of {@linkcode orderBySql}: NULLs first
 * ascending and last descending, ties by id.
 *
 * @param sort The sort keys.
 * @param after One value per sort key (as SQLite's `json_extract` gives it; see sql_value.ts),
 *   then the id.
 * @returns A frozen `{ sql, params }`.
 * @throws {QuireError} `INVALID_FILTER` when `after` does not fit the sort keys.
 *
 * @example
 * ```ts
 * import { pathField, sortKey } from "../../query/ast.ts";
 * import { keysetSql } from "./to_sql.ts";
 * const { sql, params } = keysetSql([sortKey(pathField(["year"]), false)], [1999, "doc-7"]);
 * // sql: `(json_extract(data, '$."year"') >= ? AND (json_extract(data, '$."year"') > ? OR
 * //   (json_extract(data, '$."year"') = ? AND id > ?)))` (on one line)
 * // params: [1999, 1999, 1999, "doc-7"]
 * ```
 */
export function keysetSql(
  sort: readonly SortKey[],
  after: readonly (null | number | string)[],
): SqlFragment {
  const builder = new SqlBuilder();
  return builder.fragment(compileKeyset(sort, after, builder));
}

/**
 * A whole `SELECT` of documents: filter, keyset cursor, order and limit.
 *
 * @param table The document table; a name of letters, digits and `_`.
 * @param request The filter, sort, optional cursor values and optional limit.
 * @returns A frozen `{ sql, params }` selecting `id, rev, created_at, updated_at, data`.
 * @throws {QuireError} `INVALID_FILTER` for an invalid filter, sort or cursor; `INVALID_OPTION`
 *   for an invalid table name or limit.
 *
 * @example
 * ```ts
 * import { compare, pathField } from "../../query/ast.ts";
 * import { selectSql } from "./to_sql.ts";
 * const { sql, params } = selectSql("docs", {
 *   filter: compare("eq", pathField(["genre"]), "sf"),
 *   sort: [],
 *   limit: 50,
 * });
 * // SELECT id, rev, created_at, updated_at, data FROM "docs" WHERE (json_extract(data,
 * //   '$."genre"') = ? AND json_type(data, '$."genre"') = 'text') ORDER BY id ASC LIMIT ?
 * // params: ["sf", 50]
 * ```
 */
export function selectSql(table: string, request: SelectRequest): SqlFragment {
  if (typeof table !== "string" || !TABLE_NAME.test(table)) {
    throw new QuireError("INVALID_OPTION", `Invalid table name ${quote(table)}`);
  }
  const { filter, sort, after, limit } = request;
  const builder = new SqlBuilder();
  let sql = `SELECT ${SELECT_COLUMNS} FROM "${table}"`;
  const conditions: string[] = [];
  const where = compileFilter(filter, builder);
  if (where !== TRUE) conditions.push(where);
  if (after !== undefined) conditions.push(compileKeyset(sort, after, builder));
  if (conditions.length > 0) sql += ` WHERE ${conditions.join(" AND ")}`;
  sql += ` ORDER BY ${orderBySql(sort)}`;
  if (limit !== undefined) {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new QuireError(
        "INVALID_OPTION",
        `Invalid limit ${quote(limit)}: expected a whole number ≥ 0`,
      );
    }
    sql += ` LIMIT ${builder.appendValue(limit)}`;
  }
  return builder.fragment(sql);
}

// ---- filters ----

type NodeOf<K extends FilterKind> = Extract<Filter, { kind: K }>;
type NodeCompiler<K extends FilterKind> = (node: NodeOf<K>, builder: SqlBuilder) => string;

/** One compiler per node kind: a new kind fails to type-check until it is handled here. */
const NODE_COMPILERS: { readonly [K in FilterKind]: NodeCompiler<K> } = Object.freeze({
  and: (node, builder) => junction(node.terms, "AND", TRUE, builder),
  or: (node, builder) => junction(node.terms, "OR", FALSE, builder),
  not: (node, builder) => `NOT coalesce(${compileFilter(node.term, builder)}, 0)`,
  compare: compileCompare,
  in: compileIn,
  exists: (node) => {
    const target = targetOf(node.field);
    return target.kind === "column" ? TRUE : `${target.type} IS NOT NULL`;
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
  if (terms.length === 0) return empty;
  if (operator === "AND") {
    const ranged = numericRanges(terms);
    if (ranged !== undefined) return ranged(builder);
  }
  const compiled = terms.map((term) => compileFilter(term, builder));
  return compiled.length === 1 ? compiled.join("") : `(${compiled.join(` ${operator} `)})`;
}

/**
 * An AND of terms where some are numeric range comparisons on the same JSON path: those are
 * compiled with one json_type test per path (not one per term), and with none when the range
 * has both bounds and excludes 0 and 1: then only numbers can be in it (text, arrays and objects
 * compare above every number, NULL never matches, and booleans read as 0 and 1).
 * undefined when no path has two range terms.
 */
function numericRanges(terms: readonly Filter[]): ((builder: SqlBuilder) => string) | undefined {
  const groups = new Map<
    string,
    { lo: number; hi: number; lower: boolean; upper: boolean; n: number }
  >();
  for (const term of terms) {
    if (term?.kind !== "compare" || term.op === "eq" || typeof term.value !== "number") continue;
    if (term.field?.kind !== "path" || !Number.isFinite(term.value)) continue;
    const target = targetOf(term.field) as JsonTarget;
    const g = groups.get(target.path) ??
      groups.set(target.path, { lo: -Infinity, hi: Infinity, lower: false, upper: false, n: 0 })
        .get(target.path)!;
    g.n++;
    if (term.op === "gt" || term.op === "gte") {
      g.lower = true;
      g.lo = Math.max(g.lo, term.value);
    } else {
      g.upper = true;
      g.hi = Math.min(g.hi, term.value);
    }
  }
  if (![...groups.values()].some((g) => g.n > 1)) return undefined;
  return (builder) => {
    const compiled: string[] = [];
    const typed = new Set<string>();
    for (const term of terms) {
      if (
        term.kind === "compare" && term.op !== "eq" && typeof term.value === "number" &&
        term.field.kind === "path"
      ) {
        const target = targetOf(term.field) as JsonTarget;
        const g = groups.get(target.path);
        if (g !== undefined && g.n > 1) {
          compiled.push(
            `${target.value} ${sqlOperator(term.op)} ${builder.appendValue(term.value)}`,
          );
          const untyped = g.lower && g.upper && (g.hi < 0 || g.lo > 1);
          if (!untyped && !typed.has(target.path)) {
            typed.add(target.path);
            compiled.push(`${target.type} ${JSON_TYPE_TEST.number}`);
          }
          continue;
        }
      }
      compiled.push(compileFilter(term, builder));
    }
    return compiled.length === 1 ? compiled.join("") : `(${compiled.join(" AND ")})`;
  };
}

function compileCompare(node: NodeOf<"compare">, builder: SqlBuilder): string {
  const operator = sqlOperator(node.op);
  const target = targetOf(node.field);
  const value = node.value;
  checkFilterValue(value);
  if (target.kind === "column") {
    if (scalarType(value) !== target.type) return FALSE;
    return `${target.column} ${operator} ${builder.appendValue(value as number | string)}`;
  }
  if (typeof value === "number" || typeof value === "string") {
    // json_extract gives a string as text, a number as a number, a boolean as 0 or 1, an array
    // or object as JSON text ("[…" or "{…"): equality with a string that cannot be JSON text of
    // an array or object, or with a number other than 0 and 1, needs no type test.
    const exact = node.op === "eq" &&
      (typeof value === "string"
        ? !value.startsWith("[") && !value.startsWith("{")
        : value !== 0 && value !== 1);
    if (exact) return `${target.value} = ${builder.appendValue(value)}`;
    const type = typeof value === "number" ? JSON_TYPE_TEST.number : JSON_TYPE_TEST.string;
    return `(${target.value} ${operator} ${builder.appendValue(value)} AND ${target.type} ${type})`;
  }
  // true, false and null only match themselves; they have no order.
  if (node.op !== "eq") return FALSE;
  return `${target.type} ${JSON_TYPE_TEST[scalarType(value) as "true" | "false" | "null"]}`;
}

/**
 * `in`: the numbers and strings of the list are one JSON array parameter (see `appendList`).
 * Read back from it, a number never equals text and a string never equals a number (no
 * affinity applies to either side), so one `IN` serves both; the `json_type` test beside it
 * keeps out what `json_extract` reads as a number or text without being one: booleans (1 and
 * 0) and arrays and objects (their JSON text). true, false and null are tested by type alone.
 * A metadata column gets only values of its own type, so its affinity converts none of them.
 */
function compileIn(node: NodeOf<"in">, builder: SqlBuilder): string {
  const target = targetOf(node.field);
  const numbers: number[] = [];
  const strings: string[] = [];
  const others = new Set<"true" | "false" | "null">();
  for (const value of node.values) {
    checkFilterValue(value);
    if (typeof value === "number") numbers.push(value);
    else if (typeof value === "string") strings.push(value);
    else others.add(scalarType(value) as "true" | "false" | "null");
  }
  if (target.kind === "column") {
    const values = target.type === "number" ? numbers : strings;
    if (values.length === 0) return FALSE;
    return `${target.column} IN ${builder.appendList(values)}`;
  }
  const terms: string[] = [];
  if (numbers.length > 0 || strings.length > 0) {
    const type = strings.length === 0
      ? JSON_TYPE_TEST.number
      : numbers.length === 0
      ? JSON_TYPE_TEST.string
      : JSON_TYPE_TEST.numberOrString;
    const list = builder.appendList([...numbers, ...strings]);
    terms.push(`(${target.value} IN ${list} AND ${target.type} ${type})`);
  }
  if (others.size > 0) {
    const names = [...others].map((type) => JSON_TYPE_NAMES[type]).join(", ");
    terms.push(`${target.type} IN (${names})`);
  }
  if (terms.length === 0) return FALSE;
  return terms.length === 1 ? terms.join("") : `(${terms.join(" OR ")})`;
}

function compileContains(node: NodeOf<"contains">, builder: SqlBuilder): string {
  const target = targetOf(node.field);
  const value = node.value;
  checkFilterValue(value);
  if (target.kind === "column") return FALSE;
  let element: string;
  if (typeof value === "number" || typeof value === "string") {
    const type = typeof value === "number" ? JSON_TYPE_TEST.number : JSON_TYPE_TEST.string;
    element = `e.value = ${builder.appendValue(value)} AND e.type ${type}`;
  } else {
    element = `e.type ${JSON_TYPE_TEST[scalarType(value) as "true" | "false" | "null"]}`;
  }
  return `(${target.type} ${JSON_TYPE_TEST.array} AND EXISTS (SELECT 1 FROM json_each(data, ${target.path}) AS e WHERE ${element}))`;
}

function compileStartsWith(node: NodeOf<"startsWith">, builder: SqlBuilder): string {
  const target = targetOf(node.field);
  const prefix = node.prefix;
  checkStringOperand(prefix, "prefix");
  if (target.kind === "column" && target.type !== "string") return FALSE;
  const value = target.kind === "column" ? target.column : target.value;
  const terms: string[] = [];
  if (prefix !== "") {
    // The range is implied by the prefix; it lets an index on the path narrow the scan.
    terms.push(`${value} >= ${builder.appendValue(prefix)}`);
    const upper = prefixSuccessor(prefix);
    if (upper !== undefined) terms.push(`${value} < ${builder.appendValue(upper)}`);
  }
  if (target.kind === "json") terms.push(`${target.type} ${JSON_TYPE_TEST.string}`);
  if (prefix !== "") {
    // substr and length count characters; `%` and `_` are nothing special here.
    terms.push(
      `substr(${value}, 1, length(${builder.appendValue(prefix)})) = ${
        builder.appendValue(prefix)
      }`,
    );
  }
  if (terms.length === 0) return TRUE;
  return terms.length === 1 ? terms.join("") : `(${terms.join(" AND ")})`;
}

function compileLike(node: NodeOf<"like">, builder: SqlBuilder): string {
  const target = targetOf(node.field);
  checkStringOperand(node.pattern, "pattern");
  if (target.kind === "column") {
    if (target.type !== "string") return FALSE;
    return `${target.column} LIKE ${builder.appendValue(node.pattern)}`;
  }
  return `(${target.value} LIKE ${
    builder.appendValue(node.pattern)
  } AND ${target.type} ${JSON_TYPE_TEST.string})`;
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
    for (const segment of field.segments) {
      const problem = pathSegmentProblem(segment);
      if (problem !== undefined) {
        throw new QuireError(
          "INVALID_FILTER",
          `Invalid path segment ${quote(segment)}: ${problem}`,
        );
      }
    }
    const path = sqlJsonPathLiteral(field.segments);
    const target: Target = {
      kind: "json",
      value: `json_extract(data, ${path})`,
      type: `json_type(data, ${path})`,
      path,
    };
    if (Object.isFrozen(field) && Object.isFrozen(field.segments)) PATH_TARGETS.set(field, target);
    return target;
  }
  throw new QuireError("INVALID_FILTER", `Invalid field ${quote(JSON.stringify(field))}`);
}

function scalarType(value: Scalar): "number" | "string" | "true" | "false" | "null" {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  return typeof value as "number" | "string";
}

// ---- sort and keyset ----

function sortExpression(field: Field): string {
  const target = targetOf(field);
  return target.kind === "column" ? target.column : target.value;
}

function direction(key: SortKey): string {
  if (typeof key?.descending !== "boolean") {
    throw new QuireError("INVALID_FILTER", "Invalid sort key: expected a direction");
  }
  return key.descending ? SQL_DIRECTIONS.descending : SQL_DIRECTIONS.ascending;
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
  if (typeof id !== "string") throw invalid();
  const keys = sort.map((key, i) => {
    const target = targetOf(key.field);
    const value = after[i];
    const ok = value === null || typeof value === "string" ||
      (typeof value === "number" && Number.isFinite(value));
    // A column has a type; a value of another type would be converted by its affinity.
    if (!ok || (target.kind === "column" && typeof value !== target.type)) throw invalid();
    direction(key);
    return {
      expression: target.kind === "column" ? target.column : target.value,
      descending: key.descending,
      value,
    };
  });
  // Built in text order, so the parameters are appended in the order they appear.
  let lead = "";
  const first = keys[0];
  if (first !== undefined && !first.descending && first.value !== null) {
    // Implied by the condition below; it lets an index on the first key seek to the cursor.
    lead = `${first.expression} >= ${builder.appendValue(first.value)} AND `;
  }
  const condition = (i: number): string => {
    const key = keys[i];
    if (key === undefined) return `id > ${builder.appendValue(id)}`; // i === keys.length
    const { expression, descending, value } = key;
    let beyond: string | undefined;
    if (!descending) {
      beyond = value === null
        ? `${expression} IS NOT NULL`
        : `${expression} > ${builder.appendValue(value)}`;
    } else if (value !== null) {
      beyond = `(${expression} < ${builder.appendValue(value)} OR ${expression} IS NULL)`;
    }
    const equal = value === null
      ? `${expression} IS NULL`
      : `${expression} = ${builder.appendValue(value)}`;
    const tie = `(${equal} AND ${condition(i + 1)})`;
    return beyond === undefined ? tie : `(${beyond} OR ${tie})`;
  };
  const rest = condition(0);
  return lead === "" ? rest : `(${lead}${rest})`;
}
