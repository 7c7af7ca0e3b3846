/**
 * The memory backend's column cache: per collection, a column (src/query/columns.ts) for each
 * field that filters have read, aligned with the collection's records in id order, so that a
 * filtered scan reads flat arrays instead of documents.
 *
 * A column costs a pass over every record to build and about 20 bytes per record to keep, so
 * columns are built only for a collection that is scanned a second time with no write in
 * between: a workload that writes between its queries keeps evaluating documents, as before.
 * Any write to a collection drops its columns (its records, and so the rows, changed).
 *
 * @module
 */

import type { Filter } from "../query/ast.ts";
import {
  buildColumn,
  type Column,
  compileRowFilter,
  fieldKey,
  filterFields,
  type RowFilter,
} from "../query/columns.ts";
import type { QueryEntry } from "../query/evaluate.ts";

/** Most columns kept for one collection; one more and its columns start over. */
export const MAX_CACHED_COLUMNS = 32;
/** Most distinct fields a filter may read to run over columns; more, and it reads documents. */
export const MAX_COLUMN_FILTER_FIELDS = 16;

/** Columns of the collections that were scanned since their last write. */
export class ColumnCache {
  /** Per collection scanned since its last write: its columns, by field key. */
  #collections = new Map<string, Map<string, Column>>();

  /**
   * The filter as a filter of the rows of the collection's records (row `i` is the record at
   * `i` in id order), or `undefined` when the scan should evaluate documents instead: on the
   * first scan since the collection's last write (which only marks it as scanned), and for a
   * filter reading more than {@linkcode MAX_COLUMN_FILTER_FIELDS} fields.
   *
   * @param collection The collection.
   * @param filter A filter that `compileFilter` accepted.
   * @param entries The collection's records as filters read them, in id order; called only
   *   when a column has to be built.
   * @returns The row filter, or `undefined`.
   */
  rowFilter(
    collection: string,
    filter: Filter,
    entries: () => readonly QueryEntry[],
  ): RowFilter | undefined {
    const columns = this.#collections.get(collection);
    if (columns === undefined) {
      this.#collections.set(collection, new Map());
      return undefined;
    }
    const fields = filterFields(filter);
    if (fields.length > MAX_COLUMN_FILTER_FIELDS) return undefined;
    let missing = fields.filter((field) => !columns.has(fieldKey(field)));
    if (missing.length > 0) {
      if (columns.size + missing.length > MAX_CACHED_COLUMNS) {
        columns.clear();
        missing = fields;
      }
      const rows = entries();
      for (const field of missing) columns.set(fieldKey(field), buildColumn(rows, field));
    }
    return compileRowFilter(filter, (field) => columns.get(fieldKey(field))!);
  }

  /** How many columns the collection has cached (for tests). */
  size(collection: string): number {
    return this.#collections.get(collection)?.size ?? 0;
  }

  /** Drops the collection's columns, and its mark of having been scanned: it was written. */
  forget(collection: string): void {
    this.#collections.delete(collection);
  }

  /** Drops every column. */
  clear(): void {
    this.#collections.clear();
  }
}
