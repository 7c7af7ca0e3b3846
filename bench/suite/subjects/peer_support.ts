/**
 * What the peer subjects (bench/suite/subjects/*.ts other than quire's) share: the reasons they
 * give for what they cannot do, the size of what they keep on disk, and promises over callbacks.
 *
 * @module
 */

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Instance, Operation, Subject } from "../types.ts";

/** The search operations (the cold-start one included). */
export const SEARCH_OPERATIONS = [
  "searchTerm",
  "searchTwoTerms",
  "searchPhrase",
  "searchPrefix",
  "searchFiltered",
  "searchHighlighted",
  "coldStartSearch",
] as const satisfies readonly Operation[];

/** The storage operations: everything a document store does besides search. */
export const STORAGE_OPERATIONS = [
  "put",
  "putMany",
  "get",
  "getResolved",
  "findIndexed",
  "findUnindexed",
  "count",
  "export",
  "import",
  "coldStartGet",
] as const satisfies readonly Operation[];

/** `cannot` entries giving one reason for each of `operations`. */
export function cannotAll(
  operations: readonly Operation[],
  reason: string,
): Partial<Record<Operation, string>> {
  return Object.fromEntries(operations.map((operation) => [operation, reason]));
}

/** The bytes of every file under `dir` (a store's file, its journal, temporary files). */
export function directoryBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? directoryBytes(path) : statSync(path).size;
  }
  return bytes;
}

/** A promise for a Node-style callback API that passes only an error (LokiJS's). */
export function settled(start: (done: (error?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    start((error) => error ? reject(error) : resolve());
  });
}

/**
 * `open` and `reopen` of a peer that keeps its documents in a file: `load` opens the file (empty
 * at first); `open` then imports the documents.
 */
export function loadThenImport(
  load: (dir: string) => Promise<Instance>,
): Pick<Subject, "open" | "reopen"> {
  return {
    async open(dir, docs) {
      const instance = await load(dir);
      await instance.importAll!(docs);
      return instance;
    },
    reopen: load,
  };
}
