/**
 * quire: an embedded JSON document store for Bun and Deno, on the runtime's own SQLite.
 *
 * @example
 * ```ts
 * import { open } from "quire";
 * await using store = await open("sqlite::memory:");
 * const notes = store.collection("notes");
 * await notes.put("n1", { title: "Hello", tags: ["greeting"] });
 * console.log(await notes.get("n1"));
 * ```
 *
 * @module
 */

export { DEFAULT_URL, open, type OpenOptions, parseUrl } from "./src/open.ts";
export {
  type CheckReport,
  type ExportOptions,
  type ExportRecord,
  type IndexProgressEvent,
  Store,
  type StoreStats,
  type Transaction,
} from "./src/store.ts";
export {
  Collection,
  DEFAULT_LIMIT,
  type Entry,
  type Explain,
  type FilterInput,
  type FindOptions,
  type GetOptions,
  MAX_LIMIT,
  MAX_RESOLVE_DEPTH,
  type Meta,
  type Page,
  type WriteOptions,
} from "./src/collection.ts";
export type { CollectionOptions, NormalizedOptions } from "./src/collection_options.ts";
export {
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_LIMIT,
  type SearchHit,
  type SearchOptions,
  type SearchPage,
} from "./src/collection_search.ts";
export type { FacetCount, Problem as CheckProblem, RestoreMode } from "./src/backend/types.ts";
export type { HighlightOptions } from "./src/search/highlight.ts";
export type {
  SearchOptions as NormalizedSearchFieldOptions,
  SearchOptionsInput as SearchFieldOptions,
} from "./src/search/search_options.ts";
export type { TokenizerName } from "./src/search/tokenize.ts";
export {
  DEFAULT_MAX_DOCUMENT_BYTES,
  type Document,
  type JsonValue,
  MAX_DEPTH,
} from "./src/document.ts";
export { ERROR_CODES, type ErrorCode, QuireError } from "./src/errors.ts";
export type {
  ExportHeader,
  ImportFailure,
  ImportOptions,
  ImportProgress,
  ImportResult,
  ImportSource,
} from "./src/import.ts";
export { MAX_ID_BYTES } from "./src/names.ts";
export { isRef, type Ref, ref } from "./src/refs.ts";
export type { SqliteOptions } from "./src/backends/sqlite/sqlite_backend.ts";
export type { PgDriverName, PgDriverOptions, SslMode } from "./src/backends/postgres/pg_config.ts";
export { exportNdjson, writeExport, type WriteExportOptions } from "./src/ndjson.ts";
