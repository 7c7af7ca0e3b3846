/**
 * Dotted paths into a document (`author.name`, `tags.0`).
 *
 * A path is a list of segments: a key, or (for a segment of digits) an array index. An index
 * only ever reads an array: `tags.0` on an object with a key "0" finds nothing, on every
 * backend. A key may hold `.`, `"`, `'`, `]`, `$`, spaces or anything else: it stays data
 * (src/backends/sqlite/json_path.ts writes it as a JSON string in SQLite's JSON paths).
 *
 * Except NUL (U+0000): SQLite compares a path's key with a document's keys as C strings, so a
 * key ends at its first NUL (`$."n\u0000x"` reads the key `n`). No path can name such a key
 * faithfully on SQLite, so a key holding NUL is refused in every path, on every backend: by
 * {@linkcode parsePath}, by {@linkcode pathSegmentProblem} (which both filter compilers apply
 * to a path built by hand) and by the SQLite backend's JSON-path writer.
 *
 * @module
 */

import { QuireError, quote } from "../errors.ts";

/** One step of a path: an object key, or an array index. */
export type PathSegment = string | number;

const INDEX = /^(0|[1-9][0-9]{0,8})$/;
/** Longest dotted path, in characters. */
export const MAX_PATH_LENGTH = 256;

/**
 * Splits a dotted path. A segment of digits is an array index; every other segment is a key.
 *
 * @throws {QuireError} `code` (`INVALID_FILTER` by default) when the path is empty, too long,
 *   has an empty segment, or is not well-formed Unicode.
 */
export function parsePath(
  path: unknown,
  code: "INVALID_FILTER" | "INVALID_OPTION" = "INVALID_FILTER",
): PathSegment[] {
  if (typeof path !== "string" || path.length === 0 || path.length > MAX_PATH_LENGTH) {
    throw new QuireError(
      code,
      `Invalid path ${quote(path)}: expected 1 to ${MAX_PATH_LENGTH} characters`,
    );
  }
  if (!path.isWellFormed()) {
    throw new QuireError(code, `Invalid path ${quote(path)}: it has a lone surrogate`);
  }
  if (path.includes("\0")) {
    throw new QuireError(code, `Invalid path ${quote(path)}: ${NUL_KEY}`);
  }
  return path.split(".").map((segment) => {
    if (segment === "") {
      throw new QuireError(code, `Invalid path ${quote(path)}: it has an empty segment`);
    }
    return INDEX.test(segment) ? Number(segment) : segment;
  });
}

/** Why a key holding NUL is refused, for error messages. */
export const NUL_KEY = "a key cannot hold a NUL character (U+0000)";

/**
 * What is wrong with one segment of a path built by hand (not by {@linkcode parsePath}), or
 * `undefined` when it is a valid key or index: a key must be well-formed Unicode without NUL,
 * an index a whole number ≥ 0.
 *
 * @param segment The segment.
 * @returns The problem, as a phrase, or `undefined`.
 *
 * @example
 * ```ts
 * import { pathSegmentProblem } from "./path.ts";
 * pathSegmentProblem("n\0x"); // "a key cannot hold a NUL character (U+0000)"
 * pathSegmentProblem(0); // undefined
 * ```
 */
export function pathSegmentProblem(segment: unknown): string | undefined {
  if (typeof segment === "number") {
    return Number.isSafeInteger(segment) && segment >= 0
      ? undefined
      : "an index must be a whole number ≥ 0";
  }
  if (typeof segment !== "string") return "expected a key or an index";
  if (segment.includes("\0")) return NUL_KEY;
  if (!segment.isWellFormed()) return "a key cannot hold a lone surrogate";
  return undefined;
}

/**
 * The value at a path in a document, as every backend reads it: an index only reads an array,
 * a key only an object's own key (never `__proto__` or another inherited one).
 *
 * @param value The document (or any JSON value).
 * @param segments The path.
 * @returns The value, or `undefined` where the path leads nowhere.
 *
 * @example
 * ```ts
 * import { valueAt } from "./path.ts";
 * valueAt({ tags: ["x"] }, ["tags", 0]); // "x"
 * valueAt({ tags: { 0: "x" } }, ["tags", 0]); // undefined
 * ```
 */
export function valueAt(value: unknown, segments: readonly PathSegment[]): unknown {
  for (const segment of segments) {
    value = childAt(value, segment);
    if (value === undefined) return undefined;
  }
  return value;
}

/** One step of {@linkcode valueAt}: the value at one segment, or `undefined`. */
export function childAt(value: unknown, segment: PathSegment): unknown {
  if (typeof segment === "number") {
    return Array.isArray(value) && segment < value.length ? value[segment] : undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
}
