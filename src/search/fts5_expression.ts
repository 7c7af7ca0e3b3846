/**
 * The FTS5 back end of search: compiles a parsed query (query_syntax.ts) into an FTS5 MATCH
 * expression that is valid for every input, and turns the errors FTS5 raises for a raw query
 * (the caller's `{ raw: true }`, where the user's text is the MATCH expression) into
 * `INVALID_SEARCH`.
 *
 * ## What a query means (the same for any evaluator of the AST)
 *
 * - A word or phrase matches where its tokens appear one after the other, in its field's column
 *   if it has a field; a prefix one where the last token is a prefix of a token. The text goes
 *   to FTS5 as a string (`"multi-agent"`, `"c++"`, `"a@b.com"`, `"don't"`, `"5'10"""`), which
 *   FTS5 splits with the table's own tokenizer, so punctuated words find what they find in the
 *   documents and no user character is ever FTS5 syntax.
 * - A word or phrase that makes no tokens (`+++`, `""`, a degraded `(`) is dropped: FTS5 would
 *   make a whole AND match nothing because of it. An `and`/`or` left with nothing is dropped in
 *   turn, and so is a `not` of nothing.
 * - Negation is exact wherever something positive stands beside it: with P positive and N
 *   negated terms, `P -N` is `P NOT N`, `-N1 -N2` is `NOT (N1 OR N2)`, and `P OR -N` is
 *   `NOT (N NOT P)` (De Morgan), so `x (a OR -b)` compiles to `"x" NOT ("b" NOT "a")`.
 * - A query that only says what not to match (`-spam`, `NOT a`, `-(a b)`, `a OR -b`) matches
 *   nothing: FTS5 has no "every document except", and ranking all of them would be meaningless.
 * - An empty query (or one whose every term was dropped) matches nothing.
 *
 * In both last cases {@linkcode toFts5Expression} returns `undefined`: the caller returns no
 * hits without running SQL.
 *
 * ## What makes the output valid FTS5
 *
 * Every user text is inside a `"…"` string with `"` doubled; operators are only ever the
 * compiler's own `AND`, `OR`, `NOT`; every composite operand is parenthesised; a column filter
 * names a column from the caller's allow-list, checked against a strict identifier pattern.
 * Depth is bounded by the parser's limits. Dropping strings without tokens is for meaning, not
 * validity: FTS5 accepts `""` anywhere, so an inexact `termsOf` changes results, never validity.
 *
 * @module
 */

import { QuireError, quote } from "../errors.ts";
import type { MatchNode } from "./match_node.ts";
import type { PhraseNode, SearchNode, SearchNodeKind, TermNode } from "./query_syntax.ts";

/** What {@linkcode toFts5Expression} needs to know about the collection. */
export interface Fts5Options {
  /** The tokens the collection's tokenizer makes of a text (to drop words that make none). */
  termsOf(text: string): readonly string[];
  /**
   * The FTS5 column of each search field (`"author.name"` → `"c1"`), in the order of the
   * search fields (a field's place in the map is its column index in the {@linkcode MatchNode}):
   * the caller's identifiers, never user text. Must cover every field the query was parsed with.
   */
  columns: ReadonlyMap<string, string>;
}

/** A compiled query. */
export interface Fts5Expression {
  /** The MATCH expression, to bind as a parameter. */
  readonly expression: string;
  /**
   * The same query as a tree of tokenized phrases, node for node and phrase for phrase in the
   * expression's order, for the in-memory index.
   */
  readonly match: MatchNode;
  /** How many words and phrases it holds (after dropping the ones without tokens). */
  readonly terms: number;
}

/**
 * Compiles a parsed search query into an FTS5 MATCH expression.
 *
 * @example
 * ```ts
 * import { parseSearchQuery } from "./query_syntax.ts";
 * import { toFts5Expression } from "./fts5_expression.ts";
 * const termsOf = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
 * const query = parseSearchQuery("title:multi-agent -draft", { fields: ["title"] });
 * const compiled = toFts5Expression(query, { termsOf, columns: new Map([["title", "c0"]]) });
 * console.log(compiled?.expression); // (c0 : "multi-agent") NOT "draft"
 * ```
 *
 * @param query What parseSearchQuery returned.
 * @param options The tokenizer and the field columns.
 * @returns The expression, or `undefined` when the query matches nothing.
 * @throws {QuireError} `INVALID_OPTION` when a field has no column or a column is not a plain
 * identifier: a mistake of the caller, never of the query's text.
 */
export function toFts5Expression(
  query: SearchNode,
  options: Fts5Options,
): Fts5Expression | undefined {
  const compiler = new Compiler(options);
  const part = compiler.compile(query);
  if (part === undefined || part.negated) return undefined;
  return {
    expression: fts5Text(part.node, options.columns),
    match: part.node,
    terms: compiler.terms,
  };
}

/**
 * A compiled node: `node` matches what the query node matches, or, when `negated`, exactly what
 * it does not match.
 */
interface Part {
  readonly node: MatchNode;
  readonly negated: boolean;
}

/** FTS5 column names we write: plain identifiers that are not FTS5 operators. */
const COLUMN_NAME = /^(?!(?:AND|OR|NOT|NEAR)$)[A-Za-z_][A-Za-z0-9_]*$/;

type CompileNode = {
  [K in SearchNodeKind]: (
    compiler: Compiler,
    node: Extract<SearchNode, { kind: K }>,
  ) => Part | undefined;
};

const COMPILE: CompileNode = {
  term: (compiler, node) => compiler.leaf(node),
  phrase: (compiler, node) => compiler.leaf(node),
  and: (compiler, node) => allOf(compiler.children(node.terms)),
  or: (compiler, node) => anyOf(compiler.children(node.terms)),
  not: (compiler, node) => {
    const part = compiler.compile(node.term);
    return part === undefined ? undefined : { ...part, negated: !part.negated };
  },
};

class Compiler {
  readonly #options: Fts5Options;
  /** Words and phrases written so far. */
  terms = 0;

  constructor(options: Fts5Options) {
    this.#options = options;
  }

  compile(node: SearchNode): Part | undefined {
    return (COMPILE[node.kind] as (compiler: Compiler, node: SearchNode) => Part | undefined)(
      this,
      node,
    );
  }

  children(nodes: readonly SearchNode[]): Part[] {
    const parts: Part[] = [];
    for (const node of nodes) {
      const part = this.compile(node);
      if (part !== undefined) parts.push(part);
    }
    return parts;
  }

  leaf(node: TermNode | PhraseNode): Part | undefined {
    const tokens = this.#options.termsOf(node.text);
    if (tokens.length === 0) return undefined;
    this.terms++;
    const phrase: MatchNode = {
      kind: "phrase",
      text: node.text,
      tokens,
      prefix: node.prefix,
      ...(node.field === undefined ? {} : { columns: [this.#columnIndex(node.field)] }),
    };
    return { node: phrase, negated: false };
  }

  #columnIndex(field: string): number {
    checkColumn(field, this.#options.columns);
    return [...this.#options.columns.keys()].indexOf(field);
  }
}

/** The FTS5 text of a compiled tree: every composite operand in parentheses. */
function fts5Text(node: MatchNode, columns: ReadonlyMap<string, string>): string {
  const names = [...columns.values()];
  const write = (node: MatchNode): string => {
    switch (node.kind) {
      case "phrase": {
        const string = `"${node.text.replaceAll('"', '""')}"${node.prefix ? " *" : ""}`;
        return node.columns === undefined
          ? string
          : `${node.columns.map((i) => names[i]).join(" ")} : ${string}`;
      }
      case "and":
      case "or":
        return node.nodes.map(operand).join(node.kind === "and" ? " AND " : " OR ");
      case "not":
        return `${operand(node.positive)} NOT ${operand(node.negative)}`;
    }
  };
  const operand = (node: MatchNode) =>
    node.kind === "phrase" && node.columns === undefined ? write(node) : `(${write(node)})`;
  return write(node);
}

/** Checks that `field` has a column, and that the column is a plain identifier. */
function checkColumn(field: string, columns: ReadonlyMap<string, string>): void {
  const column = columns.get(field);
  if (column === undefined) {
    throw new QuireError(
      "INVALID_OPTION",
      `Cannot search field ${quote(field)}: it has no FTS5 column`,
    );
  }
  if (!COLUMN_NAME.test(column)) {
    throw new QuireError(
      "INVALID_OPTION",
      `Cannot search field ${quote(field)}: its FTS5 column ${quote(column)} is not a ` +
        "plain identifier",
    );
  }
}

/** All of `parts`: P1 AND P2 … NOT (N1 OR N2 …). */
function allOf(parts: readonly Part[]): Part | undefined {
  const positive = parts.filter((part) => !part.negated);
  const negative = parts.filter((part) => part.negated);
  if (negative.length === 0) return join(positive, "and");
  // not N1 and not N2 = not (N1 or N2)
  const excluded = join(negative, "or")!;
  if (positive.length === 0) return { ...excluded, negated: true };
  return exclude(join(positive, "and")!, excluded);
}

/** Any of `parts`: P1 OR P2 …, or, with negated terms, NOT ((N1 AND N2 …) NOT (P1 OR P2 …)). */
function anyOf(parts: readonly Part[]): Part | undefined {
  const positive = parts.filter((part) => !part.negated);
  const negative = parts.filter((part) => part.negated);
  if (negative.length === 0) return join(positive, "or");
  // P or not N1 or not N2 = not ((N1 and N2) and not P)
  const required = join(negative, "and")!;
  if (positive.length === 0) return { ...required, negated: true };
  return { ...exclude(required, join(positive, "or")!), negated: true };
}

/** `parts` (none of them negated) joined by `kind`; `undefined` for none. */
function join(parts: readonly Part[], kind: "and" | "or"): Part | undefined {
  if (parts.length <= 1) return parts[0] && { node: parts[0].node, negated: false };
  return { node: { kind, nodes: parts.map((part) => part.node) }, negated: false };
}

/** What `kept` matches and `excluded` does not. */
function exclude(kept: Part, excluded: Part): Part {
  return { node: { kind: "not", positive: kept.node, negative: excluded.node }, negated: false };
}

/**
 * The start of every error FTS5 raises for a bad MATCH expression (fts5_expr.c, fts5_main.c),
 * as SQLite's message gives it.
 */
const FTS5_QUERY_ERROR =
  /^(?:fts5: |no such column: |unknown special query: |unterminated string|expected integer, got )/;

/** How much of FTS5's message an error repeats. */
const MAX_DETAIL = 200;

/**
 * Turns the error of running a raw FTS5 query (the user's text as the MATCH expression) into
 * `INVALID_SEARCH` when FTS5 refused the expression; any other error is returned unchanged.
 *
 * The driver wraps the binding's error in a `STORAGE` QuireError with the binding's error as
 * `cause` (bun:sqlite's has a `code`, node:sqlite's only a message); FTS5's message is the
 * cause's message, or what follows the driver's context in the QuireError's.
 *
 * @example
 * ```ts
 * import { ftsErrorToQuireError } from "./fts5_expression.ts";
 * try {
 *   // db.prepare("SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?").all(userText);
 * } catch (error) {
 *   throw ftsErrorToQuireError(error);
 * }
 * ```
 *
 * @param error What running the query threw.
 * @returns An `INVALID_SEARCH` QuireError (with `error` as its cause), or `error` itself.
 */
export function ftsErrorToQuireError(error: unknown): unknown {
  if (!(error instanceof QuireError) || error.code !== "STORAGE") return error;
  const detail = fts5Message(error);
  if (detail === undefined) return error;
  const shown = detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
  return new QuireError("INVALID_SEARCH", `Cannot search: invalid FTS5 query: ${shown}`, {
    cause: error,
  });
}

/** FTS5's message inside a driver error, if it is one of FTS5's query errors. */
function fts5Message(error: QuireError): string | undefined {
  const cause = error.cause;
  if (cause instanceof Error) {
    return FTS5_QUERY_ERROR.test(cause.message) ? cause.message : undefined;
  }
  // No binding error to look at: the driver's message is "<context>: <SQLite's message>".
  const separator = error.message.indexOf(": ");
  const message = separator === -1 ? "" : error.message.slice(separator + 2);
  return FTS5_QUERY_ERROR.test(message) ? message : undefined;
}
