/**
 * Binary search in a list of ids sorted in code point order (SQLite's BINARY collation, the
 * order every backend lists and pages ids in): the one search the memory store, the file
 * store's listings and the buffered backend's pages share.
 *
 * @module
 */

import { compareCodePoints } from "../names.ts";

/**
 * The index of the first id in `ids` (sorted by code point, no id twice) that does not come
 * before `id`: where `id` is, or where it would go.
 */
export function idPosition(ids: readonly string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareCodePoints(ids[middle] ?? "", id) < 0) low = middle + 1; // middle < ids.length
    else high = middle;
  }
  return low;
}
