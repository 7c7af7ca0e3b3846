/**
 * Sort specifications: `"-year,title"`.
 *
 * A sort is a comma-separated list of keys, or an array of such lists (`["-year", "title"]`,
 * `["-year,title", "$id"]`). A key is an optional sign, `-` for descending or `+` (or nothing)
 * for ascending, then a field: a pseudo-field (`$id`, `$rev`, `$createdAt`, `$updatedAt`) or a
 * dotted path of names (`[A-Za-z_][A-Za-z0-9_-]*`) and digit segments (an array index when
 * `parsePath` reads one), the simple fields of the text form. A key whose path needs other
 * characters cannot be sorted on. Whitespace around a key is ignored; inside it (after the sign,
 * around a `.`) it is refused.
 *
 * Decisions: `undefined`, `null`, `""` (or only whitespace) and `[]` mean no sort keys; an empty
 * key inside a list (`"year,,title"`, `"year,"`, `["year", ""]`) is refused; so is the same field
 * twice (`"year,-year"`: the second could never matter, so it is probably a mistake); at most
 * `FILTER_LIMITS.sortKeys` keys. Ties are always broken by id, ascending, by the back ends;
 * sorting by `$id` explicitly is allowed (and makes that tie-break redundant).
 *
 * Errors are `INVALID_FILTER`: `Cannot parse sort key "year title": expected …`.
 *
 * @module
 */

import { QuireError, quote } from "../errors.ts";
import { type Field, FILTER_LIMITS, pathField, type SortKey, sortKey } from "./ast.ts";
import { metaFieldNamed } from "./parse_object.ts";
import { parsePath } from "./path.ts";
import { BoundedCache } from "../bounded_cache.ts";

const KEY =
  /^([+-]?)((?:[A-Za-z_][A-Za-z0-9_-]*|[0-9]+)(?:\.(?:[A-Za-z_][A-Za-z0-9_-]*|[0-9]+))*)$/;
const META_KEY = /^([+-]?)(\$[A-Za-z]+)$/;

/**
 * Parses a sort specification.
 *
 * @example
 * ```ts
 * import { parseSort } from "./sort.ts";
 * const keys = parseSort("-year, title");
 * console.log(keys.length, keys[0]?.descending); // 2 true
 * ```
 *
 * @param sort A comma-separated list of keys, an array of such lists, or `undefined` / `null`.
 * @returns The sort keys, in order (an empty array for no sort).
 * @throws {QuireError} `INVALID_FILTER` for a malformed or repeated key, or too many keys.
 */
export function parseSort(sort: unknown): readonly SortKey[] {
  if (sort === undefined || sort === null) return NO_SORT;
  if (typeof sort === "string") {
    if (sort.length <= FILTER_LIMITS.textLength && sort.trim() === "") return NO_SORT;
    if (sort.length > MAX_CACHED_SORT) return Object.freeze(parseLists([sort]));
    return SORTS.get(sort) ?? SORTS.set(sort, Object.freeze(parseLists([sort])));
  }
  if (Array.isArray(sort) && Object.getPrototypeOf(sort) === Array.prototype) {
    if (sort.length > FILTER_LIMITS.sortKeys) tooMany();
    return Object.freeze(parseLists(sort));
  }
  fail(`Cannot parse sort: expected a string or an array of strings, found ${describe(sort)}`);
}

const NO_SORT: readonly SortKey[] = Object.freeze([]);
/** Sorts by their text: an application sends the same few again and again. */
const SORTS = new BoundedCache<string, readonly SortKey[]>(256);
/** Longer sort texts are parsed every time rather than kept. */
const MAX_CACHED_SORT = 256;

function parseLists(lists: readonly unknown[]): SortKey[] {
  const keys: SortKey[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lists.length; i++) {
    const list = i in lists ? lists[i] : undefined;
    if (typeof list !== "string") {
      fail(`Cannot parse sort: expected a string at [${i}], found ${describe(list)}`);
    }
    if (list.length > FILTER_LIMITS.textLength) {
      fail(`Cannot parse sort: it is longer than ${FILTER_LIMITS.textLength} characters`);
    }
    for (const item of list.split(",")) {
      if (keys.length === FILTER_LIMITS.sortKeys) tooMany();
      const key = parseKey(item.trim());
      const identity = JSON.stringify(key.field);
      if (seen.has(identity)) fail(`Cannot parse sort: the field of ${quote(item)} is repeated`);
      seen.add(identity);
      keys.push(key);
    }
  }
  return keys;
}

function parseKey(text: string): SortKey {
  if (text === "") fail("Cannot parse sort: expected a key, found an empty one");
  let field: Field | undefined;
  let sign: string;
  const meta = META_KEY.exec(text);
  if (meta !== null) {
    sign = meta[1] ?? "";
    field = metaFieldNamed(meta[2] ?? "");
    if (field === undefined) {
      fail(
        `Cannot parse sort key ${quote(text)}: unknown pseudo-field, ` +
          "expected $id, $rev, $createdAt or $updatedAt",
      );
    }
  } else {
    const match = KEY.exec(text);
    if (match === null) {
      fail(
        `Cannot parse sort key ${quote(text)}: expected "-" or "+" (or nothing), then a field ` +
          `such as year, author.name, tags.0 or $createdAt`,
      );
    }
    sign = match[1] ?? "";
    try {
      field = pathField(parsePath(match[2]));
    } catch (error) {
      if (!(error instanceof QuireError)) throw error;
      const reason = error.message.charAt(0).toLowerCase() + error.message.slice(1);
      fail(`Cannot parse sort key ${quote(text)}: ${reason}`);
    }
  }
  return sortKey(field, sign === "-");
}

function tooMany(): never {
  fail(`Cannot parse sort: it has more than ${FILTER_LIMITS.sortKeys} keys`);
}

function fail(message: string): never {
  throw new QuireError("INVALID_FILTER", message);
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "boolean" || typeof value === "number") return quote(value);
  return `a ${typeof value}`;
}
