/**
 * Where a search box's text becomes what the backends run: the user syntax is parsed
 * (query_syntax.ts) and compiled (to_match_node.ts) with the collection's tokenizer into a tree
 * of tokenized phrases, which each backend runs in its own dialect (FTS5 on SQLite, the
 * in-memory index on the memory and file backends). A raw query (`{ raw: true }`) is passed on
 * as it is, in the engine's own syntax (FTS5 on SQLite only).
 *
 * @module
 */

import type { MatchNode } from "./match_node.ts";
import { checkSearchLength, parseSearchQuery } from "./query_syntax.ts";
import type { SearchOptions } from "./search_options.ts";
import { toMatchNode } from "./to_match_node.ts";
import { terms, type Token, tokenize } from "./tokenize.ts";

/**
 * Compiles what a user typed.
 *
 * @returns The query's tree, or `undefined` when it can match nothing (no words left, or only
 *   negative ones): the caller answers without running anything.
 * @throws {QuireError} `INVALID_SEARCH` when the text is not a string, is longer than 1,024
 *   characters or holds more than 32 words and phrases.
 */
export function compileSearch(text: unknown, options: SearchOptions): MatchNode | undefined {
  checkSearchLength(text);
  const query = parseSearchQuery(text, { fields: options.fields });
  return toMatchNode(query, {
    termsOf: (words) => terms(words, tokenizerOf(options)),
    fields: options.fields,
  });
}

/**
 * Checks a raw query as far as it can be checked without the engine: a string of at most 1,024
 * characters (the backend checks the rest).
 *
 * @returns Whether it can match anything: `false` when it is blank, and the caller answers
 *   without running anything.
 * @throws {QuireError} `INVALID_SEARCH` when the text is not a string or is too long.
 */
export function checkRawSearch(text: unknown): boolean {
  checkSearchLength(text);
  return text.trim() !== "";
}

/** The tokens of a field's text, with their offsets, as the collection's tokenizer makes them. */
export function fieldTokens(text: string, options: SearchOptions): Token[] {
  return tokenize(text, tokenizerOf(options));
}

/** The tokenizer settings of a collection's search options. */
export function tokenizerOf(options: SearchOptions) {
  return { tokenizer: options.tokenizer, removeDiacritics: options.removeDiacritics };
}
