/**
 * Conformance cases of the find capability: find (filter, sort, keyset cursor, limit), count and
 * deleteMany, with the query semantics of src/query/ (type-strict comparisons, `$ne` matching
 * missing paths, missing and null first in ascending order, ties by id).
 *
 * Filters and sorts are parsed with the dialect-free parsers, as the Store parses them.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend, FindCapability } from "../../src/backend/contract.ts";
import type { StoredEntry } from "../../src/backend/types.ts";
import type { CursorValue } from "../../src/cursor.ts";
import { parseFilter, prepareQuery } from "../../src/query/query.ts";
import {
  call,
  idsOf,
  options,
  putMany,
  putOf,
  restoreOf,
  seed,
  skipWithout,
  type SuiteContext,
  T1,
  T2,
  T3,
} from "./support.ts";

/** Documents that exercise the semantics: a missing value, null, a number-like string. */
const DOCS: Record<string, Record<string, unknown>> = {
  a: { n: 3, kind: "x", tags: ["red", "blue"] },
  b: { n: 1, kind: "y", tags: ["red"] },
  c: { n: 3, kind: "x", tags: [] },
  d: { kind: "x" },
  e: { n: null, kind: "y" },
  f: { n: 10, kind: "x", tags: ["blue"] },
  g: { n: 2.5, kind: "z" },
  h: { n: "3", kind: "x" },
};

/** The backend's find capability (the group runs only when it has one). */
function findOf(backend: Backend): FindCapability {
  const find = backend.find;
  assert.ok(find != null, "the backend lost its find capability");
  return find;
}

/** Every page of a find, `limit` at a time, each after the previous page's last entry. */
async function allPages(
  find: FindCapability,
  filter: unknown,
  sort: string,
  limit: number,
): Promise<StoredEntry[]> {
  const query = prepareQuery(filter, sort);
  const all: StoredEntry[] = [];
  let after: CursorValue[] | undefined;
  for (;;) {
    const page = await call(() =>
      find.find("docs", { filter: query.filter, sort: query.sort, after, limit })
    );
    assert.ok(page.length <= limit, `a page holds at most ${limit} entries`);
    all.push(...page);
    const last = page.at(-1);
    if (page.length < limit || last === undefined) return all;
    after = query.keyOf(last);
  }
}

/** Registers the find cases. */
export function findCases(context: SuiteContext): void {
  const skip = skipWithout(context, "find");
  const it = (name: string, fn: (backend: Backend, find: FindCapability) => Promise<void>) =>
    context.it(name, async (backend) => {
      await seed(backend, "docs", DOCS, { indexes: ["n"] });
      await fn(backend, findOf(backend));
    }, { skip });

  /** The ids a find returns (one page of up to 100). */
  async function ids(find: FindCapability, filter: unknown, sort?: string): Promise<string[]> {
    const query = prepareQuery(filter, sort);
    return idsOf(
      await call(() => find.find("docs", { filter: query.filter, sort: query.sort, limit: 100 })),
    );
  }

  it(
    "find without a filter or sort lists every document in id order, up to limit",
    async (_, find) => {
      assert.deepEqual(await ids(find, undefined), ["a", "b", "c", "d", "e", "f", "g", "h"]);
      const query = prepareQuery(undefined);
      const two = await call(() =>
        find.find("docs", { filter: query.filter, sort: query.sort, limit: 2 })
      );
      assert.deepEqual(idsOf(two), ["a", "b"]);
    },
  );

  it("find returns entries with their metadata, as get does", async (backend, find) => {
    await call(() => backend.put("docs", putOf("a", { n: 4, kind: "x" }, T2)));
    const [entry] = await call(() =>
      find.find("docs", { filter: parseFilter({ n: 4 }), sort: [], limit: 10 })
    );
    assert.deepEqual(entry, {
      id: "a",
      rev: 2,
      createdAt: T1,
      updatedAt: T2,
      doc: { n: 4, kind: "x" },
    });
    assert.deepEqual(entry, await call(() => backend.get("docs", "a")));
    // A fresh object each time: changing one changes nothing stored.
    assert.ok(entry !== undefined);
    entry.doc.n = 99;
    const [again] = await call(() =>
      find.find("docs", { filter: parseFilter({ n: 4 }), sort: [], limit: 10 })
    );
    assert.deepEqual(again?.doc, { n: 4, kind: "x" });
  });

  it("filters compare type-strictly; $ne and $nin match missing paths", async (_, find) => {
    assert.deepEqual(await ids(find, { n: { $gte: 3 } }), ["a", "c", "f"]);
    assert.deepEqual(await ids(find, { n: "3" }), ["h"]);
    assert.deepEqual(await ids(find, { n: null }), ["e"]);
    assert.deepEqual(await ids(find, { n: { $exists: false } }), ["d"]);
    assert.deepEqual(await ids(find, { n: { $ne: 3 } }), ["b", "d", "e", "f", "g", "h"]);
    assert.deepEqual(await ids(find, { kind: { $nin: ["x", "y"] } }), ["g"]);
    assert.deepEqual(await ids(find, { tags: { $contains: "red" } }), ["a", "b"]);
    assert.deepEqual(await ids(find, 'kind = "x" and n < 5'), ["a", "c"]);
    assert.deepEqual(await ids(find, { $or: [{ kind: "z" }, { n: 1 }] }), ["b", "g"]);
    assert.deepEqual(await ids(find, { $id: { $gt: "f" } }), ["g", "h"]);
    assert.deepEqual(await ids(find, { kind: "none" }), []);
  });

  it(
    "sort orders missing and null first (ascending), then numbers, then strings; ties by id",
    async (_, find) => {
      assert.deepEqual(await ids(find, undefined, "n"), ["d", "e", "b", "g", "a", "c", "f", "h"]);
      assert.deepEqual(await ids(find, undefined, "-n"), ["h", "f", "a", "c", "g", "b", "d", "e"]);
      assert.deepEqual(await ids(find, { kind: "x" }, "-n"), ["h", "f", "a", "c", "d"]);
      assert.deepEqual(await ids(find, undefined, "kind,-n"), [
        "h",
        "f",
        "a",
        "c",
        "d",
        "b",
        "e",
        "g",
      ]);
    },
  );

  it("sort by metadata: $rev and $updatedAt", async (backend, find) => {
    await call(() => backend.put("docs", putOf("g", { n: 2.5, kind: "z" }, T2)));
    await call(() => backend.put("docs", putOf("b", { n: 1, kind: "y" }, T2)));
    await call(() => backend.put("docs", putOf("b", { n: 1, kind: "y" }, T3)));
    assert.deepEqual(await ids(find, undefined, "-$rev"), ["b", "g", "a", "c", "d", "e", "f", "h"]);
    assert.deepEqual(await ids(find, { kind: { $in: ["y", "z"] } }, "-$updatedAt"), [
      "b",
      "g",
      "e",
    ]);
  });

  it(
    "after a cursor, pages go on where the last one stopped, across ties and nulls",
    async (_, find) => {
      for (const sort of ["", "n", "-n", "kind,-n", "-$rev"]) {
        const whole = await ids(find, undefined, sort);
        for (const limit of [1, 3]) {
          assert.deepEqual(
            idsOf(await allPages(find, undefined, sort, limit)),
            whole,
            `sort "${sort}", limit ${limit}`,
          );
        }
      }
      assert.deepEqual(idsOf(await allPages(find, { kind: "x" }, "-n", 2)), [
        "h",
        "f",
        "a",
        "c",
        "d",
      ]);
    },
  );

  it("strings compare and sort by code point, not UTF-16 code unit", async (backend, find) => {
    const words = { s1: "z", s2: "é", s3: "Z", s4: "😀", s5: "\uFF21", s6: "a", s7: "e\u0301" };
    await backend.transaction(async (tx) => {
      await call(() =>
        tx.putMany("docs", Object.entries(words).map(([id, word]) => putOf(id, { word })))
      );
    });
    const order = ["s3", "s6", "s7", "s1", "s2", "s5", "s4"]; // Z a e+◌́ z é Ａ 😀
    assert.deepEqual(await ids(find, { word: { $exists: true } }, "word"), order);
    assert.deepEqual(await ids(find, { word: { $exists: true } }, "-word"), [...order].reverse());
    assert.deepEqual(await ids(find, { word: { $gt: "\uFF00" } }), ["s4", "s5"]);
    assert.deepEqual(await ids(find, { word: { $lt: "\uFF00", $gt: "z" } }), ["s2"]);
    assert.deepEqual(
      idsOf(await allPages(find, { word: { $exists: true } }, "-word", 2)),
      [...order].reverse(),
    );
  });

  it("sort puts arrays and objects among strings, as their JSON text", async (backend, find) => {
    await call(() => find.deleteMany("docs", parseFilter(undefined)));
    const values: Record<string, unknown> = {
      m1: [1, 2],
      m2: { a: 1 },
      m3: "[0",
      m4: "[2",
      m5: "{",
      m6: "z",
      m7: 5,
      m8: true,
      m9: null,
      m10: false,
    };
    await backend.transaction(async (tx) => {
      await call(() =>
        tx.putMany("docs", Object.entries(values).map(([id, v]) => putOf(id, { v })))
      );
      await call(() => tx.put("docs", putOf("m0", {})));
    });
    // missing, null; false = 0, true = 1, 5; then text: "[0" < "[1,2]" < "[2" < "z" < "{" < "{"a":1}".
    const order = ["m0", "m9", "m10", "m8", "m7", "m3", "m1", "m4", "m6", "m5", "m2"];
    assert.deepEqual(await ids(find, undefined, "v"), order);
    assert.deepEqual(idsOf(await allPages(find, undefined, "-v", 3)), [
      "m2",
      "m5",
      "m6",
      "m4",
      "m1",
      "m3",
      "m7",
      "m8",
      "m10",
      "m0",
      "m9",
    ]);
    // Filters stay type-strict: an array or object is never a string.
    assert.deepEqual(await ids(find, { v: { $gt: "[" } }), ["m3", "m4", "m5", "m6"]);
    assert.deepEqual(await ids(find, { v: true }), ["m8"]);
    assert.deepEqual(await ids(find, { v: 1 }), []);
  });

  it("nested paths and array indexes; $like and $startsWith", async (backend, find) => {
    await call(() => find.deleteMany("docs", parseFilter(undefined)));
    const docs: Record<string, Record<string, unknown>> = {
      p1: { author: { name: "Ann" }, tags: ["b", "a"], word: "Éclair" },
      p2: { author: { name: "bob" }, tags: ["a"], word: "éclair" },
      p3: { author: "Ann", tags: [], word: "ECLAIR" },
      p4: { author: { name: "Cy" }, tags: { 0: "a" }, word: "eclair_x" },
    };
    await seed(backend, "docs", docs);
    assert.deepEqual(await ids(find, { "author.name": "Ann" }), ["p1"]);
    // "bob" > "Cy" > "Ann" by code point; p3 has no author.name.
    assert.deepEqual(await ids(find, undefined, "-author.name"), ["p2", "p4", "p1", "p3"]);
    // tags.0 reads an array only: p4's object with a key "0" has no index 0.
    assert.deepEqual(await ids(find, { "tags.0": "a" }), ["p2"]);
    assert.deepEqual(await ids(find, { "tags.1": { $exists: true } }), ["p1"]);
    // LIKE folds ASCII letters only; _ is one character, % any run.
    assert.deepEqual(await ids(find, { word: { $like: "ecl%" } }), ["p3", "p4"]);
    assert.deepEqual(await ids(find, { word: { $like: "_clair" } }), ["p1", "p2", "p3"]);
    assert.deepEqual(await ids(find, { word: { $like: "%\\_x" } }), []); // a backslash escapes nothing
    assert.deepEqual(await ids(find, { word: { $like: "%_x" } }), ["p4"]);
    assert.deepEqual(await ids(find, { word: { $startsWith: "é" } }), ["p2"]);
    assert.deepEqual(await ids(find, { word: { $startsWith: "E" } }), ["p3"]);
  });

  it(
    "repeated queries follow every kind of write, and no rolled-back one",
    async (backend, find) => {
      // An engine may cache what it read for the next query (the memory engine keeps columns of
      // filtered fields once a collection is scanned twice without a write): every write must
      // reach the next answer.
      const three = parseFilter({ n: 3 });
      const check = async (expected: string[], why: string) => {
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(await ids(find, { n: 3 }), expected, `${why} (find ${i})`);
          assert.equal(await call(() => find.count("docs", three)), expected.length, why);
        }
      };
      await check(["a", "c"], "seeded");
      await call(() => backend.put("docs", putOf("b", { n: 3 }, T2)));
      await check(["a", "b", "c"], "after a put");
      await call(() =>
        backend.restoreMany("docs", [
          restoreOf("a", { n: 4 }, { rev: 5, createdAt: T1, updatedAt: T2 }),
        ], "replace")
      );
      await check(["b", "c"], "after restoreMany");
      await putMany(backend, "docs", [putOf("d", { n: 3 }, T2), putOf("e", { n: 3 }, T2)]);
      await check(["b", "c", "d", "e"], "after putMany");
      await call(() => backend.delete("docs", "e"));
      await check(["b", "c", "d"], "after a delete");
      await assert.rejects(
        backend.transaction(async (tx) => {
          await call(() => tx.put("docs", putOf("f", { n: 3 }, T3)));
          await call(() => tx.delete("docs", "b"));
          assert.deepEqual(
            idsOf(await call(() => tx.find!.find("docs", { filter: three, sort: [], limit: 10 }))),
            ["c", "d", "f"],
          );
          throw new Error("roll back");
        }),
        /roll back/,
      );
      await check(["b", "c", "d"], "after a rollback");
      await backend.transaction(async (tx) => {
        await call(() => tx.put("docs", putOf("g", { n: 3 }, T3)));
      });
      await check(["b", "c", "d", "g"], "after a commit");
      assert.equal(await call(() => find.deleteMany("docs", parseFilter({ $id: "c" }))), 1);
      await check(["b", "d", "g"], "after deleteMany");
      await call(() => backend.ensureCollection("docs", options({ indexes: ["kind"] })));
      await check(["b", "d", "g"], "after new options");
      await call(() => backend.clear("docs"));
      await check([], "after clear");
    },
  );

  it("count counts every document, or those a filter matches", async (backend, find) => {
    assert.equal(await call(() => find.count("docs")), 8);
    assert.equal(await call(() => find.count("docs", parseFilter({ kind: "x" }))), 5);
    assert.equal(await call(() => find.count("docs", parseFilter({ n: { $gt: 100 } }))), 0);
    await call(() => backend.delete("docs", "a"));
    assert.equal(await call(() => find.count("docs")), 7);
  });

  it("deleteMany deletes what the filter matches and says how many", async (backend, find) => {
    assert.equal(await call(() => find.deleteMany("docs", parseFilter({ kind: "x" }))), 5);
    assert.deepEqual(await ids(find, undefined), ["b", "e", "g"]);
    assert.equal(await call(() => backend.get("docs", "a")), undefined);
    assert.equal(await call(() => find.deleteMany("docs", parseFilter({ kind: "x" }))), 0);
    assert.equal(await call(() => find.count("docs")), 3);
  });

  it("find, count and deleteMany on a handle see the transaction's own writes", async (backend) => {
    await backend.transaction(async (tx) => {
      const find = tx.find;
      assert.ok(find != null);
      await call(() => tx.put("docs", putOf("i", { n: 3, kind: "x" }, T2)));
      await call(() => tx.delete("docs", "a"));
      assert.deepEqual(
        idsOf(
          await call(() =>
            find.find("docs", { filter: parseFilter({ n: 3 }), sort: [], limit: 10 })
          ),
        ),
        ["c", "i"],
      );
      assert.equal(await call(() => find.count("docs", parseFilter({ kind: "x" }))), 5);
      assert.equal(await call(() => find.deleteMany("docs", parseFilter({ n: 3 }))), 2);
    });
    assert.deepEqual(
      idsOf(await call(() => backend.page("docs", { limit: 100 }))),
      ["b", "d", "e", "f", "g", "h"],
    );
  });
}
