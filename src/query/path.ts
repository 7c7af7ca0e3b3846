/**
 * Dotted paths into a document (`author.name`, `tags.0`) and their SQLite JSON-path form.
 *
 * @module
 */

import { QuireError, quote } from "../errors.ts";

/** One step of a path: an object key, or an array index. */
export type PathSegment = string | number;

const INDEX = /^(0|[1-9][0-9]{0,8})$/;
const MAX_PATH_LENGTH = 256;

/**
 * Splits a dotted path. A segment of digits is an array index; every other segment is a key.
 *
 * @throws {QuireError} `code` (`INVALID_FILTER` by default) when the path is empty, too long,
 *   has an empty segment, or a key SQLite's JSON paths cannot address (one with `"`).
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
  return path.split(".").map((segment) => {
    if (segment === "") {
      throw new QuireError(code, `Invalid path ${quote(path)}: it has an empty segment`);
    }
    // deno-lint-ignore no-control-regex
    if (/["\u0000-\u001f]/.test(segment) || !segment.isWellFormed()) {
      throw new QuireError(
        code,
        `Invalid path ${quote(path)}: a key may not hold '"' or control characters`,
      );
    }
    return INDEX.test(segment) ? Number(segment) : segment;
  });
}

/**
 * The SQLite JSON path for segments, every key double-quoted: `$."author"."name"[0]`. Keys
 * cannot contain `"` (parsePath refuses them), so the quoting is total.
 */
export function sqlJsonPath(segments: readonly PathSegment[]): string {
  let path = "$";
  for (const segment of segments) {
    path += typeof segment === "number" ? `[${segment}]` : `."${segment}"`;
  }
  return path;
}

/** A JSON path as a SQL string literal (single quotes doubled), for index expressions. */
export function sqlJsonPathLiteral(segments: readonly PathSegment[]): string {
  return `'${sqlJsonPath(segments).replaceAll("'", "''")}'`;
}
