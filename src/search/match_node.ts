/**
 * A search query as the in-memory index evaluates it: phrases of tokens (already through the
 * collection's tokenizer) combined with and, or and not. It mirrors the FTS5 expression built
 * from the same query node for node and in the same order, because FTS5 numbers phrases from
 * left to right and BM25 sums them in that order.
 *
 * @module
 */

/** A query node. */
export type MatchNode =
  | {
    readonly kind: "phrase";
    /** The words as the user wrote them (FTS5 is given these and tokenizes them itself). */
    readonly text: string;
    /** The phrase's tokens, in order; never empty. */
    readonly tokens: readonly string[];
    /** Whether the last token is a prefix (`word*`). */
    readonly prefix: boolean;
    /** The columns (search field indexes) the phrase is limited to; all when absent. */
    readonly columns?: readonly number[];
  }
  | { readonly kind: "and"; readonly nodes: readonly MatchNode[] }
  | { readonly kind: "or"; readonly nodes: readonly MatchNode[] }
  /** FTS5's binary NOT: `positive` and not `negative`. */
  | { readonly kind: "not"; readonly positive: MatchNode; readonly negative: MatchNode };

/** The phrases of a query in FTS5's order (left to right). */
export function phrasesOf(node: MatchNode): Extract<MatchNode, { kind: "phrase" }>[] {
  switch (node.kind) {
    case "phrase":
      return [node];
    case "and":
    case "or":
      return node.nodes.flatMap(phrasesOf);
    case "not":
      return [...phrasesOf(node.positive), ...phrasesOf(node.negative)];
  }
}
