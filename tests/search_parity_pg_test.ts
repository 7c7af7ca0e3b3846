/**
 * Search parity on Postgres: the Postgres backend's search (src/backends/postgres/pg_search.ts,
 * quire's own index stored in Postgres tables) must find the same documents as SQLite's FTS5, in
 * the same order, with the same scores (to 1e-9 relative), for the seeded queries of
 * tests/search_parity_test.ts (same corpus, forms, weights, tokenizers, filters, facets, cursors),
 * and keep doing so through every kind of write. Each comparison is counted; a query whose page
 * differs is reported with the overlap of the two top 20s before the test fails, so that a
 * difference is measured, not hidden.
 *
 * Runs on a throwaway server (scripts/lib/pg_server.ts); skipped, with the reason printed, where
 * Postgres is not installed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import type { Document, SearchPage } from "../mod.ts";
import { type PgServer, startPgServer } from "../scripts/lib/pg_server.ts";
import { pgSuiteSkip, runtime, seededRandom } from "./helpers.ts";
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

const unavailable = pgSuiteSkip();
if (unavailable !== undefined) console.log(`Postgres search parity skipped: ${unavailable}`);

// Started while the module loads, not in a before() hook: initdb can take longer than Bun's
// hook timeout (5 s), and Bun does not read node:test's `{ timeout }` there.
const server: PgServer | undefined = unavailable === undefined ? await startPgServer() : undefined;

let schemas = 0;
/** The reference (SQLite's FTS5 unless said) and Postgres in a schema of its own. */
function urls(reference = "sqlite::memory:"): string[] {
  const url = server!.url;
  return [reference, `${url}${url.includes("?") ? "&" : "?"}schema=parity_${++schemas}`];
}

const SLOW = { timeout: 60_000 };

/** Comparisons made, and those that differed (with the overlap of their top 20s). */
const tally = {
  queries: 0,
  identical: 0,
  overlap: [] as number[],
  first: "",
  cursors: 0,
  cursorsOff: 0,
};

/** Searches SQLite and Postgres and compares the pages; a difference is counted, then thrown. */
async function compare(
  stores: Stores,
  query: string,
  options: Record<string, unknown>,
  label: string,
): Promise<SearchPage> {
  const [reference, postgres] = await stores.each((docs) => docs.search(query, options));
  tally.queries++;
  try {
    assertSamePage(postgres!, reference!, `postgres, ${label}`);
    tally.identical++;
  } catch (error) {
    const top = new Set(idsOf(reference!).slice(0, 20));
    const both = idsOf(postgres!).slice(0, 20).filter((id) => top.has(id)).length;
    tally.overlap.push(top.size === 0 ? 1 : both / top.size);
    tally.first ||= (error as Error).message;
  }
  return reference!;
}

describe(
  `search parity: Postgres and SQLite's FTS5 (${runtime})`,
  { skip: unavailable ?? false },
  () => {
    // Half the documents of search_parity_test.ts and fewer queries per form, for time.
    const docs = [...corpus(10, 1), ...multilingual(8, 2)];
    docs.push(...oddities(docs));
    docs.forEach(([, doc], i) => {
      if (i % 3 !== 0) doc.mixed = MIXED[(i * 7) % MIXED.length];
    });
    let shared: Promise<Stores> | undefined;
    const main = () => shared ??= Stores.open(urls(), WEIGHTED, docs);

    after(async () => {
      await (await shared)?.close();
      await server?.stop();
      if (tally.queries > 0) {
        const mean = tally.overlap.length === 0
          ? 1
          : tally.overlap.reduce((a, b) => a + b, 0) / tally.overlap.length;
        console.log(
          `Postgres search parity (${runtime}): ${tally.queries} queries, ${tally.identical} ` +
            `identical (ids, order, scores to 1e-9, facets)` +
            (tally.overlap.length === 0
              ? ""
              : `; ${tally.overlap.length} differ, mean top-20 overlap ${mean.toFixed(3)}; ` +
                `first: ${tally.first}`) +
            `; SQLite cursors resumed on Postgres: ${tally.cursors}, ${tally.cursorsOff} of them gave another page`,
        );
      }
    });

    /** Fails when any comparison of the test differed. */
    const assertIdentical = (before: number) =>
      assert.equal(tally.overlap.length, before, `pages differ: ${tally.first}`);

    /** Queries of each form per configuration (CONFIGURATIONS, in order). */
    const perForms = [3, 1, 1, 1];
    for (const [n, run] of CONFIGURATIONS.entries()) {
      const perForm = perForms[n]!;
      test(`${run.name}: the same hits in the same order with the same scores`, SLOW, async () => {
        const differed = tally.overlap.length;
        const stores = run.search === WEIGHTED
          ? await main()
          : await Stores.open(urls(), run.search, docs);
        try {
          const v = new Vocabulary(docs, seededRandom(run.seed));
          let found = 0;
          for (const [form, make] of Object.entries(FORMS)) {
            for (let i = 0; i < perForm; i++) {
              const query = make(v);
              const label = `${run.name}, ${form}: ${JSON.stringify(query)}`;
              const page = await compare(stores, query, { limit: 50, facets: ["party"] }, label);
              if (page.hits.length > 0) found++;
            }
          }
          assert.ok(found > Object.keys(FORMS).length * perForm / 2, `only ${found} found`);
        } finally {
          if (run.search !== WEIGHTED) await stores.close();
        }
        assertIdentical(differed);
      });
    }

    test("filters and facets apply in the same search", SLOW, async () => {
      const differed = tally.overlap.length;
      const stores = await main();
      const v = new Vocabulary(docs, seededRandom(21));
      for (const filter of FILTERS) {
        for (const form of FILTERED_FORMS) {
          const query = FORMS[form]!(v);
          await compare(
            stores,
            query,
            { filter, limit: 40, facets: ["party", "year"] },
            `${JSON.stringify(query)} with ${JSON.stringify(filter)}`,
          );
        }
      }
      // Array indexes too, one of them in the documents holding U+0000 (title.1).
      const indexed = ["mixed.0", "title.1", "body.2.0"];
      for (const query of FACET_QUERIES) {
        await compare(stores, query, { limit: 5, facets: FACETS }, JSON.stringify(query));
        await compare(stores, query, { limit: 5, facets: indexed }, JSON.stringify(query));
      }
      assertIdentical(differed);
    });

    test("pages with `after` make the one big page; equal scores go by id", SLOW, async () => {
      const differed = tally.overlap.length;
      const stores = await main();
      const [sqlite, postgres] = stores.collections;
      const v = new Vocabulary(docs, seededRandom(31));
      for (const form of PAGED_FORMS) {
        for (let i = 0; i < 2; i++) {
          const query = FORMS[form]!(v);
          const label = `${form}: ${JSON.stringify(query)}`;
          const filter = i === 1 ? { year: { $lt: 1950 } } : undefined;
          const whole = await compare(stores, query, { limit: 200, filter }, label);
          const paged = await pages(postgres!, query, { filter }, 37, 200);
          assert.deepEqual(paged.map((hit) => hit.id), idsOf(whole).slice(0, paged.length), label);
          assertSameScores(paged, whole.hits, label);
          // Its own cursor resumes where its page stopped.
          const first = await postgres!.search(query, { limit: 7, filter });
          if (first.next !== undefined) {
            const second = await postgres!.search(query, { limit: 9, filter, after: first.next });
            assert.deepEqual(idsOf(second), idsOf(whole).slice(7, 16), `${label}, cursor`);
          }
          // A SQLite cursor, resumed on Postgres: scores agree to 1e-9, not always to the last
          // bit, so the hit at the cursor may come again. Counted and reported, not asserted.
          const fromSqlite = await sqlite!.search(query, { limit: 7, filter });
          if (fromSqlite.next !== undefined) {
            const resumed = await postgres!.search(query, {
              limit: 9,
              filter,
              after: fromSqlite.next,
            });
            tally.cursors++;
            if (!isDeepStrictEqual(idsOf(resumed), idsOf(whole).slice(7, 16))) tally.cursorsOff++;
          }
        }
      }
      const word = twinWord(docs);
      const page = await compare(stores, word, { limit: 1000 }, word);
      const paged = await pages(postgres!, word, {}, 2, 1000);
      assert.deepEqual(paged.map((hit) => hit.id), idsOf(page));
      assertIdentical(differed);
    });

    test("the trigram tokenizer finds the same substrings, CJK included", SLOW, async () => {
      const differed = tally.overlap.length;
      const docs = [...corpus(29, 3), ...multilingual(15, 4)];
      docs.push(...oddities(docs));
      const search = { fields: { title: 2, body: 1 }, tokenizer: "trigram" };
      const stores = await Stores.open(urls(), search, docs);
      try {
        const v = new Vocabulary(docs, seededRandom(41));
        const substring = () => {
          const word = [...v.word()];
          const start = v.int(0, Math.max(0, word.length - 3));
          return word.slice(start, start + v.int(2, 6)).join("");
        };
        const queries = [
          ...Object.values(FORMS).map((make) => make(v)),
          ...Array.from({ length: 20 }, substring),
          ...Array.from({ length: 10 }, () => `${substring()}*`),
          ...Array.from({ length: 10 }, () => `${substring()} OR -${substring()}`),
          "東京",
          "クリスマス",
          "크리스마",
          "ΚΑΦΕΊΝΗ",
          "CAFÉ",
          "façade",
        ];
        for (const query of queries) {
          await compare(stores, query, { limit: 30, facets: ["party"] }, JSON.stringify(query));
        }
      } finally {
        await stores.close();
      }
      assertIdentical(differed);
    });

    test(
      "the index follows every write: put, putMany, delete, import, transactions, clear",
      SLOW,
      async () => {
        const differed = tally.overlap.length;
        const search = { fields: { title: 3, body: 1 } };
        const all = [...corpus(40, 5), ...oddities(corpus(40, 5))];
        // The reference is the memory backend (equal to FTS5 on a fresh load, search_parity_test.ts):
        // SQLite's FTS5 keeps its bm25 statistics as they were after a delete or a replace.
        const stores = await Stores.open(urls("memory://"), search, all.slice(0, 300));
        const queries = ["the", "union OR liberty", "t*", '"of the"', "states -war", "cafe OR zoe"];
        const check = async (step: string) => {
          for (const query of queries) {
            await compare(stores, query, { limit: 1000, facets: ["party"] }, `${step}: ${query}`);
          }
        };
        try {
          await check("loaded");
          await stores.each((c) =>
            c.putMany(
              [...all.slice(0, 40), ...all.slice(300)].map((
                [id, doc],
              ) => [id, { ...doc, body: `${doc.body} union liberty` }] as [string, Document]),
            )
          );
          await check("putMany");
          await stores.each((c) => c.put(all[50]![0], { title: "Cafe Zoë", body: "peace" }));
          await stores.each(async (c) => void await c.delete(all[51]![0]));
          await check("put and delete");
          const records = all.slice(0, 120).map(([id, doc], i) => ({
            collection: "docs",
            id,
            rev: 7,
            createdAt: "2020-01-01T00:00:00.000Z",
            updatedAt: "2020-01-02T00:00:00.000Z",
            doc: i % 2 === 0 ? doc : { title: "imported", body: "nation of states" },
          }));
          await stores.each((_, store) => store.import(records));
          await stores.each((_, store) =>
            store.import(
              records.slice(0, 60).map((record) => ({
                ...record,
                doc: { title: "replaced", body: "liberty" },
              })),
              { onConflict: "replace" },
            )
          );
          await check("import");
          await stores.each((_, store) =>
            assert.rejects(
              store.transaction(async (tx) => {
                const c = tx.collection("docs");
                await c.put("tx-1", { title: "union", body: "cafe union liberty" });
                await c.delete(all[130]![0]);
                const { hits } = await c.search("cafe union liberty");
                assert.ok(hits.some((hit) => hit.id === "tx-1"), "a transaction sees its writes");
                throw new Error("roll back");
              }),
              /roll back/,
            )
          );
          await check("rolled back");
          await stores.each((_, store) =>
            store.transaction(async (tx) => {
              const c = tx.collection("docs");
              await c.put("tx-1", { title: "union", body: "cafe union liberty" });
              await c.putMany([["tx-2", { title: "nation", body: "the states of the union" }]]);
              await assert.rejects(
                tx.transaction(async (inner) => {
                  await inner.collection("docs").put("tx-3", { title: "union union union" });
                  await inner.collection("docs").delete("tx-2");
                  throw new Error("roll back the savepoint");
                }),
                /roll back the savepoint/,
              );
            })
          );
          await check("committed");
          await stores.each(async (c) => void await c.clear());
          await check("cleared");
          await stores.each((c) => c.putMany(all.slice(0, 80) as [string, Document][]));
          await check("loaded again");
        } finally {
          await stores.close();
        }
        assertIdentical(differed);
      },
    );
  },
);
