/**
 * Full-text search on Postgres, with the same matches and the same BM25 as SQLite's FTS5: the
 * index is quire's own (src/search/search_index.ts, proven equal to FTS5 by
 * tests/search_parity_test.ts), stored in two tables per collection with a `search` option and
 * kept in step with the documents in the same transaction as each write:
 *
 * - `quire_terms_<catalog id>` (term, id, postings): one row per term of a document, its
 *   postings as a comma-separated text of column · 2^32 + position, ascending, as SearchIndex
 *   packs them;
 * - `quire_lengths_<catalog id>` (id, length): one row per document (even one whose search
 *   fields are empty: FTS5 counts every row), its token count over all the search fields.
 *
 * Documents are tokenized here, in TypeScript, with the collection's tokenizer (tokenize.ts),
 * never by Postgres. A search loads the postings of its terms (a prefix is a range scan of the
 * terms in byte order, which is code point order: COLLATE "C"), the lengths of the documents
 * they name, and the row count and total length, into a {@linkcode SearchIndex.loaded} index,
 * which matches and ranks exactly as the memory backend's. A filter then runs in Postgres
 * (pg_query_sql.ts, as `find`'s) over the matching ids, returning ids alone, and with facets the
 * values at the facets' paths (read from `data`, the text the other backends parse); only the
 * page's documents are fetched. The order, the cursor and the facet counts are the buffered
 * backends' own code (buffered_search.ts `pageAfter`, `facetCounts`). On the pool, a search
 * reads one snapshot (a repeatable-read, read-only transaction).
 *
 * Nothing from a user becomes SQL text: tables are named by catalog id inside the quoted
 * schema, and terms, ids and texts are bound as parameters (lists as one JSON text, or as an
 * array literal whose elements are all quoted and escaped).
 *
 * @module
 */

import type { SearchRequest, SearchResult, StoredEntry } from "../../backend/types.ts";
import type { IndexProgress } from "../../backend/types.ts";
import { type Field, isMatchAll, type MetaName } from "../../query/ast.ts";
import { type FieldReader, fieldReader } from "../../query/evaluate.ts";
import { parsePath, type PathSegment } from "../../query/path.ts";
import { phrasesOf } from "../../search/match_node.ts";
import { type RankedMatch, SearchIndex } from "../../search/search_index.ts";
import type { SearchOptions } from "../../search/search_options.ts";
import { terms } from "../../search/tokenize.ts";
import { tokenizerOf } from "../../search/compile_search.ts";
import { parseStoredOptions } from "../../collection_options.ts";
import { QuireError, quote } from "../../errors.ts";
import { compareCodePoints } from "../../names.ts";
import { decodeEntry } from "../decode_entry.ts";
import { facetCounts, pageAfter, textsOf } from "../buffered_search.ts";
import type { PgParam, PgQueryable } from "./driver.ts";
import { pgFilterSql, type PgSqlFragment, pgTextLiteral } from "./pg_query_sql.ts";
import { documentTable } from "./pg_schema.ts";

/** A posting packs the column above the position (as search_index.ts does). */
const POSITION_BITS = 2 ** 32;
/** Documents read, tokenized and written per statement when an index is built. */
const BUILD_CHUNK = 1_000;
/** Documents between two progress reports of a build (as on SQLite). */
const PROGRESS_EVERY = 10_000;
/**
 * `= ANY` of the strings of the JSON array in $1: an index scan whatever the table's statistics
 * say (a join with, or `IN` over, json_array_elements_text is planned as a scan of the table when
 * it has not been analyzed yet).
 */
const ANY_OF_LIST = anyOf("$1");
/** Ids fetched per statement. */
const FETCH_CHUNK = 5_000;

/** The row columns of the metadata fields a facet may count. */
const META_COLUMNS: Readonly<Record<MetaName, string>> = Object.freeze({
  id: "id",
  rev: "rev",
  createdAt: "created_at",
  updatedAt: "updated_at",
});

/** A row of `#passing`: the columns after `id` are there only when facets are counted. */
interface FacetRow {
  [column: string]: string | number | null | undefined;
  id: string;
  rev?: number;
  created_at?: string;
  updated_at?: string;
  /** The document's text, only where it holds the escape \u0000. */
  whole?: string | null;
}

/** A collection's search index tables and how its documents are tokenized. */
export class PgSearchIndex {
  readonly options: SearchOptions;
  /** The document table. */
  readonly documents: string;
  /** The terms table. */
  readonly terms: string;
  /** The lengths table. */
  readonly lengths: string;
  readonly #paths: PathSegment[][];
  readonly #settings: ReturnType<typeof tokenizerOf>;
  /** The guard's function, with the catalog id as its argument. */
  readonly #guard: string;

  constructor(schema: string, catalogId: number, documents: string, options: SearchOptions) {
    this.options = options;
    this.documents = documents;
    this.terms = termsTable(schema, catalogId);
    this.lengths = lengthsTable(schema, catalogId);
    this.#guard = `${schema}.quire_search_guard('${catalogId}')`;
    this.#paths = options.fields.map((field) => parsePath(field));
    this.#settings = tokenizerOf(options);
  }

  /**
   * Indexes documents (id and JSON text), replacing what the index held for them: two
   * statements for the whole batch. `fresh` skips the delete (a build into empty tables).
   */
  async write(
    on: PgQueryable,
    documents: readonly (readonly [string, string])[],
    fresh = false,
  ): Promise<void> {
    if (documents.length === 0) return;
    // Each term's rows together: the rows go in in term order, which the primary key's btree
    // takes best (sorting the distinct terms costs far less than sorting every row).
    const rows = new Map<string, { ids: string[]; postings: string[] }>();
    const lengths: string[] = [];
    for (const [id, data] of documents) {
      const texts = textsOf(JSON.parse(data), this.#paths);
      const byTerm = new Map<string, number[]>();
      let length = 0;
      texts.forEach((text, column) => {
        if (text === null) return;
        const tokens = terms(text, this.#settings);
        tokens.forEach((term, position) => {
          const posting = column * POSITION_BITS + position;
          const list = byTerm.get(term);
          if (list === undefined) byTerm.set(term, [posting]);
          else list.push(posting);
        });
        length += tokens.length;
      });
      const key = arrayElement(id);
      for (const [term, list] of byTerm) {
        const same = rows.get(term);
        if (same === undefined) rows.set(term, { ids: [key], postings: [`"${list.join(",")}"`] });
        else {
          same.ids.push(key);
          same.postings.push(`"${list.join(",")}"`);
        }
      }
      lengths.push(`{"i":${JSON.stringify(id)},"n":${length}}`);
    }
    const columns: [string[], string[], string[]] = [[], [], []];
    // Code unit order, which differs from the btree's code point order only in rare places.
    for (const term of [...rows.keys()].sort()) {
      const { ids, postings } = rows.get(term)!;
      const element = arrayElement(term);
      for (let i = 0; i < ids.length; i++) {
        columns[0].push(element);
        columns[1].push(ids[i]!);
        columns[2].push(postings[i]!);
      }
    }
    if (!fresh) await this.remove(on, documents.map(([id]) => id), false);
    // The rows as three text arrays (Postgres reads an array literal faster than JSON objects).
    await on.query(
      `WITH l AS (
         INSERT INTO ${this.lengths} (id, length)
         SELECT r.i, r.n FROM json_to_recordset($4::text::json) AS r(i text, n integer)
         ON CONFLICT (id) DO UPDATE SET length = excluded.length
       )
       INSERT INTO ${this.terms} (term, id, postings)
       SELECT * FROM unnest($1::text::text[], $2::text::text[], $3::text::text[])`,
      [...columns.map((column) => `{${column.join(",")}}`), `[${lengths.join(",")}]`],
    );
  }

  /** Removes documents from the index (their lengths too, unless `lengths` is false). */
  async remove(on: PgQueryable, ids: readonly string[], lengths = true): Promise<void> {
    if (ids.length === 0) return;
    const terms = `DELETE FROM ${this.terms} WHERE id = ${ANY_OF_LIST}`;
    await on.query(
      lengths
        ? `WITH t AS (${terms}) DELETE FROM ${this.lengths} WHERE id = ${ANY_OF_LIST}`
        : terms,
      [JSON.stringify(ids)],
    );
  }

  /** Empties the index (the collection was cleared). */
  async clear(on: PgQueryable): Promise<void> {
    await on.query(`DELETE FROM ${this.terms}`);
    await on.query(`DELETE FROM ${this.lengths}`);
  }

  /**
   * Creates the tables, and the guard on the document table, if they are not there.
   * @returns Whether they were created.
   */
  async create(on: PgQueryable): Promise<boolean> {
    const [row] = await on.query<{ found: string | null }>(
      "SELECT to_regclass($1)::text AS found",
      [this.lengths],
    );
    if (row?.found !== null && row?.found !== undefined) return false;
    await on.query(`CREATE TABLE ${this.terms} (
      term text COLLATE "C" NOT NULL,
      id text COLLATE "C" NOT NULL,
      postings text NOT NULL,
      PRIMARY KEY (term, id)
    )`);
    await on.query(`CREATE INDEX ON ${this.terms} (id)`);
    await on.query(`CREATE TABLE ${this.lengths} (
      id text COLLATE "C" PRIMARY KEY,
      length integer NOT NULL
    )`);
    await on.query(`CREATE TRIGGER quire_search_guard BEFORE INSERT OR UPDATE OR DELETE
      ON ${this.documents} FOR EACH STATEMENT EXECUTE FUNCTION ${this.#guard}`);
    return true;
  }

  /** Drops the tables and the guard, if they are there. */
  async drop(on: PgQueryable): Promise<void> {
    await on.query(`DROP TRIGGER IF EXISTS quire_search_guard ON ${this.documents}`);
    await on.query(`DROP TABLE IF EXISTS ${this.terms}, ${this.lengths}`);
  }

  /** Indexes every document again, reporting to `progress` (as SQLite's rebuild does). */
  async rebuild(on: PgQueryable, progress?: IndexProgress): Promise<void> {
    await this.clear(on);
    const [counted] = await on.query<{ total: string }>(
      `SELECT count(*) AS total FROM ${this.documents}`,
    );
    const total = Number(counted?.total ?? 0);
    progress?.(0, total);
    let done = 0;
    let reported = 0;
    let after: string | undefined;
    for (;;) {
      const rows = after === undefined
        ? await on.query<{ id: string; data: string }>(
          `SELECT id, data::text AS data FROM ${this.documents} ORDER BY id LIMIT $1`,
          [BUILD_CHUNK],
        )
        : await on.query<{ id: string; data: string }>(
          `SELECT id, data::text AS data FROM ${this.documents} WHERE id > $1 ORDER BY id LIMIT $2`,
          [after, BUILD_CHUNK],
        );
      if (rows.length === 0) break;
      await this.write(on, rows.map((row) => [row.id, row.data] as const), true);
      done += rows.length;
      after = rows.at(-1)!.id;
      if (progress !== undefined && done - reported >= PROGRESS_EVERY) {
        progress(done, total);
        reported = done;
      }
    }
    if (progress !== undefined && done !== reported) progress(done, total);
  }

  /** Refreshes the planner's statistics of the index tables. */
  async optimize(on: PgQueryable): Promise<void> {
    await on.query(`ANALYZE ${this.terms}, ${this.lengths}`);
  }

  /** Runs a search (the request's `query` must be there: raw queries are FTS5's). */
  async search(
    on: PgQueryable,
    collection: string,
    request: SearchRequest,
  ): Promise<SearchResult> {
    const query = request.query;
    if (query === undefined) {
      throw new QuireError("UNSUPPORTED", "Raw FTS5 queries need the SQLite backend");
    }
    const exact = new Set<string>();
    const prefixes = new Set<string>();
    for (const phrase of phrasesOf(query)) {
      phrase.tokens.forEach((token, i) => {
        if (phrase.prefix && i === phrase.tokens.length - 1) prefixes.add(token);
        else exact.add(token);
      });
    }
    // One branch per prefix, each a range scan of the primary key (a join with a list of
    // ranges is planned as a scan of the whole table). Only the count of branches depends on
    // the query; the terms are parameters.
    const select = `SELECT t.term, t.id, t.postings, l.length
       FROM ${this.terms} t JOIN ${this.lengths} l ON l.id = t.id WHERE`;
    const branches = [`${select} t.term = ${ANY_OF_LIST}`];
    const params: string[] = [JSON.stringify([...exact])];
    for (const prefix of prefixes) {
      params.push(prefix);
      const low = `t.term >= ($${params.length}::text COLLATE "C")`;
      const high = nextPrefix(prefix);
      if (high === undefined) branches.push(`${select} ${low}`);
      else {
        params.push(high);
        branches.push(`${select} ${low} AND t.term < ($${params.length}::text COLLATE "C")`);
      }
    }
    const rows = await on.query<{ term: string; id: string; postings: string; length: number }>(
      branches.join("\n       UNION ALL\n       "),
      params,
    );
    const [stats] = await on.query<{ n: string; total: string }>(
      `SELECT count(*) AS n, coalesce(sum(length), 0) AS total FROM ${this.lengths}`,
    );
    const postings = new Map<string, Map<string, number[]>>();
    const lengths = new Map<string, number>();
    for (const row of rows) {
      let byId = postings.get(row.term);
      if (byId === undefined) postings.set(row.term, byId = new Map());
      byId.set(row.id, parsePostings(row.postings));
      lengths.set(row.id, row.length);
    }
    const index = SearchIndex.loaded(
      this.options.fields.length,
      postings,
      lengths,
      Number(stats?.n ?? 0),
      Number(stats?.total ?? 0),
    );
    const matches = index.search(query, this.options.weights);
    // Compiled even when nothing matched: an invalid filter or facet fails as on the others.
    const filter = isMatchAll(request.filter) ? undefined : pgFilterSql(request.filter);
    const readers = request.facets.map((field) => fieldReader(field));
    const facetValues = readers.map(() => [] as unknown[]);
    let hits: RankedMatch[] = matches;
    if (filter !== undefined || readers.length > 0) {
      hits = [];
      const byId = new Map(matches.map((match) => [match.id, match]));
      const ids = [...byId.keys()];
      await this.#passing(on, collection, ids, filter, request.facets, readers, (id, values) => {
        hits.push(byId.get(id)!);
        values.forEach((value, i) => facetValues[i]!.push(value));
      });
    }
    // Only the page's documents are read.
    hits.sort((a, b) => a.rank - b.rank || compareCodePoints(a.id, b.id));
    const page = pageAfter(hits, request);
    const entries = await this.#entries(on, collection, page.map(({ id }) => id));
    return {
      hits: page.filter(({ id }) => entries.has(id))
        .map(({ id, rank }) => ({ entry: entries.get(id)!, rank })),
      facets: facetValues.map((values) => facetCounts(values)),
    };
  }

  /**
   * Calls `found` with each of `ids` whose document passes `filter` (all of them without one),
   * and with the document's value at each of the `facets` (`readers` reads them from an entry):
   * the filter runs in Postgres, one statement per chunk of ids, which returns those values
   * alone, not whole documents.
   */
  async #passing(
    on: PgQueryable,
    collection: string,
    ids: readonly string[],
    filter: PgSqlFragment | undefined,
    facets: readonly Field[],
    readers: readonly FieldReader[],
    found: (id: string, values: unknown[]) => void,
  ): Promise<void> {
    const columns = ["id"];
    if (facets.length > 0) {
      columns.push(
        "rev",
        "created_at",
        "updated_at",
        // json's operators refuse a text holding the escape \u0000: then the whole text.
        `CASE WHEN nul THEN data::text END AS whole`,
        ...facets.flatMap((field, i) =>
          field.kind === "path"
            ? [`CASE WHEN NOT nul THEN ${facetColumn(field.segments)} END AS f${i}`]
            : []
        ),
      );
    }
    const params: PgParam[] = [...filter?.params ?? []];
    const list = `$${params.length + 1}`;
    const sql = `SELECT ${columns.join(", ")} FROM ${this.documents}${
      facets.length === 0 ? "" : `, LATERAL (SELECT strpos(data::text, E'\\\\u0000') > 0 AS nul) n`
    } WHERE id = ${anyOf(list)}${filter === undefined ? "" : ` AND ${filter.sql}`}`;
    for (let from = 0; from < ids.length; from += FETCH_CHUNK) {
      const rows = await on.query<FacetRow>(sql, [
        ...params,
        JSON.stringify(ids.slice(from, from + FETCH_CHUNK)),
      ]);
      for (const row of rows) {
        if (facets.length === 0) {
          found(row.id, []);
          continue;
        }
        const entry = row.whole === null || row.whole === undefined ? undefined : decodeEntry(
          collection,
          row.id,
          row.rev!,
          row.created_at!,
          row.updated_at!,
          row.whole,
        );
        found(
          row.id,
          facets.map((field, i) => {
            if (entry !== undefined) return readers[i]!(entry);
            if (field.kind === "meta") return row[META_COLUMNS[field.name]];
            const text = row[`f${i}`];
            return text === null || text === undefined ? undefined : JSON.parse(String(text));
          }),
        );
      }
    }
  }

  /** The entries of some documents, by id. */
  async #entries(
    on: PgQueryable,
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, StoredEntry>> {
    const entries = new Map<string, StoredEntry>();
    for (let from = 0; from < ids.length; from += FETCH_CHUNK) {
      const rows = await on.query<
        { id: string; rev: number; created_at: string; updated_at: string; data: string }
      >(
        `SELECT id, rev, created_at, updated_at, data::text AS data FROM ${this.documents}
         WHERE id = ${ANY_OF_LIST}`,
        [JSON.stringify(ids.slice(from, from + FETCH_CHUNK))],
      );
      for (const row of rows) {
        entries.set(
          row.id,
          decodeEntry(collection, row.id, row.rev, row.created_at, row.updated_at, row.data),
        );
      }
    }
    return entries;
  }
}

/** `ANY(...)` of the strings of the JSON array in the parameter `placeholder` (see ANY_OF_LIST). */
function anyOf(placeholder: string): string {
  return `ANY(ARRAY(SELECT json_array_elements_text(${placeholder}::text::json) COLLATE "C"))`;
}

/**
 * The JSON text at a facet's path, read from `data` (the document's text, which `decodeEntry`
 * parses: exactly the values the other backends count), SQL NULL where missing. `-> 'key'`
 * reads objects only and `-> n` arrays only, as the path semantics say.
 */
function facetColumn(segments: readonly PathSegment[]): string {
  let json = "data";
  for (const segment of segments) {
    // An index beyond int4 finds nothing (no array is that long).
    if (typeof segment === "number" && segment > 0x7fffffff) return "NULL";
    json = `(${json} -> ${typeof segment === "number" ? segment : pgTextLiteral(segment)})`;
  }
  return `${json}::text`;
}

/** The terms table of a collection. */
export function termsTable(schema: string, catalogId: number): string {
  return `${schema}."quire_terms_${catalogId}"`;
}

/** The lengths table of a collection. */
export function lengthsTable(schema: string, catalogId: number): string {
  return `${schema}."quire_lengths_${catalogId}"`;
}

/**
 * The least string above every string that starts with `prefix`, in code point order (the
 * last code point one higher, past the surrogates); `undefined` when there is none.
 */
export function nextPrefix(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}

/**
 * The search indexes of a backend's collections, found through the catalog. What the pool
 * reads (committed) is remembered, but not while this process changes the collection's options
 * (`changing`, until `settle`). A write to a collection with search reads its options again,
 * locked, in its transaction (`locked`).
 *
 * A collection remembered without search is written without a look at the catalog. When another
 * process gives it search fields, it also puts a guard on its document table (a trigger, created
 * with the index tables, pg_schema.ts `quire_search_guard`): a statement that writes documents
 * fails with SQLSTATE QU001 unless its transaction read the options with `locked`. The backend
 * then forgets what it remembered and writes again in a transaction that keeps the index.
 * The change locks the document table against writes before its transaction reads anything,
 * so that the writes under way are committed and seen by the index it builds; inside a
 * transaction that has read already, a write committed since then can be missed by the index,
 * which `reindex` repairs.
 */
export class PgSearches {
  readonly #schema: string;
  readonly #known = new Map<string, PgSearchIndex | null>();
  /** Collections whose options are being changed, and how many times at once. */
  readonly #changing = new Map<string, number>();

  /**
   * Runs `change` (an `ensureCollection`), during which the collection's options are not
   * remembered. `committed`: the change commits when `change` resolves (it runs on the pool);
   * otherwise the caller calls `settle` once the transaction it runs in has ended.
   */
  async changing<T>(collection: string, committed: boolean, change: () => Promise<T>): Promise<T> {
    this.#changing.set(collection, (this.#changing.get(collection) ?? 0) + 1);
    this.#known.delete(collection);
    try {
      return await change();
    } finally {
      if (committed) this.settle(collection);
    }
  }

  /** Ends one change of a collection's options (`changing` that did not commit by itself). */
  settle(collection: string): void {
    const left = (this.#changing.get(collection) ?? 1) - 1;
    if (left <= 0) this.#changing.delete(collection);
    else this.#changing.set(collection, left);
    this.#known.delete(collection);
  }

  constructor(schema: string) {
    this.#schema = schema;
  }

  /**
   * The search index of a collection; `undefined` when it has no search option.
   *
   * @param committed Whether `on` reads committed data (the pool), which may be remembered.
   * @throws {QuireError} `NOT_FOUND` when there is no such collection.
   */
  async of(
    on: PgQueryable,
    collection: string,
    committed: boolean,
  ): Promise<PgSearchIndex | undefined> {
    const known = this.#known.get(collection);
    if (known !== undefined) return known ?? undefined;
    const [row] = await on.query<{ id: number; options: string }>(
      `SELECT id, options FROM ${this.#schema}.quire_collections WHERE name = $1`,
      [collection],
    );
    if (row === undefined) throw new QuireError("NOT_FOUND", `No collection ${quote(collection)}`);
    const index = this.#index(row.id, parseStoredOptions(collection, row.options).search);
    if (committed && !this.#changing.has(collection)) this.#known.set(collection, index ?? null);
    return index;
  }

  /**
   * The search index of a collection as a write inside a transaction must keep it: read from
   * the catalog (not remembered) with a share lock on the collection's row, so that a change of
   * its options, in this process or another, waits for the write's transaction to end, and a
   * write waits for a change that is under way and then sees the new options.
   */
  async locked(on: PgQueryable, collection: string): Promise<PgSearchIndex | undefined> {
    // The setting lets this transaction's writes past the collection's guard.
    const [row] = await on.query<{ id: number; options: string }>(
      `SELECT id, options, set_config('quire.search_' || id, 'on', true) AS guard
       FROM ${this.#schema}.quire_collections WHERE name = $1 FOR SHARE`,
      [collection],
    );
    if (row === undefined) throw new QuireError("NOT_FOUND", `No collection ${quote(collection)}`);
    return this.#index(row.id, parseStoredOptions(collection, row.options).search);
  }

  /**
   * The collection's catalog id and search options before `ensureCollection` changes them;
   * `undefined` when there is no such collection yet.
   */
  async previous(
    on: PgQueryable,
    collection: string,
  ): Promise<{ id: number; search: SearchOptions | undefined } | undefined> {
    const [row] = await on.query<{ id: number; options: string }>(
      `SELECT id, options FROM ${this.#schema}.quire_collections WHERE name = $1`,
      [collection],
    );
    return row && { id: row.id, search: parseStoredOptions(collection, row.options).search };
  }

  /**
   * After `ensureCollection` wrote the catalog: drops the index when the search option is gone
   * or changed, and creates and builds it when it is new or changed (or its tables are missing).
   * The build reads the documents the transaction sees: for a write under way in another
   * process to be among them, the caller locks the document table before the transaction's
   * first read (`ensureCollection` in postgres_backend.ts).
   */
  async ensured(
    on: PgQueryable,
    collection: string,
    catalogId: number,
    previous: SearchOptions | undefined,
    options: SearchOptions | undefined,
    progress?: IndexProgress,
  ): Promise<void> {
    this.#known.delete(collection);
    const changed = JSON.stringify(previous) !== JSON.stringify(options);
    const index = this.#index(catalogId, options ?? previous);
    if (index === undefined) return;
    if (changed) await index.drop(on);
    if (options === undefined) return;
    if (await index.create(on) || changed) await index.rebuild(on, progress);
  }

  /** Forgets what the catalog said of a collection, or of all of them. */
  forget(collection?: string): void {
    if (collection === undefined) this.#known.clear();
    else this.#known.delete(collection);
  }

  #index(catalogId: number, options: SearchOptions | undefined): PgSearchIndex | undefined {
    return options === undefined
      ? undefined
      : new PgSearchIndex(this.#schema, catalogId, documentTable(this.#schema, catalogId), options);
  }
}

/** A postings text (whole numbers below 2^53, comma-separated) as numbers, without `split`. */
function parsePostings(text: string): number[] {
  const postings: number[] = [];
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 44) { // ","
      postings.push(value);
      value = 0;
    } else value = value * 10 + code - 48;
  }
  postings.push(value);
  return postings;
}

/** A string as an element of an array literal: quoted, with `\` and `"` escaped. */
function arrayElement(text: string): string {
  return `"${text.replace(/[\\"]/g, "\\$&")}"`;
}
