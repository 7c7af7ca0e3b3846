/**
 * Where a search box's text becomes what the backends run: the user syntax is parsed
 * (query_syntax.ts) and compiled (fts5_expression.ts) with the collection's tokenizer into an
 * FTS5 MATCH expression for SQLite and the same query as a tree of tokenized phrases for the
 * memory and file backends. A raw query (`{ raw: true }`) is FTS5 syntax for SQLite only.
 *
 * @module
 */

import { QuireError } from "../errors.ts";
import { toFts5Expression } from "./fts5_expression.ts";
import type { MatchNode } from "./match_node.ts";
import { checkSearchLength, parseSearchQuery } from "./query_syntax.ts";
import { ftsColumn, type SearchOptions } from "./search_options.ts";
import { terms, type Token, tokenize } from "./tokenize.ts";

/** A search ready for a backend. */
export interface CompiledSearch {
  /** The FTS5 MATCH expression. */
  match: string;
  /** The same query for the in-memory index; absent for a raw FTS5 query. */
  query?: MatchNode;
}

/**
 * Compiles what a user typed.
 *
 * @returns The search, or `undefined` when it can match nothing (no words left, or only
 *   negative ones): the caller answers without running anything.
 * @throws {QuireError} `INVALID_SEARCH` when the text is not a string, is longer than 1,024
 *   characters or holds more than 32 words and phrases; a raw query holding NUL.
 */
export function compileSearch(
  text: unknown,
  options: SearchOptions,
  raw: boolean,
): CompiledSearch | undefined {
  if (raw) {
    checkSearchLength(text);
    if (text.includes("\0")) {
      throw new QuireError("INVALID_SEARCH", "Cannot search: the query holds a NUL character");
    }
    return text.trim() === "" ? undefined : { match: text };
  }
  checkSearchLength(text);
  const query = parseSearchQuery(text, { fields: options.fields });
  const columns = new Map(options.fields.map((field, i) => [field, ftsColumn(i)]));
  const compiled = toFts5Expression(query, {
    termsOf: (words) => terms(words, tokenizerOf(options)),
    columns,
  });
  return compiled && { match: compiled.expression, query: compiled.match };
}

/** The tokens of a field's text, with their offsets, as the collection's tokenizer makes them. */
export function fieldTokens(text: string, options: SearchOptions): Token[] {
  return tokenize(text, tokenizerOf(options));
}

/** The tokenizer settings of a collection's search options. */
export function tokenizerOf(options: SearchOptions) {
  return { tokenizer: options.tokenizer, removeDiacritics: options.removeDiacritics };
}
