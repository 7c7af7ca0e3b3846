/**
 * The evaluator back end (memory and file backends): compiles a filter AST once into a tree of
 * closures that test documents with exactly the semantics of the SQL back end
 * (src/backends/sqlite/to_sql.ts, see ast.ts): type-strict comparisons, strings in code point
 * order, LIKE as SQLite runs it, array indexes that only read arrays. Nothing interprets the
 * AST per document, and nothing is evaluated from text. One node compiler serves every form a compiled filter can take: closures
 * on entries here, filters of row sets over cached columns in columns.ts; a
 * {@linkcode FilterBuilder} says how to build and combine that form.
 *
 * What SQLite does that is mirrored here on purpose:
 * - LIKE reads a value up to its first NUL character (SQLite matches it as a C string), folds
 *   only ASCII letters, and `_` is one code point (a whole emoji).
 * - Sort values are what `json_extract` returns (sql_value.ts): booleans as 1 and 0, arrays and
 *   objects as their JSON text.
 *
 * @module
 */

import { QuireError, quote } from "../errors.ts";
import { compareCodePoints } from "../names.ts";
import type { CompareOp, Field, Filter, FilterKind, MetaName, Scalar, SortKey } from "./ast.ts";
import { childAt, pathSegmentProblem, valueAt } from "./path.ts";
import {
  checkFilterValue,
  checkStringOperand,
  compareSqlValues,
  type SqlSortValue,
  sqlValueOf,
} from "./sql_value.ts";

/** What a filter tests: a document and its metadata. */
export interface QueryEntry {
  readonly id: string;
  readonly rev: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The document, a JSON value (as `JSON.parse` gives it). */
  readonly doc: unknown;
}

/** A compiled filter. */
export type EntryPredicate = (entry: QueryEntry) => boolean;

/** A compiled sort: the key of an entry, and the order of keys. */
export interface CompiledSort {
  /** The entry's sort values (as SQLite's `json_extract` gives them), then its id. */
  key(entry: QueryEntry): SqlSortValue[];
  /** Compares two keys: the sort keys in their directions, then the ids, ascending. */
  compare(a: readonly SqlSortValue[], b: readonly SqlSortValue[]): number;
}

/** Reads a field of an entry: a JSON value, or `undefined` where the path is missing. */
export type FieldReader = (entry: QueryEntry) => unknown;

/** A test of a field's value (`undefined` when missing), with the semantics of ast.ts. */
export type ValueTest = (value: unknown) => boolean;

/**
 * How the node compiler builds one form of compiled filter `F`: a filter on a field's value, and
 * `and`, `or` and `not` of compiled filters. The compiler does the rest (validation, the value
 * tests), so every form has the same semantics.
 */
export interface FilterBuilder<F> {
  /** The filter applying `test` to the value of `field` (as {@linkcode fieldReader} reads it). */
  test(field: Field, test: ValueTest): F;
  /**
   * Optionally, a faster filter for `field op value` (a checked, finite number or a string)
   * that means exactly what `test` with that comparison means, and refuses the same fields;
   * `undefined` to fall back on `test`.
   */
  compare?(field: Field, op: CompareOp, value: number | string): F | undefined;
  /** All of `terms` (none: everything matches). */
  and(terms: F[]): F;
  /** Any of `terms` (none: nothing matches). */
  or(terms: F[]): F;
  /** Not `term`. */
  not(term: F): F;
}

const ALWAYS: EntryPredicate = () => true;
const NEVER: EntryPredicate = () => false;
const NEVER_VALUE: ValueTest = () => false;
const IS_PRESENT: ValueTest = (value) => value !== undefined;

const ENTRY_PREDICATES: FilterBuilder<EntryPredicate> = Object.freeze({
  test(field: Field, test: ValueTest): EntryPredicate {
    const read = fieldReader(field);
    return (entry) => test(read(entry));
  },
  and: (terms: EntryPredicate[]) => junction(terms, true),
  or: (terms: EntryPredicate[]) => junction(terms, false),
  not(term: EntryPredicate): EntryPredicate {
    return (entry) => !term(entry);
  },
});

/**
 * Compiles a filter into a predicate on entries.
 *
 * @param filter The filter AST.
 * @returns A function telling whether an entry matches.
 * @throws {QuireError} `INVALID_FILTER` for a node, field or value the semantics do not cover
 *   (the same ones the SQL back end refuses).
 *
 * @example
 * ```ts
 * import { compare, pathField } from "./ast.ts";
 * import { compileFilter } from "./evaluate.ts";
 * const matches = compileFilter(compare("gte", pathField(["year"]), 2000));
 * const entry = { id: "a", rev: 1, createdAt: "", updatedAt: "", doc: { year: 2001 } };
 * matches(entry); // true
 * ```
 */
export function compileFilter(filter: Filter): EntryPredicate {
  return compileWith(filter, ENTRY_PREDICATES);
}

/**
 * Compiles a filter into the form `builder` builds.
 *
 * @param filter The filter AST.
 * @param builder Builds filters on fields' values and combines them.
 * @returns The compiled filter.
 * @throws {QuireError} `INVALID_FILTER`, as {@linkcode compileFilter}.
 *
 * @example
 * ```ts
 * import { compare, pathField } from "./ast.ts";
 * import { compileWith } from "./evaluate.ts";
 * // A filter as the list of rows of `years` it keeps.
 * const years = [1999, 2001, 2003];
 * const rows = compileWith<number[]>(compare("gte", pathField(["year"]), 2000), {
 *   test: (_field, test) => years.flatMap((year, row) => test(year) ? [row] : []),
 *   and: (terms) => years.map((_, row) => row).filter((row) => terms.every((t) => t.includes(row))),
 *   or: (terms) => years.map((_, row) => row).filter((row) => terms.some((t) => t.includes(row))),
 *   not: (term) => years.map((_, row) => row).filter((row) => !term.includes(row)),
 * });
 * rows; // [1, 2]
 * ```
 */
export function compileWith<F>(filter: Filter, builder: FilterBuilder<F>): F {
  const kind = (filter as { kind?: unknown } | null)?.kind;
  if (typeof kind !== "string" || !Object.hasOwn(NODE_COMPILERS, kind)) {
    throw new QuireError("INVALID_FILTER", `Cannot compile filter: unknown node ${quote(kind)}`);
  }
  return (NODE_COMPILERS[kind as FilterKind] as NodeCompiler<FilterKind>)(filter, builder);
}

/**
 * Compiles sort keys into a key function and a comparison, in the order of the SQL back end's
 * `ORDER BY` (NULL first ascending, last descending; ties by id, ascending).
 *
 * @param sort The sort keys.
 * @returns The compiled sort.
 *
 * @example
 * ```ts
 * import { pathField, sortKey } from "./ast.ts";
 * import { compileSort } from "./evaluate.ts";
 * const sorter = compileSort([sortKey(pathField(["year"]), true)]);
 * const entry = { id: "a", rev: 1, createdAt: "", updatedAt: "", doc: { year: 2001 } };
 * sorter.key(entry); // [2001, "a"]
 * ```
 */
export function compileSort(sort: readonly SortKey[]): CompiledSort {
  const readers = sort.map((key) => fieldReader(key.field));
  const signs = sort.map((key) => {
    if (typeof key.descending !== "boolean") {
      throw new QuireError("INVALID_FILTER", "Invalid sort key: expected a direction");
    }
    return key.descending ? -1 : 1;
  });
  const n = readers.length;
  return Object.freeze({
    key(entry: QueryEntry): SqlSortValue[] {
      const key: SqlSortValue[] = readers.map((read) => sqlValueOf(read(entry)));
      key.push(entry.id);
      return key;
    },
    compare(a: readonly SqlSortValue[], b: readonly SqlSortValue[]): number {
      // Both keys come from key(): n values, then the id.
      let i = 0;
      for (const sign of signs) {
        const order = compareSqlValues(a[i] ?? null, b[i] ?? null);
        if (order !== 0) return order * sign;
        i++;
      }
      return compareCodePoints(a[n] as string, b[n] as string);
    },
  });
}

// ---- filters ----

type NodeOf<K extends FilterKind> = Extract<Filter, { kind: K }>;
type NodeCompiler<K extends FilterKind> = <F>(node: NodeOf<K>, builder: FilterBuilder<F>) => F;

/** One compiler per node kind: a new kind fails to type-check until it is handled here. */
const NODE_COMPILERS: { readonly [K in FilterKind]: NodeCompiler<K> } = Object.freeze({
  and: (node, builder) => builder.and(node.terms.map((term) => compileWith(term, builder))),
  or: (node, builder) => builder.or(node.terms.map((term) => compileWith(term, builder))),
  not: (node, builder) => builder.not(compileWith(node.term, builder)),
  compare: (node, builder) => {
    if (!Object.hasOwn(COMPARE_TESTS, node.op)) {
      throw new QuireError(
        "INVALID_FILTER",
        `Cannot compile filter: unknown operator ${quote(node.op)}`,
      );
    }
    checkFilterValue(node.value);
    const value = node.value;
    const fast = typeof value === "number" || typeof value === "string"
      ? builder.compare?.(node.field, node.op, value)
      : undefined;
    return fast ?? onValue(node.field, builder, COMPARE_TESTS[node.op](value));
  },
  in: (node, builder) => {
    for (const value of node.values) checkFilterValue(value);
    return onValue(node.field, builder, inTest(node.values));
  },
  exists: (node, builder) => builder.test(node.field, IS_PRESENT),
  contains: (node, builder) => {
    checkFilterValue(node.value);
    const equal = COMPARE_TESTS.eq(node.value);
    return onValue(node.field, builder, (value) => Array.isArray(value) && value.some(equal));
  },
  startsWith: (node, builder) => {
    const prefix = node.prefix;
    checkStringOperand(prefix, "prefix");
    // On well-formed strings a UTF-16 prefix is a code point prefix.
    return onValue(
      node.field,
      builder,
      (value) => typeof value === "string" && value.startsWith(prefix),
    );
  },
  like: (node, builder) => {
    checkStringOperand(node.pattern, "pattern");
    const match = compileLike(node.pattern);
    return onValue(node.field, builder, (value) => typeof value === "string" && match(value));
  },
});

function onValue<F>(field: Field, builder: FilterBuilder<F>, test: ValueTest): F {
  if (test === NEVER_VALUE) {
    fieldReader(field); // still refuses an invalid field
    return builder.or([]);
  }
  return builder.test(field, test);
}

function junction(compiled: readonly EntryPredicate[], all: boolean): EntryPredicate {
  if (compiled.length === 0) return all ? ALWAYS : NEVER;
  const [a, b] = compiled;
  if (compiled.length === 1 && a) return a;
  if (compiled.length === 2 && a && b) {
    return all ? (entry) => a(entry) && b(entry) : (entry) => a(entry) || b(entry);
  }
  return all
    ? (entry) => {
      for (const term of compiled) if (!term(entry)) return false;
      return true;
    }
    : (entry) => {
      for (const term of compiled) if (term(entry)) return true;
      return false;
    };
}

/**
 * Type-strict comparisons: a number only meets numbers, a string strings (by code point).
 * Each operator has its own closure for numbers: this is the inner loop of every scan.
 */
const COMPARE_TESTS: Readonly<Record<CompareOp, (value: Scalar) => ValueTest>> = Object.freeze({
  eq: (x) => (value) => value === x,
  gt: (x) =>
    typeof x === "number"
      ? (value) => typeof value === "number" && value > x
      : stringRange(x, (order) => order > 0),
  gte: (x) =>
    typeof x === "number"
      ? (value) => typeof value === "number" && value >= x
      : stringRange(x, (order) => order >= 0),
  lt: (x) =>
    typeof x === "number"
      ? (value) => typeof value === "number" && value < x
      : stringRange(x, (order) => order < 0),
  lte: (x) =>
    typeof x === "number"
      ? (value) => typeof value === "number" && value <= x
      : stringRange(x, (order) => order <= 0),
});

function stringRange(x: Scalar, accept: (order: number) => boolean): ValueTest {
  if (typeof x === "string") {
    return (value) => typeof value === "string" && accept(compareCodePoints(value, x));
  }
  // Booleans and null have no order.
  return NEVER_VALUE;
}

function inTest(values: readonly Scalar[]): ValueTest {
  const numbers = new Set<number>();
  const strings = new Set<string>();
  let hasTrue = false;
  let hasFalse = false;
  let hasNull = false;
  for (const value of values) {
    if (typeof value === "number") numbers.add(value);
    else if (typeof value === "string") strings.add(value);
    else if (value === true) hasTrue = true;
    else if (value === false) hasFalse = true;
    else hasNull = true;
  }
  if (values.length === 0) return NEVER_VALUE;
  return (value) => {
    switch (typeof value) {
      case "number":
        return numbers.has(value);
      case "string":
        return strings.has(value);
      case "boolean":
        return value ? hasTrue : hasFalse;
      default:
        return value === null && hasNull;
    }
  };
}

// ---- fields ----

const META_READERS: Readonly<Record<MetaName, FieldReader>> = Object.freeze({
  id: (entry) => entry.id,
  rev: (entry) => entry.rev,
  createdAt: (entry) => entry.createdAt,
  updatedAt: (entry) => entry.updatedAt,
});

/**
 * The reader of a field: a metadata column, or a path into the document.
 *
 * @param field The field.
 * @returns A function reading the field's value from an entry (`undefined` where missing).
 * @throws {QuireError} `INVALID_FILTER` for an unknown metadata name or an invalid path.
 *
 * @example
 * ```ts
 * import { pathField } from "./ast.ts";
 * import { fieldReader } from "./evaluate.ts";
 * const read = fieldReader(pathField(["tags", 0]));
 * read({ id: "a", rev: 1, createdAt: "", updatedAt: "", doc: { tags: ["x"] } }); // "x"
 * ```
 */
export function fieldReader(field: Field): FieldReader {
  if (field?.kind === "meta") {
    if (Object.hasOwn(META_READERS, field.name)) return META_READERS[field.name];
    throw new QuireError("INVALID_FILTER", `Unknown field ${quote(`$${field.name}`)}`);
  }
  if (field?.kind === "path" && Array.isArray(field.segments)) {
    const segments = [...field.segments];
    for (const segment of segments) {
      const problem = pathSegmentProblem(segment);
      if (problem !== undefined) {
        throw new QuireError(
          "INVALID_FILTER",
          `Invalid path segment ${quote(segment)}: ${problem}`,
        );
      }
    }
    if (segments.length === 1) {
      const [only] = segments;
      return (entry) => childAt(entry.doc, only);
    }
    if (segments.length === 2) {
      const [first, second] = segments;
      return (entry) => {
        const value = childAt(entry.doc, first);
        return value === undefined ? undefined : childAt(value, second);
      };
    }
    return (entry) => valueAt(entry.doc, segments);
  }
  throw new QuireError("INVALID_FILTER", `Invalid field ${quote(JSON.stringify(field))}`);
}

// ---- LIKE ----

/** `%` in a compiled pattern. */
const ANY_RUN = -1;
/** `_` in a compiled pattern. */
const ANY_ONE = -2;

/**
 * SQLite's LIKE without ESCAPE: `%` any run of code points, `_` one code point, ASCII letters
 * compared case-insensitively (no other folding), the value read up to its first NUL.
 */
function compileLike(pattern: string): (value: string) => boolean {
  const tokens = Int32Array.from(pattern, (char) => {
    if (char === "%") return ANY_RUN;
    if (char === "_") return ANY_ONE;
    return foldAscii(char.codePointAt(0)!);
  });
  const m = tokens.length;
  return (value) => {
    const nul = value.indexOf("\0");
    const n = nul === -1 ? value.length : nul;
    // Greedy matching that backtracks only to the last `%`: O(n·m), never exponential.
    let s = 0;
    let p = 0;
    let starP = -1;
    let starS = 0;
    while (s < n) {
      if (p < m) {
        const token = tokens[p];
        if (token === ANY_RUN) {
          starP = ++p;
          starS = s;
          continue;
        }
        const c = value.codePointAt(s)!;
        if (token === ANY_ONE || token === foldAscii(c)) {
          p++;
          s += c > 0xffff ? 2 : 1;
          continue;
        }
      }
      if (starP < 0) return false;
      // Let the last `%` take one more code point, and retry from there.
      starS += value.codePointAt(starS)! > 0xffff ? 2 : 1;
      s = starS;
      p = starP;
    }
    while (p < m && tokens[p] === ANY_RUN) p++;
    return p === m;
  };
}

function foldAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}
