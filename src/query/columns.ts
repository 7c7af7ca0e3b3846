/**
 * Filters over columns: the values of one field for a whole list of entries (their rows), and
 * filters compiled (by evaluate.ts's node compiler) into {@linkcode RowFilter}s, which keep the
 * matching rows of a list of row numbers. Each comparison is one tight loop over the rows,
 * reading a flat array, instead of a walk through every document's objects and a tree of
 * closure calls per document; `and` runs its terms one after the other on the rows still kept.
 *
 * The semantics are evaluate.ts's, exactly: a column holds what {@linkcode fieldReader} reads,
 * and every test but the comparisons with a number and equality with a string is evaluate.ts's
 * own value test. Comparisons with a number rely on `numbers` holding NaN wherever the value is
 * not a number, so that a comparison with a non-number is false, which is the type-strict rule;
 * equality with a string reads a value only where its hash is the string's.
 *
 * @module
 */

import type { CompareOp, Field, Filter } from "./ast.ts";
import {
  compileWith,
  fieldReader,
  type FilterBuilder,
  type QueryEntry,
  type ValueTest,
} from "./evaluate.ts";

/** One field's values for every entry of a list, at the entries' positions (rows). */
export interface Column {
  /** The value as {@linkcode fieldReader} reads it: a JSON value, or `undefined` if missing. */
  readonly values: readonly unknown[];
  /** The value where it is a number, NaN elsewhere. */
  readonly numbers: Float64Array;
  /**
   * Where the value is a string, its {@linkcode stringHash} (≥ 0); -1 elsewhere. Comparing
   * hashes first spares reading every row's string, which is slow where strings lie scattered
   * in memory.
   */
  readonly stringHashes: Int32Array;
}

/**
 * A compiled filter over rows: keeps, in place and in their order, the rows among
 * `rows[0..length)` that match, and returns how many it kept.
 */
export type RowFilter = (rows: Int32Array, length: number) => number;

/** Rows filtered at a time: few enough for the row lists to stay in the CPU's cache. */
const BLOCK_ROWS = 4096;

/**
 * Reads `field` of every entry into a column.
 *
 * @param entries The entries; row `i` is `entries[i]`.
 * @param field The field.
 * @returns The column.
 * @throws {QuireError} `INVALID_FILTER` for an invalid field.
 *
 * @example
 * ```ts
 * import { pathField } from "./ast.ts";
 * import { buildColumn } from "./columns.ts";
 * const entry = { id: "a", rev: 1, createdAt: "", updatedAt: "", doc: { year: 2001 } };
 * buildColumn([entry], pathField(["year"])).numbers[0]; // 2001
 * ```
 */
export function buildColumn(entries: readonly QueryEntry[], field: Field): Column {
  const read = fieldReader(field);
  const values: unknown[] = [];
  const numbers = new Float64Array(entries.length);
  const stringHashes = new Int32Array(entries.length);
  for (const entry of entries) {
    const row = values.length;
    const value = read(entry);
    values.push(value);
    numbers[row] = typeof value === "number" ? value : NaN;
    stringHashes[row] = typeof value === "string" ? stringHash(value) : -1;
  }
  return { values, numbers, stringHashes };
}

/** Code units of a string's start and of its end that {@linkcode stringHash} reads. */
const HASHED_UNITS = 16;

/**
 * A hash of a string, in [0, 2³¹): FNV-1a of its length and of at most its first and last
 * {@linkcode HASHED_UNITS} code units, so that long texts cost no more than short ones. Equal
 * strings hash the same; `===` decides between strings whose hashes are equal.
 *
 * @param text The string.
 * @returns The hash.
 *
 * @example
 * ```ts
 * import { stringHash } from "./columns.ts";
 * stringHash("question") === stringHash(["quest", "ion"].join("")); // true
 * ```
 */
export function stringHash(text: string): number {
  const length = text.length;
  let hash = Math.imul(0x811c9dc5 ^ length, 0x01000193);
  const head = Math.min(length, HASHED_UNITS);
  for (let i = 0; i < head; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  for (let i = Math.max(head, length - HASHED_UNITS); i < length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 1;
}

/**
 * A name for a field, equal for equal fields: what columns are cached by.
 *
 * @param field A valid field.
 * @returns `$name` for a metadata field, the JSON text of the segments for a path.
 *
 * @example
 * ```ts
 * import { metaField, pathField } from "./ast.ts";
 * import { fieldKey } from "./columns.ts";
 * fieldKey(pathField(["a", 0])); // '["a",0]'
 * fieldKey(metaField("rev")); // "$rev"
 * ```
 */
export function fieldKey(field: Field): string {
  return field.kind === "meta" ? `$${field.name}` : JSON.stringify(field.segments);
}

/**
 * The distinct fields a filter reads.
 *
 * @param filter A filter that `compileFilter` accepts (this does not check it).
 * @returns Each field once, in the order the filter first reads it.
 *
 * @example
 * ```ts
 * import { and, compare, pathField } from "./ast.ts";
 * import { filterFields } from "./columns.ts";
 * const words = pathField(["words"]);
 * filterFields(and([compare("gte", words, 10), compare("lte", words, 20)])).length; // 1
 * ```
 */
export function filterFields(filter: Filter): Field[] {
  const fields = new Map<string, Field>();
  const visit = (node: Filter): void => {
    switch (node.kind) {
      case "and":
      case "or":
        for (const term of node.terms) visit(term);
        return;
      case "not":
        visit(node.term);
        return;
      default:
        fields.set(fieldKey(node.field), node.field);
    }
  };
  visit(filter);
  return [...fields.values()];
}

/**
 * Compiles a filter into a filter of rows of columns.
 *
 * @param filter The filter AST.
 * @param columnOf The column of each field the filter reads (see {@linkcode filterFields}).
 * @returns A filter keeping row `i` exactly when `compileFilter(filter)` matches the entry the
 *   columns were read from at row `i`.
 * @throws {QuireError} `INVALID_FILTER`, as `compileFilter`.
 *
 * @example
 * ```ts
 * import { compare, pathField } from "./ast.ts";
 * import { buildColumn, compileRowFilter } from "./columns.ts";
 * const year = pathField(["year"]);
 * const entry = (id: string, year: unknown) =>
 *   ({ id, rev: 1, createdAt: "", updatedAt: "", doc: { year } });
 * const column = buildColumn([entry("a", 1999), entry("b", 2001), entry("c", "2001")], year);
 * const keep = compileRowFilter(compare("gte", year, 2000), () => column);
 * const rows = Int32Array.of(0, 1, 2);
 * rows.subarray(0, keep(rows, 3)); // Int32Array [1]
 * ```
 */
export function compileRowFilter(filter: Filter, columnOf: (field: Field) => Column): RowFilter {
  const builder: FilterBuilder<RowFilter> = {
    test(field, test) {
      const values = columnOf(field).values;
      return (rows, length) => keepPassing(rows, length, values, test);
    },
    compare(field, op, x) {
      if (typeof x === "number") {
        const numbers = columnOf(field).numbers;
        const keep = KEEP_COMPARED[op];
        return (rows, length) => keep(rows, length, numbers, x);
      }
      if (op !== "eq") return undefined;
      const column = columnOf(field);
      return (rows, length) => keepString(rows, length, column, x);
    },
    and: allOf,
    or: anyOf,
    not: noneOf,
  };
  return compileWith(filter, builder);
}

/**
 * Runs a row filter over rows `0..count-1`, a block of rows at a time, handing each block's
 * matches to `visit` in row order.
 *
 * @param filter The row filter.
 * @param count How many rows there are.
 * @param visit Called with a block's matching rows, `rows[0..length)`; returns true to stop.
 *
 * @example
 * ```ts
 * import { compare, pathField } from "./ast.ts";
 * import { buildColumn, compileRowFilter, scanRows } from "./columns.ts";
 * const n = pathField(["n"]);
 * const entries = Array.from({ length: 10 }, (_, i) =>
 *   ({ id: `${i}`, rev: 1, createdAt: "", updatedAt: "", doc: { n: i } }));
 * const column = buildColumn(entries, n);
 * let matches = 0;
 * scanRows(compileRowFilter(compare("gt", n, 6), () => column), 10, (_rows, length) => {
 *   matches += length;
 * });
 * matches; // 3
 * ```
 */
export function scanRows(
  filter: RowFilter,
  count: number,
  visit: (rows: Int32Array, length: number) => boolean | void,
): void {
  const rows = new Int32Array(Math.min(BLOCK_ROWS, count));
  for (let start = 0; start < count; start += BLOCK_ROWS) {
    const end = Math.min(start + BLOCK_ROWS, count);
    for (let row = start; row < end; row++) rows[row - start] = row;
    if (visit(rows, filter(rows, end - start))) return;
  }
}

// ---- the leaves: one loop each, so that every loop stays monomorphic and fast ----

type KeepCompared = (rows: Int32Array, length: number, numbers: Float64Array, x: number) => number;

/** Comparisons with a number: NaN (a non-number) compares false, as the type-strict rule says. */
const KEEP_COMPARED: Readonly<Record<CompareOp, KeepCompared>> = Object.freeze({
  eq: (rows, length, numbers, x) => {
    let kept = 0;
    for (let k = 0; k < length; k++) {
      const row = rows[k] ?? 0; // k < length <= rows.length
      if (numbers[row] === x) rows[kept++] = row;
    }
    return kept;
  },
  gt: (rows, length, numbers, x) => {
    let kept = 0;
    for (let k = 0; k < length; k++) {
      const row = rows[k] ?? 0; // k < length <= rows.length
      if ((numbers[row] ?? NaN) > x) rows[kept++] = row;
    }
    return kept;
  },
  gte: (rows, length, numbers, x) => {
    let kept = 0;
    for (let k = 0; k < length; k++) {
      const row = rows[k] ?? 0; // k < length <= rows.length
      if ((numbers[row] ?? NaN) >= x) rows[kept++] = row;
    }
    return kept;
  },
  lt: (rows, length, numbers, x) => {
    let kept = 0;
    for (let k = 0; k < length; k++) {
      const row = rows[k] ?? 0; // k < length <= rows.length
      if ((numbers[row] ?? NaN) < x) rows[kept++] = row;
    }
    return kept;
  },
  lte: (rows, length, numbers, x) => {
    let kept = 0;
    for (let k = 0; k < length; k++) {
      const row = rows[k] ?? 0; // k < length <= rows.length
      if ((numbers[row] ?? NaN) <= x) rows[kept++] = row;
    }
    return kept;
  },
});

/** Equality with a string: `===`, as evaluate.ts's `eq` test. */
function keepString(rows: Int32Array, length: number, column: Column, x: string): number {
  const { values, stringHashes } = column;
  const hash = stringHash(x);
  let kept = 0;
  for (let k = 0; k < length; k++) {
    const row = rows[k] ?? 0; // k < length <= rows.length
    if (stringHashes[row] === hash && values[row] === x) rows[kept++] = row;
  }
  return kept;
}

function keepPassing(
  rows: Int32Array,
  length: number,
  values: readonly unknown[],
  test: ValueTest,
): number {
  let kept = 0;
  for (let k = 0; k < length; k++) {
    const row = rows[k] ?? 0; // k < length <= rows.length
    if (test(values[row])) rows[kept++] = row;
  }
  return kept;
}

// ---- and, or, not ----

const KEEP_ALL: RowFilter = (_rows, length) => length;
const KEEP_NONE: RowFilter = () => 0;

function allOf(terms: RowFilter[]): RowFilter {
  if (terms.length === 0) return KEEP_ALL;
  if (terms.length === 1 && terms[0]) return terms[0];
  // Each term only looks at the rows the ones before it kept.
  return (rows, length) => {
    for (const term of terms) {
      if (length === 0) return 0;
      length = term(rows, length);
    }
    return length;
  };
}

function anyOf(terms: RowFilter[]): RowFilter {
  if (terms.length === 0) return KEEP_NONE;
  if (terms.length === 1 && terms[0]) return terms[0];
  // Each term only looks at the rows no term before it matched.
  return (rows, length) => {
    const unmatched = rows.slice(0, length);
    let unmatchedLength = length;
    const tried = new Int32Array(length);
    for (const term of terms) {
      if (unmatchedLength === 0) break;
      tried.set(unmatched.subarray(0, unmatchedLength));
      const matched = term(tried, unmatchedLength);
      unmatchedLength = remove(unmatched, unmatchedLength, tried, matched);
    }
    return remove(rows, length, unmatched, unmatchedLength);
  };
}

function noneOf(term: RowFilter): RowFilter {
  return (rows, length) => {
    const matched = rows.slice(0, length);
    return remove(rows, length, matched, term(matched, length));
  };
}

/**
 * Removes from `rows[0..length)`, in place, the rows of `drop[0..dropLength)`, which are some of
 * them in the same order (what a row filter kept of them). Returns how many rows are left.
 */
function remove(rows: Int32Array, length: number, drop: Int32Array, dropLength: number): number {
  let kept = 0;
  let next = 0;
  for (let k = 0; k < length; k++) {
    const row = rows[k] ?? 0; // k < length <= rows.length
    if (next < dropLength && drop[next] === row) next++;
    else rows[kept++] = row;
  }
  return kept;
}
