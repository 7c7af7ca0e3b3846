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
import type { Store } from "./store.ts";

/**
 * The lines of an NDJSON export of `store`, each ending in `\n`: first the header, then every
 * document as `store.export()` yields it.
 *
 * @example
 * ```ts
 * import { exportNdjson, open } from "quire";
 * const store = await open("memory://");
 * await store.collection("notes").put("n1", { title: "Hello" });
 * for await (const line of exportNdjson(store)) console.log(line.trimEnd());
 * ```
 */
export async function* exportNdjson(store: Store): AsyncGenerator<string> {
  const collections: ExportHeader["collections"] = {};
  for (const { name, options } of await store.collections()) collections[name] = options;
  const header: ExportHeader = {
    format: "quire-export",
    version: 1,
    exportedAt: new Date().toISOString(),
    collections,
  };
  yield `${JSON.stringify(header)}\n`;
  for await (const record of store.export()) yield `${JSON.stringify(record)}\n`;
}

/**
 * Writes an NDJSON export of `store` to the file `path` (created or truncated), flushing it to
 * disk at the end.
 *
 * @returns How many documents were written.
 * @throws {QuireError} `INVALID_OPTION` for a path that is not one, `STORAGE` when the file cannot
 *   be written (a missing directory, a directory in its place, a full disk).
 */
export async function writeExport(store: Store, path: string): Promise<{ documents: number }> {
  checkFilePath(path, "write an export");
  const fd = storage(path, () => openSync(path, "w"));
  let documents = -1; // the header is not a document
  try {
    let buffer = "";
    for await (const line of exportNdjson(store)) {
      documents++;
      buffer += line;
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
