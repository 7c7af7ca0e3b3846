/**
 * The `limit` option of the calls that return pages (`find`, `search`): a whole number ≥ 1,
 * clamped to the call's largest page.
 *
 * @module
 */

import { QuireError, quote } from "./errors.ts";

/**
 * The page size to use.
 *
 * @param limit What the caller gave.
 * @param fallback The size when `limit` is `undefined`.
 * @param max The largest size; larger limits are clamped to it.
 * @throws {QuireError} `INVALID_OPTION` for anything but a whole number ≥ 1.
 */
export function checkLimit(limit: unknown, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    throw new QuireError(
      "INVALID_OPTION",
      `Invalid limit ${quote(limit)}: expected a whole number ≥ 1`,
    );
  }
  return Math.min(limit, max);
}
