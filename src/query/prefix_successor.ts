/**
 * The least string above every string that starts with a prefix: the upper bound of a
 * `$startsWith` range scan in code point order, which the SQLite and Postgres compilers both use.
 *
 * @module
 */

/**
 * The least string above every string that starts with `prefix`, in code point order: the
 * last code point plus one (skipping the surrogates), dropping trailing U+10FFFF first.
 * `undefined` when there is none (the prefix is all U+10FFFF). Works on the string's end only,
 * in time linear in its length and constant stack (no spread of its code points).
 *
 * @param prefix A well-formed string.
 * @returns The successor, or `undefined`.
 *
 * @example
 * ```ts
 * import { prefixSuccessor } from "./prefix_successor.ts";
 * prefixSuccessor("ab"); // "ac"
 * prefixSuccessor("a\u{10FFFF}"); // "b"
 * prefixSuccessor("\uD7FF"); // "\uE000" (the surrogates are skipped)
 * ```
 */
export function prefixSuccessor(prefix: string): string | undefined {
  // U+10FFFF is the surrogate pair \uDBFF\uDFFF; the prefix is well-formed (checkStringOperand).
  let end = prefix.length;
  while (
    end >= 2 && prefix.charCodeAt(end - 1) === 0xdfff && prefix.charCodeAt(end - 2) === 0xdbff
  ) {
    end -= 2;
  }
  if (end === 0) return undefined;
  const low = prefix.charCodeAt(end - 1);
  const astral = end >= 2 && low >= 0xdc00 && low <= 0xdfff;
  const start = astral ? end - 2 : end - 1;
  let last = prefix.codePointAt(start)! + 1;
  if (last === 0xd800) last = 0xe000;
  return prefix.slice(0, start) + String.fromCodePoint(last);
}
