/**
 * Full-text search cases that every backend set-up runs through the public API (called from
 * backend_conformance.ts): the same queries must find the same documents in the same order
 * everywhere, the index must follow every write path, and bad input must get clear errors.
 *
 * @module
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Collection, Store } from "../mod.ts";
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

/** Registers the search cases for one backend set-up. */
export function runSearchTests(backend: BackendUnderTest): void {
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

    test("bad input gets clear errors and never a stall", async () => {
      await withNotes(async (store, notes) => {
        await rejectsWith(notes.search("x".repeat(1025)), "INVALID_SEARCH");
        await rejectsWith(notes.search(Array(33).fill("w").join(" ")), "INVALID_SEARCH");
        const started = performance.now();
        await rejectsWith(notes.search(Array(100_000).fill("word").join(" ")), "INVALID_SEARCH");
        assert.ok(performance.now() - started < 5_000);
        await rejectsWith(notes.search(42 as never), "INVALID_SEARCH");
        await rejectsWith(notes.search("peace", { limit: 0 }), "INVALID_OPTION");
        await rejectsWith(notes.search("peace", { facets: "tags" as never }), "INVALID_OPTION");
        await rejectsWith(
          notes.search("peace", { filter: { year: { $bad: 1 } } }),
          "INVALID_FILTER",
        );
        const plain = store.collection("plain");
        await plain.put("p", { title: "peace" });
        await rejectsWith(plain.search("peace"), "UNSUPPORTED");
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
