/**
 * The expression indexes that a collection's `indexes` option asks for on SQLite.
 *
 * An index on paths `a, b` is `(json_extract(data, a), json_extract(data, b), id)`. The last
 * column, `id`, is the order of every result (ties are broken by id, and id is the default
 * sort): with it, an equality on the paths reads its matches from the index in result order and
 * stops at the limit; without it SQLite reads every match and sorts them in a temporary B-tree
 * (18.65 ms for 50 of 4,500 matches at 1,000,000 documents, bench/suite/why.md). An index's
 * name is a hash of its columns' text, so an index that an older quire made differently has
 * another name, and {@linkcode syncIndexes} drops it and makes the new one.
 *
 * @module
 */

import { fnv1a } from "../../hash.ts";
import { parsePath } from "../../query/path.ts";
import type { Database } from "../../sqlite/driver.ts";
import { sqlJsonPathLiteral } from "./json_path.ts";

/** The column list of the index on `paths`, e.g. `json_extract(data, '$."year"'), id`. */
export function indexColumns(paths: readonly string[]): string {
  const expressions = paths.map((path) =>
    `json_extract(data, ${sqlJsonPathLiteral(parsePath(path, "INVALID_OPTION"))})`
  );
  return [...expressions, "id"].join(", ");
}

/** The name of the index on `paths` of `table`: `<table>_ix_<hash of its columns>`. */
export function indexName(table: string, paths: readonly string[]): string {
  return `${table}_ix_${fnv1a(indexColumns(paths))}`;
}

/**
 * Makes `table`'s indexes those that `indexes` asks for: creates the missing ones and drops
 * the others (those of paths no longer asked for, and those an older quire made differently).
 *
 * @throws {QuireError} `INVALID_OPTION` for a path that does not parse.
 */
export function syncIndexes(
  db: Database,
  table: string,
  indexes: readonly (string | readonly string[])[],
): void {
  const wanted = new Map<string, string>();
  for (const index of indexes) {
    const paths = typeof index === "string" ? [index] : index;
    wanted.set(indexName(table, paths), indexColumns(paths));
  }
  const existing = db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name LIKE ? ESCAPE '\\'",
  ).all<{ name: string }>(table, `${table.replaceAll("_", "\\_")}\\_ix\\_%`);
  for (const { name } of existing) {
    if (!wanted.has(name)) db.exec(`DROP INDEX ${name}`);
  }
  for (const [name, columns] of wanted) {
    db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${columns})`);
  }
}
