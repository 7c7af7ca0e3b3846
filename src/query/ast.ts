/**
 * The filter AST: what both front ends (the object form, parse_object.ts, and the text form,
 * parse_text.ts) produce, and what both back ends (the SQL compiler,
 * src/backends/sqlite/to_sql.ts, and the evaluator, evaluate.ts) consume. Nodes are plain
 * objects with a `kind`, typed read-only and never changed once built. Fields are also frozen, because the parsers share one field object
 * per path among queries; the other nodes belong to one query and are not frozen, which would
 * make every query slower to build and to hash (Bun's JSON.stringify is 3× slower on frozen
 * objects).
 *
 * ## Semantics (the same on every backend)
 *
 * A field is a JSON path into the document or a metadata column (`$id`, `$rev`, `$createdAt`,
 * `$updatedAt`). Reading a path gives a JSON value, or *missing*.
 *
 * - `compare` is type-strict: a number matches numbers (integers and floats by value), a string
 *   strings, a boolean booleans, `null` only a stored `null` (not a missing path). Strings order
 *   by Unicode code point (SQLite's BINARY order). Ranges (`gt gte lt lte`) take a number or a
 *   string, never a boolean or null. Arrays and objects never match a comparison.
 * - `in` matches when `compare eq` matches any of its values (an empty list matches nothing).
 * - `exists` matches when the path is present, whatever its value (`null` included).
 * - `contains` matches an array that has an element `compare eq` the value.
 * - `startsWith` matches a string with that prefix (case-sensitive).
 * - `like` matches a string against an SQL LIKE pattern: `%` any run of characters, `_` one
 *   character, letters compared ASCII case-insensitively, no escape character.
 * - `not` is plain negation, so `not(compare eq)` (`$ne`) also matches a missing path, and so do
 *   `not(in)` (`$nin`) and `not(exists)` (`$exists: false`).
 * - `and` / `or` as usual; `and` of no terms matches everything, `or` of no terms nothing.
 *
 * Sorting orders by the value SQLite's `json_extract` gives: missing and `null` first (as SQL
 * NULL), then booleans and numbers together (false = 0, true = 1), then text by code point,
 * where an array or object counts as its JSON text (so `[…]` and `{…}` sort among the strings);
 * ties are broken by id.
 *
 * @module
 */

import type { PathSegment } from "./path.ts";

/** A value a filter compares with. */
export type Scalar = null | boolean | number | string;

/** The metadata a filter or sort can use, as `$id`, `$rev`, `$createdAt`, `$updatedAt`. */
export type MetaName = "id" | "rev" | "createdAt" | "updatedAt";

/** What a filter or sort key reads: a path into the document, or a metadata column. */
export type Field =
  | { readonly kind: "path"; readonly segments: readonly PathSegment[] }
  | { readonly kind: "meta"; readonly name: MetaName };

/** Comparison operators. (`$ne` is `not` around `eq`.) */
export type CompareOp = "eq" | "gt" | "gte" | "lt" | "lte";

/** A filter node. */
export type Filter =
  | { readonly kind: "and"; readonly terms: readonly Filter[] }
  | { readonly kind: "or"; readonly terms: readonly Filter[] }
  | { readonly kind: "not"; readonly term: Filter }
  | {
    readonly kind: "compare";
    readonly op: CompareOp;
    readonly field: Field;
    readonly value: Scalar;
  }
  | { readonly kind: "in"; readonly field: Field; readonly values: readonly Scalar[] }
  | { readonly kind: "exists"; readonly field: Field }
  | { readonly kind: "contains"; readonly field: Field; readonly value: Scalar }
  | { readonly kind: "startsWith"; readonly field: Field; readonly prefix: string }
  | { readonly kind: "like"; readonly field: Field; readonly pattern: string };

/** Every kind of filter node, for `Record<Kind, ...>` dispatch tables. */
export type FilterKind = Filter["kind"];

/** One sort key; ties after the last key are broken by id, ascending. */
export interface SortKey {
  readonly field: Field;
  readonly descending: boolean;
}

/** Limits that keep a hostile filter from costing more than a normal one. */
export const FILTER_LIMITS = {
  /** Deepest nesting of and/or/not. */
  depth: 16,
  /** Most nodes in one filter. */
  terms: 256,
  /** Most values in one `$in` / `in [...]` list. */
  inValues: 1000,
  /** Longest text-form filter, in characters. */
  textLength: 8192,
  /** Most sort keys. */
  sortKeys: 8,
} as const;

/** A filter that matches every document. */
export const MATCH_ALL: Filter = Object.freeze({ kind: "and", terms: Object.freeze([]) });

/** Whether `filter` matches everything without looking (an `and` of no terms). */
export function isMatchAll(filter: Filter): boolean {
  return filter.kind === "and" && filter.terms.length === 0;
}

/** A path field. */
export function pathField(segments: readonly PathSegment[]): Field {
  return Object.freeze({ kind: "path", segments: Object.freeze([...segments]) });
}

/** A metadata field. */
export function metaField(name: MetaName): Field {
  return Object.freeze({ kind: "meta", name });
}

/** All of `terms`. */
export function and(terms: readonly Filter[]): Filter {
  return { kind: "and", terms: [...terms] };
}

/** Any of `terms`. */
export function or(terms: readonly Filter[]): Filter {
  return { kind: "or", terms: [...terms] };
}

/** Not `term`. */
export function not(term: Filter): Filter {
  return { kind: "not", term };
}

/** `field op value`. */
export function compare(op: CompareOp, field: Field, value: Scalar): Filter {
  return { kind: "compare", op, field, value };
}

/** `field` equals one of `values`. */
export function isIn(field: Field, values: readonly Scalar[]): Filter {
  return { kind: "in", field, values: [...values] };
}

/** `field` is present. */
export function exists(field: Field): Filter {
  return { kind: "exists", field };
}

/** `field` is an array with an element equal to `value`. */
export function contains(field: Field, value: Scalar): Filter {
  return { kind: "contains", field, value };
}

/** `field` is a string starting with `prefix`. */
export function startsWith(field: Field, prefix: string): Filter {
  return { kind: "startsWith", field, prefix };
}

/** `field` is a string matching the LIKE `pattern`. */
export function like(field: Field, pattern: string): Filter {
  return { kind: "like", field, pattern };
}

/** A sort key. */
export function sortKey(field: Field, descending: boolean): SortKey {
  return Object.freeze({ field, descending });
}
