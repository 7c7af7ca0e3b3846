/**
 * The documents of bench/http.bench.ts: the 100,000 English sentences of `nlp-corpus` (film
 * reviews, NAFTA, Erowid reports, SMS, lyrics, Jeopardy questions, …), one document per sentence,
 * with fields derived from the sentence deterministically (the same on every runtime and every
 * run):
 *
 * - `text`: the sentence; `words`: its number of words (whitespace-separated);
 * - `kind`: `"question"` (ends with `?`), `"exclamation"` (`!`), `"statement"` (`.`) or
 *   `"fragment"`, from the sentence's last character;
 * - `year` 1900–2020, `genre` one of eight, `rating` 1–5, `score` 0.00–99.99: from hashes of
 *   the sentence (FNV-1a, then four different murmur3 finalisers), so they spread evenly and do
 *   not depend on the order of the corpus.
 *
 * Ids are `nlp-000001`… in the corpus's order (which is the order the stores are loaded in, and
 * their id order).
 *
 * @module
 */

import { all } from "nlp-corpus";

/** A document: one sentence and the fields derived from it. */
export interface CorpusDocument {
  [key: string]: string | number;
  year: number;
  genre: string;
  kind: string;
  rating: number;
  words: number;
  score: number;
  text: string;
}

/** The eight genres, each ≈ 1/8 of the documents. */
export const GENRES = [
  "news",
  "fiction",
  "poetry",
  "legal",
  "science",
  "sports",
  "music",
  "review",
] as const;

/** The corpus's size. */
export const CORPUS_SIZE = 100_000;

/** The first `count` sentences of the corpus, as documents. */
export function buildCorpus(count: number): CorpusDocument[] {
  const sentences = (all as () => unknown[])();
  if (sentences.length < count) {
    throw new Error(`nlp-corpus has ${sentences.length} sentences, fewer than ${count}`);
  }
  const docs: CorpusDocument[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const text = String(sentences[i]);
    const h = fnv1a(text);
    docs[i] = {
      year: 1900 + mix(h, 0x9e3779b9) % 121,
      genre: GENRES[mix(h, 0x85ebca6b) % GENRES.length],
      kind: kindOf(text),
      rating: 1 + mix(h, 0xc2b2ae35) % 5,
      words: text.split(/\s+/).filter((word) => word !== "").length,
      score: (mix(h, 0x27d4eb2f) % 10_000) / 100,
      text,
    };
  }
  return docs;
}

/** Ids in load order: `nlp-000001`, `nlp-000002`, ... */
export function corpusIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `nlp-${String(i + 1).padStart(6, "0")}`);
}

function kindOf(text: string): string {
  const last = text.trimEnd().replace(/["')\]]+$/, "").at(-1);
  if (last === "?") return "question";
  if (last === "!") return "exclamation";
  if (last === ".") return "statement";
  return "fragment";
}

/** FNV-1a over UTF-16 code units, 32 bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finaliser of `h` xor `seed`: an unsigned 32-bit integer. */
function mix(h: number, seed: number): number {
  let x = (h ^ seed) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}
