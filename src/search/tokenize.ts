/**
 * The tokenizers of SQLite's FTS5 in TypeScript, token for token: `unicode61` (with
 * remove_diacritics 0, 1 or 2), `porter` (unicode61, then FTS5's Porter stemmer) and `trigram`
 * (case-insensitive, with remove_diacritics 0 or 2). The memory and file backends index and search with
 * these, so that they match the same documents as the SQLite backend and give the same BM25
 * scores (a document's length is its number of tokens).
 *
 * Which characters make tokens and how they fold comes from src/search/fts5_tables.ts, which
 * scripts/gen_fts5_tables.ts reads back from SQLite itself; tests/search_tokenize_test.ts checks
 * the result against FTS5 on multilingual text on both runtimes.
 *
 * What this module reproduces beyond the tables:
 * - SQLite reads UTF-8, so offsets here are converted to UTF-16; a lone surrogate reaches
 *   SQLite as U+FFFD (both bindings encode it so), and so it is read as U+FFFD here.
 * - FTS5 stores at most 32,768 bytes of a term (FTS5_MAX_TOKEN_SIZE); longer terms are cut
 *   there, even inside a character (see `decodeBytes` in porter.ts for how such a term looks).
 *
 * @module
 */

import { DIACRITICS, FOLD_0, FOLD_1, FOLD_2, TOKEN_CHARS } from "./fts5_tables.ts";
import { decodeBytes, porterStem } from "./porter.ts";

/** The FTS5 tokenizers quire offers. */
export type TokenizerName = "unicode61" | "porter" | "trigram";

/** Options for {@linkcode tokenize} and {@linkcode terms}. */
export interface TokenizeOptions {
  /** The FTS5 tokenizer to reproduce. */
  tokenizer: TokenizerName;
  /**
   * FTS5's `remove_diacritics`: 0 keeps them, 1 removes them from letters with one diacritic,
   * 2 from all (quire's default). For `trigram`, FTS5 treats 1 as 2.
   * @default 2
   */
  removeDiacritics?: 0 | 1 | 2;
}

/** One token as FTS5 sees it. */
export interface Token {
  /** What is indexed and matched: folded, perhaps stemmed. */
  term: string;
  /** UTF-16 offset in the text of the token's first character (for highlighting). */
  start: number;
  /** UTF-16 offset just past the token's last character. */
  end: number;
  /** The token's position, as FTS5 counts them (0, 1, 2, … in order). */
  position: number;
}

/**
 * Splits text into tokens exactly as the FTS5 tokenizer named in `options` does.
 *
 * @param text Any text; empty or all separators gives `[]`.
 * @param options The tokenizer and its diacritics setting.
 * @returns The tokens in order; each one's `position` is its index.
 * @example
 * ```ts
 * tokenize("Zoë's café", { tokenizer: "unicode61" });
 * // [{ term: "zoe", start: 0, end: 3, position: 0 }, { term: "s", start: 4, end: 5, position: 1 },
 * //  { term: "cafe", start: 6, end: 10, position: 2 }]
 * ```
 */
export function tokenize(text: string, options: TokenizeOptions): Token[] {
  const tokens: Token[] = [];
  scan(text, options, (term, start, end) => {
    tokens.push({ term, start, end, position: tokens.length });
  });
  return tokens;
}

/**
 * The terms of {@linkcode tokenize}, without offsets: what an index needs. The term at index
 * `i` is at position `i`, and their number is the text's length for BM25.
 *
 * @param text Any text.
 * @param options The tokenizer and its diacritics setting.
 * @returns The terms in position order.
 * @example
 * ```ts
 * terms("Running caresses", { tokenizer: "porter" }); // ["run", "caress"]
 * ```
 */
export function terms(text: string, options: TokenizeOptions): string[] {
  const found: string[] = [];
  scan(text, options, (term) => {
    found.push(term);
  });
  return found;
}

/**
 * The `tokenize` argument of an FTS5 table that tokenizes as {@linkcode tokenize} does with the
 * same options.
 *
 * @param options The tokenizer and its diacritics setting.
 * @returns For example `porter unicode61 remove_diacritics 2`.
 */
export function fts5TokenizeArgument(options: TokenizeOptions): string {
  const removeDiacritics = options.removeDiacritics ?? 2;
  switch (options.tokenizer) {
    case "unicode61":
      return `unicode61 remove_diacritics ${removeDiacritics}`;
    case "porter":
      return `porter unicode61 remove_diacritics ${removeDiacritics}`;
    case "trigram":
      return `trigram remove_diacritics ${removeDiacritics}`;
  }
}

/** The setting FTS5 actually applies: its trigram tokenizer treats 1 as 2 (fts5TriCreate). */
function effectiveRemoveDiacritics(options: TokenizeOptions): 0 | 1 | 2 {
  const removeDiacritics = options.removeDiacritics ?? 2;
  return options.tokenizer === "trigram" && removeDiacritics === 1 ? 2 : removeDiacritics;
}

type Emit = (term: string, start: number, end: number) => void;

function scan(text: string, options: TokenizeOptions, emit: Emit): void {
  const removeDiacritics = effectiveRemoveDiacritics(options);
  const fold = foldTable(removeDiacritics);
  switch (options.tokenizer) {
    case "unicode61":
      return unicode61(text, fold, emit);
    case "porter":
      return unicode61(text, fold, (term, start, end) => emit(porterStem(term), start, end));
    case "trigram":
      return trigram(text, fold, emit);
    default:
      throw new TypeError(`Cannot tokenize: unknown tokenizer "${String(options.tokenizer)}"`);
  }
}

/** Character classes, by code point, for the Basic Multilingual Plane. */
const TOKEN = 1;
const DIACRITIC = 2;
const bmpClass = new Uint8Array(0x10000);
/** Token character ranges above the BMP: `[start, end)` pairs, sorted. */
const astralTokenRanges: number[] = [];
for (const [start, end] of decodeRanges(TOKEN_CHARS)) {
  bmpClass.fill(TOKEN, start, Math.min(end, 0x10000));
  if (end > 0x10000) astralTokenRanges.push(Math.max(start, 0x10000), end);
}
for (const [start, end] of decodeRanges(DIACRITICS)) bmpClass.fill(DIACRITIC, start, end);

function isAstralTokenChar(codePoint: number): boolean {
  let low = 0;
  let high = astralTokenRanges.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    // [start, end) pairs; middle is below the number of pairs.
    if (codePoint < (astralTokenRanges[2 * middle] ?? 0)) high = middle - 1;
    else if (codePoint >= (astralTokenRanges[2 * middle + 1] ?? 0)) low = middle + 1;
    else return true;
  }
  return false;
}

/** A fold function's table: BMP targets by code point (0 = dropped), and the few above. */
interface FoldTable {
  bmp: Uint16Array;
  astral: Map<number, number>;
}

const foldTables: (FoldTable | undefined)[] = [];

/** sqlite3Fts5UnicodeFold for one remove_diacritics setting, built on first use. */
function foldTable(removeDiacritics: 0 | 1 | 2): FoldTable {
  let table = foldTables[removeDiacritics];
  if (table === undefined) {
    const bmp = new Uint16Array(0x10000);
    for (let c = 0; c < 0x10000; c++) bmp[c] = c;
    table = { bmp, astral: new Map() };
    // Each setting's table is stored as its changes from the one before: 0, then 2, then 1.
    const layers = removeDiacritics === 0
      ? [FOLD_0]
      : removeDiacritics === 2
      ? [FOLD_0, FOLD_2]
      : [FOLD_0, FOLD_2, FOLD_1];
    for (const layer of layers) {
      for (const [codePoint, target] of decodeMap(layer)) {
        if (codePoint < 0x10000) bmp[codePoint] = target;
        else table.astral.set(codePoint, target);
      }
    }
    foldTables[removeDiacritics] = table;
  }
  return table;
}

/**
 * FTS5's unicode61: a token is a run of token characters, with FTS5's "diacritic" characters
 * allowed after the first; each character is folded, and dropped if it folds to nothing.
 */
function unicode61(text: string, fold: FoldTable, emit: Emit): void {
  const length = text.length;
  let i = 0;
  while (i < length) {
    let codePoint = codePointAt(text, i);
    if (!isTokenChar(codePoint)) {
      i += codePoint > 0xffff ? 2 : 1;
      continue;
    }
    const start = i;
    // The term is built from unchanged stretches of the text and the folded characters between.
    let term = "";
    let unchangedFrom = i;
    do {
      const width = codePoint > 0xffff ? 2 : 1;
      const folded = foldCodePoint(fold, codePoint);
      if (folded !== codePoint) {
        term += text.slice(unchangedFrom, i);
        if (folded !== 0) term += String.fromCodePoint(folded);
        unchangedFrom = i + width;
      }
      i += width;
      if (i === length) break;
      codePoint = codePointAt(text, i);
    } while (continuesToken(codePoint));
    term += text.slice(unchangedFrom, i);
    emit(term.length > MAX_TERM_UNITS_UNCHECKED ? truncateTerm(term) : term, start, i);
  }
}

/**
 * FTS5's trigram: every run of three characters, separators included, folded; characters that
 * fold to nothing (diacritics, with remove_diacritics) are skipped. A trigram ends where the
 * next kept character starts, or at the end of the text; text of fewer than three kept
 * characters has no tokens.
 */
function trigram(text: string, fold: FoldTable, emit: Emit): void {
  const length = text.length;
  // The last three kept characters (folded) and where each starts.
  let first = 0, second = 0, third = 0;
  let firstStart = 0, secondStart = 0, thirdStart = 0;
  let kept = 0;
  for (let i = 0; i < length;) {
    const codePoint = codePointAt(text, i);
    const folded = foldCodePoint(fold, codePoint);
    if (folded !== 0) {
      if (kept >= 3) emit(String.fromCodePoint(first, second, third), firstStart, i);
      first = second;
      second = third;
      third = folded;
      firstStart = secondStart;
      secondStart = thirdStart;
      thirdStart = i;
      kept++;
    }
    i += codePoint > 0xffff ? 2 : 1;
  }
  if (kept >= 3) emit(String.fromCodePoint(first, second, third), firstStart, length);
}

/**
 * The code point at `text[i]` as SQLite reads it: a lone surrogate reaches SQLite as U+FFFD
 * (which is no token character, so it never needs replacing inside a unicode61 term).
 */
function codePointAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit < 0xd800 || unit > 0xdfff) return unit;
  if (unit <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return ((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
  }
  return 0xfffd;
}

function isTokenChar(codePoint: number): boolean {
  return codePoint < 0x10000 ? bmpClass[codePoint] === TOKEN : isAstralTokenChar(codePoint);
}

/** Whether the character continues a unicode61 token: a token or "diacritic" character. */
function continuesToken(codePoint: number): boolean {
  return codePoint < 0x10000 ? bmpClass[codePoint] !== 0 : isAstralTokenChar(codePoint);
}

/** The character folded; 0 if it is dropped. */
function foldCodePoint(fold: FoldTable, codePoint: number): number {
  const folded = codePoint < 0x10000 ? fold.bmp[codePoint] : fold.astral.get(codePoint);
  return folded ?? codePoint;
}

/** FTS5 keeps this many bytes of a term (FTS5_MAX_TOKEN_SIZE). */
const MAX_TERM_BYTES = 32768;
/** A term of at most this many UTF-16 units fits in MAX_TERM_BYTES (3 bytes a unit at most). */
const MAX_TERM_UNITS_UNCHECKED = Math.floor(MAX_TERM_BYTES / 3);
const encoder = new TextEncoder();

/** The term as FTS5 stores it: its first MAX_TERM_BYTES bytes. */
function truncateTerm(term: string): string {
  const bytes = encoder.encode(term);
  return bytes.length <= MAX_TERM_BYTES ? term : decodeBytes(bytes.subarray(0, MAX_TERM_BYTES));
}

/** Decodes fts5_tables.ts's range format (see `encodeRanges` in the generator). */
function decodeRanges(encoded: string): [number, number][] {
  const lengths = encoded.split(",").map((n) => parseInt(n, 36));
  const ranges: [number, number][] = [];
  let end = 0;
  for (let i = 0; i < lengths.length; i += 2) {
    const [gap = 0, length = 0] = lengths.slice(i, i + 2);
    const start = end + gap;
    end = start + length;
    ranges.push([start, end]);
  }
  return ranges;
}

/** Decodes fts5_tables.ts's mapping format (see `encodeMap` in the generator). */
function* decodeMap(encoded: string): Generator<[number, number]> {
  if (encoded === "") return;
  const numbers = encoded.split(",").map((n) => parseInt(n, 36));
  let end = 0;
  for (let i = 0; i < numbers.length; i += 4) {
    const [gap = 0, count = 0, kind = 0, value = 0] = numbers.slice(i, i + 4);
    const step = kind === 2 ? 2 : 1;
    const start = end + gap;
    for (let k = 0; k < count; k++) {
      const codePoint = start + k * step;
      yield [codePoint, kind === 0 ? value : codePoint + value];
    }
    end = start + (count - 1) * step + 1;
  }
}
