/**
 * SQLite's JSON paths (`$."author"."name"[0]`) for the dialect-free paths of src/query/path.ts.
 * Each key is written as a JSON string, which SQLite (3.45 and later) reads with JSON's escapes,
 * so a key may hold `.`, `"`, `'`, `]`, `$`, spaces or anything else: it stays data. A key
 * holding NUL is refused (SQLite would read it only up to the NUL; see path.ts).
 *
 * @module
 */

import { QuireError, quote } from "../../errors.ts";
import { NUL_KEY, type PathSegment } from "../../query/path.ts";

/**
 * The SQLite JSON path for segments: `$."author"."name"[0]`, every key a JSON string.
 *
 * @throws {QuireError} `INVALID_FILTER` for a key holding NUL, which SQLite would read only up
 *   to the NUL (see the module's notes).
 */
export function sqlJsonPath(segments: readonly PathSegment[]): string {
  let path = "$";
  for (const segment of segments) {
    if (typeof segment === "number") {
      path += `[${segment}]`;
    } else {
      if (segment.includes("\0")) {
        throw new QuireError(
          "INVALID_FILTER",
          `Invalid path segment ${quote(segment)}: ${NUL_KEY}`,
        );
      }
      path += `.${JSON.stringify(segment)}`;
    }
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
