/**
 * The SQL value domain both back ends share for sorting and cursors: a JSON value read from a
 * document becomes what SQLite's `json_extract` returns for it, and these values order the way
 * SQLite's `ORDER BY` orders them.
 *
 * - missing and `null` → `null` (SQL NULL);
 * - `true` → `1`, `false` → `0` (so booleans sort among the numbers);
 * - numbers → themselves (integers and floats compare by value);
 * - strings → themselves;
 * - arrays and objects → their JSON text, which is a string like any other: it sorts among the
 *   strings by code point (`[` is U+005B, `{` U+007B). SQLite renders a container read from a
 *   document as the same text `JSON.stringify` wrote (it keeps each number's and string's text
 *   as stored), which the differential test checks for every generated document.
 *
 * `ORDER BY` puts NULL first, then numbers, then text by code point (BINARY collation).
 *
 * The module also holds the checks both back ends apply to the values of a filter, so that a
 * value neither can run faithfully is refused the same way by both.
 *
 * @module
 */

import { QuireError, quote } from "../errors.ts";
import { compareCodePoints } from "../names.ts";
import type { CompareOp, Filter, SortKey } from "./ast.ts";

/** What a SQL compiler's SELECT needs, in either dialect. */
export interface SelectRequest {
  /** Which documents. */
  readonly filter: Filter;
  /** In what order (ties by id, ascending). */
  readonly sort: readonly SortKey[];
  /** The previous page's last sort values (as `json_extract` gives them), then its id. */
  readonly after?: readonly SqlSortValue[] | undefined;
  /** At most this many rows; none when undefined. */
  readonly limit?: number | undefined;
}

/** The SQL operator of each comparison (the same in both dialects). */
const COMPARE_OPERATORS: Readonly<Record<CompareOp, string>> = Object.freeze({
  eq: "=",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
});

/**
 * The SQL operator of a comparison.
 *
 * @throws {QuireError} `INVALID_FILTER` for an operator that is not one (a tree built by hand).
 */
export function sqlOperator(op: CompareOp): string {
  if (!Object.hasOwn(COMPARE_OPERATORS, op)) {
    throw new QuireError("INVALID_FILTER", `Cannot compile filter: unknown operator ${quote(op)}`);
  }
  return COMPARE_OPERATORS[op];
}

/** Sort directions. */
export const SQL_DIRECTIONS = Object.freeze({ ascending: "ASC", descending: "DESC" });

/** A value as SQLite's `json_extract` returns it (and as a cursor holds it). */
export type SqlSortValue = null | number | string;

/**
 * The value SQLite's `json_extract` returns for a JSON value.
 *
 * @param value A JSON value, or `undefined` for a missing path.
 * @returns `null`, a number or a string.
 *
 * @example
 * ```ts
 * import { sqlValueOf } from "./sql_value.ts";
 * sqlValueOf(true); // 1
 * sqlValueOf([1, "a"]); // '[1,"a"]'
 * sqlValueOf(undefined); // null
 * ```
 */
export function sqlValueOf(value: unknown): SqlSortValue {
  switch (typeof value) {
    case "undefined":
      return null;
    case "boolean":
      return value ? 1 : 0;
    case "number":
      // -0 is written "0" in JSON, and SQLite has no negative zero.
      return value === 0 ? 0 : value;
    case "string":
      return value;
    case "object":
      return value === null ? null : JSON.stringify(value);
    default:
      throw new TypeError(`Not a JSON value: ${quote(value)}`);
  }
}

/**
 * Compares two SQL values in SQLite's `ORDER BY` order: NULL, then numbers by value, then text
 * by Unicode code point.
 *
 * @returns A negative number, zero or a positive number, as for `Array.prototype.sort`.
 *
 * @example
 * ```ts
 * import { compareSqlValues } from "./sql_value.ts";
 * compareSqlValues(null, 0) < 0; // true
 * compareSqlValues(10, "1") < 0; // true: numbers sort before text
 * compareSqlValues("\u{1F600}", "\uFFFF") > 0; // true: code point order
 * ```
 */
export function compareSqlValues(a: SqlSortValue, b: SqlSortValue): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  return compareCodePoints(a as string, b as string);
}

function rank(value: SqlSortValue): number {
  return value === null ? 0 : typeof value === "number" ? 1 : 2;
}

/** Longest LIKE pattern SQLite accepts by default (`SQLITE_MAX_LIKE_PATTERN_LENGTH`), in bytes. */
export const MAX_LIKE_PATTERN_BYTES = 50_000;

/**
 * Checks a value a filter compares with, for both back ends: a number must be finite; a string
 * must be well-formed Unicode without NUL (the driver cannot bind NUL, and a lone surrogate has
 * no UTF-8 form); anything else must be a boolean or null.
 *
 * @param value The value.
 * @param what What the value is, for the error message: `"value"`, `"prefix"`, `"pattern"`.
 * @throws {QuireError} `INVALID_FILTER`.
 */
export function checkFilterValue(value: unknown, what = "value"): void {
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) {
        throw new QuireError(
          "INVALID_FILTER",
          `Invalid filter ${what} ${quote(value)}: not finite`,
        );
      }
      return;
    case "string":
      if (value.includes("\0")) {
        throw new QuireError(
          "INVALID_FILTER",
          `Invalid filter ${what} ${quote(value)}: it contains a NUL character`,
        );
      }
      if (!value.isWellFormed()) {
        throw new QuireError(
          "INVALID_FILTER",
          `Invalid filter ${what} ${quote(value)}: it has a lone surrogate`,
        );
      }
      return;
    case "boolean":
      return;
    default:
      if (value === null) return;
      throw new QuireError(
        "INVALID_FILTER",
        `Invalid filter ${what} ${quote(value)}: expected null, a boolean, a number or a string`,
      );
  }
}

/**
 * Checks the string operand of `like` (a pattern) or `startsWith` (a prefix): a valid filter
 * string of at most {@linkcode MAX_LIKE_PATTERN_BYTES} UTF-8 bytes, the most SQLite's LIKE
 * accepts; `startsWith` takes the same, so the two string operators take operands of one size
 * (the parsers allow fewer: `FILTER_LIMITS.textLength` characters).
 * @param what `"pattern"` or `"prefix"`, for the message.
 * @throws {QuireError} `INVALID_FILTER`.
 */
export function checkStringOperand(
  value: unknown,
  what: "pattern" | "prefix",
): asserts value is string {
  if (typeof value !== "string") {
    throw new QuireError(
      "INVALID_FILTER",
      `Invalid filter ${what} ${quote(value)}: expected a string`,
    );
  }
  checkFilterValue(value, what);
  if (value.length * 3 > MAX_LIKE_PATTERN_BYTES && utf8Bytes(value) > MAX_LIKE_PATTERN_BYTES) {
    throw new QuireError(
      "INVALID_FILTER",
      `Invalid filter ${what} ${quote(value)}: it is over ${MAX_LIKE_PATTERN_BYTES} UTF-8 bytes`,
    );
  }
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}
