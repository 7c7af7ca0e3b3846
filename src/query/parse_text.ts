/**
 * The text form of a filter, for HTTP and the CLI:
 *
 * ```text
 * year >= 2000 and author.name = "Ann" and (tags contains "x" or not draft = true)
 * ```
 *
 * ## Grammar (EBNF)
 *
 * ```text
 * filter    = [ or ] ;                        (* empty or whitespace only: everything *)
 * or        = and { "or" and } ;
 * and       = unary { "and" unary } ;
 * unary     = "not" unary | "(" or ")" | condition ;
 * condition = field ( compare value
 *                   | "in" "[" [ value { "," value } ] "]"
 *                   | "exists" ) ;
 * compare   = "=" | "!=" | ">" | ">=" | "<" | "<=" | "contains" | "startsWith" | "like" ;
 * field     = pseudo | segment { "." segment } ;
 * pseudo    = "$id" | "$rev" | "$createdAt" | "$updatedAt" ;
 * segment   = name | index | string ;          (* a string segment is a key, never empty *)
 * name      = ( letter | "_" ) { letter | digit | "_" | "-" } ;
 * index     = digit { digit } ;
 * value     = string | number | "true" | "false" | "null" ;
 * string    = '"' { character | escape } '"' ;  (* JSON's strings *)
 * escape    = "\" ( '"' | "\" | "/" | "b" | "f" | "n" | "r" | "t" | "u" hex hex hex hex ) ;
 * number    = [ "-" ] ( "0" | digit19 { digit } ) [ "." digit { digit } ]
 *             [ ( "e" | "E" ) [ "+" | "-" ] digit { digit } ] ;   (* JSON's numbers *)
 * ```
 *
 * `not` binds tighter than `and`, which binds tighter than `or`. Whitespace (space, tab, CR, LF)
 * may stand between any two tokens (around a field's `.` too). Keywords and word operators
 * (`and or not in exists contains startsWith like true false null`) are case-insensitive; they
 * cannot be the first segment of a field unquoted: write `"like" > 10`.
 *
 * ## Meaning
 *
 * | text | object form |
 * | --- | --- |
 * | `a = 1`, `a > 1`, `a >= 1`, `a < 1`, `a <= 1` | `{ a: 1 }`, `{ a: { $gt: 1 } }`, … |
 * | `a != 1` (also matches a missing `a`) | `{ a: { $ne: 1 } }` |
 * | `a in [1, 2]` | `{ a: { $in: [1, 2] } }` |
 * | `a exists`, `not a exists` | `{ a: { $exists: true } }`, `{ a: { $exists: false } }` |
 * | `tags contains "x"`, `t startsWith "ab"`, `t like "a%"` | `$contains`, `$startsWith`, `$like` |
 * | `p and q`, `p or q`, `not p` | `{ $and: [p, q] }`, `{ $or: [p, q] }`, `{ $not: p }` |
 *
 * Both forms give the same AST: `year >= 1 and year < 5` and `{ year: { $gte: 1, $lt: 5 } }`
 * are both `and(compare gte, compare lt)`. A chain `p and q and r` is one `and` of three terms;
 * parentheses keep their grouping (`(p and q) and r` is an `and` inside an `and`).
 *
 * A digit segment is an array index when `parsePath` would read it as one (`tags.0`); a quoted
 * segment is always a key (`"0"`, `"a.b"`, `"key with space"`, `"$id"`). Values follow the
 * object form's rules: a number must be finite and not a whole number beyond ±(2^53−1) below
 * 10^21; `-0` is `0`; a string may not hold a lone surrogate (written as `\ud800` or raw).
 * Ranges take a number or a string, `startsWith` and `like` a string. A quoted segment may not
 * hold NUL (`"\u0000"`): no path can name such a key on SQLite (see path.ts).
 *
 * ## Errors and limits
 *
 * Every error is `INVALID_FILTER` with the 1-based column (counted in UTF-16 code units, as
 * JavaScript strings count) and what was expected:
 * `Cannot parse filter at column 12: expected a value after "=", found "and"`.
 *
 * `FILTER_LIMITS` apply: `textLength` is checked before anything else; `depth` (and/or/not
 * nodes on the longest path of the AST), `terms` (nodes) and `inValues` as the AST is built.
 * Parentheses and `not` may nest at most `2 × FILTER_LIMITS.depth` deep (redundant parentheses
 * make no node, so they get some slack). The parser is recursive descent, and that nesting
 * bound is also what bounds its recursion: no input can overflow the stack.
 *
 * @module
 */

import { QuireError, quote } from "../errors.ts";
import {
  and,
  compare,
  type CompareOp,
  contains,
  exists,
  type Field,
  type Filter,
  FILTER_LIMITS,
  isIn,
  like,
  MATCH_ALL,
  not,
  or,
  pathField,
  type Scalar,
  startsWith,
} from "./ast.ts";
import { metaFieldNamed, scalarProblem, textOperandProblem } from "./parse_object.ts";
import { MAX_PATH_LENGTH, NUL_KEY, parsePath, type PathSegment } from "./path.ts";

/** Deepest nesting of parentheses and `not` while parsing. */
const MAX_NESTING = 2 * FILTER_LIMITS.depth;

/** Words that cannot start a field unquoted (compared in lower case). */
const KEYWORDS: ReadonlySet<string> = new Set([
  "and",
  "or",
  "not",
  "in",
  "exists",
  "contains",
  "startswith",
  "like",
  "true",
  "false",
  "null",
]);

const SYMBOL_OPERATORS: ReadonlyMap<string, CompareOp | "ne"> = new Map([
  ["=", "eq"],
  ["!=", "ne"],
  [">", "gt"],
  [">=", "gte"],
  ["<", "lt"],
  ["<=", "lte"],
]);

const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["/", "/"],
  ["b", "\b"],
  ["f", "\f"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
]);

const WORD = /[A-Za-z0-9_-]*/y;
const SYMBOL = /[<>!=]=?/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9A-Fa-f]{4}$/;

/**
 * Parses a filter in the text form.
 *
 * @example
 * ```ts
 * import { parseTextFilter } from "./parse_text.ts";
 * const filter = parseTextFilter('year >= 2000 and (tags contains "x" or not draft = true)');
 * console.log(filter.kind); // "and"
 * ```
 *
 * @param text The filter; empty or whitespace only for everything.
 * @returns The filter's AST.
 * @throws {QuireError} `INVALID_FILTER` with the column and what was expected.
 */
export function parseTextFilter(text: string): Filter {
  if (typeof text !== "string") {
    throw new QuireError(
      "INVALID_FILTER",
      `Cannot parse filter: expected a string, found ${typeof text}`,
    );
  }
  if (text.length > FILTER_LIMITS.textLength) {
    throw new QuireError(
      "INVALID_FILTER",
      `Cannot parse filter: the text is longer than ${FILTER_LIMITS.textLength} characters ` +
        `(${text.length})`,
    );
  }
  return new TextParser(text).parse();
}

/** A node and its depth (and/or/not nodes on its longest path). */
interface Parsed {
  filter: Filter;
  depth: number;
}

/** The type of value an operator takes. */
type Accept = "value" | "range" | "string";

const EXPECTED: Record<Accept, string> = {
  value: "a value",
  range: "a number or a string",
  string: "a string",
};

class TextParser {
  readonly #text: string;
  #pos = 0;
  /** Nodes made so far. */
  #terms = 0;
  /** Parentheses and `not`s open around the current position. */
  #nesting = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): Filter {
    this.#skip();
    if (this.#pos === this.#text.length) return MATCH_ALL;
    const { filter } = this.#or();
    this.#skip();
    if (this.#pos < this.#text.length) {
      this.#fail(`expected "and", "or" or the end, found ${this.#found()}`);
    }
    return filter;
  }

  #or(): Parsed {
    this.#skip();
    const start = this.#pos;
    const terms = [this.#and()];
    while (this.#keyword("or")) terms.push(this.#and());
    const [first] = terms;
    return terms.length === 1 && first !== undefined ? first : this.#group(or, terms, start);
  }

  #and(): Parsed {
    this.#skip();
    const start = this.#pos;
    const terms = [this.#unary()];
    while (this.#keyword("and")) terms.push(this.#unary());
    const [first] = terms;
    return terms.length === 1 && first !== undefined ? first : this.#group(and, terms, start);
  }

  #unary(): Parsed {
    this.#skip();
    const start = this.#pos;
    if (this.#keyword("not")) {
      this.#enter(start);
      const term = this.#unary();
      this.#nesting--;
      return this.#node(not(term.filter), term.depth + 1, start);
    }
    if (this.#text[this.#pos] === "(") {
      this.#enter(start);
      this.#pos++;
      const term = this.#or();
      this.#skip();
      if (this.#text[this.#pos] !== ")") {
        this.#fail(
          `expected "and", "or" or ")" (to close the "(" at column ${start + 1}), ` +
            `found ${this.#found()}`,
        );
      }
      this.#pos++;
      this.#nesting--;
      return term;
    }
    return this.#condition();
  }

  #condition(): Parsed {
    const start = this.#pos;
    const field = this.#field();
    const fieldText = this.#text.slice(start, this.#pos);
    this.#skip();
    const opStart = this.#pos;
    SYMBOL.lastIndex = this.#pos;
    const match = SYMBOL.exec(this.#text)?.[0];
    const op = match !== undefined && SYMBOL_OPERATORS.has(match)
      ? match
      : this.#word().toLowerCase();
    this.#pos = opStart;
    switch (op) {
      case "=":
      case "!=":
      case ">":
      case ">=":
      case "<":
      case "<=": {
        this.#pos += op.length;
        const compareOp = SYMBOL_OPERATORS.get(op)!;
        const accept = compareOp === "eq" || compareOp === "ne" ? "value" : "range";
        const value = this.#value(accept, `after ${quote(op)}`);
        if (compareOp !== "ne") return this.#node(compare(compareOp, field, value), 0, start);
        const leaf = this.#node(compare("eq", field, value), 0, start);
        return this.#node(not(leaf.filter), 1, start);
      }
      case "contains":
      case "startswith":
      case "like": {
        const word = this.#text.slice(opStart, opStart + op.length);
        this.#pos += op.length;
        if (op === "contains") {
          const value = this.#value("value", `after ${quote(word)}`);
          return this.#node(contains(field, value), 0, start);
        }
        this.#skip();
        const valueStart = this.#pos;
        const value = this.#value("string", `after ${quote(word)}`) as string;
        const problem = textOperandProblem(op === "like" ? "$like" : "$startsWith", value);
        if (problem !== undefined) this.#fail(problem, valueStart);
        return this.#node(op === "like" ? like(field, value) : startsWith(field, value), 0, start);
      }
      case "in":
        this.#pos += op.length;
        return this.#node(isIn(field, this.#list()), 0, start);
      case "exists":
        this.#pos += op.length;
        return this.#node(exists(field), 0, start);
      default:
        this.#fail(
          `expected an operator (=, !=, >, >=, <, <=, contains, startsWith, like, in, exists) ` +
            `after ${quote(fieldText)}, found ${this.#found()}`,
        );
    }
  }

  /** `[v, ...]` after `in`. */
  #list(): Scalar[] {
    this.#skip();
    if (this.#text[this.#pos] !== "[") {
      this.#fail(`expected "[" after "in", found ${this.#found()}`);
    }
    this.#pos++;
    const values: Scalar[] = [];
    this.#skip();
    if (this.#text[this.#pos] === "]") {
      this.#pos++;
      return values;
    }
    let after = '"["';
    for (;;) {
      this.#skip();
      if (values.length === FILTER_LIMITS.inValues) {
        this.#fail(`the list has more than ${FILTER_LIMITS.inValues} values`);
      }
      values.push(this.#value("value", `after ${after}`));
      this.#skip();
      const c = this.#text[this.#pos];
      if (c === "]") {
        this.#pos++;
        return values;
      }
      if (c !== ",") this.#fail(`expected "," or "]", found ${this.#found()}`);
      this.#pos++;
      after = '","';
    }
  }

  /** A field: a pseudo-field or segments. */
  #field(): Field {
    const start = this.#pos;
    const text = this.#text;
    if (text[this.#pos] === "$") {
      this.#pos++;
      const name = "$" + this.#word();
      const meta = metaFieldNamed(name);
      if (meta === undefined) {
        this.#fail(
          `unknown pseudo-field ${quote(name)}: expected $id, $rev, $createdAt or $updatedAt ` +
            `(quote a key that starts with "$")`,
          start,
        );
      }
      this.#skip();
      if (text[this.#pos] === ".") {
        this.#fail(`expected an operator after ${quote(name)}, found ${this.#found()}`);
      }
      this.#pos = start + name.length;
      return meta;
    }
    const segments: PathSegment[] = [];
    let length = -1;
    for (;;) {
      const at = this.#pos;
      let segment: PathSegment;
      if (text[at] === '"') {
        segment = this.#string();
        if (segment === "") this.#fail("expected a key, found an empty string", at);
        if (segment.includes("\0")) this.#fail(NUL_KEY, at);
        this.#checkLength(length += 1 + segment.length, start);
      } else {
        const word = this.#word();
        if (word === "") {
          this.#fail(
            segments.length === 0
              ? `expected a field, "not" or "(", found ${this.#found()}`
              : `expected a field segment after ".", found ${this.#found()}`,
          );
        }
        this.#checkLength(length += 1 + word.length, start);
        if (/^[0-9]+$/.test(word)) {
          segment = parsePath(word)[0] ?? word; // one segment: an index, or a key if too large
        } else if (/^[A-Za-z_]/.test(word)) {
          if (segments.length === 0 && KEYWORDS.has(word.toLowerCase())) {
            this.#fail(
              `expected a field, "not" or "(", found the keyword ${quote(word)} ` +
                `(write a field of that name in double quotes)`,
              at,
            );
          }
          segment = word;
        } else {
          this.#fail(
            `expected a field segment (a name, an index or a quoted key), found ${quote(word)}`,
            at,
          );
        }
      }
      segments.push(segment);
      const end = this.#pos;
      this.#skip();
      if (text[this.#pos] !== ".") {
        this.#pos = end;
        return pathField(segments);
      }
      this.#pos++;
      this.#skip();
    }
  }

  /** Refuses a field of `length` characters beyond the limit. */
  #checkLength(length: number, start: number): void {
    if (length > MAX_PATH_LENGTH) {
      this.#fail(`the field is longer than ${MAX_PATH_LENGTH} characters`, start);
    }
  }

  /** A value; `context` says where, for messages (`after "="`). */
  #value(accept: Accept, context: string): Scalar {
    this.#skip();
    const start = this.#pos;
    const c = this.#text[start];
    let value: Scalar;
    if (c === '"') {
      value = this.#string();
    } else if (c !== undefined && (c === "-" || (c >= "0" && c <= "9"))) {
      value = this.#number(accept, context);
    } else {
      const word = this.#word();
      const lower = word.toLowerCase();
      if (lower === "true" || lower === "false" || lower === "null") {
        value = lower === "null" ? null : lower === "true";
      } else {
        this.#pos = start;
        const bare = (word !== "" && !KEYWORDS.has(lower)) || c === "'";
        const hint = bare ? " (strings take double quotes)" : "";
        this.#fail(`expected ${EXPECTED[accept]} ${context}, found ${this.#found()}${hint}`);
      }
    }
    const type = typeof value;
    if (
      (accept === "range" && type !== "number" && type !== "string") ||
      (accept === "string" && type !== "string")
    ) {
      this.#fail(`expected ${EXPECTED[accept]} ${context}, found ${this.#found(start)}`, start);
    }
    return value;
  }

  #number(accept: Accept, context: string): number {
    const start = this.#pos;
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(this.#text)?.[0];
    if (match === undefined) {
      this.#fail(`expected ${EXPECTED[accept]} ${context}, found ${this.#found()}`);
    }
    const next = this.#text[start + match.length];
    if (next !== undefined && /[A-Za-z0-9_.$+-]/.test(next)) {
      this.#fail(`expected ${EXPECTED[accept]} ${context}, found ${this.#found()}`);
    }
    const value = Number(match);
    if (!Number.isFinite(value)) this.#fail(`the number ${quote(match)} is too large`);
    if (scalarProblem(value) !== undefined) {
      this.#fail(
        `the number ${quote(match)} is a whole number beyond ±(2^53−1), ` +
          "which documents cannot hold exactly",
      );
    }
    this.#pos += match.length;
    return value === 0 ? 0 : value; // -0 is 0
  }

  /** A double-quoted string with JSON's escapes, decoded. */
  #string(): string {
    const text = this.#text;
    const open = this.#pos;
    let out = "";
    let run = open + 1;
    let pos = run;
    for (;;) {
      if (pos >= text.length) this.#fail("the string is not closed", open);
      const code = text.charCodeAt(pos);
      if (code === 0x22) break;
      if (code === 0x5c) {
        out += text.slice(run, pos);
        const escape = text[pos + 1];
        const simple = escape === undefined ? undefined : ESCAPES.get(escape);
        if (simple !== undefined) {
          out += simple;
          pos += 2;
        } else if (escape === "u" && HEX4.test(text.slice(pos + 2, pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
        } else {
          const shown = escape === "u" ? text.slice(pos, pos + 6) : text.slice(pos, pos + 2);
          this.#fail(`invalid escape ${quote(shown)} in a string`, pos);
        }
        run = pos;
      } else if (code < 0x20) {
        this.#fail(
          `a control character (U+${code.toString(16).toUpperCase().padStart(4, "0")}) ` +
            "must be escaped in a string",
          pos,
        );
      } else {
        pos++;
      }
    }
    out += text.slice(run, pos);
    if (!out.isWellFormed()) this.#fail("found a string with a lone surrogate", open);
    this.#pos = pos + 1;
    return out;
  }

  /** Consumes the keyword `word` (lower case) if it comes next, as a whole word. */
  #keyword(word: string): boolean {
    this.#skip();
    const start = this.#pos;
    if (this.#word().toLowerCase() === word) return true;
    this.#pos = start;
    return false;
  }

  /** Reads a run of name characters (possibly empty). */
  #word(): string {
    WORD.lastIndex = this.#pos;
    const word = WORD.exec(this.#text)![0];
    this.#pos += word.length;
    return word;
  }

  #skip(): void {
    const text = this.#text;
    let pos = this.#pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      pos++;
    }
    this.#pos = pos;
  }

  /** Opens a parenthesis or a `not`. */
  #enter(at: number): void {
    if (++this.#nesting > MAX_NESTING) {
      this.#fail(`parentheses and "not" are nested deeper than ${MAX_NESTING} levels`, at);
    }
  }

  /** An and/or node over `terms`. */
  #group(make: (terms: Filter[]) => Filter, terms: Parsed[], start: number): Parsed {
    let depth = 0;
    for (const term of terms) depth = Math.max(depth, term.depth);
    return this.#node(make(terms.map((term) => term.filter)), depth + 1, start);
  }

  /** Counts a node against the limits. */
  #node(filter: Filter, depth: number, start: number): Parsed {
    if (++this.#terms > FILTER_LIMITS.terms) {
      this.#fail(`the filter has more than ${FILTER_LIMITS.terms} terms`, start);
    }
    if (depth > FILTER_LIMITS.depth) {
      this.#fail(
        `the filter is nested deeper than ${FILTER_LIMITS.depth} levels of and, or and not`,
        start,
      );
    }
    return { filter, depth };
  }

  /** What stands at `at`, for messages: `"and"`, `a string`, `the end`. */
  #found(at = this.#pos): string {
    const text = this.#text;
    if (at >= text.length) return "the end";
    if (text[at] === '"') return "a string";
    for (const token of [/[A-Za-z0-9_$-][A-Za-z0-9_$.+-]*/y, SYMBOL]) {
      token.lastIndex = at;
      const match = token.exec(text);
      if (match !== null) return quote(match[0], 40);
    }
    return quote(String.fromCodePoint(text.codePointAt(at)!));
  }

  #fail(problem: string, at = this.#pos): never {
    throw new QuireError("INVALID_FILTER", `Cannot parse filter at column ${at + 1}: ${problem}`);
  }
}
