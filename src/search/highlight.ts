/**
 * Snippets with the matched terms marked, made in TypeScript on every backend (so they are the
 * same everywhere): the field's text is tokenized with the collection's tokenizer, the tokens
 * that belong to an instance of one of the query's phrases are marked, and the window of
 * `snippetTokens` tokens holding the most marked tokens is cut out (the first such window; the
 * whole text when it is short enough). Marked text that overlaps or touches gets one pair of
 * markers: the trigram tokenizer's tokens overlap (`abcd` is `abc` and `bcd`), and a query
 * for `bcd cde` marks `a<mark>bcde</mark>f`. With `escapeHtml`, the document's text is HTML-escaped
 * and only the markers are written raw.
 *
 * @module
 */

import { QuireError } from "../errors.ts";
import type { MatchNode } from "./match_node.ts";

/** A token with where it came from in the text (UTF-16 offsets). */
export interface SourceToken {
  readonly term: string;
  readonly start: number;
  readonly end: number;
}

/** How to highlight, as users write it. */
export interface HighlightOptions {
  /** The text put before each match. @default "<mark>" */
  open?: string | undefined;
  /** The text put after each match. @default "</mark>" */
  close?: string | undefined;
  /** Tokens in a snippet. @default 24 */
  snippetTokens?: number | undefined;
  /** Escape `& < > " '` in the document's text (never in the markers). @default true */
  escapeHtml?: boolean | undefined;
}

/** Highlight options with every default filled in. */
export type Highlighting = {
  [K in keyof HighlightOptions]-?: Exclude<HighlightOptions[K], undefined>;
};

const MAX_MARKER = 64;
const MAX_SNIPPET_TOKENS = 256;
/** Put where a snippet cuts the text short. */
const ELLIPSIS = "…";

/**
 * Checks the `highlight` option of a search.
 *
 * @throws {QuireError} `INVALID_OPTION`.
 */
export function highlighting(option: true | HighlightOptions): Highlighting {
  const given: HighlightOptions = option === true ? {} : option;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    fail("expected true or an object { open, close, snippetTokens, escapeHtml }");
  }
  for (const key of Object.keys(given)) {
    if (!["open", "close", "snippetTokens", "escapeHtml"].includes(key)) {
      fail(`unknown key ${JSON.stringify(key)}`);
    }
  }
  const { open = "<mark>", close = "</mark>", snippetTokens = 24, escapeHtml = true } = given;
  for (const marker of [open, close]) {
    if (typeof marker !== "string" || marker.length > MAX_MARKER) {
      fail(`open and close must be strings of at most ${MAX_MARKER} characters`);
    }
  }
  if (
    !Number.isInteger(snippetTokens) || snippetTokens < 1 || snippetTokens > MAX_SNIPPET_TOKENS
  ) {
    fail(`snippetTokens must be a whole number from 1 to ${MAX_SNIPPET_TOKENS}`);
  }
  if (typeof escapeHtml !== "boolean") fail("escapeHtml must be true or false");
  return { open, close, snippetTokens, escapeHtml };
}

/**
 * The snippet of `text` for `query` (column `column` of the search fields), or `undefined`
 * when nothing in it matches.
 */
export function highlight(
  text: string,
  tokens: readonly SourceToken[],
  query: MatchNode,
  column: number,
  options: Highlighting,
): string | undefined {
  const instances = phraseInstances(tokens, query, column);
  if (instances.length === 0) return undefined;
  const marked = new Set<number>();
  for (const [first, last] of instances) for (let i = first; i <= last; i++) marked.add(i);
  const size = options.snippetTokens;
  // The first window of `size` tokens with the most marked tokens.
  let count = 0;
  for (let i = 0; i < Math.min(size, tokens.length); i++) if (marked.has(i)) count++;
  let best = 0;
  let bestCount = count;
  for (let start = 1; start + size <= tokens.length; start++) {
    // Slide the window one token: drop the first, take the next.
    if (marked.has(start - 1)) count--;
    if (marked.has(start + size - 1)) count++;
    if (count > bestCount) [best, bestCount] = [start, count];
  }
  const last = Math.min(best + size, tokens.length) - 1;
  const from = best === 0 ? 0 : (tokens[best]?.start ?? 0);
  const to = last === tokens.length - 1 ? text.length : (tokens[last]?.end ?? text.length);
  const escape = options.escapeHtml ? escapeHtml : (piece: string) => piece;
  let out = from > 0 ? ELLIPSIS : "";
  let at = from;
  // One pair of markers per stretch of marked text: the phrase instances, cut to the window,
  // as spans of text, with the ones that overlap or touch joined (trigrams overlap).
  const spans: [number, number][] = [];
  for (const [first, end] of instances) {
    const a = Math.max(first, best);
    const b = Math.min(end, last);
    const [startToken, endToken] = [tokens[a], tokens[b]];
    if (a <= b && startToken && endToken) spans.push([startToken.start, endToken.end]);
  }
  for (const [start, end] of joinSpans(spans)) {
    out += escape(text.slice(at, start)) + options.open + escape(text.slice(start, end)) +
      options.close;
    at = end;
  }
  out += escape(text.slice(at, to));
  if (to < text.length) out += ELLIPSIS;
  return out;
}

/** Text spans `[start, end)` in order, with the ones that overlap or touch joined. */
function joinSpans(spans: [number, number][]): [number, number][] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const joined: [number, number][] = [];
  for (const [start, end] of sorted) {
    const previous = joined.at(-1);
    if (previous !== undefined && start <= previous[1]) previous[1] = Math.max(previous[1], end);
    else joined.push([start, end]);
  }
  return joined;
}

/** The first and last token of every instance of the query's phrases in this column. */
function phraseInstances(
  tokens: readonly SourceToken[],
  query: MatchNode,
  column: number,
): [number, number][] {
  const instances: [number, number][] = [];
  for (const phrase of positivePhrases(query)) {
    if (phrase.columns !== undefined && !phrase.columns.includes(column)) continue;
    const n = phrase.tokens.length;
    for (let start = 0; start + n <= tokens.length; start++) {
      let matches = true;
      for (let k = 0; k < n && matches; k++) {
        const term = tokens[start + k]?.term;
        const wanted = phrase.tokens[k];
        if (term === undefined || wanted === undefined) matches = false;
        else matches = phrase.prefix && k === n - 1 ? term.startsWith(wanted) : term === wanted;
      }
      if (matches) instances.push([start, start + n - 1]);
    }
  }
  return instances;
}

/** The phrases whose matches a document shows: not those on the right of a NOT. */
function positivePhrases(node: MatchNode): Extract<MatchNode, { kind: "phrase" }>[] {
  switch (node.kind) {
    case "phrase":
      return [node];
    case "and":
    case "or":
      return node.nodes.flatMap(positivePhrases);
    case "not":
      return positivePhrases(node.positive);
  }
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function fail(reason: string): never {
  throw new QuireError("INVALID_OPTION", `Invalid highlight option: ${reason}`);
}
