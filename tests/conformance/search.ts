/**
 * Conformance cases of the search capability: hits best first with rank ties broken by id, the
 * (rank, id) cursor, facets counted over every match, a filter, and an index that follows the
 * writes (inside a transaction too). Requests are built by `searchRequest` (support.ts) from
 * what a user would type, parsed with the dialect-free compiler.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend, SearchCapability } from "../../src/backend/contract.ts";
import type { SearchHit, SearchRequest, SearchResult } from "../../src/backend/types.ts";
import type { NormalizedOptions } from "../../src/collection_options.ts";
import { pathField } from "../../src/query/ast.ts";
import { parsePath } from "../../src/query/path.ts";
import { metaFieldNamed } from "../../src/query/parse_object.ts";
import { parseFilter } from "../../src/query/query.ts";
import type { SearchOptions } from "../../src/search/search_options.ts";
import {
  call,
  delay,
  options,
  putMany,
  putOf,
  restoreOf,
  type SearchParts,
  searchRequest,
  seed,
  skipWithout,
  type SuiteContext,
  T1,
  T2,
} from "./support.ts";

/** The collection's options: title weighs twice as much as body. */
const OPTIONS = { search: { fields: { title: 2, body: 1 } } };

/**
 * Documents whose order for "fox" is plain from BM25: d4 has it in a short title and twice in
 * its body; d0, d1 and d3 hold the same text (one rank, so id order); d2 has it only in its
 * body, whose weight is half the title's.
 */
const DOCS: Record<string, Record<string, unknown>> = {
  d3: { title: "red fox", body: "a quick animal", tag: "wild", year: 2005 },
  d1: { title: "red fox", body: "a quick animal", tag: "wild", year: 2001 },
  d0: { title: "red fox", body: "a quick animal", tag: "wild" },
  d2: { title: "blue whale", body: "the fox watched the whale", tag: "sea", year: 1999 },
  d4: { title: "fox", body: "fox fox", tag: ["wild", "den"], year: 2010 },
  d5: { title: "cat", body: "no match here", tag: "home", year: 2001 },
  d6: { title: "Café Zoë", body: "crème brûlée", tag: "home", year: 2020 },
};

const TAG = pathField(parsePath("tag"));
const YEAR = pathField(parsePath("year"));

/** The search options as the catalog holds them. */
function searchOptionsOf(normalized: NormalizedOptions): SearchOptions {
  const search = normalized.search;
  assert.ok(search !== undefined);
  return search;
}

const SEARCH = searchOptionsOf(options(OPTIONS));

/** The backend's search capability (the group runs only when it has one). */
function searchOf(conn: Pick<Backend, "search">): SearchCapability {
  const search = conn.search;
  assert.ok(search != null, "the connection has no search capability");
  return search;
}

/** A request for `text`, which must be able to match something. */
function request(text: string, parts?: SearchParts): SearchRequest {
  const built = searchRequest(text, SEARCH, parts);
  assert.ok(built !== undefined, `"${text}" can match something`);
  return built;
}

/** Runs a search of `text` on "notes". */
async function run(
  conn: Pick<Backend, "search">,
  text: string,
  parts?: SearchParts,
): Promise<SearchResult> {
  const search = searchOf(conn);
  return await call(() => search.search("notes", request(text, parts)));
}

function ids(hits: readonly SearchHit[]): string[] {
  return hits.map((hit) => hit.entry.id);
}

/** Registers the search cases. */
export function searchCases(context: SuiteContext): void {
  const skip = skipWithout(context, "search");
  const it = (name: string, fn: (backend: Backend) => Promise<void>) =>
    context.it(name, async (backend) => {
      await seed(backend, "notes", DOCS, OPTIONS);
      await fn(backend);
    }, { skip });

  it("hits come best first, rank ties by id, each with its entry", async (backend) => {
    const { hits, facets } = await run(backend, "fox");
    assert.deepEqual(ids(hits), ["d4", "d0", "d1", "d3", "d2"]);
    assert.deepEqual(facets, []);
    for (const hit of hits) {
      assert.ok(Number.isFinite(hit.rank), `rank of ${hit.entry.id} is a number`);
      assert.deepEqual(hit.entry, await call(() => backend.get("notes", hit.entry.id)));
      hit.entry.doc.title = "changed by the caller";
    }
    // Each hit's document is a fresh object.
    assert.deepEqual((await run(backend, "fox")).hits[0]?.entry.doc, DOCS.d4);
    const ranks = hits.map((hit) => hit.rank);
    for (let i = 1; i < ranks.length; i++) {
      assert.ok(ranks[i - 1]! <= ranks[i]!, `rank ${i - 1} ≤ rank ${i}: ${ranks}`);
    }
    // The three documents with the same text rank the same.
    assert.equal(ranks[1], ranks[2]);
    assert.equal(ranks[2], ranks[3]);
    assert.ok(ranks[0]! < ranks[1]!);
    assert.ok(ranks[3]! < ranks[4]!);
  });

  it("limit keeps the best hits; after (rank, id) goes on past ties", async (backend) => {
    const all = (await run(backend, "fox")).hits;
    assert.deepEqual(ids((await run(backend, "fox", { limit: 2 })).hits), ["d4", "d0"]);
    const pages: string[][] = [];
    let after: readonly [number, string] | undefined;
    for (;;) {
      const { hits } = await run(backend, "fox", { limit: 2, after });
      pages.push(ids(hits));
      const last = hits.at(-1);
      if (hits.length < 2 || last === undefined) break;
      after = [last.rank, last.entry.id];
    }
    assert.deepEqual(pages, [["d4", "d0"], ["d1", "d3"], ["d2"]]);
    // A cursor in the middle of the tie.
    const d0 = all[1]!;
    assert.deepEqual(ids((await run(backend, "fox", { after: [d0.rank, "d0"] })).hits), [
      "d1",
      "d3",
      "d2",
    ]);
  });

  it("the search syntax: all words, phrases, prefixes, negation, OR, field:word", async (backend) => {
    const sorted = async (text: string) => ids((await run(backend, text)).hits).sort();
    assert.deepEqual(await sorted("quick animal"), ["d0", "d1", "d3"]);
    assert.deepEqual(await sorted('"red fox"'), ["d0", "d1", "d3"]);
    assert.deepEqual(await sorted('"fox red"'), []);
    assert.deepEqual(await sorted("wha*"), ["d2"]);
    assert.deepEqual(await sorted("fox -whale"), ["d0", "d1", "d3", "d4"]);
    assert.deepEqual(await sorted("whale OR cat"), ["d2", "d5"]);
    assert.deepEqual(await sorted("title:fox"), ["d0", "d1", "d3", "d4"]);
    assert.deepEqual(await sorted("body:fox"), ["d2", "d4"]);
    assert.deepEqual(await sorted("zebra"), []);
  });

  it("diacritics are removed and case is folded on both sides", async (backend) => {
    assert.deepEqual(ids((await run(backend, "cafe zoe")).hits), ["d6"]);
    assert.deepEqual(ids((await run(backend, "CRÈME brulee")).hits), ["d6"]);
  });

  it("facets count values among every match, not one page, most frequent first", async (backend) => {
    const { hits, facets } = await run(backend, "fox", { limit: 1, facets: [TAG, YEAR] });
    assert.deepEqual(ids(hits), ["d4"]);
    assert.deepEqual(facets, [
      [
        { value: "wild", count: 4 },
        { value: "den", count: 1 },
        { value: "sea", count: 1 },
      ],
      [
        { value: 1999, count: 1 },
        { value: 2001, count: 1 },
        { value: 2005, count: 1 },
        { value: 2010, count: 1 },
      ],
    ]);
    assert.deepEqual((await run(backend, "zebra", { facets: [TAG] })).facets, [[]]);
    // A later page counts the same: facets are over every match, not those after the cursor.
    const first = (await run(backend, "fox", { limit: 2 })).hits.at(-1)!;
    const later = await run(backend, "fox", {
      limit: 2,
      after: [first.rank, first.entry.id],
      facets: [TAG, YEAR],
    });
    assert.deepEqual(ids(later.hits), ["d1", "d3"]);
    assert.deepEqual(later.facets, facets);
  });

  it("facets of every scalar type: SQL order of values, then of JSON type names", async (backend) => {
    const values = [true, false, null, 1, "1", 0, 1.5, "", ["x", "x", 1]];
    await backend.transaction(async (tx) => {
      await call(() =>
        tx.putMany(
          "notes",
          values.map((value, i) => putOf(`f${i}`, { title: "facet", value })),
        )
      );
    });
    const value = pathField(parsePath("value"));
    const { facets } = await run(backend, "facet", { facets: [value] });
    // Most frequent first (1 is held by two documents: an array's elements count, each once per
    // document), then by value in SQL order (null first; false and 0 are one SQL value, told apart
    // by json_each's type name, "false" < "integer", as are 1 and true), then strings.
    assert.deepEqual(facets, [[
      { value: 1, count: 2 },
      { value: null, count: 1 },
      { value: false, count: 1 },
      { value: 0, count: 1 },
      { value: true, count: 1 },
      { value: 1.5, count: 1 },
      { value: "", count: 1 },
      { value: "1", count: 1 },
      { value: "x", count: 1 },
    ]]);
  });

  it("a filter narrows the hits and the facets", async (backend) => {
    const filter = parseFilter({ year: { $gte: 2001 } });
    const { hits, facets } = await run(backend, "fox", { filter, facets: [TAG] });
    assert.deepEqual(ids(hits), ["d4", "d1", "d3"]);
    assert.deepEqual(facets, [[{ value: "wild", count: 3 }, { value: "den", count: 1 }]]);
    const none = await run(backend, "fox", { filter: parseFilter({ tag: "home" }) });
    assert.deepEqual(none.hits, []);
  });

  it("the index follows puts, deletes, restores, deleteMany and clear", async (backend) => {
    assert.equal((await run(backend, "fox")).hits.length, 5); // built before the writes
    await call(() => backend.put("notes", putOf("d5", { title: "cat and fox", body: "" }, T2)));
    await call(() => backend.delete("notes", "d4"));
    await call(() => backend.put("notes", putOf("d1", { title: "gone", body: "away" }, T2)));
    assert.deepEqual(ids((await run(backend, "fox")).hits).sort(), ["d0", "d2", "d3", "d5"]);
    assert.deepEqual(ids((await run(backend, "gone")).hits), ["d1"]);
    await call(() =>
      backend.restoreMany("notes", [
        restoreOf("d0", { title: "back" }, { rev: 3, createdAt: T1, updatedAt: T2 }),
        restoreOf("r1", { title: "fox returns" }, { rev: 1, createdAt: T1, updatedAt: T2 }),
      ], "replace")
    );
    assert.deepEqual(ids((await run(backend, "fox")).hits).sort(), ["d2", "d3", "d5", "r1"]);
    assert.deepEqual(ids((await run(backend, "back")).hits), ["d0"]);
    const find = backend.find;
    if (find != null) {
      assert.equal(await call(() => find.deleteMany("notes", parseFilter({ tag: "sea" }))), 1);
      assert.deepEqual(ids((await run(backend, "fox")).hits).sort(), ["d3", "d5", "r1"]);
    }
    // Ranks count only the documents left (BM25's row count and average length): the same as
    // in a collection that never held the others.
    const left = await call(() => backend.page("notes", { limit: 100 }));
    await seed(backend, "again", Object.fromEntries(left.map((e) => [e.id, e.doc])), OPTIONS);
    const again = await call(() => searchOf(backend).search("again", request("fox")));
    const ranked = (result: SearchResult) => result.hits.map((hit) => [hit.entry.id, hit.rank]);
    assert.deepEqual(ranked(await run(backend, "fox")), ranked(again));
    await call(() => backend.clear("notes"));
    assert.deepEqual((await run(backend, "fox")).hits, []);
  });

  it("a search on a handle sees the transaction's writes; a rollback takes them back", async (backend) => {
    await assert.rejects(
      backend.transaction(async (tx) => {
        await call(() => tx.put("notes", putOf("new", { title: "zebra" }, T2)));
        await call(() => tx.delete("notes", "d2"));
        assert.deepEqual(ids((await run(tx, "zebra")).hits), ["new"]);
        assert.deepEqual(ids((await run(tx, "whale")).hits), []);
        throw new Error("roll back");
      }),
      /roll back/,
    );
    assert.deepEqual((await run(backend, "zebra")).hits, []);
    assert.deepEqual(ids((await run(backend, "whale")).hits), ["d2"]);
  });

  it("a savepoint that rolls back takes its writes out of the search index", async (backend) => {
    await backend.transaction(async (tx) => {
      await call(() => tx.put("notes", putOf("z1", { title: "zebra" }, T2)));
      await assert.rejects(
        tx.transaction(async (savepoint) => {
          await call(() => savepoint.delete("notes", "z1"));
          await call(() => savepoint.put("notes", putOf("y1", { title: "yak" }, T2)));
          await call(() => savepoint.put("notes", putOf("d2", { title: "yak" }, T2)));
          assert.deepEqual(ids((await run(savepoint, "yak")).hits), ["d2", "y1"]);
          assert.deepEqual((await run(savepoint, "zebra")).hits, []);
          throw new Error("roll back");
        }),
        /roll back/,
      );
      assert.deepEqual(ids((await run(tx, "zebra")).hits), ["z1"]);
      assert.deepEqual((await run(tx, "yak")).hits, []);
      assert.deepEqual(ids((await run(tx, "whale")).hits), ["d2"]);
    });
    assert.deepEqual(ids((await run(backend, "zebra")).hits), ["z1"]);
    assert.deepEqual((await run(backend, "yak")).hits, []);
    assert.deepEqual(ids((await run(backend, "whale")).hits), ["d2"]);
  });

  it("a change of search fields that rolls back leaves the index as it was", async (backend) => {
    const byTag = options({ search: { fields: ["tag"] } });
    const sea = searchRequest("sea", searchOptionsOf(byTag));
    assert.ok(sea !== undefined);
    await assert.rejects(
      backend.transaction(async (tx) => {
        await call(() => tx.ensureCollection("notes", byTag));
        await call(() => tx.put("notes", putOf("new", { title: "fox", tag: "sea" }, T2)));
        const { hits } = await call(() => searchOf(tx).search("notes", sea));
        assert.deepEqual(ids(hits), ["d2", "new"]);
        throw new Error("roll back");
      }),
      /roll back/,
    );
    assert.deepEqual(
      (await call(() => backend.collections())).map((entry) => entry.options),
      [options(OPTIONS)],
    );
    assert.deepEqual(ids((await run(backend, "fox")).hits), ["d4", "d0", "d1", "d3", "d2"]);
    assert.deepEqual((await run(backend, "sea")).hits, []);
  });

  it("facets and filters on metadata fields", async (backend) => {
    await call(() => backend.put("notes", putOf("d1", DOCS.d1!, T2)));
    await call(() => backend.put("notes", putOf("d3", DOCS.d3!, T2)));
    const { hits, facets } = await run(backend, "fox", {
      filter: parseFilter({ $rev: 1 }),
      facets: [metaFieldNamed("$updatedAt")!, metaFieldNamed("$rev")!],
    });
    assert.deepEqual(ids(hits), ["d4", "d0", "d2"]);
    assert.deepEqual(facets, [[{ value: T1, count: 3 }], [{ value: 1, count: 3 }]]);
    const all = await run(backend, "fox", { facets: [metaFieldNamed("$updatedAt")!] });
    assert.deepEqual(all.facets, [[{ value: T1, count: 3 }, { value: T2, count: 2 }]]);
  });

  it("a search on the backend never sees a transaction's uncommitted writes", async (backend) => {
    let outside: Promise<string[]> | undefined;
    await assert.rejects(
      backend.transaction(async (tx) => {
        await call(() => tx.put("notes", putOf("new", { title: "zebra fox" }, T2)));
        await call(() => tx.delete("notes", "d4"));
        outside = (async () => ids((await run(backend, "fox")).hits))();
        outside.catch(() => {});
        await Promise.race([outside, delay(15)]);
        throw new Error("roll back");
      }),
      /roll back/,
    );
    assert.deepEqual(await outside, ["d4", "d0", "d1", "d3", "d2"]);
  });

  it("changing the search fields re-indexes what is stored", async (backend) => {
    const changed = options({ search: { fields: ["tag"] } });
    // An engine may rebuild at once, reporting its progress (SQLite), or at the next search.
    const heard: [number, number][] = [];
    await call(() =>
      backend.ensureCollection("notes", changed, (indexed, total) => heard.push([indexed, total]))
    );
    const count = Object.keys(DOCS).length;
    for (const [indexed, total] of heard) {
      assert.equal(total, count);
      assert.ok(indexed >= 0 && indexed <= total);
    }
    if (heard.length > 0) assert.deepEqual(heard.at(-1), [count, count]);
    const search = searchOf(backend);
    const built = searchRequest("sea", searchOptionsOf(changed));
    assert.ok(built !== undefined);
    const { hits } = await call(() => search.search("notes", built));
    assert.deepEqual(ids(hits), ["d2"]);
  });

  it("tokenizers: porter stems English words, trigram finds substrings, diacritics kept when asked", async (backend) => {
    const cases: [Record<string, unknown>, Record<string, string>, [string, string[]][]][] = [
      [
        { fields: ["text"], tokenizer: "porter" },
        { s1: "running fast", s2: "the runner", s3: "connected nodes" },
        [["run", ["s1"]], ["runs", ["s1"]], ["connection", ["s3"]], ["runner", ["s2"]]],
      ],
      [
        { fields: ["text"], tokenizer: "trigram" },
        { s1: "東京タワー", s2: "database", s3: "datum", s4: "Crème" },
        [["東京タ", ["s1"]], ["abas", ["s2"]], ["dat", ["s2", "s3"]], ["creme", ["s4"]]],
      ],
      [
        { fields: ["text"], removeDiacritics: 0 },
        { s1: "café", s2: "cafe" },
        [["café", ["s1"]], ["cafe", ["s2"]]],
      ],
    ];
    for (const [input, texts, queries] of cases) {
      const normalized = options({ search: input });
      const name = `tok${cases.findIndex((entry) => entry[0] === input)}`;
      await call(() => backend.ensureCollection(name, normalized));
      await putMany(backend, name, Object.entries(texts).map(([id, text]) => putOf(id, { text })));
      for (const [text, expected] of queries) {
        const built = searchRequest(text, searchOptionsOf(normalized));
        assert.ok(built !== undefined);
        const { hits } = await call(() => searchOf(backend).search(name, built));
        assert.deepEqual(ids(hits).sort(), expected, `${JSON.stringify(input)}: "${text}"`);
      }
    }
  });

  it("collections whose names differ only in case keep separate search indexes", async (backend) => {
    await seed(backend, "Notes", { u1: { title: "upper fox" } }, OPTIONS);
    assert.deepEqual(ids((await run(backend, "fox")).hits), ["d4", "d0", "d1", "d3", "d2"]);
    const upper = await call(() => searchOf(backend).search("Notes", request("fox")));
    assert.deepEqual(ids(upper.hits), ["u1"]);
    await call(() => backend.clear("notes"));
    assert.deepEqual((await run(backend, "fox")).hits, []);
    const still = await call(() => searchOf(backend).search("Notes", request("upper")));
    assert.deepEqual(ids(still.hits), ["u1"]);
  });

  it("reindex reports its progress: indexed of total, up to all of them", async (backend) => {
    const heard: [number, number][] = [];
    await call(() =>
      searchOf(backend).reindex("notes", (indexed, total) => heard.push([indexed, total]))
    );
    const count = Object.keys(DOCS).length;
    assert.ok(heard.length > 0, "progress was reported");
    assert.deepEqual(heard.at(-1), [count, count]);
    for (let i = 0; i < heard.length; i++) {
      assert.equal(heard[i]![1], count);
      if (i > 0) assert.ok(heard[i]![0] >= heard[i - 1]![0]);
    }
  });

  it("reindex and optimize on a handle keep the transaction's writes searchable", async (backend) => {
    await backend.transaction(async (tx) => {
      await call(() => tx.put("notes", putOf("new", { title: "zebra" }, T2)));
      await call(() => tx.delete("notes", "d2"));
      await call(() => searchOf(tx).reindex("notes"));
      await call(() => searchOf(tx).optimize("notes"));
      assert.deepEqual(ids((await run(tx, "zebra")).hits), ["new"]);
      assert.deepEqual((await run(tx, "whale")).hits, []);
    });
    assert.deepEqual(ids((await run(backend, "zebra")).hits), ["new"]);
    assert.deepEqual((await run(backend, "whale")).hits, []);
    assert.deepEqual(ids((await run(backend, "fox")).hits), ["d4", "d0", "d1", "d3"]);
  });

  it("reindex and optimize keep the same answers", async (backend) => {
    const before = ids((await run(backend, "fox")).hits);
    const search = searchOf(backend);
    await call(() => search.reindex("notes"));
    await call(() => search.optimize("notes"));
    assert.deepEqual(ids((await run(backend, "fox")).hits), before);
  });
}
