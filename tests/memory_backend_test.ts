import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { open, type Store } from "../mod.ts";
import {
  ColumnCache,
  MAX_CACHED_COLUMNS,
  MAX_COLUMN_FILTER_FIELDS,
} from "../src/backends/column_cache.ts";
import type { RowFilter } from "../src/query/columns.ts";
import { parseFilter } from "../src/query/query.ts";
import type { QueryEntry } from "../src/query/evaluate.ts";
import { runBackendTests } from "./backend_conformance.ts";

runBackendTests({
  name: "memory",
  setup: () => ({
    open: (settings = {}) => open({ backend: "memory", ...settings }),
    persistent: false,
    cleanup: () => {},
  }),
});

type Doc = Record<string, unknown>;

/** Filters with the same test in plain code, over documents of `docOf`. */
const QUERIES: { filter: Record<string, unknown>; test: (doc: Doc) => boolean }[] = [
  {
    filter: { n: { $gte: 10 }, kind: "a" },
    test: (doc) => typeof doc.n === "number" && doc.n >= 10 && doc.kind === "a",
  },
  {
    filter: { $or: [{ n: { $lt: 5 } }, { kind: { $in: ["c", 3] } }] },
    test: (doc) => (typeof doc.n === "number" && doc.n < 5) || doc.kind === "c",
  },
  { filter: { n: { $ne: 7 } }, test: (doc) => doc.n !== 7 },
  {
    filter: { kind: { $gt: "a" }, "tags": { $contains: "x" } },
    test: (doc) =>
      typeof doc.kind === "string" && doc.kind > "a" &&
      Array.isArray(doc.tags) && doc.tags.includes("x"),
  },
];

function docOf(i: number): Doc {
  const doc: Doc = { n: i % 7 === 0 ? String(i) : i, kind: ["a", "b", "c"][i % 3] };
  if (i % 2 === 0) doc.tags = i % 4 === 0 ? ["x"] : ["y"];
  return doc;
}

/**
 * Runs every query three times (the first scan after a write reads documents, the next ones
 * build and read columns) and checks count, find with a limit, and a sorted find paged with
 * cursors against the plain-code model.
 */
async function expectModel(store: Store, model: Map<string, Doc>, label: string): Promise<void> {
  const docs = store.collection<Doc>("docs");
  for (const { filter, test } of QUERIES) {
    const ids = [...model].filter(([, doc]) => test(doc)).map(([id]) => id).sort();
    for (let run = 0; run < 3; run++) {
      const where = `${label}, ${JSON.stringify(filter)}, run ${run}`;
      assert.equal(await docs.count(filter), ids.length, where);
      const first = await docs.find(filter, { limit: 3 });
      assert.deepEqual(first.items.map((entry) => entry.id), ids.slice(0, 3), where);
      const paged: string[] = [];
      let after: string | undefined;
      do {
        const page = await docs.find(filter, { sort: "-$id", limit: 4, after });
        paged.push(...page.items.map((entry) => entry.id));
        after = page.next;
      } while (after !== undefined);
      assert.deepEqual(paged, [...ids].reverse(), where);
    }
  }
}

describe("memory backend: scans over cached columns", () => {
  test("results stay right across writes between repeated queries", async () => {
    const store = await open("memory://");
    const docs = store.collection<Doc>("docs");
    const model = new Map<string, Doc>();
    const put = async (id: string, doc: Doc) => {
      await docs.put(id, doc);
      model.set(id, doc);
    };
    for (let i = 0; i < 40; i++) await put(`d${String(i).padStart(2, "0")}`, docOf(i));
    await expectModel(store, model, "loaded");

    await put("d10", { n: 100, kind: "a", tags: ["x"] });
    await expectModel(store, model, "after a replacement");

    await docs.delete("d12");
    model.delete("d12");
    await expectModel(store, model, "after a delete");

    await put("d05x", { n: 11, kind: "c", tags: ["x"] });
    await expectModel(store, model, "after an insert");

    const kindB = [...model].filter(([, doc]) => doc.kind === "b").map(([id]) => id);
    assert.equal(await docs.deleteMany({ kind: "b" }), kindB.length);
    for (const id of kindB) model.delete(id);
    await expectModel(store, model, "after deleteMany");

    // A write to another collection leaves these columns alone.
    await store.collection("other").put("o", { n: 1, kind: "a" });
    await expectModel(store, model, "after a write elsewhere");
    await store.close();
  });

  test("a transaction's pending writes are seen, a rollback undoes them, a commit keeps them", async () => {
    const store = await open("memory://");
    const docs = store.collection<Doc>("docs");
    const model = new Map<string, Doc>();
    for (let i = 0; i < 30; i++) {
      const id = `d${String(i).padStart(2, "0")}`;
      model.set(id, docOf(i));
    }
    await docs.putMany(model);
    await expectModel(store, model, "loaded");

    const pending = new Map(model);
    await assert.rejects(
      store.transaction(async () => {
        // Columns built before the transaction must not answer for its pending writes.
        await docs.put("d03", { n: 50, kind: "a", tags: ["x"] });
        pending.set("d03", { n: 50, kind: "a", tags: ["x"] });
        await docs.delete("d04");
        pending.delete("d04");
        await docs.deleteMany({ kind: "c" });
        for (const [id, doc] of pending) if (doc.kind === "c") pending.delete(id);
        await expectModel(store, pending, "inside, with pending writes");
        throw new Error("roll back");
      }),
      /roll back/,
    );
    await expectModel(store, model, "after the rollback");

    await store.transaction(async () => {
      // Nothing pending for `docs` yet: its columns still answer.
      await store.collection("other").put("o", { n: 1 });
      await expectModel(store, model, "inside, nothing pending here");
      await docs.put("d20", { n: 20, kind: "a", tags: ["x"] });
      model.set("d20", { n: 20, kind: "a", tags: ["x"] });
      await expectModel(store, model, "inside, after a write");
    });
    await expectModel(store, model, "after the commit");
    await store.close();
  });

  test("scans of many rows (several blocks) count, stop at the limit and page right", async () => {
    const store = await open("memory://");
    const docs = store.collection<Doc>("docs");
    const model = new Map<string, Doc>();
    for (let i = 0; i < 10_000; i++) model.set(`d${String(i).padStart(5, "0")}`, docOf(i));
    await docs.putMany(model);
    const ids = (test: (doc: Doc) => boolean) =>
      [...model].filter(([, doc]) => test(doc)).map(([id]) => id);
    for (const { filter, test } of QUERIES) {
      const expected = ids(test);
      for (let run = 0; run < 3; run++) {
        const where = `${JSON.stringify(filter)}, run ${run}`;
        assert.equal(await docs.count(filter), expected.length, where);
        const page = await docs.find(filter, { limit: 5000 });
        assert.deepEqual(page.items.map((entry) => entry.id), expected.slice(0, 5000), where);
        const rest = page.next === undefined
          ? []
          : (await docs.find(filter, { limit: 5000, after: page.next })).items;
        assert.deepEqual(rest.map((entry) => entry.id), expected.slice(5000, 10_000), where);
      }
    }
    await store.close();
  });

  test(`a filter on more than ${MAX_COLUMN_FILTER_FIELDS} fields, and more than ${MAX_CACHED_COLUMNS} fields in all, still get right answers`, async () => {
    const store = await open("memory://");
    const docs = store.collection<Doc>("docs");
    const fields = Array.from({ length: 40 }, (_, k) => `f${k}`);
    const rows = Array.from({ length: 30 }, (_, i) => {
      const doc: Doc = {};
      for (const [k, field] of fields.entries()) if ((i + k) % 5 !== 0) doc[field] = (i * k) % 11;
      return [`d${String(i).padStart(2, "0")}`, doc] as const;
    });
    await docs.putMany(rows);
    const expected = (from: number, to: number) =>
      rows.filter(([, doc]) => fields.slice(from, to).every((field) => field in doc)).length;
    const wide = (from: number, to: number) =>
      Object.fromEntries(fields.slice(from, to).map((field) => [field, { $gte: 0 }]));
    for (let run = 0; run < 3; run++) {
      // One field per filter, every field in turn: past the cap the cache starts over.
      for (const [k, field] of fields.entries()) {
        const count = rows.filter(([, doc]) => field in doc).length;
        assert.equal(await docs.count({ [field]: { $exists: true } }), count, `${field}, ${k}`);
      }
      assert.equal(await docs.count(wide(0, 17)), expected(0, 17), "17 fields");
      assert.equal(await docs.count(wide(20, 36)), expected(20, 36), "16 fields");
      assert.equal(await docs.count(wide(1, 3)), expected(1, 3), "2 fields");
    }
    await store.close();
  });
});

/** The rows of `entries` that `filter` keeps. */
function kept(filter: RowFilter | undefined): number[] {
  assert.ok(filter !== undefined, "expected a row filter");
  const rows = Int32Array.from(entries.keys());
  return [...rows.subarray(0, filter(rows, rows.length))];
}

const entries: QueryEntry[] = Array.from({ length: 5 }, (_, i) => ({
  id: `e${i}`,
  rev: 1,
  createdAt: "",
  updatedAt: "",
  doc: Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`f${k}`, i + k])),
}));

describe("ColumnCache", () => {
  const wide = (from: number, to: number) =>
    parseFilter(
      Object.fromEntries(Array.from({ length: to - from }, (_, k) => [`f${from + k}`, { $gt: 3 }])),
    );

  test("the first scan after a write gets no columns, the second does", () => {
    const cache = new ColumnCache();
    assert.equal(cache.rowFilter("c", wide(0, 1), () => entries), undefined);
    assert.deepEqual(kept(cache.rowFilter("c", wide(0, 1), () => entries)), [4]);
    cache.forget("c");
    assert.equal(cache.rowFilter("c", wide(0, 1), () => entries), undefined);
    assert.equal(cache.size("c"), 0);
  });

  test(`a filter on more than ${MAX_COLUMN_FILTER_FIELDS} fields reads documents`, () => {
    const cache = new ColumnCache();
    cache.rowFilter("c", wide(0, 1), () => entries);
    const tooWide = wide(0, MAX_COLUMN_FILTER_FIELDS + 1);
    assert.equal(cache.rowFilter("c", tooWide, () => entries), undefined);
    const widest = cache.rowFilter("c", wide(0, MAX_COLUMN_FILTER_FIELDS), () => entries);
    assert.deepEqual(kept(widest), [4]);
  });

  test(`at most ${MAX_CACHED_COLUMNS} columns stay cached per collection`, () => {
    const cache = new ColumnCache();
    cache.rowFilter("c", wide(0, 1), () => entries);
    for (let from = 0; from + 16 <= 40; from += 8) {
      const matches = cache.rowFilter("c", wide(from, from + 16), () => entries);
      const expected = [0, 1, 2, 3, 4].filter((i) => i + from > 3);
      assert.deepEqual(kept(matches), expected, `from ${from}`);
      assert.ok(cache.size("c") <= MAX_CACHED_COLUMNS, `${cache.size("c")} columns`);
      assert.ok(cache.size("c") >= 16);
    }
  });
});
