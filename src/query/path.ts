/**
 * Dotted paths into a document (`author.name`, `tags.0`) and their SQLite JSON-path form.
 *
 * A path is a list of segments: a key, or (for a segment of digits) an array index. An index
 * only ever reads an array: `tags.0` on an object with a key "0" finds nothing, on every
 * backend. In SQL each key is written as a JSON string (`$."author"."name"`), which SQLite
 * (3.45 and later) reads with JSON's escapes, so a key may hold `.`, `"`, `'`, `]`, `$`, spaces
 * or anything else: it stays data.
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
  return path.split(".").map((segment) => {
    if (segment === "") {
      throw new QuireError(code, `Invalid path ${quote(path)}: it has an empty segment`);
    }
    return INDEX.test(segment) ? Number(segment) : segment;
  });
}

/** The SQLite JSON path for segments: `$."author"."name"[0]`, every key a JSON string. */
export function sqlJsonPath(segments: readonly PathSegment[]): string {
  let path = "$";
  for (const segment of segments) {
    path += typeof segment === "number" ? `[${segment}]` : `.${JSON.stringify(segment)}`;
  }
  return path;
}

/**
 * A JSON path as a SQL string literal (single quotes doubled). Index expressions need the path
 * as a literal, and a query must use the same literal for SQLite to match it with the index.
 */
export function sqlJsonPathLiteral(segments: readonly PathSegment[]): string {
  return `'${sqlJsonPath(segments).replaceAll("'", "''")}'`;
}
