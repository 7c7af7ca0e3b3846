/**
 * Full-text search cases that every backend set-up runs through the public API (called from
 * backend_conformance.ts): the same queries must find the same documents in the same order
 * everywhere, the index must follow every write path, and bad input must get clear errors.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test as nodeTest } from "node:test";
import type { Collection, JsonValue, Store } from "../mod.ts";
import type { BackendUnderTest } from "./backend_conformance.ts";
import { rejectsWith } from "./helpers.ts";

const NOTES: [string, Record<string, unknown>][] = [
  ["n1", {
    title: "Café society",
    body: "Zoë met the poet on the Champs-Élysées. <b>Bold</b> & proud.",
    tags: ["paris", "poetry"],
    year: 1921,
  }],
  ["n2", {
    title: "Multi-agent systems",
    body: "Agents written in C++ talk to a@b.com about SKU-1234; don't panic.",
    tags: ["tech"],
    year: 2020,
  }],
  ["n3", {
    title: "War and peace",
    body: "The war ended and peace returned to the valley.",
    tags: ["history", "war"],
    year: 1869,
  }],
  ["n4", {
    title: "Peace talks",
    body: "Running negotiations; the runners ran. Οδυσσεύς and МОСКВА were mentioned.",
    tags: ["history"],
    year: 1995,
  }],
  ["n5", { title: "Untitled", body: 42, tags: "not an array", year: 2001 }],
];

const require = createRequire(import.meta.url);

/** Emoji whose names and keywords the multilingual cases search, by a short name. */
const EMOJI: Record<string, string> = {
  coffee: "\u2615",
  tree: "\u{1f384}",
  tower: "\u{1f5fc}",
  dragon: "\u{1f409}",
};

/**
 * Real multilingual text: the CLDR annotations (`cldr-annotations-full`) of a few emoji in
 * several languages as `{ title: spoken name, keywords: [...] }` under ids like `fr-coffee`,
 * and emojibase's labels and tags (`emojibase-data`) under ids like `eb-th-tree`.
 */
function emojiTexts(): [string, Record<string, unknown>][] {
  const docs: [string, Record<string, unknown>][] = [];
  for (const locale of ["fr", "de", "cs", "pl", "tr", "vi", "el", "ru", "uk", "ja", "zh", "ko"]) {
    const { annotations } = require(
      `cldr-annotations-full/annotations/${locale}/annotations.json`,
    ).annotations as { annotations: Record<string, { default: string[]; tts: string[] }> };
    for (const [name, emoji] of Object.entries(EMOJI)) {
      const { tts, default: keywords } = annotations[emoji];
      docs.push([`${locale}-${name}`, { title: tts[0], keywords }]);
    }
  }
  for (const locale of ["th", "hi", "ja", "zh", "ko"]) {
    const data = require(`emojibase-data/${locale}/data.json`) as {
      emoji: string;
      label: string;
      tags?: string[];
    }[];
    for (const [name, emoji] of Object.entries(EMOJI)) {
      const entry = data.find((entry) => entry.emoji.replace("\ufe0f", "") === emoji)!;
      docs.push([`eb-${locale}-${name}`, { title: entry.label, keywords: entry.tags ?? [] }]);
    }
  }
  return docs;
}

/** Registers the search cases for one backend set-up. */
export function runSearchTests(backend: BackendUnderTest): void {
  // The cases the backend skips (`skip`), with their reasons.
  const skipped = new Map(
    (backend.skip ?? []).flatMap(({ reason, tests }) => tests.map((name) => [name, reason])),
  );
  const test = (name: string, fn: () => Promise<void>) => {
    const reason = skipped.get(name);
    return reason === undefined ? nodeTest(name, fn) : nodeTest(name, { skip: reason }, () => {});
  };
  describe("search", () => {
    const withNotes = async (
      fn: (store: Store, notes: Collection) => Promise<void>,
      search: Record<string, unknown> = { fields: { title: 3, body: 1, tags: 1 } },
    ) => {
      const place = backend.setup();
      const store = await place.open();
      try {
        const notes = store.collection("notes", { search: search as never });
        await notes.putMany(NOTES);
        await fn(store, notes);
      } finally {
        await store.close();
        place.cleanup();
      }
    };
    const ids = async (
      notes: Collection,
      query: string,
      options?: Record<string, unknown>,
    ) => (await notes.search(query, options)).hits.map((hit) => hit.id);

    test("words, phrases, prefixes, negation, OR and fields find the same documents", async () => {
      await withNotes(async (_store, notes) => {
        const cases: [string, string[]][] = [
          ["peace", ["n3", "n4"]],
          ["war peace", ["n3"]],
          ['"war and peace"', ["n3"]],
          ["peace -war", ["n4"]],
          ["peace NOT war", ["n4"]],
          ["poet OR agents", ["n1", "n2"]],
          ["title:peace", ["n3", "n4"]],
          ["title:war", ["n3"]],
          ["body:valley", ["n3"]],
          ["pea*", ["n3", "n4"]],
          ["tags:history", ["n3", "n4"]],
          ["unknownfield:war", []],
          ["-war", []],
          ["", []],
          ["   ", []],
        ];
        for (const [query, expected] of cases) {
          assert.deepEqual((await ids(notes, query)).sort(), expected, query);
        }
      });
    });

    test("punctuated tokens, accents, Greek and Cyrillic are found as written", async () => {
      await withNotes(async (_store, notes) => {
        for (
          const [query, expected] of [
            ["multi-agent", "n2"],
            ["C++", "n2"],
            ["a@b.com", "n2"],
            ["SKU-1234", "n2"],
            ["don't", "n2"],
            ["zoe", "n1"],
            ["cafe", "n1"],
            ["elysees", "n1"],
            ["champs-elysees", "n1"],
            ["ΟΔΥΣΣΕΎΣ", "n4"],
            ["москва", "n4"],
          ]
        ) {
          assert.deepEqual(await ids(notes, query), [expected], query);
        }
      });
    });

    test("hits are ranked by BM25 with the field weights, ties by id", async () => {
      await withNotes(async (_store, notes) => {
        const page = await notes.search("peace");
        // "peace" is in n4's title (weight 3) and in n3's title and body.
        assert.deepEqual(page.hits.map((hit) => hit.id), ["n3", "n4"]);
        assert.ok(page.hits[0].score >= page.hits[1].score);
        assert.ok(page.hits.every((hit) => typeof hit.score === "number" && hit.score >= 0));
        assert.equal(page.hits[0].doc.title, "War and peace");
        assert.equal(page.hits[0].rev, 1);
      });
    });

    test("the porter tokenizer matches word forms", async () => {
      await withNotes(async (_store, notes) => {
        assert.deepEqual(await ids(notes, "run"), ["n4"]);
        assert.deepEqual(await ids(notes, "negotiation"), ["n4"]);
      }, { fields: ["title", "body"], tokenizer: "porter" });
    });

    test("the trigram tokenizer finds substrings, CJK included", async () => {
      const place = backend.setup();
      const store = await place.open();
      try {
        const texts = store.collection("texts", {
          search: { fields: ["text"], tokenizer: "trigram" },
        });
        await texts.put("jp", { text: "東京都庁は新宿にあります" });
        await texts.put("en", { text: "Unbelievable results" });
        assert.deepEqual(await ids(texts, "東京都"), ["jp"]);
        assert.deepEqual(await ids(texts, "新宿に"), ["jp"]);
        assert.deepEqual(await ids(texts, "believ"), ["en"]);
        assert.deepEqual(await ids(texts, "京都"), [], "two characters make no trigram");
      } finally {
        await store.close();
        place.cleanup();
      }
    });

    test("filter applies the query DSL in the same search", async () => {
      await withNotes(async (_store, notes) => {
        assert.deepEqual(await ids(notes, "peace", { filter: { year: { $gt: 1900 } } }), ["n4"]);
        assert.deepEqual(await ids(notes, "peace", { filter: "year < 1900" }), ["n3"]);
        assert.deepEqual(await ids(notes, "peace", { filter: { year: 0 } }), []);
      });
    });

    test("pages follow each other with `after`, without duplicates or gaps", async () => {
      await withNotes(async (_store, notes) => {
        const all = await ids(notes, "the OR peace OR agents OR poet");
        assert.equal(all.length, 4);
        const seen: string[] = [];
        let after: string | undefined;
        do {
          const page = await notes.search("the OR peace OR agents OR poet", { limit: 1, after });
          seen.push(...page.hits.map((hit) => hit.id));
          after = page.next;
        } while (after !== undefined);
        assert.deepEqual(seen, all);
        const first = await notes.search("peace", { limit: 1 });
        await rejectsWith(notes.search("war", { after: first.next }), "INVALID_FILTER");
        await rejectsWith(notes.search("peace", { after: "garbage" }), "INVALID_FILTER");
      });
    });

    test("highlights mark the matches; escapeHtml escapes the text, not the markers", async () => {
      await withNotes(async (_store, notes) => {
        const [hit] = (await notes.search("bold zoe", { highlight: true })).hits;
        assert.equal(
          hit.highlights?.body,
          "<mark>Zoë</mark> met the poet on the Champs-Élysées. &lt;b&gt;<mark>Bold</mark>&lt;/b&gt; &amp; proud.",
        );
        const [raw] = (await notes.search("multi-agent", {
          highlight: { open: "[", close: "]", escapeHtml: false, snippetTokens: 2 },
        })).hits;
        assert.equal(raw.highlights?.title, "[Multi-agent]…");
        await rejectsWith(notes.search("x", { highlight: { open: 3 } as never }), "INVALID_OPTION");
      });
    });

    test("facets count values among all matches, not only the page", async () => {
      await withNotes(async (_store, notes) => {
        const page = await notes.search("peace OR war OR poet", {
          limit: 1,
          facets: ["tags", "year"],
        });
        assert.equal(page.hits.length, 1);
        assert.deepEqual(page.facets?.tags, [
          { value: "history", count: 2 },
          { value: "paris", count: 1 },
          { value: "poetry", count: 1 },
          { value: "war", count: 1 },
        ]);
        assert.deepEqual(page.facets?.year, [
          { value: 1869, count: 1 },
          { value: 1921, count: 1 },
          { value: 1995, count: 1 },
        ]);
      });
    });

    test("the index follows put, delete, deleteMany, clear and transactions", async () => {
      await withNotes(async (store, notes) => {
        await notes.put("n3", { title: "Armistice", body: "nothing else" });
        assert.deepEqual(await ids(notes, "peace"), ["n4"]);
        assert.deepEqual(await ids(notes, "armistice"), ["n3"]);
        await notes.delete("n4");
        assert.deepEqual(await ids(notes, "peace"), []);
        await notes.deleteMany({ year: 2020 });
        assert.deepEqual(await ids(notes, "agents"), []);
        await store.transaction(async (tx) => {
          const inTx = tx.collection("notes");
          await inTx.put("t1", { title: "Peace in our time" });
          assert.deepEqual(await ids(inTx, "peace"), ["t1"], "a transaction sees its writes");
        });
        assert.deepEqual(await ids(notes, "peace"), ["t1"]);
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.collection("notes").put("t2", { title: "Rolled back peace" });
            throw new Error("roll back");
          }),
          /roll back/,
        );
        assert.deepEqual(await ids(notes, "rolled"), []);
        await notes.clear();
        assert.deepEqual(await ids(notes, "peace"), []);
        assert.deepEqual((await store.check()).problems, []);
      });
    });

    test("changing the search fields rebuilds the index; reindex and optimize work", async () => {
      await withNotes(async (store, notes) => {
        assert.deepEqual(await ids(notes, "valley"), ["n3"]);
        const titles = store.collection("notes", { search: { fields: ["title"] } });
        assert.deepEqual(await ids(titles, "valley"), [], "body is no longer searched");
        // Both titles have "peace"; the shorter one ranks first.
        assert.deepEqual(await ids(titles, "peace"), ["n4", "n3"]);
        await titles.reindex();
        await titles.optimize();
        assert.deepEqual(await ids(titles, "peace"), ["n4", "n3"]);
      });
    });

    test("reindex reports its progress, every 10,000 documents and at the end", async () => {
      await withNotes(async (_store, notes) => {
        // The file backend writes a file per document: past 10,000 would take seconds.
        const bulk = backend.name === "file" ? 50 : 10_050;
        await notes.putMany(
          Array.from({ length: bulk }, (_, i) => [`bulk-${i}`, { title: `bulk ${i % 7}` }]),
        );
        const events: unknown[] = [];
        await notes.reindex({ onProgress: (event) => events.push(event) });
        const total = NOTES.length + bulk;
        assert.deepEqual(events.at(0), { collection: "notes", indexed: 0, total });
        assert.deepEqual(events.at(-1), { collection: "notes", indexed: total, total });
        assert.equal(events.length, bulk > 10_000 ? 3 : 2, JSON.stringify(events));
        assert.equal(await notes.count({ title: { $startsWith: "bulk" } }), bulk);
        const page = await notes.search("bulk 3", { limit: 5 });
        assert.deepEqual(page.hits.length, 5);
        await rejectsWith(notes.reindex({ onProgress: 1 as never }), "INVALID_OPTION");
      });
    });

    describe("multilingual text from CLDR and emojibase", () => {
      /** Runs `fn` on collections `words` (unicode61) and `grams` (trigram) of emojiTexts(). */
      const withEmoji = async (fn: (words: Collection, grams: Collection) => Promise<void>) => {
        const place = backend.setup();
        const store = await place.open();
        try {
          const docs = emojiTexts() as [string, never][];
          const words = store.collection("words", { search: { fields: ["title", "keywords"] } });
          const grams = store.collection("grams", {
            search: { fields: ["title", "keywords"], tokenizer: "trigram" },
          });
          await words.putMany(docs);
          await grams.putMany(docs);
          await fn(words, grams);
        } finally {
          await store.close();
          place.cleanup();
        }
      };
      const sorted = async (collection: Collection, query: string) =>
        (await ids(collection, query, { limit: 100 })).sort();

      test("accented Latin is found without its accents, in any case", async () => {
        await withEmoji(async (words, grams) => {
          const cases: [string, string[]][] = [
            ["cafe", ["de-coffee", "fr-coffee"]], // café (fr), Cafe (de)
            ["CAFEINE", ["fr-coffee"]], // caféine
            ["Café", ["de-coffee", "fr-coffee"]],
            ["noel", ["fr-tree", "tr-tree", "vi-tree"]], // Noël, noel ağacı, cây thông noel
            ["FETE", ["fr-tree"]], // fête
            ["getrank", ["de-coffee"]], // Getränk
            ["kava", ["cs-coffee"]], // káva
            ["vanoce", ["cs-tree"]], // vánoce, Vánoce
            ["swieta", ["pl-tree"]], // święta
            ["zwierze", ["pl-dragon"]], // zwierzę
            ["agac", ["tr-tree"]], // ağaç
            ["icecek", ["tr-coffee"]], // içecek
            ["İÇECEK", ["tr-coffee"]],
            ["ca phe", ["vi-coffee"]], // cà phê
            ['"tour de tokyo"', ["fr-tower"]],
            // Letters that are not a letter plus a diacritic stay themselves: đ is not d, ı not i.
            ["do uong", []], // đồ uống
            ["đồ uống", ["vi-coffee"]],
            ["sicak", []], // sıcak
          ];
          for (const [query, expected] of cases) {
            assert.deepEqual(await sorted(words, query), expected, query);
          }
          // Trigrams fold the same way (and find substrings).
          assert.deepEqual(await sorted(grams, "CAFEIN"), ["fr-coffee"]);
          assert.deepEqual(await sorted(grams, "BOZE"), ["pl-tree"]); // boże narodzenie
        });
      });

      test("Greek and Cyrillic fold their case; their accents are kept, as FTS5 keeps them", async () => {
        await withEmoji(async (words, grams) => {
          const cases: [string, string[]][] = [
            ["ΔΡΆΚΟΣ", ["el-dragon"]], // δράκος: Σ folds to σ and to the final ς alike
            ["ΖΏΟ", ["el-dragon"]], // ζώο
            ["ΤΌΚΙΟ", ["el-tower"]], // Τόκιο
            ["ΚΑΦΕΐΝΗ", ["el-coffee"]], // καφεΐνη
            ["ΠΎΡΓΟΣ του", ["el-tower"]], // Πύργος του Τόκιο
            // FTS5 removes the diacritics of Latin letters only: a Greek tonos stays.
            ["δρακος", []],
            ["КОФЕ", ["ru-coffee"]], // кофе
            ["рождество", ["ru-tree"]], // Рождество
            ["ДРАКОН", ["ru-dragon", "uk-dragon"]],
            ["КОФЕЇН", ["uk-coffee"]], // кофеїн
            ["ЕЛКА", ["ru-tree"]], // елка
            // ё is not е plus a diacritic for FTS5 either.
            ["ёлка", []],
          ];
          for (const [query, expected] of cases) {
            assert.deepEqual(await sorted(words, query), expected, query);
          }
          // Trigrams find the Ukrainian кафе inside nothing else, and both coffees by кофе.
          assert.deepEqual(await sorted(grams, "КОФЕ"), ["ru-coffee", "uk-coffee"]); // кофеїн
          assert.deepEqual(await sorted(grams, "ΡΆΚΟ"), ["el-dragon"]);
        });
      });

      test("CJK, Thai and Devanagari: whole runs with unicode61, any three characters with trigram", async () => {
        await withEmoji(async (words, grams) => {
          // unicode61 has no word breaker for these scripts: a run of letters is one token.
          assert.deepEqual(await sorted(words, "東京"), ["eb-ja-tower", "ja-tower"]); // a keyword
          assert.deepEqual(await sorted(words, "東京タ"), []); // inside 東京タワー
          assert.deepEqual(await sorted(words, "圣诞"), ["eb-zh-tree", "zh-tree"]);
          assert.deepEqual(await sorted(words, "크리스마"), []); // inside 크리스마스
          const cases: [string, string[]][] = [
            ["東京タ", ["eb-ja-tower", "ja-tower"]], // 東京タワー
            ["京タワ", ["eb-ja-tower", "ja-tower"]],
            ["クリスマスツ", ["eb-ja-tree", "ja-tree"]], // クリスマスツリー
            ["圣诞树", ["eb-zh-tree", "zh-tree"]],
            ["东京塔", ["zh-tower", "eb-zh-tower"].sort()],
            ["크리스마", ["eb-ko-tree", "ko-tree"]], // 크리스마스 트리
            ["คริสต์มาส", ["eb-th-tree"]], // ต้นคริสต์มาส
            ["क्रिसमस", ["eb-hi-tree"]], // क्रिसमस ट्री
            ["東京", []], // two characters make no trigram
          ];
          for (const [query, expected] of cases) {
            assert.deepEqual(await sorted(grams, query), expected, query);
          }
        });
      });
    });

    test("facets break count ties by value in SQLite's order, then by JSON type", async () => {
      const place = backend.setup();
      const store = await place.open();
      try {
        const values: JsonValue[] = [null, true, false, 0, 1, -1, 1.5, "", "1", "a", "B", "é"];
        values.push("\u{1f600}", "\uff5e", 1e21, [2, "x", [3], { y: 1 }, 2], { k: "v", n: 1 });
        values.push("a", 1);
        const docs = store.collection("facets", { search: { fields: ["t"] } });
        await docs.putMany(values.map((v, i) => [`f${i}`, { t: "word", v }]));
        await docs.put("none", { t: "word" });
        const { facets } = await docs.search("word", { facets: ["v"], limit: 1 });
        assert.deepEqual(facets?.v.map(({ value, count }) => [value, count]), [
          [1, 3], // 1, 1 and the object's 1
          ["a", 2],
          // Count 1: NULL, then numbers (false is 0 and true is 1, before and after the integer),
          // then text in code point order (the array's and the object's scalars among them).
          [null, 1],
          [-1, 1],
          [false, 1],
          [0, 1],
          [true, 1],
          [1.5, 1],
          [2, 1],
          [1e21, 1],
          ["", 1],
          ["1", 1],
          ["B", 1],
          ["v", 1],
          ["x", 1],
          ["é", 1],
          ["\uff5e", 1],
          ["\u{1f600}", 1],
        ]);
      } finally {
        await store.close();
        place.cleanup();
      }
    });

    test("facet values come back whole, NUL and all", async () => {
      await withNotes(async (_store, notes) => {
        await notes.put("z1", { title: "peace", tags: ["a\u0000b", "a", 1] });
        await notes.put("z2", { title: "peace", tags: "a\u0000b" });
        const page = await notes.search("peace", { facets: ["tags"] });
        assert.deepEqual(page.facets?.tags, [
          { value: "a\u0000b", count: 2 },
          { value: "history", count: 2 },
          { value: 1, count: 1 },
          { value: "a", count: 1 },
          { value: "war", count: 1 },
        ]);
      });
    });

    test("bad input gets clear errors and never a stall", async () => {
      await withNotes(async (store, notes) => {
        await rejectsWith(notes.search("x".repeat(1025)), "INVALID_SEARCH");
        await rejectsWith(notes.search(Array(33).fill("w").join(" ")), "INVALID_SEARCH");
        const started = performance.now();
        await rejectsWith(notes.search(Array(100_000).fill("word").join(" ")), "INVALID_SEARCH");
        assert.ok(performance.now() - started < 5_000);
        await rejectsWith(notes.search(42 as never), "INVALID_SEARCH");
        // FTS5 syntax as it is: SQLite's own; the in-memory index has no FTS5 to pass it to.
        if (backend.name.startsWith("sqlite")) {
          assert.deepEqual(await ids(notes, "peac* AND war", { raw: true }), ["n3"]);
        } else {
          await rejectsWith(notes.search("peac* AND war", { raw: true }), "UNSUPPORTED");
        }
        await rejectsWith(notes.search("peace", { limit: 0 }), "INVALID_OPTION");
        await rejectsWith(notes.search("peace", { facets: "tags" as never }), "INVALID_OPTION");
        await rejectsWith(
          notes.search("peace", { filter: { year: { $bad: 1 } } }),
          "INVALID_FILTER",
        );
        const plain = store.collection("plain");
        await plain.put("p", { title: "peace" });
        // One check, one message, whichever operation needs search fields.
        for (const refused of [plain.search("peace"), plain.reindex(), plain.optimize()]) {
          const error = await rejectsWith(refused, "UNSUPPORTED");
          assert.equal(
            error.message,
            'Collection "plain" has no search fields: open it with a search option, ' +
              'e.g. store.collection("plain", { search: { fields: ["title", "body"] } })',
          );
        }
        // Any text at all is a query: none of these may throw.
        for (
          const text of [
            '"',
            "(",
            ")",
            "*",
            "-",
            "NOT",
            "OR",
            "a OR",
            "title:",
            '"unclosed',
            "\0\u0007",
            "^{}:+",
          ]
        ) {
          await notes.search(text);
        }
      });
    });
  });
}
