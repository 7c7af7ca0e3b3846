/**
 * A query as the Collection hands it to a backend: the parsed filter, the sort keys, and the
 * tag and key function that tie pagination cursors to it. This is where the front ends meet:
 * a string is the text form, an object the object form.
 *
 * @module
 */

import { type CursorValue, queryTag } from "../cursor.ts";
import { QuireError } from "../errors.ts";
import { type Filter, MATCH_ALL, type SortKey } from "./ast.ts";
import { type CompiledSort, compileSort } from "./evaluate.ts";
import { parseObjectFilter } from "./parse_object.ts";
import { parseTextFilter } from "./parse_text.ts";
import { parseSort } from "./sort.ts";

/** A filter as users write it: the object form, the text form, or nothing (everything). */
export type FilterInput = Record<string, unknown> | string | undefined;

/** What a backend needs to find documents. */
export interface FindRequest {
  filter: Filter;
  sort: readonly SortKey[];
  /** The previous page's last sort values and id: return only what comes after. */
  after?: readonly CursorValue[] | undefined;
  limit: number;
}

/** A parsed query. */
export interface PreparedQuery {
  filter: Filter;
  sort: readonly SortKey[];
  /** Names the query in its cursors, so a cursor cannot be used with another one. */
  tag: string;
  /** The cursor values of an entry: its sort values, then its id. */
  keyOf(
    entry: { id: string; rev: number; createdAt: string; updatedAt: string; doc: unknown },
  ): CursorValue[];
}

/** Compiled sorts, by parsed sort: `parseSort` hands out one frozen array per sort text. */
const SORTERS = new WeakMap<readonly SortKey[], CompiledSort>();

/**
 * Parses a filter (object or text form) and a sort.
 * @throws {QuireError} `INVALID_FILTER`.
 */
export function prepareQuery(filter: unknown, sort?: unknown): PreparedQuery {
  const parsedFilter = parseFilter(filter);
  const parsedSort = parseSort(sort);
  const sorter = SORTERS.get(parsedSort) ?? compileSort(parsedSort);
  SORTERS.set(parsedSort, sorter);
  return {
    filter: parsedFilter,
    sort: parsedSort,
    tag: queryTag([parsedFilter, parsedSort]),
    keyOf: (entry) => sorter.key(entry),
  };
}

/**
 * Parses a filter in either form.
 * @throws {QuireError} `INVALID_FILTER`.
 */
export function parseFilter(filter: unknown): Filter {
  if (filter === undefined || filter === null) return MATCH_ALL;
  if (typeof filter === "string") return parseTextFilter(filter);
  if (typeof filter === "object" && !Array.isArray(filter)) return parseObjectFilter(filter);
  throw new QuireError(
    "INVALID_FILTER",
    "Cannot parse filter: expected an object (the object form) or a string (the text form)",
  );
}
