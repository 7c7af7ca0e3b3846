/**
 * The SQL of a search on SQLite: the FTS5 table joined to the documents on rowid, the user's
 * filter in the same statement, ranked by `bm25()` with the field weights, ties broken by id,
 * and a keyset cursor over (rank, id). Facets count values among all matches with `json_each`,
 * which yields an array's elements and a scalar itself. Everything a user sends is bound.
 *
 * @module
 */

import type { Field, Filter } from "../../query/ast.ts";
import { sqlJsonPathLiteral } from "../../query/path.ts";
import { filterToSql, type SqlFragment, type SqlParam } from "../../query/to_sql.ts";
import { ftsTable } from "./fts.ts";

/** A page of search results, as the SQL needs it. */
export interface SearchSqlRequest {
  /** The FTS5 MATCH expression. */
  match: string;
  filter: Filter;
  /** BM25 weights, one per search field. */
  weights: readonly number[];
  limit: number;
  /** The previous page's last rank and id. */
  after?: readonly [number, string];
}

/** Most distinct values a facet reports. */
export const FACET_VALUES = 100;

/**
 * `SELECT id, rev, created_at, updated_at, data, rank` of the matching documents, best first.
 * `rank` is FTS5's bm25 value: negative, lower is better.
 */
export function searchSql(documentTable: string, request: SearchSqlRequest): SqlFragment {
  const fts = ftsTable(documentTable);
  const rank = `bm25(${fts}${", ?".repeat(request.weights.length)})`;
  const params: SqlParam[] = [...request.weights, request.match];
  let sql = `SELECT d.id, d.rev, d.created_at, d.updated_at, d.data, ${rank} AS rank ` +
    `FROM ${fts} JOIN ${documentTable} AS d ON d.rowid = ${fts}.rowid WHERE ${fts} MATCH ?`;
  sql += filterCondition(request.filter, params);
  if (request.after !== undefined) {
    const [afterRank, afterId] = request.after;
    sql += ` AND (${rank} > ? OR (${rank} = ? AND d.id > ?))`;
    params.push(...request.weights, afterRank, ...request.weights, afterRank, afterId);
  }
  sql += ` ORDER BY rank, d.id LIMIT ?`;
  params.push(request.limit);
  return Object.freeze({ sql, params: Object.freeze(params) });
}

/**
 * `SELECT type, value, n`: how many matching documents hold each value at `field` (an array
 * counts each of its scalar elements once), most frequent first, then by type and value.
 */
export function facetSql(
  documentTable: string,
  match: string,
  filter: Filter,
  field: Field,
): SqlFragment {
  const fts = ftsTable(documentTable);
  const params: SqlParam[] = [match];
  // The matches first, in their own query: json_each's columns (id, key, path…) must not meet
  // the filter's column names.
  let matches = `SELECT d.rowid AS row, d.id, d.rev, d.created_at, d.updated_at, d.data ` +
    `FROM ${fts} JOIN ${documentTable} AS d ON d.rowid = ${fts}.rowid WHERE ${fts} MATCH ?`;
  matches += filterCondition(filter, params);
  const source = field.kind === "path"
    ? `json_each(m.data, ${sqlJsonPathLiteral(field.segments)})`
    : `json_each(json_array(m.${META_COLUMNS[field.name]}))`;
  const sql = `WITH m AS (${matches}) ` +
    `SELECT j.type AS type, j.value AS value, count(DISTINCT m.row) AS n FROM m, ${source} AS j ` +
    `WHERE j.type NOT IN ('object', 'array') ` +
    `GROUP BY j.type, j.value ORDER BY n DESC, j.value, j.type LIMIT ${FACET_VALUES}`;
  return Object.freeze({ sql, params: Object.freeze(params) });
}

const META_COLUMNS = {
  id: "id",
  rev: "rev",
  createdAt: "created_at",
  updatedAt: "updated_at",
} as const;

function filterCondition(filter: Filter, params: SqlParam[]): string {
  const where = filterToSql(filter);
  if (where.sql === "1") return "";
  params.push(...where.params);
  return ` AND (${where.sql})`;
}
