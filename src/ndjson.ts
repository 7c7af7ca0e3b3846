/**
 * NDJSON export: a header line (format version, collections and their options), then one line
 * per document. Written in constant memory; `store.import()` reads it back.
 *
 * @module
 */

import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { QuireError, quote } from "./errors.ts";
import type { ExportHeader } from "./import.ts";
import { checkFilePath } from "./names.ts";
import type { ExportOptions, Store } from "./store.ts";

/**
 * The lines of an NDJSON export of `store` (or of `options.collections`), each ending in `\n`:
 * first the header, then every document as `store.export()` yields it.
 *
 * @example
 * ```ts
 * import { exportNdjson, open } from "quire";
 * const store = await open("memory://");
 * await store.collection("notes").put("n1", { title: "Hello" });
 * for await (const line of exportNdjson(store)) console.log(line.trimEnd());
 * ```
 * @throws {QuireError} `INVALID_NAME` or `NOT_FOUND` for a named collection, at the first line.
 */
export async function* exportNdjson(
  store: Store,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  const collections: ExportHeader["collections"] = {};
  for (const { name, options: kept } of await store.exportedCollections(options)) {
    collections[name] = kept;
  }
  const header: ExportHeader = {
    format: "quire-export",
    version: 1,
    exportedAt: new Date().toISOString(),
    collections,
  };
  yield `${JSON.stringify(header)}\n`;
  for await (const record of store.export(options)) yield `${JSON.stringify(record)}\n`;
}

/** Options of {@linkcode writeExport}. */
export interface WriteExportOptions extends ExportOptions {
  /** Called with the number of documents written so far, every 500 and at the end. */
  onProgress?: ((documents: number) => void) | undefined;
}

/** How often `writeExport` reports its progress, in documents. */
const PROGRESS_EVERY = 500;

/**
 * Writes an NDJSON export of `store` to the file `path` (created or truncated), flushing it to
 * disk at the end.
 *
 * @returns How many documents were written.
 * @throws {QuireError} `INVALID_OPTION` for a path that is not one, `STORAGE` when the file cannot
 *   be written (a missing directory, a directory in its place, a full disk), `INVALID_NAME` or
 *   `NOT_FOUND` for a named collection.
 */
export async function writeExport(
  store: Store,
  path: string,
  options: WriteExportOptions = {},
): Promise<{ documents: number }> {
  checkFilePath(path, "write an export");
  const lines = exportNdjson(store, options);
  // The header first: a bad collection name fails before the file is touched.
  let buffer = (await lines.next()).value as string;
  const fd = storage(path, () => openSync(path, "w"));
  let documents = 0;
  try {
    for await (const line of lines) {
      buffer += line;
      if (++documents % PROGRESS_EVERY === 0) options.onProgress?.(documents);
      if (buffer.length >= 1 << 16) {
        storage(path, () => writeSync(fd, buffer));
        buffer = "";
      }
    }
    storage(path, () => {
      writeSync(fd, buffer);
      fsyncSync(fd);
    });
  } finally {
    closeSync(fd);
  }
  options.onProgress?.(documents);
  return { documents };
}

/** Runs a file system call; its error becomes a STORAGE QuireError (kept as the cause). */
function storage<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new QuireError("STORAGE", `Cannot write an export to ${quote(path)}: ${reason}`, {
      cause: error,
    });
  }
}
