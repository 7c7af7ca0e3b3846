/**
 * The query language of `collection.search(q)`: what a stranger types into a search box.
 *
 * ```text
 * "exact phrase" multi-agent title:rust pre* -draft (cats OR dogs) NOT spam
 * ```
 *
 * Parsing never fails on what the query says, only on its size (see "Limits"): anything the
 * grammar cannot use becomes literal text, searched like any other word.
 *
 * ## Grammar (EBNF)
 *
 * ```text
 * query    = [ or ] ;                          (* nothing left: matches nothing *)
 * or       = and { "OR" and } ;
 * and      = unary { [ "AND" ] unary } ;       (* side by side: all of them *)
 * unary    = { "-" | "NOT" } primary ;         (* "-" is glued to what follows *)
 * primary  = "(" [ or ] ")"
 *          | [ field ":" ] ( phrase | word ) ; (* no space around the ":" *)
 * phrase   = '"' { any character but '"' } '"' [ "*" ] ;
 * word     = wordchar { wordchar } ;           (* a final "*" makes it a prefix *)
 * wordchar = any character but white space, "(" and ")" ;
 * field    = a configured search field, as written in the options ("title", "author.name") ;
 * ```
 *
 * `NOT` binds tighter than `AND` (written or implied by a space), which binds tighter than `OR`,
 * as in FTS5 and in the filter text form: `cats OR dogs food` is `cats OR (dogs food)`. The
 * operators are the upper-case words `AND`, `OR` and `NOT`; in any other case they are words.
 *
 * Lexical details:
 * - White space is anything JavaScript's `\s` matches (Unicode spaces included). Before parsing,
 *   control characters (U+0000–U+001F, U+007F–U+009F), the line and paragraph separators
 *   U+2028/U+2029 and lone surrogates each become a space: they separate words, as they do
 *   for FTS5's tokenizers, and none of them reaches SQLite.
 * - `(` and `)` always stand alone outside a phrase: `f(x)` is `f (x)`.
 * - A `"` opens a phrase only where a word could start (after a space, a parenthesis, a `-`
 *   or a `field:`) and only if another `"` closes it; elsewhere it is a character of the word
 *   (`5'10"`). A phrase has no escapes. A `*` right after the closing `"` makes it a prefix.
 * - `-` negates only when glued to a word, a phrase, a field term or a `(`.
 * - A word ending in `*` is a prefix search for the word without that one `*`; `*` alone is a
 *   word.
 * - `field:` counts only for a configured field (compared exactly, case-sensitive) followed
 *   directly by a phrase or by a non-empty word; `http://x`, `12:30` and `re:subject` are words.
 *
 * ## Degradation: what the grammar cannot use
 *
 * | input | read as |
 * | --- | --- |
 * | `"unclosed phrase` | the words `"unclosed` and `phrase` |
 * | `(a b`, `a b)` | the word `(` (or `)`) and `a b`: an unmatched parenthesis is a word |
 * | parentheses nested deeper than {@linkcode SEARCH_LIMITS}`.depth` | the deeper ones are words |
 * | `OR a`, `a OR`, `a OR OR b`, `AND a` | an operator with no operand where it needs one is a word |
 * | `a NOT`, `NOT` | a `NOT` with nothing after it is a word |
 * | `- a`, `--a`, `-)` | a `-` not glued to what follows, or followed by `-` or `)`, is text |
 * | `-OR`, `-NOT` | the word after a `-` is never an operator: exclude the word "or" |
 * | `*`, `title:`, `xyz:word` | words |
 * | `NOT NOT a`, `NOT -a` | negations cancel out: `a` |
 *
 * Whether a word finds anything is the tokenizer's business, not the parser's: `C++`,
 * `a@b.com`, `(`, `+++` are all words here. The compiler to the backends' tree
 * (to_match_node.ts) drops words that make no tokens.
 *
 * ## Limits
 *
 * - A query longer than {@linkcode SEARCH_LIMITS}`.length` UTF-16 code units (JavaScript's
 *   `length`, counted before control characters are replaced) is refused before anything is
 *   looked at, so a megabyte of text costs nothing.
 * - More than {@linkcode SEARCH_LIMITS}`.terms` words and phrases (operators, `-` and
 *   parentheses do not count; a phrase counts once; words made of degraded syntax do count) is
 *   refused as soon as the parser meets the one too many.
 *
 * Both are `INVALID_SEARCH`. The parser is recursive descent, recursing only into parentheses,
 * whose depth is bounded: no input can overflow the stack.
 *
 * @module
 */

import { QuireError } from "../errors.ts";

/** Limits that keep a hostile query from costing more than a normal one. */
export const SEARCH_LIMITS = {
  /** Longest query, in UTF-16 code units. */
  length: 1024,
  /** Most words and phrases in one query. */
  terms: 32,
  /** Deepest nesting of parentheses; deeper ones are words. */
  depth: 8,
} as const;

/**
 * A word as written (`multi-agent`, `pre*`, `title:rust`), without its `field:` and its prefix
 * `*`. It matches where its tokens appear one after the other, like a phrase: the kinds differ
 * only in how the user wrote them.
 */
export interface TermNode {
  readonly kind: "term";
  /** The word, as written (not lower-cased, not tokenized). */
  readonly text: string;
  /** Whether the last token is a prefix (`pre*`). */
  readonly prefix: boolean;
  /** The configured search field it is limited to, if any. */
  readonly field?: string;
}

/** A quoted phrase (`"exact phrase"`, `title:"a b"*`): its text without the quotes. */
export interface PhraseNode {
  readonly kind: "phrase";
  readonly text: string;
  readonly prefix: boolean;
  readonly field?: string;
}

/** A node of a parsed search query. */
export type SearchNode =
  | TermNode
  | PhraseNode
  | { readonly kind: "and"; readonly terms: readonly SearchNode[] }
  | { readonly kind: "or"; readonly terms: readonly SearchNode[] }
  | { readonly kind: "not"; readonly term: SearchNode };

/** Every kind of search node, for `Record<Kind, ...>` dispatch tables. */
export type SearchNodeKind = SearchNode["kind"];

/** What a word or phrase may carry besides its text. */
export interface LeafOptions {
  /** @default false */
  prefix?: boolean;
  /** @default undefined (every search field) */
  field?: string | undefined;
}

/** A word. */
export function term(text: string, options: LeafOptions = {}): TermNode {
  const prefix = options.prefix === true;
  return options.field === undefined
    ? { kind: "term", text, prefix }
    : { kind: "term", text, prefix, field: options.field };
}

/** A quoted phrase. */
export function phrase(text: string, options: LeafOptions = {}): PhraseNode {
  const prefix = options.prefix === true;
  return options.field === undefined
    ? { kind: "phrase", text, prefix }
    : { kind: "phrase", text, prefix, field: options.field };
}

/** All of `terms` (none: matches nothing, like an empty query). */
export function and(terms: readonly SearchNode[]): SearchNode {
  return { kind: "and", terms: [...terms] };
}

/** Any of `terms`. */
export function or(terms: readonly SearchNode[]): SearchNode {
  return { kind: "or", terms: [...terms] };
}

/** Not `term`. */
export function not(term: SearchNode): SearchNode {
  return { kind: "not", term };
}

/** Options for {@linkcode parseSearchQuery}. */
export interface SearchSyntaxOptions {
  /** The configured search fields, usable as `field:`. @default [] */
  fields?: Iterable<string>;
}

/**
 * Parses what a user typed into a search box. Never fails on the content of the text.
 *
 * @example
 * ```ts
 * import { parseSearchQuery } from "./query_syntax.ts";
 * const query = parseSearchQuery('title:"exact phrase" multi-ag* -draft', { fields: ["title"] });
 * console.log(query.kind); // "and"
 * ```
 *
 * @param text The query.
 * @param options The configured search fields.
 * @returns The query's AST; an `and` of no terms when nothing is left.
 * @throws {QuireError} `INVALID_SEARCH` when the text is not a string or is over the limits.
 */
export function parseSearchQuery(text: string, options: SearchSyntaxOptions = {}): SearchNode {
  checkSearchLength(text);
  const fields = [...options.fields ?? []].sort((a, b) => b.length - a.length);
  const tokens = balanceParentheses(lex(text.replace(UNSEARCHABLE, " "), fields));
  return new QueryParser(tokens).parse();
}

/**
 * Refuses what is not a string or is longer than {@linkcode SEARCH_LIMITS}`.length`: the check
 * {@linkcode parseSearchQuery} starts with, for callers that pass a raw FTS5 query on unparsed.
 *
 * @throws {QuireError} `INVALID_SEARCH`.
 */
export function checkSearchLength(text: unknown): asserts text is string {
  if (typeof text !== "string") {
    throw new QuireError(
      "INVALID_SEARCH",
      `Cannot search: expected the query as a string, found ${typeof text}`,
    );
  }
  if (text.length > SEARCH_LIMITS.length) {
    throw new QuireError(
      "INVALID_SEARCH",
      `Cannot search: the query is longer than ${SEARCH_LIMITS.length} characters ` +
        `(${text.length})`,
    );
  }
}

// Control characters would be invisible in a search box and NUL cannot be bound to SQLite;
// lone surrogates would reach SQLite as U+FFFD on one runtime and something else on another.
// deno-lint-ignore no-control-regex
const UNSEARCHABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/gu;

/** The rest of a word: up to white space or a parenthesis. */
const WORD = /[^\s()]+/y;
const SPACE = /\s/;

type Keyword = "AND" | "OR" | "NOT";

const KEYWORDS: ReadonlySet<string> = new Set<Keyword>(["AND", "OR", "NOT"]);

type Token =
  | { readonly type: "open" }
  | { readonly type: "close" }
  | { readonly type: "minus" }
  | { readonly type: "keyword"; readonly word: Keyword }
  | LeafToken;

type LeafToken = { readonly type: "leaf"; readonly node: TermNode | PhraseNode };

const OPEN: Token = { type: "open" };
const CLOSE: Token = { type: "close" };
const MINUS: Token = { type: "minus" };

/** Splits the text into tokens; `fields` longest first, so `a.b:` wins over `a:`. */
function lex(text: string, fields: readonly string[]): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const c = text.charAt(pos);
    if (SPACE.test(c)) {
      pos++;
    } else if (c === "(" || c === ")") {
      tokens.push(c === "(" ? OPEN : CLOSE);
      pos++;
    } else if (c === "-" && negates(text[pos + 1])) {
      tokens.push(MINUS);
      pos++;
    } else {
      const afterMinus = tokens.at(-1) === MINUS;
      pos = lexWord(text, pos, fields, afterMinus, tokens);
    }
  }
  return tokens;
}

/** Whether a `-` followed by `next` negates it. */
function negates(next: string | undefined): boolean {
  return next !== undefined && next !== "-" && next !== ")" && !SPACE.test(next);
}

/** Lexes the phrase or word at `start` into `tokens`; returns where it ends. */
function lexWord(
  text: string,
  start: number,
  fields: readonly string[],
  afterMinus: boolean,
  tokens: Token[],
): number {
  const quoted = lexPhrase(text, start, undefined);
  if (quoted !== undefined) {
    tokens.push({ type: "leaf", node: quoted.node });
    return quoted.end;
  }
  WORD.lastIndex = start;
  const word = WORD.exec(text)![0];
  const end = start + word.length;
  const field = fields.find((name) => word.startsWith(name) && word[name.length] === ":");
  if (field !== undefined) {
    const rest = start + field.length + 1;
    const fielded = lexPhrase(text, rest, field);
    if (fielded !== undefined) {
      tokens.push({ type: "leaf", node: fielded.node });
      return fielded.end;
    }
    const node = wordNode(text.slice(rest, end), field);
    if (node.text !== "") {
      tokens.push({ type: "leaf", node });
      return end;
    }
  }
  if (!afterMinus && KEYWORDS.has(word)) {
    tokens.push({ type: "keyword", word: word as Keyword });
  } else {
    tokens.push({ type: "leaf", node: wordNode(word, undefined) });
  }
  return end;
}

/** The phrase opening at `start`, if a `"` is there and another closes it. */
function lexPhrase(
  text: string,
  start: number,
  field: string | undefined,
): { node: PhraseNode; end: number } | undefined {
  if (text[start] !== '"') return undefined;
  const close = text.indexOf('"', start + 1);
  if (close === -1) return undefined;
  const prefix = text[close + 1] === "*";
  const node = phrase(text.slice(start + 1, close), { prefix, field });
  return { node, end: close + (prefix ? 2 : 1) };
}

/** A word's node: a final `*` (not the only character) makes it a prefix. */
function wordNode(word: string, field: string | undefined): TermNode {
  const prefix = word.length > 1 && word.endsWith("*");
  return term(prefix ? word.slice(0, -1) : word, { prefix, field });
}

/**
 * Turns every parenthesis that has no partner, or that would nest deeper than
 * {@linkcode SEARCH_LIMITS}`.depth`, into a word, so that the parser only meets balanced,
 * shallow ones.
 */
function balanceParentheses(tokens: Token[]): Token[] {
  /** Indexes of the open parentheses not yet closed, and whether each one counts. */
  const open: { index: number; counts: boolean }[] = [];
  let depth = 0;
  for (const [i, token] of tokens.entries()) {
    if (token.type === "open") {
      const counts = depth < SEARCH_LIMITS.depth;
      if (counts) depth++;
      else tokens[i] = literal(token);
      open.push({ index: i, counts });
    } else if (token.type === "close") {
      const partner = open.pop();
      if (partner?.counts === true) depth--;
      else tokens[i] = literal(token);
    }
  }
  for (const { index } of open) {
    const token = tokens[index];
    if (token !== undefined) tokens[index] = literal(token);
  }
  return tokens;
}

/** A token the grammar cannot use, as the word it was written as. */
function literal(token: Token): LeafToken {
  switch (token.type) {
    case "open":
      return { type: "leaf", node: term("(") };
    case "close":
      return { type: "leaf", node: term(")") };
    case "minus":
      return { type: "leaf", node: term("-") };
    case "keyword":
      return { type: "leaf", node: term(token.word) };
    case "leaf":
      return token;
  }
}

class QueryParser {
  readonly #tokens: readonly Token[];
  #pos = 0;
  /** Words and phrases made so far. */
  #terms = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  parse(): SearchNode {
    // Every parenthesis is balanced, so the top-level `or` reads up to the end.
    return this.#tokens.length === 0 ? and([]) : this.#or();
  }

  #or(): SearchNode {
    const first = this.#and();
    const terms = [first];
    while (this.#isOperator("OR")) {
      this.#pos++;
      terms.push(this.#and());
    }
    return terms.length === 1 ? first : or(terms);
  }

  #and(): SearchNode {
    const first = this.#unary();
    const terms = [first];
    for (;;) {
      const next = this.#tokens[this.#pos];
      if (next === undefined || next.type === "close" || this.#isOperator("OR")) break;
      if (this.#isOperator("AND")) this.#pos++;
      terms.push(this.#unary());
    }
    return terms.length === 1 ? first : and(terms);
  }

  #unary(): SearchNode {
    // A loop rather than recursion: `NOT NOT … a` costs no stack, and negations cancel out.
    let negated = false;
    while (this.#tokens[this.#pos]?.type === "minus" || this.#isOperator("NOT")) {
      if (!this.#startsOperand(this.#pos + 1)) break;
      negated = !negated;
      this.#pos++;
    }
    const node = this.#primary();
    return negated ? not(node) : node;
  }

  #primary(): SearchNode {
    const token = this.#tokens[this.#pos++];
    // Not reached: #unary is only called where #startsOperand saw a token.
    if (token === undefined) return and([]);
    if (token.type === "open") {
      if (this.#tokens[this.#pos]?.type === "close") {
        this.#pos++;
        return and([]);
      }
      const group = this.#or();
      this.#pos++; // its ")", which balanceParentheses guarantees
      return group;
    }
    const leaf = literal(token);
    if (++this.#terms > SEARCH_LIMITS.terms) {
      throw new QuireError(
        "INVALID_SEARCH",
        `Cannot search: the query has more than ${SEARCH_LIMITS.terms} words and phrases`,
      );
    }
    return leaf.node;
  }

  /** Whether the next token is the operator `word` with an operand after it. */
  #isOperator(word: Keyword): boolean {
    const token = this.#tokens[this.#pos];
    return token?.type === "keyword" && token.word === word && this.#startsOperand(this.#pos + 1);
  }

  /** Whether the token at `index` can start an operand. */
  #startsOperand(index: number): boolean {
    const token = this.#tokens[index];
    return token !== undefined && token.type !== "close";
  }
}
