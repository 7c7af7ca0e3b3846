/**
 * Turning a stored document (its metadata and its JSON text) into the entry a backend hands
 * out, the one way every backend does it: the text parsed into a fresh object, and text that
 * does not parse reported as `CORRUPT` with the collection and id.
 *
 * @module
 */

import { QuireError } from "../errors.ts";
import type { StoredEntry } from "../backend/types.ts";

/**
 * The entry of a stored document. The metadata come as separate arguments, so that a backend
 * reading rows as arrays (SQLite) or as records (memory, file) makes no object but the entry.
 *
 * @throws {QuireError} `CORRUPT` when `data` is not valid JSON.
 */
export function decodeEntry(
  collection: string,
  id: string,
  rev: number,
  createdAt: string,
  updatedAt: string,
  data: string,
): StoredEntry {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(data);
  } catch (error) {
    throw new QuireError(
      "CORRUPT",
      `Stored document ${collection}/${JSON.stringify(id)} is not valid JSON`,
      { cause: error },
    );
  }
  return { id, rev, createdAt, updatedAt, doc };
}
