/**
 * Defects the fuzz test (tests/fuzz_test.ts) found, each pinned by a small case on every
 * backend: a refused call must change nothing, and only QuireErrors leave the API.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { exportNdjson, open, ref, type Store, writeExport } from "../mod.ts";
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

    test("a refused write leaves the collection's options as they were", async () => {
      await withStore(backend.url, async (store) => {
        await store.collection("a").put("x", { n: 1 });
        const indexed = store.collection("a", { indexes: ["n"] });
        await rejectsWith(indexed.put("y", { n: 2 }, { ifRev: 3 }), "CONFLICT");
        assert.deepEqual(await store.collections(), [{ name: "a", options: {} }]);
        // The options asked for still apply with the next call that goes through.
        await indexed.put("y", { n: 2 });
        assert.deepEqual(await store.collections(), [{ name: "a", options: { indexes: ["n"] } }]);
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

    test("a reference to an id no document can have is dangling, not a STORAGE error", async () => {
      await withStore(backend.url, async (store) => {
        const a = store.collection("A");
        // A document may hold any { $ref, $id } pair as data; SQLite refused to bind the NUL.
        await a.put("x", { r: { $ref: "A", $id: "a\u0000b" }, s: { $ref: "A", $id: "" } });
        assert.deepEqual(await a.get("x", { resolve: 1 }), { r: null, s: null });
        const report = await store.check();
        assert.deepEqual(report.problems.map((p) => [p.code, p.id]), [
          ["DANGLING_REF", "x"],
          ["DANGLING_REF", "x"],
        ]);
      });
    });
  });
}

describe("fuzz regressions: NDJSON import", () => {
  const record = (id: string) => JSON.stringify({ collection: "a", id, doc: { n: 1 } });
  const encode = (text: string) => new TextEncoder().encode(text);
  const BOM = "\uFEFF";

  async function imported(source: unknown, options?: unknown) {
    const store = await open("memory://");
    try {
      const result = await store.import(source as never, options as never);
      const ids = (await store.collection("a").find()).items.map((item) => item.id);
      return { ...result, failed: result.failed.map(({ line, error }) => ({ line, error })), ids };
    } finally {
      await store.close();
    }
  }

  test("a BOM at the start is dropped from text as it is from bytes", async () => {
    const text = `${BOM}${record("x")}\r\n${record("y")}\r\n`;
    const expected = { imported: 2, skipped: 0, failed: [], failedCount: 0, ids: ["x", "y"] };
    assert.deepEqual(await imported(text), expected);
    assert.deepEqual(await imported(encode(text)), expected);
    assert.deepEqual(await imported([BOM, record("x"), "\n", record("y")]), expected);
    // Only at the very start: later on it is part of the line (and no JSON).
    const later = await imported(`${record("x")}\n${BOM}${record("y")}\n`);
    assert.equal(later.imported, 1);
    assert.equal(later.failed[0].line, 2);
  });

  test("a line that is not UTF-8 is one failed record, and the import goes on", async () => {
    const bytes = [
      encode(`${record("x")}\n`),
      new Uint8Array([0x7b, 0xff, 0x7d, 0x0a]), // {\xff}
      encode(`${record("y")}\n{"collection":"a","id":"z`),
      new Uint8Array([0xe2, 0x82]), // a character cut by the chunks: €...
      new Uint8Array([0xac]),
      encode(`","doc":{}}\n`),
      new Uint8Array([0xe2, 0x82]), // ...and one the input ends in
    ];
    const result = await imported(bytes);
    assert.deepEqual(result.ids, ["x", "y", "z€"]);
    assert.deepEqual(result.failed.map((f) => f.line), [2, 5]);
    assert.match(result.failed[0].error, /^INVALID_DOCUMENT: Line is not valid UTF-8/);
    assert.match(result.failed[1].error, /^INVALID_DOCUMENT: Line is not valid UTF-8/);
  });

  test("options that are not an object, or an onProgress that is not a function, are INVALID_OPTION", async () => {
    const store = await open("memory://");
    try {
      await rejectsWith(store.import(record("x"), null as never), "INVALID_OPTION");
      await rejectsWith(store.import(record("x"), { onProgress: 5 } as never), "INVALID_OPTION");
      assert.deepEqual(await store.collections(), []);
    } finally {
      await store.close();
    }
  });
});

describe("fuzz regressions: writeExport", () => {
  test("a path that cannot be written is a QuireError, not the file system's error", async () => {
    const { dir, remove } = tempDir();
    const store = await open("memory://");
    try {
      await store.collection("a").put("x", { n: 1 });
      await rejectsWith(writeExport(store, join(dir, "no", "such", "file")), "STORAGE");
      await rejectsWith(writeExport(store, dir), "STORAGE");
      await rejectsWith(writeExport(store, ""), "INVALID_OPTION");
      await rejectsWith(writeExport(store, join(dir, "a\u0000b")), "INVALID_OPTION");
      assert.deepEqual(await writeExport(store, join(dir, "ok.ndjson")), { documents: 1 });
    } finally {
      await store.close();
      remove();
    }
  });
});

for (const backend of BACKENDS) {
  test(`fuzz regressions: ${backend.name}: check() lists problems collection by collection in name order`, async () => {
    await withStore(backend.url, async (store) => {
      for (const name of ["b", "prototype", "A", "a"]) {
        await store.collection(name).put("x", { to: ref("gone", "y") });
      }
      const report = await store.check();
      assert.deepEqual(report.problems.map((p) => p.collection), ["A", "a", "b", "prototype"]);
    });
  });
}

for (const backend of BACKENDS) {
  test(`fuzz regressions: ${backend.name}: an export's empty collections come back on import, with their options`, async () => {
    await withStore(backend.url, async (store) => {
      await store.collection("empty", { indexes: ["n"] }).put("x", { n: 1 });
      await store.collection("empty").delete("x");
      await store.collection("full").put("y", { n: 2 });
      let text = "";
      for await (const line of exportNdjson(store)) text += line;
      const copy = await open("memory://");
      try {
        await copy.import(text);
        assert.deepEqual(await copy.collections(), await store.collections());
        // A header that does not parse makes nothing, not even its valid names.
        const bad = await open("memory://");
        await bad.import(
          JSON.stringify({ format: "quire-export", version: 1, collections: { a: {}, "1x": {} } }),
        );
        assert.deepEqual(await bad.collections(), []);
        await bad.close();
      } finally {
        await copy.close();
      }
    });
  });
}

test("fuzz regressions: options that are not objects are INVALID_OPTION, not a TypeError", async () => {
  const store = await open("memory://");
  try {
    const notes = store.collection("notes");
    await notes.put("x", { n: 1 });
    for (const bad of [null, 5, "x", [1]]) {
      await rejectsWith(notes.put("x", { n: 2 }, bad as never), "INVALID_OPTION");
      await rejectsWith(notes.get("x", bad as never), "INVALID_OPTION");
      await rejectsWith(notes.delete("x", bad as never), "INVALID_OPTION");
      await rejectsWith(notes.find({}, bad as never), "INVALID_OPTION");
      await rejectsWith(notes.explain({}, bad as never), "INVALID_OPTION");
      await rejectsWith(notes.reindex(bad as never), "INVALID_OPTION");
      await rejectsWith(notes.search("x", bad as never), "INVALID_OPTION");
    }
    await rejectsWith(store.transaction(null as never), "INVALID_OPTION");
    assert.deepEqual(await notes.get("x"), { n: 1 });
  } finally {
    await store.close();
  }
});

test("fuzz regressions: putMany of something that is not an iterable of pairs is INVALID_DOCUMENT", async () => {
  const store = await open("memory://");
  try {
    const notes = store.collection("notes");
    for (const bad of [null, undefined, 5, {}, "ab", [["a"]], [null]]) {
      await rejectsWith(notes.putMany(bad as never), "INVALID_DOCUMENT");
    }
    assert.deepEqual(await store.collections(), []);
  } finally {
    await store.close();
  }
});

for (const backend of BACKENDS) {
  test(`fuzz regressions: ${backend.name}: stats() inside a transaction counts its writes`, async () => {
    await withStore(backend.url, async (store) => {
      await store.collection("a").put("x", { n: 1 });
      await store.transaction(async (tx) => {
        await tx.collection("a").put("y", { t: "é" });
        await tx.collection("a").delete("x");
        await tx.collection("a").put("z", { n: 2 });
        // {"t":"é"} is 10 bytes of UTF-8, {"n":2} is 7.
        assert.deepEqual((await store.stats()).collections.a, { count: 2, bytes: 17 });
      });
      assert.deepEqual((await store.stats()).collections.a.count, 2);
    });
  });
}
