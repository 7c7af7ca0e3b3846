/**
 * Bytes on disk under a path: every file below it (a database, its WAL, a directory of
 * documents), by their sizes.
 *
 * @module
 */

import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The total size of the files under `path` (0 when nothing is there). */
export function bytesUnder(path: string): number {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const name of readdirSync(path)) total += bytesUnder(join(path, name));
  return total;
}
