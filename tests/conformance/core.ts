/**
 * Conformance cases of the required core: the catalog (collections, ensureCollection), get, put
 * and delete with revisions and `ifRev`, putMany, restoreMany, page, clear.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Backend } from "../../src/backend/contract.ts";
import type { StoredEntry } from "../../src/backend/types.ts";
import { rejectsWith } from "../helpers.ts";
import {
  call,
  delay,
  idsOf,
  options,
  putMany,
  putOf,
  restoreOf,
  searchRequest,
  seed,
  skipping,
  type SuiteContext,
  T1,
  T2,
  T3,
  T4,
} from "./support.ts";

/**
 * Ids in code point order (SQLite's BINARY order on UTF-8), which is not UTF-16 code unit order
 * ("\uFF21" < "😀" here, while JavaScript's `<` puts the surrogate pair of "😀" first), and in
 * which "é" (U+00E9) and "e\u0301" (e + combining acute) are two ids, not one.
 */
const ORDERED_IDS = ["B", "a", "a/b", "e\u0301", "\u00e9", "\uFF21", "😀"];

/**
 * Collections to run the batch cases on: plain, and with search fields (an engine may write a
 * batch to such a collection in fewer statements, as SQLite does).
 */
const LAYOUTS: [string, Record<string, unknown> | undefined][] = [
  ["", undefined],
  [" (with search fields)", { search: { fields: ["v"] } }],
];

/** Code point order of two strings (UTF-8 byte order), as ids are listed. */
function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The catalog, by name (the contract promises no order). */
async function catalogOf(backend: Backend) {
  const entries = await call(() => backend.collections());
  return [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every entry of a collection, read a page at a time. */
async function allPages(backend: Backend, name: string, limit: number): Promise<StoredEntry[]> {
  const all: StoredEntry[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await call(() => backend.page(name, { after, limit }));
    assert.ok(page.length <= limit, `a page holds at most ${limit} entries`);
    all.push(...page);
    if (page.length < limit) return all;
    after = page.at(-1)?.id;
  }
}

/** Registers the core cases. */
export function coreCases(context: SuiteContext): void {
  const { it } = context;

  it("a new backend has an empty catalog", async (backend) => {
    assert.deepEqual(await call(() => backend.collections()), []);
    assert.equal(typeof backend.kind, "string");
    assert.ok(backend.kind.length > 0);
    assert.equal(typeof backend.location, "string");
  });

  it("ensureCollection creates collections whose options round-trip", async (backend) => {
    const searchable = options({
      indexes: ["year", ["author.name", "year"]],
      search: { fields: { title: 2, body: 1 }, tokenizer: "porter" },
    });
    await call(() => backend.ensureCollection("notes", searchable));
    await call(() => backend.ensureCollection("plain", options()));
    assert.deepEqual(await catalogOf(backend), [
      { name: "notes", options: searchable },
      { name: "plain", options: {} },
    ]);
    // Again with the same options: nothing changes.
    await call(() => backend.ensureCollection("notes", searchable));
    assert.deepEqual(await catalogOf(backend), [
      { name: "notes", options: searchable },
      { name: "plain", options: {} },
    ]);
  });

  it("ensureCollection on an existing collection changes its options, keeping its documents", async (backend) => {
    await seed(backend, "notes", { n1: { title: "kept" } }, { indexes: ["year"] });
    const changed = options({ search: { fields: ["title"] } });
    await call(() => backend.ensureCollection("notes", changed));
    assert.deepEqual(await catalogOf(backend), [{ name: "notes", options: changed }]);
    assert.deepEqual((await call(() => backend.get("notes", "n1")))?.doc, { title: "kept" });
    await call(() => backend.ensureCollection("notes", options()));
    assert.deepEqual(await catalogOf(backend), [{ name: "notes", options: {} }]);
  });

  it("collections are separate namespaces, also when names differ only in case", async (backend) => {
    await seed(backend, "notes", { x: { in: "notes" } });
    await seed(backend, "Notes", { x: { in: "Notes" } });
    assert.deepEqual((await call(() => backend.get("notes", "x")))?.doc, { in: "notes" });
    assert.deepEqual((await call(() => backend.get("Notes", "x")))?.doc, { in: "Notes" });
    assert.deepEqual((await catalogOf(backend)).map((entry) => entry.name), ["Notes", "notes"]);
    await call(() => backend.delete("notes", "x"));
    assert.deepEqual((await call(() => backend.get("Notes", "x")))?.doc, { in: "Notes" });
  });

  it("put creates with rev 1 and the write's time; get returns the document and metadata", async (backend) => {
    await call(() => backend.ensureCollection("notes", options()));
    const doc = { title: "Zoë's café — 東京 🚀", n: -0.5, list: [1, "two", null, { three: 3 }] };
    const meta = await call(() => backend.put("notes", putOf("n1", doc, T1)));
    assert.deepEqual(meta, { id: "n1", rev: 1, createdAt: T1, updatedAt: T1 });
    const entry = await call(() => backend.get("notes", "n1"));
    assert.deepEqual(entry, { id: "n1", rev: 1, createdAt: T1, updatedAt: T1, doc });
    assert.equal(await call(() => backend.get("notes", "missing")), undefined);
  });

  it("put replaces: rev grows by one, createdAt is kept and updatedAt advanced", async (backend) => {
    await call(() => backend.ensureCollection("notes", options()));
    await call(() => backend.put("notes", putOf("n1", { v: 1 }, T1)));
    const second = await call(() => backend.put("notes", putOf("n1", { v: 2 }, T2)));
    assert.deepEqual(second, { id: "n1", rev: 2, createdAt: T1, updatedAt: T2 });
    const third = await call(() => backend.put("notes", putOf("n1", { v: 3 }, T3)));
    assert.deepEqual(third, { id: "n1", rev: 3, createdAt: T1, updatedAt: T3 });
    assert.deepEqual(await call(() => backend.get("notes", "n1")), { ...third, doc: { v: 3 } });
  });

  it("put with ifRev 0 creates only what is absent; a mismatch is CONFLICT and changes nothing", async (backend) => {
    await call(() => backend.ensureCollection("notes", options()));
    const created = await call(() => backend.put("notes", putOf("n1", { v: 1 }, T1, 0)));
    assert.equal(created.rev, 1);
    await rejectsWith(call(() => backend.put("notes", putOf("n1", { v: 2 }, T2, 0))), "CONFLICT");
    assert.deepEqual(await call(() => backend.get("notes", "n1")), { ...created, doc: { v: 1 } });
  });

  it("put with ifRev n writes only over rev n; a stale or missing rev is CONFLICT", async (backend) => {
    await call(() => backend.ensureCollection("notes", options()));
    await call(() => backend.put("notes", putOf("n1", { v: 1 }, T1)));
    const second = await call(() => backend.put("notes", putOf("n1", { v: 2 }, T2, 1)));
    assert.equal(second.rev, 2);
    // rev 1 is stale now, rev 3 is not there yet.
    await rejectsWith(call(() => backend.put("notes", putOf("n1", { v: 9 }, T3, 1))), "CONFLICT");
    await rejectsWith(call(() => backend.put("notes", putOf("n1", { v: 9 }, T3, 3))), "CONFLICT");
    // ifRev on an id that does not exist.
    await rejectsWith(
      call(() => backend.put("notes", putOf("absent", { v: 9 }, T3, 1))),
      "CONFLICT",
    );
    assert.equal(await call(() => backend.get("notes", "absent")), undefined);
    assert.deepEqual(await call(() => backend.get("notes", "n1")), { ...second, doc: { v: 2 } });
  });

  it("delete: true when it deleted, false when absent; ifRev is checked", async (backend) => {
    await seed(backend, "notes", { n1: { v: 1 }, n2: { v: 2 } });
    assert.equal(await call(() => backend.delete("notes", "n1")), true);
    assert.equal(await call(() => backend.get("notes", "n1")), undefined);
    assert.equal(await call(() => backend.delete("notes", "n1")), false);
    assert.equal(await call(() => backend.delete("notes", "never")), false);
    await rejectsWith(call(() => backend.delete("notes", "n2", 2)), "CONFLICT");
    assert.equal((await call(() => backend.get("notes", "n2")))?.rev, 1);
    await rejectsWith(call(() => backend.delete("notes", "never", 1)), "CONFLICT");
    // ifRev 0 says "absent": nothing to delete, and no conflict; present, a conflict.
    assert.equal(await call(() => backend.delete("notes", "never", 0)), false);
    await rejectsWith(call(() => backend.delete("notes", "n2", 0)), "CONFLICT");
    assert.equal(await call(() => backend.delete("notes", "n2", 1)), true);
    assert.equal(await call(() => backend.get("notes", "n2")), undefined);
  });

  it("a deleted id written again starts over at rev 1 with a new createdAt", async (backend) => {
    await call(() => backend.ensureCollection("notes", options()));
    await call(() => backend.put("notes", putOf("n1", { v: 1 }, T1)));
    await call(() => backend.put("notes", putOf("n1", { v: 2 }, T2)));
    await call(() => backend.delete("notes", "n1"));
    const again = await call(() => backend.put("notes", putOf("n1", { v: 3 }, T3, 0)));
    assert.deepEqual(again, { id: "n1", rev: 1, createdAt: T3, updatedAt: T3 });
  });

  for (const [suffix, layout] of LAYOUTS) {
    it(`putMany returns metadata in request order, as put each in turn (duplicates included)${suffix}`, async (backend) => {
      await call(() => backend.ensureCollection("notes", options(layout)));
      await call(() => backend.put("notes", putOf("old", { v: 0 }, T1)));
      const metas = await putMany(backend, "notes", [
        putOf("b", { v: 1 }, T2),
        putOf("old", { v: 2 }, T2),
        putOf("a", { v: 3 }, T2),
        putOf("b", { v: 4 }, T2),
      ]);
      assert.deepEqual(metas, [
        { id: "b", rev: 1, createdAt: T2, updatedAt: T2 },
        { id: "old", rev: 2, createdAt: T1, updatedAt: T2 },
        { id: "a", rev: 1, createdAt: T2, updatedAt: T2 },
        { id: "b", rev: 2, createdAt: T2, updatedAt: T2 },
      ]);
      assert.deepEqual((await call(() => backend.get("notes", "b")))?.doc, { v: 4 });
      assert.deepEqual((await call(() => backend.get("notes", "old")))?.doc, { v: 2 });
      assert.deepEqual(await putMany(backend, "notes", []), []);
    });
  }

  for (const [suffix, layout] of LAYOUTS) {
    it(`putMany of distinct ids keeps the createdAt and grows the rev of those that exist${suffix}`, async (backend) => {
      await call(() => backend.ensureCollection("notes", options(layout)));
      await putMany(backend, "notes", [putOf("a", { v: "a1" }, T1), putOf("c", { v: "c1" }, T1)]);
      await call(() => backend.put("notes", putOf("c", { v: "c2" }, T2)));
      const metas = await putMany(backend, "notes", [
        putOf("c", { v: "c3" }, T3),
        putOf("b", { v: "b1" }, T3),
        putOf("a", { v: "a2" }, T3),
      ]);
      assert.deepEqual(metas, [
        { id: "c", rev: 3, createdAt: T1, updatedAt: T3 },
        { id: "b", rev: 1, createdAt: T3, updatedAt: T3 },
        { id: "a", rev: 2, createdAt: T1, updatedAt: T3 },
      ]);
      const entries = await call(() => backend.page("notes", { limit: 10 }));
      assert.deepEqual(entries, [
        { ...metas[2]!, doc: { v: "a2" } },
        { ...metas[1]!, doc: { v: "b1" } },
        { ...metas[0]!, doc: { v: "c3" } },
      ]);
    });
  }

  it("putMany checks each ifRev against what the batch wrote before it", async (backend) => {
    await call(() => backend.ensureCollection("notes", options()));
    const metas = await putMany(backend, "notes", [
      putOf("a", { v: 1 }, T1, 0),
      putOf("a", { v: 2 }, T2, 1),
    ]);
    assert.deepEqual(metas.map((meta) => meta.rev), [1, 2]);
    await rejectsWith(
      backend.transaction(async (tx) => {
        await call(() => tx.putMany("notes", [putOf("c", { v: 1 }, T3), putOf("a", {}, T3, 1)]));
      }),
      "CONFLICT",
    );
    assert.equal(await call(() => backend.get("notes", "c")), undefined);
    assert.equal((await call(() => backend.get("notes", "a")))?.rev, 2);
  });

  for (const [suffix, layout] of LAYOUTS) {
    it(`restoreMany writes records with their own metadata; skip keeps what exists${suffix}`, async (backend) => {
      await call(() => backend.ensureCollection("notes", options(layout)));
      const existing = await call(() => backend.put("notes", putOf("old", { v: "mine" }, T4)));
      const written = await call(() =>
        backend.restoreMany("notes", [
          restoreOf("new", { v: "restored" }, { rev: 7, createdAt: T1, updatedAt: T2 }),
          restoreOf("old", { v: "theirs" }, { rev: 3, createdAt: T1, updatedAt: T3 }),
        ], "skip")
      );
      assert.deepEqual(written, [true, false]);
      assert.deepEqual(await call(() => backend.get("notes", "new")), {
        id: "new",
        rev: 7,
        createdAt: T1,
        updatedAt: T2,
        doc: { v: "restored" },
      });
      assert.deepEqual(await call(() => backend.get("notes", "old")), {
        ...existing,
        doc: { v: "mine" },
      });
      // A later put goes on from the restored rev.
      const next = await call(() => backend.put("notes", putOf("new", { v: "next" }, T3, 7)));
      assert.deepEqual(next, { id: "new", rev: 8, createdAt: T1, updatedAt: T3 });
    });
  }

  for (const [suffix, layout] of LAYOUTS) {
    it(`restoreMany with replace overwrites what exists, metadata included${suffix}`, async (backend) => {
      await call(() => backend.ensureCollection("notes", options(layout)));
      await call(() => backend.put("notes", putOf("old", { v: "mine" }, T4)));
      await call(() => backend.put("notes", putOf("old", { v: "mine again" }, T4)));
      const written = await call(() =>
        backend.restoreMany("notes", [
          restoreOf("old", { v: "theirs" }, { rev: 1, createdAt: T1, updatedAt: T2 }),
          restoreOf("new", { v: "restored" }, { rev: 5, createdAt: T2, updatedAt: T3 }),
        ], "replace")
      );
      assert.deepEqual(written, [true, true]);
      assert.deepEqual(await call(() => backend.get("notes", "old")), {
        id: "old",
        rev: 1,
        createdAt: T1,
        updatedAt: T2,
        doc: { v: "theirs" },
      });
      assert.deepEqual((await call(() => backend.get("notes", "new")))?.rev, 5);
    });
  }

  it("page lists ids in code point order, after a cursor, at most limit", async (backend) => {
    const shuffled = [...ORDERED_IDS].reverse();
    shuffled.push(shuffled.shift()!);
    await seed(backend, "ids", Object.fromEntries(shuffled.map((id) => [id, { id }])));
    const all = await call(() => backend.page("ids", { limit: 100 }));
    assert.deepEqual(idsOf(all), ORDERED_IDS);
    for (const entry of all) {
      assert.deepEqual(entry, {
        id: entry.id,
        rev: 1,
        createdAt: T1,
        updatedAt: T1,
        doc: { id: entry.id },
      });
    }
    assert.deepEqual(
      idsOf(await call(() => backend.page("ids", { limit: 3 }))),
      ORDERED_IDS.slice(0, 3),
    );
    assert.deepEqual(
      idsOf(await call(() => backend.page("ids", { after: "a", limit: 2 }))),
      ["a/b", "e\u0301"],
    );
    // After the decomposed é comes the composed one; after an id that is not stored, the next.
    assert.deepEqual(
      idsOf(await call(() => backend.page("ids", { after: "e\u0301", limit: 100 }))),
      ["\u00e9", "\uFF21", "😀"],
    );
    assert.deepEqual(
      idsOf(await call(() => backend.page("ids", { after: "Z", limit: 100 }))),
      ORDERED_IDS.slice(1),
    );
    assert.deepEqual(
      idsOf(await call(() => backend.page("ids", { after: "\uFFFF", limit: 100 }))),
      ["😀"],
    );
    assert.deepEqual(await call(() => backend.page("ids", { after: "😀", limit: 100 })), []);
    for (const limit of [1, 2, 3]) {
      assert.deepEqual(idsOf(await allPages(backend, "ids", limit)), ORDERED_IDS, `limit ${limit}`);
    }
  });

  it("odd ids work and stay distinct: path-like, reserved, dotted, long, astral", async (backend) => {
    await call(() => backend.ensureCollection("odd", options()));
    const ids = [
      "../x",
      "a\\b",
      "CON",
      "con",
      ".",
      "..",
      "nul.txt",
      "%2F",
      " spaced ",
      'quote"s <and> | pipes ? * :',
      "x".repeat(512),
      "é".repeat(256),
      "🚀".repeat(128),
    ];
    for (const id of ids) await call(() => backend.put("odd", putOf(id, { id })));
    for (const id of ids) {
      assert.deepEqual((await call(() => backend.get("odd", id)))?.doc, { id }, JSON.stringify(id));
    }
    const listed = idsOf(await call(() => backend.page("odd", { limit: 100 })));
    assert.deepEqual([...listed].sort(), [...ids].sort());
    for (const id of ids) assert.equal(await call(() => backend.delete("odd", id)), true);
    assert.deepEqual(await call(() => backend.page("odd", { limit: 100 })), []);
  });

  it("every kind of JSON value round-trips", async (backend) => {
    await call(() => backend.ensureCollection("notes", options()));
    const doc = {
      text: "Zoë's café — 東京 🚀 \u2028 \u2029",
      nul: "a\u0000b",
      controls: "tab\tnewline\nreturn\r",
      quotes: `"double" 'single' \\ backslash`,
      big: Number.MAX_SAFE_INTEGER,
      small: Number.MIN_SAFE_INTEGER,
      tiny: 5e-324,
      huge: 1.7976931348623157e308,
      fraction: -0.125,
      yes: true,
      no: false,
      nothing: null,
      nested: { a: { b: [1, [2, { c: [] }]] }, "dotted.key": 1, "": "empty key" },
      emptyObject: {},
      emptyArray: [],
      astral: "\u{1F600}\u{10FFFF}",
    };
    await call(() => backend.put("notes", putOf("rich", doc)));
    assert.deepEqual((await call(() => backend.get("notes", "rich")))?.doc, doc);
    assert.deepEqual((await call(() => backend.page("notes", { limit: 1 })))[0]?.doc, doc);
  });

  for (const [suffix, layout] of LAYOUTS) {
    it(`restoreMany treats a batch as restores in turn: duplicates are skipped or replaced${suffix}`, async (backend) => {
      await call(() => backend.ensureCollection("notes", options(layout)));
      const first = restoreOf("x", { v: 1 }, { rev: 2, createdAt: T1, updatedAt: T1 });
      const second = restoreOf("x", { v: 2 }, { rev: 5, createdAt: T1, updatedAt: T2 });
      assert.deepEqual(await call(() => backend.restoreMany("notes", [first, second], "skip")), [
        true,
        false,
      ]);
      assert.deepEqual((await call(() => backend.get("notes", "x")))?.doc, { v: 1 });
      const third = restoreOf("y", { v: 3 }, { rev: 1, createdAt: T3, updatedAt: T3 });
      assert.deepEqual(
        await call(() => backend.restoreMany("notes", [second, third, first], "replace")),
        [true, true, true],
      );
      const x = await call(() => backend.get("notes", "x"));
      assert.deepEqual([x?.rev, x?.doc], [2, { v: 1 }]);
      assert.deepEqual(await call(() => backend.restoreMany("notes", [], "skip")), []);
    });
  }

  it("a large putMany and restoreMany keep every document, in order, and the search index", async (backend) => {
    // With search fields: an engine may write such a batch in fewer statements (SQLite does).
    const searchable = options({ search: { fields: ["text"] } });
    await call(() => backend.ensureCollection("bulk", searchable));
    const ids = Array.from({ length: 90 }, (_, i) => `${ORDERED_IDS[i % 7]}-${1000 + i}`);
    const metas = await backend.transaction(async (tx) =>
      await call(() =>
        tx.putMany("bulk", ids.map((id, i) => putOf(id, { i, text: `word${i % 3} ${id}` })))
      )
    );
    assert.deepEqual(metas.map((meta) => meta.id), ids);
    assert.ok(metas.every((meta) => meta.rev === 1 && meta.createdAt === T1));
    const hitsOf = async (word: string) => {
      const search = backend.search;
      const request = searchRequest(word, searchable.search!, { limit: 1000 });
      if (search == null || request === undefined) return undefined;
      return (await call(() => search.search("bulk", request))).hits.length;
    };
    if (backend.search != null) assert.equal(await hitsOf("word0"), 30);
    const restored = await backend.transaction(async (tx) =>
      await call(() =>
        tx.restoreMany(
          "bulk",
          ids.map((id, i) =>
            restoreOf(id, { i: 1000 - i, text: "other" }, { rev: 9, createdAt: T1, updatedAt: T2 })
          ),
          "replace",
        )
      )
    );
    assert.equal(restored.filter((written) => written).length, ids.length);
    const all = await allPages(backend, "bulk", 32);
    assert.deepEqual(idsOf(all), [...ids].sort(compareCodePoints));
    for (const entry of all) {
      assert.deepEqual([entry.rev, entry.doc.i], [9, 1000 - ids.indexOf(entry.id)], entry.id);
    }
    if (backend.search != null) {
      assert.equal(await hitsOf("word0"), 0);
      assert.equal(await hitsOf("other"), 90);
    }
  });

  it("after close, calls fail with CLOSED; closing again is harmless", async (backend) => {
    await seed(backend, "notes", { a: {} });
    await call(() => backend.close());
    await rejectsWith(call(() => backend.get("notes", "a")), "CLOSED");
    await rejectsWith(call(() => backend.put("notes", putOf("b", {}))), "CLOSED");
    await rejectsWith(call(() => backend.collections()), "CLOSED");
    await rejectsWith(call(() => backend.transaction(() => Promise.resolve())), "CLOSED");
    await call(() => backend.close());
  });

  it("close waits for the open transaction, which commits", async (backend) => {
    await seed(backend, "notes", {});
    let closing: Promise<void> | undefined;
    await backend.transaction(async (tx) => {
      await call(() => tx.put("notes", putOf("a", {})));
      closing = call(() => backend.close());
      closing.catch(() => {});
      await Promise.race([closing, delay(15)]);
      // The transaction goes on while close waits.
      await call(() => tx.put("notes", putOf("b", {})));
    });
    await closing;
    await rejectsWith(call(() => backend.get("notes", "a")), "CLOSED");
    const { reopen } = context.factory;
    if (reopen === undefined) return;
    const again = await reopen();
    try {
      assert.deepEqual(idsOf(await call(() => again.page("notes", { limit: 10 }))), ["a", "b"]);
    } finally {
      await again.close();
    }
  });

  it("page of an empty collection is empty", async (backend) => {
    await call(() => backend.ensureCollection("empty", options()));
    assert.deepEqual(await call(() => backend.page("empty", { limit: 10 })), []);
  });

  it("clear deletes every document of one collection and says how many", async (backend) => {
    await seed(backend, "notes", { a: {}, b: {}, c: {} });
    await seed(backend, "other", { a: { kept: true } });
    assert.equal(await call(() => backend.clear("notes")), 3);
    assert.deepEqual(await call(() => backend.page("notes", { limit: 10 })), []);
    assert.equal(await call(() => backend.get("notes", "a")), undefined);
    assert.deepEqual((await call(() => backend.get("other", "a")))?.doc, { kept: true });
    assert.equal(await call(() => backend.clear("notes")), 0);
    // The collection stays in the catalog, with its options.
    assert.deepEqual((await catalogOf(backend)).map((entry) => entry.name), ["notes", "other"]);
  });

  it("every returned document is a fresh object", async (backend) => {
    await seed(backend, "notes", { n1: { nested: { list: [1, 2] } } });
    const first = await call(() => backend.get("notes", "n1"));
    assert.ok(first !== undefined);
    (first.doc.nested as { list: number[] }).list.push(3);
    first.doc.added = true;
    const second = await call(() => backend.get("notes", "n1"));
    assert.deepEqual(second?.doc, { nested: { list: [1, 2] } });
    assert.notEqual(second?.doc, first.doc);
    const [paged] = await call(() => backend.page("notes", { limit: 1 }));
    assert.ok(paged !== undefined);
    assert.notEqual(paged.doc, second?.doc);
    paged.doc.nested = null;
    assert.deepEqual((await call(() => backend.get("notes", "n1")))?.doc, {
      nested: { list: [1, 2] },
    });
  });

  it("keys such as __proto__ and constructor are plain data", async (backend) => {
    await call(() => backend.ensureCollection("notes", options()));
    const data = '{"__proto__":{"polluted":1},"constructor":"c","prototype":[1]}';
    await call(() => backend.put("notes", { id: "p", data, now: T1 }));
    const doc = (await call(() => backend.get("notes", "p")))?.doc;
    assert.ok(doc !== undefined);
    assert.equal(Object.getPrototypeOf(doc), Object.prototype);
    assert.deepEqual(Object.keys(doc), ["__proto__", "constructor", "prototype"]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(doc, "__proto__")?.value, { polluted: 1 });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  const { reopen } = context.factory;
  context.test(
    "what was written is there after close and reopen, catalog and metadata included",
    {
      skip: reopen === undefined &&
        skipping("the reopen case", `the ${context.name} backend keeps nothing once closed`),
    },
    async () => {
      if (reopen === undefined) return;
      const first = await context.factory.open();
      const search = options({ indexes: ["year"], search: { fields: ["title"] } });
      try {
        await seed(first, "notes", { n1: { title: "kept", year: 2001 } }, { indexes: ["year"] });
        await call(() => first.ensureCollection("notes", search));
        await call(() => first.put("notes", putOf("n1", { title: "kept twice" }, T2)));
        await call(() => first.put("notes", putOf("gone", {}, T2)));
        await call(() => first.delete("notes", "gone"));
        await call(() =>
          first.restoreMany("notes", [
            restoreOf("r", { title: "restored" }, { rev: 4, createdAt: T1, updatedAt: T3 }),
          ], "replace")
        );
        await seed(first, "cleared", { c: {} });
        await call(() => first.clear("cleared"));
        await assert.rejects(
          first.transaction(async (tx) => {
            await call(() => tx.put("notes", putOf("rolled back", {}, T3)));
            await call(() => tx.ensureCollection("never", options()));
            throw new Error("roll back");
          }),
          /roll back/,
        );
      } finally {
        await first.close();
      }
      const second = await reopen();
      try {
        assert.deepEqual(await catalogOf(second), [
          { name: "cleared", options: {} },
          { name: "notes", options: search },
        ]);
        assert.deepEqual(await call(() => second.page("notes", { limit: 10 })), [{
          id: "n1",
          rev: 2,
          createdAt: T1,
          updatedAt: T2,
          doc: { title: "kept twice" },
        }, { id: "r", rev: 4, createdAt: T1, updatedAt: T3, doc: { title: "restored" } }]);
        assert.deepEqual(await call(() => second.page("cleared", { limit: 10 })), []);
        // The search index is there again (rebuilt or kept), with what was committed.
        const searching = second.search;
        const request = searchRequest("twice", search.search!);
        if (searching != null && request !== undefined) {
          const { hits } = await call(() => searching.search("notes", request));
          assert.deepEqual(hits.map((hit) => hit.entry.id), ["n1"]);
        }
        // And it goes on from the stored revs.
        const meta = await call(() => second.put("notes", putOf("n1", {}, T4, 2)));
        assert.deepEqual(meta, { id: "n1", rev: 3, createdAt: T1, updatedAt: T4 });
      } finally {
        await second.close();
      }
    },
  );
}
