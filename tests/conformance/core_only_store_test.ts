/**
 * A Store on a backend with the required core only (no find, search, explain, stats, backup or
 * check capability): what needs only the core works (documents, references, transactions,
 * export and import, check, and backup, which falls back to copying into a new SQLite
 * database), and what needs a missing capability is refused with `UNSUPPORTED`, also inside a
 * transaction. The core-only backend is a real one (memory, SQLite) seen through a proxy that
 * passes on the core calls and nothing else, on transaction handles too.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { open, ref, type Store } from "../../mod.ts";
import type { Backend, Connection } from "../../src/backend/contract.ts";
import { BufferedBackend } from "../../src/backends/buffered_backend.ts";
import { MemoryStore } from "../../src/backends/memory/memory_store.ts";
import { serialBackend } from "../../src/backends/serial_backend.ts";
import { openSqliteBackend } from "../../src/backends/sqlite/sqlite_backend.ts";
import { DEFAULT_MAX_DOCUMENT_BYTES } from "../../src/document.ts";
import { openStore } from "../../src/store.ts";
import { rejectsWith, tempDir } from "../helpers.ts";

/** The core calls of `conn`, and nothing else; a transaction's handle is wrapped the same way. */
function coreOf(conn: Connection): Connection {
  return {
    collections: () => conn.collections(),
    ensureCollection: (name, options, progress) => conn.ensureCollection(name, options, progress),
    get: (collection, id) => conn.get(collection, id),
    put: (collection, request) => conn.put(collection, request),
    putMany: (collection, requests) => conn.putMany(collection, requests),
    restoreMany: (collection, requests, mode) => conn.restoreMany(collection, requests, mode),
    delete: (collection, id, ifRev) => conn.delete(collection, id, ifRev),
    page: (collection, request) => conn.page(collection, request),
    clear: (collection) => conn.clear(collection),
    transaction: (fn) => conn.transaction((tx) => fn(coreOf(tx))),
  };
}

/** `backend` with its core only. */
function coreOnly(backend: Backend): Backend {
  return {
    ...coreOf(backend),
    kind: `${backend.kind} (core only)`,
    location: backend.location,
    close: () => backend.close(),
  };
}

const BACKENDS: { name: string; open: () => Promise<Backend> }[] = [
  {
    name: "memory",
    open: () => Promise.resolve(serialBackend(new BufferedBackend(new MemoryStore()))),
  },
  { name: "sqlite :memory:", open: async () => serialBackend(await openSqliteBackend(":memory:")) },
];

const SETTINGS = { readonly: false, maxDocumentBytes: DEFAULT_MAX_DOCUMENT_BYTES };
const NOTES = { search: { fields: ["title"] }, indexes: ["year"] };

for (const inner of BACKENDS) {
  describe(`a Store on a core-only backend (${inner.name})`, () => {
    const temp = tempDir("quire-core-only-");
    after(() => temp.remove());

    /** A case on a Store over a fresh core-only backend, with two notes and a user. */
    function it(name: string, fn: (store: Store) => Promise<void>) {
      test(name, async () => {
        const store = await openStore(coreOnly(await inner.open()), SETTINGS);
        try {
          const notes = store.collection("notes", NOTES);
          await notes.put("n1", { title: "red fox", year: 2001, author: ref("users", "u1") });
          await notes.put("n2", { title: "blue whale", year: 1999 });
          await store.collection("users").put("u1", { name: "Ann" });
          await fn(store);
        } finally {
          await store.close();
        }
      });
    }

    it("documents: put, get with references resolved, entry, has, delete, putMany, insert", async (store) => {
      const notes = store.collection("notes");
      assert.deepEqual(await notes.get("n1", { resolve: 1 }), {
        title: "red fox",
        year: 2001,
        author: { name: "Ann" },
      });
      assert.equal((await notes.entry("n2"))?.rev, 1);
      assert.equal((await notes.put("n2", { title: "grey whale" }, { ifRev: 1 })).rev, 2);
      await rejectsWith(notes.put("n2", {}, { ifRev: 1 }), "CONFLICT");
      assert.equal(await notes.has("n2"), true);
      assert.equal(await notes.delete("n2"), true);
      assert.equal(await notes.has("n2"), false);
      const metas = await notes.putMany([["a", { title: "a" }], ["b", { title: "b" }]]);
      assert.deepEqual(metas.map((meta) => meta.id), ["a", "b"]);
      const inserted = await notes.insert({ title: "new" });
      assert.deepEqual(await notes.get(inserted.id), { title: "new" });
      assert.equal(await notes.clear(), 4);
    });

    it("export pages through every collection; import restores records", async (store) => {
      const records = [];
      for await (const record of store.export()) records.push(record);
      assert.deepEqual(
        records.map((record) => `${record.collection}/${record.id}`),
        ["notes/n1", "notes/n2", "users/u1"],
      );
      const copy = await openStore(coreOnly(await inner.open()), SETTINGS);
      try {
        const report = await copy.import(records);
        assert.deepEqual([report.imported, report.skipped, report.failed], [3, 0, []]);
        for (const record of records) {
          const { collection, ...entry } = record;
          assert.deepEqual(await copy.collection(collection).entry(record.id), entry);
        }
        // Records carry no collection options (an NDJSON header does): the names are there.
        assert.deepEqual((await copy.collections()).map((entry) => entry.name), ["notes", "users"]);
      } finally {
        await copy.close();
      }
    });

    it("transactions commit, roll back, and nest", async (store) => {
      const notes = store.collection("notes");
      await store.transaction(async (tx) => {
        await tx.collection("notes").put("t1", {});
        await assert.rejects(
          store.transaction(async () => {
            await notes.put("t2", {});
            throw new Error("inner");
          }),
          /inner/,
        );
      });
      await assert.rejects(
        store.transaction(async () => {
          await notes.delete("n1");
          await notes.put("t3", {});
          throw new Error("outer");
        }),
        /outer/,
      );
      const ids = [];
      for await (const record of store.export({ collections: ["notes"] })) ids.push(record.id);
      assert.deepEqual(ids, ["n1", "n2", "t1"]);
    });

    it("backup falls back to a copy into a new SQLite database", async (store) => {
      const path = join(temp.dir, `${inner.name.replace(/\W/g, "")}-backup.db`);
      await store.backup(path);
      await rejectsWith(store.backup(path), "STORAGE");
      const copy = await open({ backend: "sqlite", path });
      try {
        assert.equal(copy.backend, "sqlite");
        assert.deepEqual(await copy.collections(), await store.collections());
        for (const [name, id] of [["notes", "n1"], ["notes", "n2"], ["users", "u1"]] as const) {
          assert.deepEqual(
            await copy.collection(name).entry(id),
            await store.collection(name).entry(id),
          );
        }
        // The copy is a full backend again: its search index was built from the documents.
        const hits = await copy.collection("notes").search("whale");
        assert.deepEqual(hits.hits.map((hit) => hit.id), ["n2"]);
      } finally {
        await copy.close();
      }
    });

    it("check checks references without the check capability", async (store) => {
      assert.deepEqual(await store.check(), { ok: true, documents: 3, problems: [] });
      await store.collection("users").delete("u1");
      const report = await store.check();
      assert.equal(report.ok, false);
      assert.deepEqual(report.problems.map((problem) => [problem.code, problem.id]), [
        ["DANGLING_REF", "n1"],
      ]);
    });

    it("find, count, deleteMany, search, reindex, optimize, explain and stats are UNSUPPORTED", async (store) => {
      const notes = store.collection("notes");
      const refused = async () => {
        await rejectsWith(notes.find({ year: 2001 }), "UNSUPPORTED");
        await rejectsWith(notes.count(), "UNSUPPORTED");
        await rejectsWith(notes.count({ year: 2001 }), "UNSUPPORTED");
        await rejectsWith(notes.deleteMany({ year: 2001 }), "UNSUPPORTED");
        await rejectsWith(notes.search("fox"), "UNSUPPORTED");
        await rejectsWith(notes.reindex(), "UNSUPPORTED");
        await rejectsWith(notes.optimize(), "UNSUPPORTED");
        await rejectsWith(notes.explain({ year: 2001 }), "UNSUPPORTED");
      };
      await refused();
      await rejectsWith(store.stats(), "UNSUPPORTED");
      // Inside a transaction, on the handle, too; and nothing was deleted.
      await store.transaction(refused);
      assert.equal(await notes.has("n1"), true);
    });
  });
}

describe("a Store on the same backends with every capability (control)", () => {
  for (const inner of BACKENDS) {
    test(`${inner.name}: find, count, deleteMany, search, explain and stats work`, async () => {
      const store = await openStore(await inner.open(), SETTINGS);
      try {
        const notes = store.collection("notes", NOTES);
        await notes.put("n1", { title: "red fox", year: 2001 });
        await notes.put("n2", { title: "blue whale", year: 1999 });
        assert.deepEqual((await notes.find({ year: 2001 })).items.map((item) => item.id), ["n1"]);
        assert.equal(await notes.count(), 2);
        assert.deepEqual((await notes.search("fox")).hits.map((hit) => hit.id), ["n1"]);
        assert.ok((await notes.explain({ year: 2001 })).plan.length > 0);
        await notes.reindex();
        await notes.optimize();
        assert.equal((await store.stats()).collections.notes?.count, 2);
        assert.equal(await notes.deleteMany({ year: 2001 }), 1);
      } finally {
        await store.close();
      }
    });
  }
});
