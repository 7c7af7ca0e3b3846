/**
 * Compiles a parsed search query (query_syntax.ts) into the tree every backend runs
 * (match_node.ts): each word or phrase through the collection's tokenizer, negation made exact,
 * and what can match nothing dropped. The SQLite backend writes the tree as an FTS5 MATCH
 * expression (src/backends/sqlite/fts5_expression.ts); the memory and file backends evaluate it
 * on their in-memory index (search_index.ts).
 *
 * ## What a query means (the same for any evaluator of the tree)
 *
 * - A word or phrase matches where its tokens appear one after the other, in its field's column
 *   if it has a field; a prefix one where the last token is a prefix of a token. The phrase
 *   keeps the text as the user wrote it (FTS5 is given it as a string and splits it with the
 *   table's own tokenizer), so punctuated words (`multi-agent`, `c++`, `a@b.com`, `don't`) find
 *   what they find in the documents.
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
 * In both last cases {@linkcode toMatchNode} returns `undefined`: the caller returns no hits
 * without running anything.
 *
 * @module
 */

import { QuireError, quote } from "../errors.ts";
import type { MatchNode } from "./match_node.ts";
import type { PhraseNode, SearchNode, SearchNodeKind, TermNode } from "./query_syntax.ts";

/** What {@linkcode toMatchNode} needs to know about the collection. */
export interface MatchOptions {
  /** The tokens the collection's tokenizer makes of a text (to drop words that make none). */
  termsOf(text: string): readonly string[];
  /**
   * The search fields, in order: a field's place is its column index in the
   * {@linkcode MatchNode}. Must cover every field the query was parsed with.
   */
  fields: readonly string[];
}

/**
 * Compiles a parsed search query into the tree of tokenized phrases the backends run.
 *
 * @example
 * ```ts
 * import { parseSearchQuery } from "./query_syntax.ts";
 * import { toMatchNode } from "./to_match_node.ts";
 * const termsOf = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
 * const query = parseSearchQuery("title:multi-agent -draft", { fields: ["title"] });
 * toMatchNode(query, { termsOf, fields: ["title"] })?.kind; // "not"
 * ```
 *
 * @param query What parseSearchQuery returned.
 * @param options The tokenizer and the search fields.
 * @returns The tree, or `undefined` when the query matches nothing.
 * @throws {QuireError} `INVALID_OPTION` when the query names a field that is not in `fields`:
 * a mistake of the caller, never of the query's text.
 */
export function toMatchNode(query: SearchNode, options: MatchOptions): MatchNode | undefined {
  const part = new Compiler(options).compile(query);
  return part === undefined || part.negated ? undefined : part.node;
}

/**
 * A compiled node: `node` matches what the query node matches, or, when `negated`, exactly what
 * it does not match.
 */
interface Part {
  readonly node: MatchNode;
  readonly negated: boolean;
}

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
  readonly #options: MatchOptions;

  constructor(options: MatchOptions) {
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
    const index = this.#options.fields.indexOf(field);
    if (index === -1) {
      throw new QuireError(
        "INVALID_OPTION",
        `Cannot search field ${quote(field)}: it is not one of the search fields`,
      );
    }
    return index;
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
