/**
 * The options a collection is created with. They are persisted in the backend's catalog, so a
 * second process that opens the same data sees the same options.
 *
 * @module
 */

import { isPlainObject } from "./document.ts";
import { QuireError, quote } from "./errors.ts";
import { parsePath } from "./query/path.ts";
import {
  normalizeSearchOptions,
  type SearchOptions,
  type SearchOptionsInput,
} from "./search/search_options.ts";

/** Options of a collection. */
export interface CollectionOptions {
  /**
   * JSON paths to index (SQLite: expression indexes on `json_extract`); a nested array is one
   * composite index. The memory and file backends accept and persist the list.
   * @default []
   */
  indexes?: (string | string[])[] | undefined;
  /**
   * Full-text search over these JSON paths (strings, and the strings in arrays): FTS5 on
   * SQLite, an inverted index with the same tokenizer and BM25 on the memory and file
   * backends. Changing it rebuilds the index.
   */
  search?: SearchOptionsInput | undefined;
}

/** Options after {@linkcode normalizeOptions}. */
export interface NormalizedOptions extends CollectionOptions {
  /** The `search` option in canonical form. */
  search?: SearchOptions;
}

const MAX_INDEXES = 32;
const MAX_INDEX_PATHS = 8;

/**
 * Checks options and returns them in canonical form (known keys only, in a fixed order), so
 * that two equal option sets serialise to the same JSON.
 *
 * @throws {QuireError} `INVALID_OPTION`.
 */
export function normalizeOptions(options: unknown): NormalizedOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) {
    throw new QuireError("INVALID_OPTION", "Invalid collection options: expected an object");
  }
  for (const key of Object.keys(options)) {
    if (key !== "indexes" && key !== "search") {
      throw new QuireError(
        "INVALID_OPTION",
        `Invalid collection options: unknown option ${quote(key)}`,
      );
    }
  }
  const normalized: NormalizedOptions = {};
  if (options.indexes !== undefined) normalized.indexes = normalizeIndexes(options.indexes);
  if (options.search !== undefined) normalized.search = normalizeSearchOptions(options.search);
  return normalized;
}

function normalizeIndexes(indexes: unknown): (string | string[])[] {
  if (!Array.isArray(indexes) || indexes.length > MAX_INDEXES) {
    throw new QuireError(
      "INVALID_OPTION",
      `Invalid indexes: expected an array of at most ${MAX_INDEXES} paths`,
    );
  }
  return indexes.map((index) => {
    if (typeof index === "string") {
      parsePath(index, "INVALID_OPTION");
      return index;
    }
    if (!Array.isArray(index) || index.length === 0 || index.length > MAX_INDEX_PATHS) {
      throw new QuireError(
        "INVALID_OPTION",
        `Invalid index ${
          quote(index)
        }: expected a path or an array of 1 to ${MAX_INDEX_PATHS} paths`,
      );
    }
    for (const path of index) parsePath(path, "INVALID_OPTION");
    return [...index] as string[];
  });
}

/** Whether two normalized option sets are the same. */
export function sameOptions(a: CollectionOptions, b: CollectionOptions): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The options of a catalog entry, stored as JSON text (SQLite, Postgres).
 *
 * @throws {QuireError} `CORRUPT` when the text does not hold valid options.
 */
export function parseStoredOptions(name: string, text: string): NormalizedOptions {
  try {
    return normalizeOptions(JSON.parse(text));
  } catch (error) {
    throw new QuireError("CORRUPT", `The catalog entry of collection "${name}" is unreadable`, {
      cause: error,
    });
  }
}
