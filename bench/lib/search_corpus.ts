/**
 * The documents of bench/search_floor.bench.ts: the 100,000 English sentences of `nlp-corpus`
 * (film reviews, NAFTA, Erowid reports, SMS, lyrics, Jeopardy questions, …) made into documents
 * with a title and a body, deterministically (the same on every runtime and every run):
 *
 * - `body`: sentence i followed by sentence i + 1 (the last document wraps around to the first
 *   sentence), so each body is two neighbouring sentences of one source;
 * - `title`: the first eight words of sentence i (whitespace-separated, trailing punctuation
 *   removed), like a headline that repeats the start of its article.
 *
 * Ids are `doc-000001`… in the corpus's order (the order the documents are loaded in).
 *
 * @module
 */

import { all } from "nlp-corpus";

/** A document: a title and a body. */
export interface SearchDocument {
  [key: string]: string;
  title: string;
  body: string;
}

/** The corpus's size: one document per sentence. */
export const SEARCH_CORPUS_SIZE = 100_000;

/** Words of a sentence that make its document's title. */
export const TITLE_WORDS = 8;

/** The first `count` documents (at most the corpus's 100,000 sentences). */
export function buildSearchCorpus(count: number): SearchDocument[] {
  const sentences = (all as () => unknown[])().map(String);
  if (sentences.length < count) {
    throw new Error(`nlp-corpus has ${sentences.length} sentences, fewer than ${count}`);
  }
  const docs: SearchDocument[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const sentence = sentences[i].trim();
    const next = sentences[(i + 1) % count].trim();
    const title = sentence.split(/\s+/).slice(0, TITLE_WORDS).join(" ")
      .replace(/[\s.,;:!?"')\]-]+$/, "");
    docs[i] = { title, body: `${sentence} ${next}` };
  }
  return docs;
}

/** Ids in load order: `doc-000001`, `doc-000002`, ... */
export function searchCorpusIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `doc-${String(i + 1).padStart(6, "0")}`);
}
