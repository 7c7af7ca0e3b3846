/**
 * Defects the fuzz test (tests/fuzz_test.ts) found, each pinned by a small case on every
 * backend: a refused call must change nothing, and only QuireErrors leave the API.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { open, type Store } from "../mod.ts";
import { rejectsWith, tempDir } from "./helpers.ts";

const BACKENDS: { name: string; url: (dir: string) => string }[] = [
  { name: "sqlite::memory:", url: () => "sqlite::memory:" },
  { name: "sqlite file", url: (dir) => `sqlite://${join(dir, "store.db")}` },
  { name: "memory://", url: () => "memory://" },
  { name: "file://", url: (dir) => `file://${join(dir, "files")}` },
];

async function withStore(url: (dir: string) => string, fn: (store: Store) => Promise<void>) {
  const { dir, remove } = tempDir();
  const store = await open(url(dir));
  try {
    await fn(store);
  } finally {
    await store.close();
    remove();
  }
}

for (const backend of BACKENDS) {
  describe(`fuzz regressions: ${backend.name}`, () => {
    test("a refused write to a new collection does not create it", async () => {
      await withStore(backend.url, async (store) => {
        await rejectsWith(store.collection("a").put("x", { n: 1 }, { ifRev: 3 }), "CONFLICT");
        assert.deepEqual(await store.collections(), []);
        // The options asked for still apply when the collection is made.
        const b = store.collection("b", { indexes: ["n"] });
        await rejectsWith(b.put("x", { n: 1 }, { ifRev: 1 }), "CONFLICT");
        assert.deepEqual(await store.collections(), []);
        await b.put("x", { n: 1 });
        assert.deepEqual(await store.collections(), [{ name: "b", options: { indexes: ["n"] } }]);
      });
    });

    test("a rolled-back transaction takes back the collections it made", async () => {
      await withStore(backend.url, async (store) => {
        await store.collection("kept").put("x", { n: 1 });
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.collection("made").put("y", { n: 2 });
            await tx.collection("kept", { indexes: ["n"] }).put("z", { n: 3 });
            throw new Error("abort");
          }),
          /abort/,
        );
        assert.deepEqual(await store.collections(), [{ name: "kept", options: {} }]);
        assert.equal(await store.collection("made").count(), 0);
        // A nested transaction that fails takes back only its own collections.
        await store.transaction(async (tx) => {
          await tx.collection("outer").put("a", {});
          await assert.rejects(
            tx.transaction(async (inner) => {
              await inner.collection("inner").put("b", {});
              throw new Error("inner");
            }),
            /inner/,
          );
        });
        assert.deepEqual((await store.collections()).map((c) => c.name), ["kept", "outer"]);
      });
    });
  });
}
