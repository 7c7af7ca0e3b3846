/**
 * Opaque pagination cursors: base64url JSON that names the query it belongs to (a hash of its
 * filter and sort) and the sort values and id of the last item of the previous page.
 *
 * @module
 */

import { isPlainObject } from "./document.ts";
import { QuireError } from "./errors.ts";
import { fnv1a } from "./hash.ts";

/** A value a cursor holds: what SQLite's json_extract gives for a sort key, or an id. */
export type CursorValue = null | number | string;

const MAX_CURSOR_LENGTH = 4096;

/** Encodes a cursor for `query` (a short tag naming the query) resuming after `values`. */
export function encodeCursor(query: string, values: readonly CursorValue[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ q: query, k: values }));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Decodes a cursor made by {@linkcode encodeCursor} for the same `query`.
 *
 * @param length How many values the query's cursors hold (sort keys + 1 for the id).
 * @throws {QuireError} `INVALID_FILTER` when the cursor is malformed or from another query.
 */
export function decodeCursor(cursor: unknown, query: string, length: number): CursorValue[] {
  const invalid = () =>
    new QuireError(
      "INVALID_FILTER",
      "Invalid cursor: pass the `next` value of the previous page of the same query",
    );
  if (
    typeof cursor !== "string" || cursor.length > MAX_CURSOR_LENGTH ||
    !/^[A-Za-z0-9_-]+$/.test(cursor)
  ) {
    throw invalid();
  }
  let value: unknown;
  try {
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw invalid();
  }
  if (!isPlainObject(value) || value.q !== query || !Array.isArray(value.k)) throw invalid();
  const values = value.k as unknown[];
  const ok = values.length === length && typeof values[length - 1] === "string" &&
    values.every((item) =>
      item === null || typeof item === "string" ||
      (typeof item === "number" && Number.isFinite(item))
    );
  if (!ok) throw invalid();
  return values as CursorValue[];
}

/**
 * Checks a page option's `after`: `undefined` means "no cursor", the first page (what the first
 * call of a paging loop passes: `find(f, { after: page?.next })`); a string goes on to
 * {@linkcode decodeCursor}; anything else (`null`, a number) is refused, so that a loop that
 * lost its cursor fails instead of silently starting over.
 *
 * @throws {QuireError} `INVALID_OPTION` when `after` is neither a string nor `undefined`.
 */
export function checkAfter(after: unknown): string | undefined {
  if (after === undefined || typeof after === "string") return after;
  throw new QuireError(
    "INVALID_OPTION",
    "after must be a cursor string from a page's next; leave it out for the first page",
  );
}

/** A short, stable tag for a query (a hash of its canonical JSON), so cursors stay with it. */
export function queryTag(query: unknown): string {
  return fnv1a(JSON.stringify(query));
}
