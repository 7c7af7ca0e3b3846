/**
 * The `search` option of a collection: which JSON paths are searchable, their BM25 weights, the
 * tokenizer and its options. Persisted with the collection, in the canonical form below (arrays
 * rather than an object of weights, so the field order — which is the order of the FTS5
 * columns — survives JSON even for keys that look like numbers).
 *
 * @module
 */

import { isPlainObject } from "../document.ts";
import { QuireError, quote } from "../errors.ts";
import { parsePath } from "../query/path.ts";
import type { TokenizerName } from "./tokenize.ts";

/** The tokenizers, named as FTS5 names them. */
export const TOKENIZERS: readonly TokenizerName[] = ["unicode61", "porter", "trigram"];

/** The `search` option as users write it. */
export interface SearchOptionsInput {
  /** Searchable JSON paths, or an object of paths and their BM25 weights. */
  fields: string[] | Record<string, number>;
  /** With `fields` as an array: the weight of each (the canonical form). @default all 1 */
  weights?: number[] | undefined;
  /** How text is cut into words, as FTS5 names its tokenizers. @default "unicode61" */
  tokenizer?: TokenizerName | undefined;
  /**
   * FTS5's `remove_diacritics`: 0 keeps them, 1 removes them from characters with one, 2 from
   * all. The trigram tokenizer takes 0 or 1.
   * @default 2 (1 for trigram)
   */
  removeDiacritics?: 0 | 1 | 2 | undefined;
  /** Prefix lengths to index as well (FTS5 `prefix`), which make `word*` queries faster. */
  prefix?: number[] | undefined;
}

/** The canonical form, as persisted. */
export interface SearchOptions {
  /** Searchable JSON paths. */
  fields: string[];
  /** One per field, in the same order. */
  weights: number[];
  /** How text is cut into words. */
  tokenizer: TokenizerName;
  /** FTS5's `remove_diacritics`. */
  removeDiacritics: 0 | 1 | 2;
  /** Prefix lengths indexed as well. */
  prefix: number[];
}

/**
 * A collection's search options, for what needs them (search, reindex, optimize): the one check
 * every layer and backend makes, with one message.
 *
 * @param collection The collection's name, for the message.
 * @param search Its search options, if it has any.
 * @returns `search`.
 * @throws {QuireError} `UNSUPPORTED` when the collection has no search fields.
 */
export function requireSearchOptions(
  collection: string,
  search: SearchOptions | undefined,
): SearchOptions {
  if (search === undefined) {
    throw new QuireError(
      "UNSUPPORTED",
      `Collection ${quote(collection)} has no search fields: open it with a search option, ` +
        `e.g. store.collection(${quote(collection)}, { search: { fields: ["title", "body"] } })`,
    );
  }
  return search;
}

/** Most searchable fields of a collection. */
export const MAX_SEARCH_FIELDS = 16;
const MAX_WEIGHT = 1_000_000;
const MAX_PREFIXES = 4;
const MAX_PREFIX_LENGTH = 16;
const KEYS = new Set(["fields", "weights", "tokenizer", "removeDiacritics", "prefix"]);

/**
 * Checks the `search` option and returns its canonical form.
 *
 * @throws {QuireError} `INVALID_OPTION`, saying what is wrong.
 *
 * @example
 * ```ts
 * import { normalizeSearchOptions } from "./search_options.ts";
 * normalizeSearchOptions({ fields: { title: 3, body: 1 } });
 * // { fields: ["title", "body"], weights: [3, 1], tokenizer: "unicode61",
 * //   removeDiacritics: 2, prefix: [] }
 * ```
 */
export function normalizeSearchOptions(input: unknown): SearchOptions {
  if (!isPlainObject(input)) fail('expected an object such as { fields: ["title", "body"] }');
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key)) fail(`unknown key ${quote(key)}`);
  }
  const [fields, weights] = fieldsOf(input.fields, input.weights);
  const tokenizer = input.tokenizer ?? "unicode61";
  if (!(TOKENIZERS as readonly unknown[]).includes(tokenizer)) {
    fail(`unknown tokenizer ${quote(tokenizer)}: expected one of ${TOKENIZERS.join(", ")}`);
  }
  const removeDiacritics = input.removeDiacritics ?? (tokenizer === "trigram" ? 1 : 2);
  const allowed = tokenizer === "trigram" ? [0, 1] : [0, 1, 2];
  if (!allowed.includes(removeDiacritics as number)) {
    fail(
      `removeDiacritics must be ${allowed.join(" or ")} with the ${tokenizer} tokenizer, ` +
        `not ${quote(removeDiacritics)}`,
    );
  }
  const prefix = input.prefix ?? [];
  if (
    !Array.isArray(prefix) || prefix.length > MAX_PREFIXES ||
    !prefix.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_PREFIX_LENGTH)
  ) {
    fail(
      `prefix must be an array of at most ${MAX_PREFIXES} lengths from 1 to ${MAX_PREFIX_LENGTH}`,
    );
  }
  if (prefix.length > 0 && tokenizer === "trigram") {
    fail("prefix does not apply to the trigram tokenizer (its queries match substrings)");
  }
  return {
    fields,
    weights,
    tokenizer: tokenizer as TokenizerName,
    removeDiacritics: removeDiacritics as 0 | 1 | 2,
    prefix: [...new Set(prefix as number[])].sort((a, b) => a - b),
  };
}

function fieldsOf(fields: unknown, weights: unknown): [string[], number[]] {
  if (weights !== undefined && (!Array.isArray(weights) || !Array.isArray(fields))) {
    fail("weights must be an array, one per field, with fields as an array");
  }
  if (Array.isArray(weights) && Array.isArray(fields) && weights.length !== fields.length) {
    fail(`weights has ${weights.length} entries for ${fields.length} fields`);
  }
  const entries: [unknown, unknown][] = Array.isArray(fields)
    ? fields.map((field, i) => [field, weights === undefined ? 1 : (weights as unknown[])[i]])
    : isPlainObject(fields)
    ? Object.entries(fields)
    : fail("fields must be an array of paths or an object of paths and weights");
  if (entries.length === 0 || entries.length > MAX_SEARCH_FIELDS) {
    fail(`fields must name 1 to ${MAX_SEARCH_FIELDS} paths`);
  }
  const seen = new Set<string>();
  for (const [path, weight] of entries) {
    parsePath(path, "INVALID_OPTION");
    if (seen.has(path as string)) fail(`the field ${quote(path)} is listed twice`);
    seen.add(path as string);
    if (typeof weight !== "number" || !(weight > 0 && weight <= MAX_WEIGHT)) {
      fail(`the weight of ${quote(path)} must be a number above 0, at most ${MAX_WEIGHT}`);
    }
  }
  return [entries.map(([path]) => path as string), entries.map(([, weight]) => weight as number)];
}

function fail(reason: string): never {
  throw new QuireError("INVALID_OPTION", `Invalid search option: ${reason}`);
}
