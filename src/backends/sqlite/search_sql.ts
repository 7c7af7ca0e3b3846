/**
 * The SQL of a search on SQLite: the FTS5 table joined to the documents on rowid, the user's
 * filter in the same statement, ranked by `bm25()` with the field weights, ties broken by id,
 * and a keyset cursor over (rank, id). Facets count values among all matches with `json_each`,
 * which yields an array's elements and a scalar itself. Everything a user sends is bound.
 *
 * A page is read in two steps (`searchSql`): a subquery ranks the matches keeping only each
 * one's rowid and rank, and lets SQLite's sorter keep the best `fetch` of them; only those are
 * joined to the documents (for their columns) and ordered by (rank, id). Joining every match
 * to its document before sorting — what `exactSearchSql` does — reads and sorts the whole row
 * of every match and costs about twice as much for a common term. The subquery breaks ties
 * among equal ranks in no particular order, so its `fetch` rows decide the first `limit` rows
 * exactly only when the `limit`-th row's rank is below the last fetched rank (see
 * `pageIsExact`); otherwise the caller runs `exactSearchSql`.
 *
 * @module
 */

import type { Field, Filter } from "../../query/ast.ts";
import { sqlJsonPathLiteral } from "./json_path.ts";
import { filterToSql, type SqlFragment, type SqlParam } from "./to_sql.ts";
import { FACET_VALUES } from "../facet_values.ts";
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
  after?: readonly [number, string] | undefined;
}

/**
 * `SELECT id, rev, created_at, updated_at, data, rank` of the `fetch` best matches (fewer when
 * fewer match), ordered by rank, then id. `rank` is FTS5's bm25 value: negative, lower is
 * better. Which of several matches with the same rank make the cut at `fetch` is arbitrary:
 * see `pageIsExact`.
 */
export function searchSql(
  documentTable: string,
  request: SearchSqlRequest,
  fetch: number,
): SqlFragment {
  const fts = ftsTable(documentTable);
  const rank = `bm25(${fts}${", ?".repeat(request.weights.length)})`;
  const params: SqlParam[] = [...request.weights, request.match];
  const filter = filterCondition(request.filter, params);
  // Without a filter, the matches are ranked without reading their documents at all.
  const from = filter === ""
    ? `${fts}`
    : `${fts} JOIN ${documentTable} AS d ON d.rowid = ${fts}.rowid`;
  let ranked = `SELECT ${fts}.rowid AS row, ${rank} AS rank FROM ${from} ` +
    `WHERE ${fts} MATCH ?${filter}`;
  if (request.after !== undefined) {
    // After a cursor: each match's rank is computed once, in a subquery that SQLite neither
    // flattens nor pushes the condition into (it has a LIMIT), and the id is read only for
    // the matches ranked exactly like the cursor.
    const [afterRank, afterId] = request.after;
    ranked = `SELECT row, rank FROM (${ranked} LIMIT -1) WHERE rank > ? OR (rank = ? AND ` +
      `(SELECT id FROM ${documentTable} WHERE rowid = row) > ?)`;
    params.push(afterRank, afterRank, afterId);
  }
  ranked += ` ORDER BY rank LIMIT ?`;
  params.push(fetch);
  const sql = `SELECT d.id, d.rev, d.created_at, d.updated_at, d.data, m.rank AS rank ` +
    `FROM (${ranked}) AS m JOIN ${documentTable} AS d ON d.rowid = m.row ORDER BY m.rank, d.id`;
  return Object.freeze({ sql, params: Object.freeze(params) });
}

/**
 * Whether the first `limit` of the rows `searchSql` returned for `fetch` are the first `limit`
 * of all matches in (rank, id) order. Every match ranked below the last fetched rank was
 * fetched; matches with that very rank may have been left out. So the page is exact when
 * fewer than `fetch` rows came back (nothing was left out), or when the `limit`-th row ranks
 * strictly below the last one (no match left out could come before it).
 *
 * @param ranks The rows' ranks, in the order returned.
 */
export function pageIsExact(ranks: readonly number[], limit: number, fetch: number): boolean {
  if (ranks.length < fetch || ranks.length <= limit) return true;
  const [limitth, last] = [ranks[limit - 1], ranks.at(-1)];
  return limitth !== undefined && last !== undefined && limitth < last;
}

/**
 * `SELECT id, rev, created_at, updated_at, data, rank` of the matching documents, best first,
 * ties by id: every match joined to its document and sorted. Always exact; used when
 * `searchSql`'s page is not (`pageIsExact`).
 */
export function exactSearchSql(documentTable: string, request: SearchSqlRequest): SqlFragment {
  const fts = ftsTable(documentTable);
  const rank = `bm25(${fts}${", ?".repeat(request.weights.length)})`;
  const params: SqlParam[] = [...request.weights, request.match];
  let sql = `SELECT d.id, d.rev, d.created_at, d.updated_at, d.data, ${rank} AS rank ` +
    `FROM ${fts} JOIN ${documentTable} AS d ON d.rowid = ${fts}.rowid WHERE ${fts} MATCH ?`;
  sql += filterCondition(request.filter, params);
  sql += keysetCondition(rank, request, params);
  sql += ` ORDER BY rank, d.id LIMIT ?`;
  params.push(request.limit);
  return Object.freeze({ sql, params: Object.freeze(params) });
}

/** The keyset cursor: after the previous page's last (rank, id). */
function keysetCondition(rank: string, request: SearchSqlRequest, params: SqlParam[]): string {
  if (request.after === undefined) return "";
  const [afterRank, afterId] = request.after;
  params.push(...request.weights, afterRank, ...request.weights, afterRank, afterId);
  return ` AND (${rank} > ? OR (${rank} = ? AND d.id > ?))`;
}

/**
 * `SELECT type, value, n` (text values as JSON string literals): how many matching documents
 * hold each value at `field` (an array counts each of its scalar elements once), most
 * frequent first, then by value and type.
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
    // Text as a JSON string literal: node:sqlite cuts a TEXT value short at a NUL character.
    `SELECT j.type AS type, CASE j.type WHEN 'text' THEN json_quote(j.value) ELSE j.value END ` +
    `AS value, count(DISTINCT m.row) AS n FROM m, ${source} AS j ` +
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
