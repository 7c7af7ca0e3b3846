/**
 * The in-memory search index of the memory and file backends: an inverted index from term to
 * the positions where it occurs, per document and column, and the document lengths — what FTS5
 * keeps — so that a query matches the same documents and scores them with FTS5's exact BM25
 * (fts5_aux.c, `fts5Bm25Function`):
 *
 *     idf(p)   = ln((N − n(p) + 0.5) / (n(p) + 0.5)), or 1e-6 when that is ≤ 0
 *     freq(p)  = Σ over p's instances in the row of the weight of the instance's column
 *     score    = Σ over phrases p, left to right: idf(p) · freq(p) · (k1 + 1) /
 *                (freq(p) + k1 · (1 − b + b · D / avgdl))
 *     rank     = −score          (k1 = 1.2, b = 0.75)
 *
 * N is the number of rows (every document has one, even with empty fields), n(p) the number of
 * rows where phrase p matches, D the row's token count over all columns, avgdl the mean of D.
 * Instances count only in the parts of the query that matched the row, as FTS5 clears the
 * position lists of an OR branch that did not match and of NOT's right side.
 *
 * A transaction's reads see its own writes: {@linkcode SearchIndex.with} makes a view of an
 * index with some documents replaced or removed, at the cost of indexing those alone.
 *
 * @module
 */

import type { MatchNode } from "./match_node.ts";
import { phrasesOf } from "./match_node.ts";

/** A token as the index needs it. */
export interface IndexToken {
  readonly term: string;
  readonly position: number;
}

/** Turns a column's text into tokens (the collection's tokenizer). */
export type IndexTokenizer = (text: string) => readonly IndexToken[];

/** A match and its FTS5 rank (negative; lower is better). */
export interface RankedMatch {
  id: string;
  rank: number;
}

const K1 = 1.2;
const B = 0.75;
/**
 * A posting packs the column above the position: column · 2^32 + position, exact in a double
 * for any column of a collection and any position a document can hold (FTS5 keeps positions
 * in 31 bits too).
 */
const POSITION_BITS = 2 ** 32;

interface IndexedDocument {
  /** Tokens over all columns. */
  length: number;
  /** Distinct terms, to find the postings again on removal. */
  terms: string[];
}

/** Phrase instances per matching document, per column. */
type PhraseHits = Map<string, number[]>;

/** An inverted index over documents with a fixed number of text columns. */
export class SearchIndex {
  readonly columns: number;
  #tokenize: IndexTokenizer;
  #documents = new Map<string, IndexedDocument>();
  /** term → document id → sorted postings (column · 2^32 + position). */
  #postings = new Map<string, Map<string, number[]>>();
  #totalLength = 0;
  /** Every term in code unit order, for prefixes; rebuilt after the set of terms changes. */
  #sortedTerms: string[] | undefined;
  /** In a view (see `with`): the index underneath, and which of its documents the view hides. */
  #base: SearchIndex | undefined;
  #hidden = new Set<string>();
  /** The tokens of the hidden documents. */
  #hiddenLength = 0;
  /** In a loaded index (see `loaded`): the row count of the whole index it is a part of. */
  #loadedSize: number | undefined;

  constructor(columns: number, tokenize: IndexTokenizer) {
    this.columns = columns;
    this.#tokenize = tokenize;
  }

  /**
   * A read-only index made of postings loaded from elsewhere (the Postgres backend's tables):
   * only what a query needs — the postings of its terms, the lengths of the documents they
   * name — with the row count and total length of the whole index, so that a search scores
   * as it would on the whole index.
   *
   * @param postings term → document id → its postings (column · 2^32 + position), ascending.
   * @param lengths The token count of every document named in `postings`.
   * @param size The number of rows of the whole index (every document, even one with empty fields).
   * @param totalLength The sum of the lengths of all its rows.
   */
  static loaded(
    columns: number,
    postings: Map<string, Map<string, number[]>>,
    lengths: ReadonlyMap<string, number>,
    size: number,
    totalLength: number,
  ): SearchIndex {
    const index = new SearchIndex(columns, () => {
      throw new TypeError("A loaded index is read-only");
    });
    index.#postings = postings;
    for (const [id, length] of lengths) index.#documents.set(id, { length, terms: [] });
    index.#loadedSize = size;
    index.#totalLength = totalLength;
    return index;
  }

  /** How many documents (FTS5 rows) the index holds. */
  get size(): number {
    if (this.#loadedSize !== undefined) return this.#loadedSize;
    const base = this.#base;
    return this.#documents.size + (base === undefined ? 0 : base.size - this.#hidden.size);
  }

  /**
   * A view of this index with `changes` made to it (a document's column texts, or `null` to
   * remove it), this index staying as it is: what a transaction that wrote to the collection
   * searches. It costs what indexing the changed documents costs, and is valid until this index
   * changes.
   */
  with(changes: Iterable<readonly [string, readonly (string | null)[] | null]>): SearchIndex {
    if (this.#base !== undefined) throw new TypeError("Cannot make a view of a view");
    const view = new SearchIndex(this.columns, this.#tokenize);
    view.#base = this;
    for (const [id, texts] of changes) {
      if (texts === null) view.remove(id);
      else view.add(id, texts);
    }
    return view;
  }

  /** Indexes a document's column texts (`null` for an empty column), replacing any earlier. */
  add(id: string, texts: readonly (string | null)[]): void {
    this.remove(id);
    const postings = new Map<string, number[]>();
    let length = 0;
    for (let column = 0; column < this.columns; column++) {
      const text = texts[column];
      if (text === null || text === undefined) continue;
      const tokens = this.#tokenize(text);
      for (const { term, position } of tokens) {
        const list = postings.get(term);
        const posting = column * POSITION_BITS + position;
        if (list === undefined) postings.set(term, [posting]);
        else list.push(posting);
      }
      length += tokens.length;
    }
    for (const [term, list] of postings) {
      let byDocument = this.#postings.get(term);
      if (byDocument === undefined) {
        byDocument = new Map();
        this.#postings.set(term, byDocument);
        this.#sortedTerms = undefined;
      }
      byDocument.set(id, list);
    }
    this.#documents.set(id, { length, terms: [...postings.keys()] });
    this.#totalLength += length;
  }

  /** Removes a document; nothing when it is not indexed. */
  remove(id: string): void {
    const below = this.#base === undefined ? undefined : this.#base.#documents.get(id);
    if (below !== undefined && !this.#hidden.has(id)) {
      this.#hidden.add(id);
      this.#hiddenLength += below.length;
    }
    const document = this.#documents.get(id);
    if (document === undefined) return;
    for (const term of document.terms) {
      const byDocument = this.#postings.get(term)!;
      byDocument.delete(id);
      if (byDocument.size === 0) {
        this.#postings.delete(term);
        this.#sortedTerms = undefined;
      }
    }
    this.#documents.delete(id);
    this.#totalLength -= document.length;
  }

  /**
   * Every document matching `query`, with its rank, in no particular order.
   *
   * @param weights The BM25 weight of each column.
   */
  search(query: MatchNode, weights: readonly number[]): RankedMatch[] {
    const phrases = phrasesOf(query);
    const hits = new Map(phrases.map((phrase) => [phrase, this.#phraseHits(phrase)]));
    const n = this.size;
    const idf = phrases.map((phrase) => {
      const matching = hits.get(phrase)!.size;
      const value = Math.log((n - matching + 0.5) / (matching + 0.5));
      return value <= 0 ? 1e-6 : value;
    });
    const base = this.#base;
    const totalLength = this.#totalLength +
      (base === undefined ? 0 : base.#totalLength - this.#hiddenLength);
    const averageLength = totalLength / n;
    const results: RankedMatch[] = [];
    const frequency = new Float64Array(phrases.length);
    for (const id of this.#candidates(query, hits)) {
      frequency.fill(0);
      if (!this.#collect(query, id, hits, phrases, weights, frequency)) continue;
      const length = (this.#documents.get(id) ?? base!.#documents.get(id)!).length;
      let score = 0;
      for (let i = 0; i < phrases.length; i++) {
        // The same operations in the same order as fts5_aux.c, for the same rounding.
        const f = frequency[i] ?? 0; // both arrays have one slot per phrase
        score += (idf[i] ?? 0) * (
          (f * (K1 + 1.0)) /
          (f + K1 * (1 - B + B * length / averageLength))
        );
      }
      results.push({ id, rank: -1.0 * score });
    }
    return results;
  }

  /** Ids that may match: those of the query's positive phrases (a superset). */
  #candidates(query: MatchNode, hits: Map<MatchNode, PhraseHits>): Iterable<string> {
    switch (query.kind) {
      case "phrase":
        return hits.get(query)!.keys();
      case "and": {
        // Any one term's documents will do: the smallest.
        let smallest: Iterable<string> | undefined;
        let size = Infinity;
        for (const node of query.nodes) {
          const ids = [...this.#candidates(node, hits)];
          if (ids.length < size) [smallest, size] = [ids, ids.length];
        }
        return smallest ?? [];
      }
      case "or": {
        const ids = new Set<string>();
        for (const node of query.nodes) for (const id of this.#candidates(node, hits)) ids.add(id);
        return ids;
      }
      case "not":
        return this.#candidates(query.positive, hits);
    }
  }

  /**
   * Whether document `id` matches `node`; if it does, adds the weighted instances of the
   * phrases in the parts that matched to `frequency`.
   */
  #collect(
    node: MatchNode,
    id: string,
    hits: Map<MatchNode, PhraseHits>,
    phrases: readonly MatchNode[],
    weights: readonly number[],
    frequency: Float64Array,
  ): boolean {
    switch (node.kind) {
      case "phrase": {
        const columns = hits.get(node)!.get(id);
        if (columns === undefined) return false;
        const index = phrases.indexOf(node);
        // FTS5 adds the column's weight once per instance (not count × weight: the sums of a
        // fractional weight round differently).
        for (let column = 0; column < columns.length; column++) {
          const weight = weights[column] ?? 1;
          const count = columns[column] ?? 0;
          for (let k = 0; k < count; k++) frequency[index] = (frequency[index] ?? 0) + weight;
        }
        return true;
      }
      case "and": {
        if (!node.nodes.every((child) => this.#matches(child, id, hits))) return false;
        for (const child of node.nodes) {
          this.#collect(child, id, hits, phrases, weights, frequency);
        }
        return true;
      }
      case "or": {
        let matched = false;
        for (const child of node.nodes) {
          if (this.#collect(child, id, hits, phrases, weights, frequency)) matched = true;
        }
        return matched;
      }
      case "not": {
        if (this.#matches(node.negative, id, hits)) return false;
        return this.#collect(node.positive, id, hits, phrases, weights, frequency);
      }
    }
  }

  #matches(node: MatchNode, id: string, hits: Map<MatchNode, PhraseHits>): boolean {
    switch (node.kind) {
      case "phrase":
        return hits.get(node)!.has(id);
      case "and":
        return node.nodes.every((child) => this.#matches(child, id, hits));
      case "or":
        return node.nodes.some((child) => this.#matches(child, id, hits));
      case "not":
        return this.#matches(node.positive, id, hits) && !this.#matches(node.negative, id, hits);
    }
  }

  /** For each document where the phrase occurs: its instance count in each column. */
  #phraseHits(phrase: Extract<MatchNode, { kind: "phrase" }>): PhraseHits {
    const result = this.#ownPhraseHits(phrase);
    if (this.#base !== undefined) {
      for (const [id, counts] of this.#base.#ownPhraseHits(phrase)) {
        if (!this.#hidden.has(id)) result.set(id, counts);
      }
    }
    return result;
  }

  /** The phrase's hits among this index's own documents (not those of a view's base). */
  #ownPhraseHits(phrase: Extract<MatchNode, { kind: "phrase" }>): PhraseHits {
    const { tokens, prefix, columns } = phrase;
    const lists = tokens.map((token, i) =>
      prefix && i === tokens.length - 1 ? this.#prefixPostings(token) : this.#postings.get(token)
    );
    const result: PhraseHits = new Map();
    if (lists.some((list) => list === undefined || list.size === 0)) return result;
    // Walk the rarest token's documents.
    let rarest = 0;
    for (let i = 1; i < lists.length; i++) {
      if (lists[i]!.size < lists[rarest]!.size) rarest = i;
    }
    // Per document, one cursor into each later token's postings: postings ascend, so an
    // instance at `start` needs `start + k` in the k-th list, found by moving forward only.
    const postings = new Array<number[]>(lists.length);
    const cursors = new Array<number>(lists.length);
    documents: for (const id of lists[rarest]!.keys()) {
      for (let k = 0; k < lists.length; k++) {
        const list = lists[k]!.get(id);
        if (list === undefined) continue documents;
        postings[k] = list;
        cursors[k] = 0;
      }
      let counts: number[] | undefined;
      starts: for (const start of postings[0]!) {
        const column = Math.floor(start / POSITION_BITS);
        if (columns !== undefined && !columns.includes(column)) continue;
        for (let k = 1; k < postings.length; k++) {
          const list = postings[k]!;
          let at = cursors[k]!;
          while (at < list.length && list[at]! < start + k) at++;
          cursors[k] = at;
          if (list[at] !== start + k) continue starts;
        }
        counts ??= new Array<number>(this.columns).fill(0);
        counts[column] = (counts[column] ?? 0) + 1;
      }
      if (counts !== undefined) result.set(id, counts);
    }
    return result;
  }

  /** The postings of every term starting with `prefix`, merged per document. */
  #prefixPostings(prefix: string): Map<string, number[]> {
    const terms = this.#sortedTerms ??= [...this.#postings.keys()].sort();
    let low = 0;
    let high = terms.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((terms[middle] ?? "") < prefix) low = middle + 1; // middle < terms.length
      else high = middle;
    }
    const merged = new Map<string, number[]>();
    // Most documents hold one term of the prefix: their list is the index's own, read as it is;
    // only the lists of those holding several are copied, joined and sorted.
    const joined = new Set<string>();
    for (let i = low; i < terms.length; i++) {
      const term = terms[i];
      if (term === undefined || !term.startsWith(prefix)) break;
      for (const [id, list] of this.#postings.get(term)!) {
        const into = merged.get(id);
        if (into === undefined) merged.set(id, list);
        else if (joined.has(id)) into.push(...list);
        else {
          merged.set(id, [...into, ...list]);
          joined.add(id);
        }
      }
    }
    for (const id of joined) merged.get(id)!.sort((a, b) => a - b);
    return merged;
  }
}
