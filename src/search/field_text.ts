/**
 * The text a search field indexes, as SQLite's triggers extract it (src/backends/sqlite/fts.ts):
 * a string as it is; an array, its string elements (not nested ones) joined by one space, in
 * order; anything else, or a missing path, nothing.
 *
 * @module
 */

import { type PathSegment, valueAt } from "../query/path.ts";

/** The indexed text at `segments` in `doc`, or `null`. */
export function fieldText(doc: unknown, segments: readonly PathSegment[]): string | null {
  const value = valueAt(doc, segments);
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const strings = value.filter((item): item is string => typeof item === "string");
    // group_concat of no rows is NULL.
    return strings.length === 0 ? null : strings.join(" ");
  }
  return null;
}
