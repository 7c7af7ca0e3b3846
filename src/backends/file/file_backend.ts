/**
 * The file backend: one JSON file per document under a directory, with the same behaviour as
 * the other backends. Revisions, conflicts and transactions come from
 * {@linkcode BufferedBackend}; {@linkcode FileStore} keeps the committed records and makes each
 * commit atomic (see file_store.ts for the layout and its guarantees). One process, and one
 * open store in it, may write at a time, enforced by a lock file (writer_lock.ts): a second
 * writer is refused with `BUSY`. For several writing processes use SQLite.
 *
 * @module
 */

import type { SyncBackend } from "../sync_backend.ts";
import { BufferedBackend } from "../buffered_backend.ts";
import { FileStore } from "./file_store.ts";

/** Options of {@linkcode openFileBackend}. */
export interface FileBackendOptions {
  /** Never write; the directory must exist. @default false */
  readonly?: boolean | undefined;
}

/**
 * Opens (creating if needed) a directory as a file backend.
 *
 * @example
 * ```ts
 * import { openFileBackend } from "./file_backend.ts";
 * const backend = openFileBackend("data/notes", { readonly: false });
 * console.log(backend.collections());
 * backend.close();
 * ```
 * @param dir The store's directory.
 * @param options `readonly`.
 * @returns The backend.
 * @throws {QuireError} `NOT_FOUND` (read-only, no directory), `UNSUPPORTED` (a directory that
 *   is not a store), `BUSY` (another writer holds it), `CORRUPT`, `SCHEMA_TOO_NEW`, `STORAGE`.
 */
export function openFileBackend(dir: string, options: FileBackendOptions = {}): SyncBackend {
  return new BufferedBackend(new FileStore(dir, { readonly: options.readonly === true }));
}
