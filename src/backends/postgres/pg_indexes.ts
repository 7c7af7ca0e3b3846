/**
 * The expression indexes that a collection's `indexes` option asks for on Postgres.
 *
 * An index on paths `a, b` holds each path's sort expressions (`R, N, H`, pg_query_sql.ts
 * `pgIndexExpressions`, the very expressions the compiled filters and sorts use), then `id`:
 * with the id last, an equality on the paths reads its matches in result order (ties and the
 * default sort are by id) and stops at the limit, rather than sorting every match. An index's
 * name is `<table>_ix_<hash>` of its paths and columns, so it stays the same while they do,
 * and an index that an older quire made differently is dropped and made again.
 *
 * @module
 */

import { fnv1a } from "../../hash.ts";
import { parsePath } from "../../query/path.ts";
import type { PgQueryable } from "./driver.ts";
import { pgIndexExpressions } from "./pg_query_sql.ts";

/** The indexes on `paths` of a document table (`quire_docs_<id>`), as name → columns. */
export function indexesOn(table: string, paths: readonly string[]): [string, string][] {
  const expressions = pgIndexExpressions(paths.map((path) => parsePath(path, "INVALID_OPTION")));
  return expressions.map((list) => {
    const text = [...list, "id"].join(", ");
    return [`${table}_ix_${fnv1a(JSON.stringify([paths, text]))}`, text];
  });
}

/**
 * Makes the indexes of collection `catalogId`'s table those that `indexes` asks for: creates
 * the missing ones and drops the others.
 *
 * @param schema The schema as an SQL identifier (quoted: pg_schema.ts `schemaIdentifier`).
 * @throws {QuireError} `INVALID_OPTION` for a path that does not parse.
 */
export async function syncIndexes(
  on: PgQueryable,
  schema: string,
  catalogId: number,
  indexes: readonly (string | readonly string[])[],
): Promise<void> {
  const bare = `quire_docs_${catalogId}`;
  const wanted = new Map<string, string>();
  for (const index of indexes) {
    const paths = typeof index === "string" ? [index] : index;
    for (const [name, columns] of indexesOn(bare, paths)) wanted.set(name, columns);
  }
  const existing = await on.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = $2
       AND indexname LIKE $3`,
    [schema.slice(1, -1), bare, `${bare}\\_i%`],
  );
  for (const { name } of existing) {
    if (!wanted.has(name)) await on.query(`DROP INDEX ${schema}."${name}"`);
  }
  for (const [name, columns] of wanted) {
    await on.query(`CREATE INDEX IF NOT EXISTS "${name}" ON ${schema}."${bare}" (${columns})`);
  }
}
