/**
 * Opaque pagination cursors: base64url JSON that names the query it belongs to and the last
 * key the previous page returned.
 *
 * @module
 */

import { isPlainObject } from "./document.ts";
import { QuireError } from "./errors.ts";

const MAX_CURSOR_LENGTH = 4096;

/** Encodes a cursor for `query` (a short tag naming the query) resuming after `key`. */
export function encodeCursor(query: string, key: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ q: query, k: key }));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Decodes a cursor made by {@linkcode encodeCursor} for the same `query`.
 * @throws {QuireError} `INVALID_FILTER` when the cursor is malformed or from another query.
 */
export function decodeCursor(cursor: unknown, query: string): string {
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
  if (!isPlainObject(value) || value.q !== query || typeof value.k !== "string") throw invalid();
  return value.k;
}
