/**
 * FTS5's Porter stemmer (the `porter` tokenizer's step in SQLite's fts5_tokenize.c), byte for
 * byte: it runs on the UTF-8 bytes of a term that unicode61 has already folded, treats every
 * byte that is not an ASCII letter as a consonant, and leaves alone terms shorter than 3 or
 * longer than 64 bytes. Stemming a non-ASCII term can therefore cut the last character's UTF-8
 * in half ("a丸ed" becomes the bytes "a\xE4\xB8": the doubled-consonant rule of step 1b sees
 * the character's two equal trailing bytes); such a term keeps its bytes, see
 * {@linkcode decodeBytes}.
 *
 * @module
 */

/** Terms longer than this many UTF-8 bytes are not stemmed (FTS5_PORTER_MAX_TOKEN). */
const MAX_STEM_BYTES = 64;
/** Terms shorter than this many UTF-8 bytes are not stemmed. */
const MIN_STEM_BYTES = 3;

const A = 0x61, E = 0x65, I = 0x69, L = 0x6c, N = 0x6e, O = 0x6f, S = 0x73, T = 0x74, U = 0x75;
const W = 0x77, X = 0x78, Y = 0x79, Z = 0x7a;

/** The term's bytes while it is stemmed; steps can add up to one byte. */
const buffer = new Uint8Array(MAX_STEM_BYTES + 8);
const encoder = new TextEncoder();

/**
 * Recent stems by term. Words repeat a lot in text (a few thousand make up most of it): with
 * this, stemming 1.6M words of English takes half the time on Deno (a tenth less on Bun). It is
 * emptied when full rather than kept in least-recently-used order.
 */
const recentStems = new Map<string, string>();
const RECENT_STEMS_MAX = 50_000;

/**
 * Stems a folded term as FTS5's `porter` tokenizer does.
 *
 * @param term A term as unicode61 produces it (lower case, no separators).
 * @returns The stem, or `term` itself when FTS5 would not stem it.
 * @example
 * ```ts
 * porterStem("running"); // "run"
 * porterStem("caresses"); // "caress"
 * ```
 */
export function porterStem(term: string): string {
  // Each UTF-16 unit takes at least one UTF-8 byte.
  if (term.length > MAX_STEM_BYTES) return term;
  let stemmed = recentStems.get(term);
  if (stemmed === undefined) {
    if (recentStems.size >= RECENT_STEMS_MAX) recentStems.clear();
    stemmed = stemTerm(term);
    recentStems.set(term, stemmed);
  }
  return stemmed;
}

function stemTerm(term: string): string {
  let ascii = true;
  for (let i = 0; i < term.length; i++) {
    const code = term.charCodeAt(i);
    if (code >= 0x80) {
      ascii = false;
      break;
    }
    buffer[i] = code;
  }
  let length = term.length;
  if (!ascii) {
    const { read, written } = encoder.encodeInto(term, buffer.subarray(0, MAX_STEM_BYTES + 1));
    if (read < term.length || written > MAX_STEM_BYTES) return term;
    length = written;
  }
  if (length < MIN_STEM_BYTES) return term;
  const stemLength = stem(length);
  if (!ascii) return decodeBytes(buffer.subarray(0, stemLength));
  // The steps only touch the end of the term: keep the unchanged start as it is.
  let same = 0;
  while (same < stemLength && buffer[same] === term.charCodeAt(same)) same++;
  let stemmed = term.slice(0, same);
  for (let i = same; i < stemLength; i++) stemmed += String.fromCharCode(buffer[i] ?? 0);
  return stemmed;
}

/**
 * Decodes UTF-8 bytes into a term. A character cut off at the end (by the stemmer, or by FTS5's
 * 32 KiB limit on a term) keeps each of its bytes as a lone surrogate U+DC80–U+DCFF (Python's
 * "surrogateescape"), so that different byte strings stay different terms, as they are in
 * SQLite. Text never yields such surrogates otherwise: a lone surrogate in the input reaches
 * SQLite, and the tokenizers, as U+FFFD.
 *
 * @param bytes Valid UTF-8 but perhaps for an incomplete last character.
 * @returns The term.
 */
export function decodeBytes(bytes: Uint8Array): string {
  let text = "";
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0; // i < bytes.length
    const size = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    if (i + size > bytes.length) break;
    let codePoint = size === 1 ? lead : lead & (0xff >> (size + 1));
    for (let k = 1; k < size; k++) codePoint = (codePoint << 6) | ((bytes[i + k] ?? 0) & 0x3f);
    text += String.fromCodePoint(codePoint);
    i += size;
  }
  for (const byte of bytes.subarray(i)) text += String.fromCharCode(0xdc00 + byte);
  return text;
}

/** Runs the steps on `buffer[0, length)`; returns the stem's length. */
function stem(length: number): number {
  let n = step1b(step1a(length));
  // Step 1c.
  if (buffer[n - 1] === Y && hasVowel(n - 1)) buffer[n - 1] = I;
  n = applyRules(STEP_2, n);
  n = applyRules(STEP_3, n);
  n = applyRules(STEP_4, n);
  // Step 5a.
  if (buffer[n - 1] === E) {
    if (measureAbove1(n - 1) || (measureIs1(n - 1) && !endsCvc(n - 1))) n--;
  }
  // Step 5b.
  if (n > 1 && buffer[n - 1] === L && buffer[n - 2] === L && measureAbove1(n - 1)) n--;
  return n;
}

function step1a(n: number): number {
  if (buffer[n - 1] !== S) return n;
  if (buffer[n - 2] === E) {
    if ((n > 4 && buffer[n - 4] === S && buffer[n - 3] === S) || (n > 3 && buffer[n - 3] === I)) {
      return n - 2;
    }
    return n - 1;
  }
  return buffer[n - 2] !== S ? n - 1 : n;
}

function step1b(n: number): number {
  if (buffer[n - 2] === E) {
    // As in FTS5, a term ending in "eed" never loses "ed", whatever the measure.
    if (n > 3 && endsWith(n, "eed")) return measureAbove0(n - 3) ? n - 1 : n;
    if (n > 2 && endsWith(n, "ed") && hasVowel(n - 2)) return afterEdOrIng(n - 2);
  } else if (buffer[n - 2] === N) {
    if (n > 3 && endsWith(n, "ing") && hasVowel(n - 3)) return afterEdOrIng(n - 3);
  }
  return n;
}

/** The rest of step 1b, once "ed" or "ing" is gone. */
function afterEdOrIng(n: number): number {
  // Every step 1b2 rule lengthens the term by one letter: a change in length means one applied.
  const replaced = applyRules(STEP_1B2, n);
  if (replaced !== n) return replaced;
  // On a non-ASCII term these are bytes: a character ending in two equal bytes loses one.
  const c = buffer[n - 1];
  if (!isVowel(c, false) && c !== L && c !== S && c !== Z && c === buffer[n - 2]) return n - 1;
  if (measureIs1(n) && endsCvc(n)) {
    buffer[n] = E;
    return n + 1;
  }
  return n;
}

/** A rule: replace `suffix` by `replacement` if the stem before it meets `condition`. */
interface Rule {
  suffix: string;
  replacement: string;
  condition: ((stemLength: number) => boolean) | null;
}

/**
 * Applies the first rule, among those for the term's second-to-last letter, whose suffix the
 * term ends with (and is longer than); as in FTS5, a rule whose condition fails ends the step.
 */
function applyRules(rules: Map<number, Rule[]>, n: number): number {
  const candidates = rules.get(buffer[n - 2] ?? -1);
  if (candidates === undefined) return n;
  for (const { suffix, replacement, condition } of candidates) {
    if (n > suffix.length && endsWith(n, suffix)) {
      const stemLength = n - suffix.length;
      if (condition !== null && !condition(stemLength)) return n;
      for (let k = 0; k < replacement.length; k++) {
        buffer[stemLength + k] = replacement.charCodeAt(k);
      }
      return stemLength + replacement.length;
    }
  }
  return n;
}

function endsWith(n: number, suffix: string): boolean {
  const start = n - suffix.length;
  for (let k = 0; k < suffix.length; k++) {
    if (buffer[start + k] !== suffix.charCodeAt(k)) return false;
  }
  return true;
}

/** `c` is a byte of the buffer (undefined past its end, which is no vowel). */
function isVowel(c: number | undefined, yIsVowel: boolean): boolean {
  return c === A || c === E || c === I || c === O || c === U || (yIsVowel && c === Y);
}

/**
 * Scans `buffer[start, start + length)` for a vowel and then a consonant; returns the offset
 * (from `start`) just past that consonant, or 0 if there is no such pair.
 */
function gobbleVowelConsonant(start: number, length: number, previousIsConsonant: boolean): number {
  let consonant = previousIsConsonant;
  let i = 0;
  for (; i < length; i++) {
    consonant = !isVowel(buffer[start + i], consonant);
    if (!consonant) break;
  }
  for (i++; i < length; i++) {
    consonant = !isVowel(buffer[start + i], consonant);
    if (consonant) return i + 1;
  }
  return 0;
}

/** m > 0 for the stem `buffer[0, n)`. */
function measureAbove0(n: number): boolean {
  return gobbleVowelConsonant(0, n, false) !== 0;
}

/** m > 1. */
function measureAbove1(n: number): boolean {
  const k = gobbleVowelConsonant(0, n, false);
  return k !== 0 && gobbleVowelConsonant(k, n - k, true) !== 0;
}

/** m = 1. */
function measureIs1(n: number): boolean {
  const k = gobbleVowelConsonant(0, n, false);
  return k !== 0 && gobbleVowelConsonant(k, n - k, true) === 0;
}

/** *o: the stem ends consonant-vowel-consonant, the last not w, x or y. */
function endsCvc(n: number): boolean {
  const last = buffer[n - 1];
  if (last === W || last === X || last === Y) return false;
  let mask = 0;
  let consonant = false;
  for (let i = 0; i < n; i++) {
    consonant = !isVowel(buffer[i], consonant);
    mask = ((mask << 1) | (consonant ? 1 : 0)) & 7;
  }
  return mask === 5;
}

/** *v*: the stem has a vowel (y counts after the first letter). */
function hasVowel(n: number): boolean {
  for (let i = 0; i < n; i++) if (isVowel(buffer[i], i > 0)) return true;
  return false;
}

/** m > 1 and the stem ends in s or t (the "ion" rule). */
function measureAbove1EndsSOrT(n: number): boolean {
  return (buffer[n - 1] === S || buffer[n - 1] === T) && measureAbove1(n);
}

/** Rules by second-to-last letter, in FTS5's order: `[suffix, replacement]` pairs. */
function rules(
  condition: Rule["condition"],
  table: Record<string, [string, string][]>,
  exceptions: Record<string, Rule["condition"]> = {},
): Map<number, Rule[]> {
  const map = new Map<number, Rule[]>();
  for (const [letter, pairs] of Object.entries(table)) {
    map.set(
      letter.charCodeAt(0),
      pairs.map(([suffix, replacement]) => ({
        suffix,
        replacement,
        condition: suffix in exceptions ? exceptions[suffix] ?? null : condition,
      })),
    );
  }
  return map;
}

const STEP_1B2 = rules(null, {
  a: [["at", "ate"]],
  b: [["bl", "ble"]],
  i: [["iz", "ize"]],
});

const STEP_2 = rules(measureAbove0, {
  a: [["ational", "ate"], ["tional", "tion"]],
  c: [["enci", "ence"], ["anci", "ance"]],
  e: [["izer", "ize"]],
  g: [["logi", "log"]],
  l: [["bli", "ble"], ["alli", "al"], ["entli", "ent"], ["eli", "e"], ["ousli", "ous"]],
  o: [["ization", "ize"], ["ation", "ate"], ["ator", "ate"]],
  s: [["alism", "al"], ["iveness", "ive"], ["fulness", "ful"], ["ousness", "ous"]],
  t: [["aliti", "al"], ["iviti", "ive"], ["biliti", "ble"]],
});

const STEP_3 = rules(measureAbove0, {
  a: [["ical", "ic"]],
  s: [["ness", ""]],
  t: [["icate", "ic"], ["iciti", "ic"]],
  u: [["ful", ""]],
  v: [["ative", ""]],
  z: [["alize", "al"]],
});

const STEP_4 = rules(measureAbove1, {
  a: [["al", ""]],
  c: [["ance", ""], ["ence", ""]],
  e: [["er", ""]],
  i: [["ic", ""]],
  l: [["able", ""], ["ible", ""]],
  n: [["ant", ""], ["ement", ""], ["ment", ""], ["ent", ""]],
  o: [["ion", ""], ["ou", ""]],
  s: [["ism", ""]],
  t: [["ate", ""], ["iti", ""]],
  u: [["ous", ""]],
  v: [["ive", ""]],
  z: [["ize", ""]],
}, { ion: measureAbove1EndsSOrT });
