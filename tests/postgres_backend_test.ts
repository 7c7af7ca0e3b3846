/**
 * The Postgres backend on a throwaway server (scripts/lib/pg_server.ts), through `open()`: URLs
 * and schemas, migrations, transactions on pooled connections, conditional writes from two
 * stores at once, find/count/deleteMany/explain and the indexes option, search (its parity with
 * FTS5 is tests/search_parity_pg_test.ts's), and what it cannot do (raw FTS5 queries:
 * UNSUPPORTED). The contract's own cases run in tests/conformance/. Skipped, with the reason printed, where Postgres is not installed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { open, type Store } from "../mod.ts";
import { type PgServer, pgServerUnavailable, startPgServer } from "../scripts/lib/pg_server.ts";
import { openPgDriver } from "../src/backends/postgres/driver.ts";
import { SCHEMA_VERSION as PG_SCHEMA_VERSION } from "../src/backends/postgres/pg_schema.ts";
import { rejectsWith, runtime, tempDir } from "./helpers.ts";

const unavailable = pgServerUnavailable();
if (unavailable !== undefined) console.log(`Postgres backend tests skipped: ${unavailable}`);

/** The server's URL with `?schema=`. */
function inSchema(url: string, schema: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}schema=${schema}`;
}

// Started while the module loads, not in a before() hook: initdb can take longer than Bun's
// hook timeout (5 s) on a loaded machine, and Bun does not read node:test's `{ timeout }` there.
const server: PgServer | undefined = unavailable === undefined ? await startPgServer() : undefined;

describe(`Postgres backend (${runtime})`, { skip: unavailable ?? false }, () => {
  let schemas = 0;
  /** A store in a schema of its own. */
  const fresh = (): Promise<Store> => open(inSchema(server!.url, `t${++schemas}`));

  after(async () => {
    await server?.stop();
  });

  test("postgres:// and postgresql:// open it; the data outlives the store", async () => {
    const url = inSchema(server!.url, "urls");
    const store = await open(url);
    assert.equal(store.backend, "postgres");
    await store.collection("notes").put("n1", { title: "Zoë's café — 東京 🚀", n: 1.5 });
    await store.close();
    const again = await open(url.replace("postgres://", "postgresql://"));
    assert.deepEqual(await again.collection("notes").get("n1"), {
      title: "Zoë's café — 東京 🚀",
      n: 1.5,
    });
    const stats = await again.stats();
    assert.equal(stats.storage.schema, "urls");
    assert.match(stats.location, /^postgres:\/\/127\.0\.0\.1:\d+\/quire\?schema=urls$/);
    await again.close();
  });

  test("schemas keep stores apart in one database; a bad schema name is refused", async () => {
    const a = await fresh();
    const b = await fresh();
    await a.collection("notes").put("x", { from: "a" });
    assert.equal(await b.collection("notes").get("x"), undefined);
    assert.deepEqual(await b.collections(), []);
    await a.close();
    await b.close();
    const error = await rejectsWith(open(inSchema(server!.url, "x%22y")), "INVALID_OPTION");
    assert.doesNotMatch(error.message, /x"y/);
  });

  test("a schema from a newer quire is SCHEMA_TOO_NEW; read-only needs a store there", async () => {
    const url = inSchema(server!.url, "versions");
    await (await open(url)).close();
    const driver = openPgDriver(server!.url);
    await driver.query(
      `UPDATE "versions".quire_meta SET value = '99' WHERE key = 'schema_version'`,
    );
    await driver.close();
    const error = await rejectsWith(open(url), "SCHEMA_TOO_NEW");
    assert.match(error.message, /version 99/);
    await rejectsWith(
      open({ backend: "postgres", url: inSchema(server!.url, "nothing_here"), readonly: true }),
      "NOT_FOUND",
    );
  });

  test("documents come back as written, keys in their order, by put and by putMany", async () => {
    const store = await fresh();
    const notes = store.collection("notes");
    const doc = { zeta: 1, a: { y: [3, { b: 1, a: 2 }], x: null }, "": "empty key", mid: 1e21 };
    await notes.put("one", doc);
    await notes.putMany([["two", doc], ["three", doc]]);
    for (const id of ["one", "two", "three"]) {
      assert.equal(JSON.stringify(await notes.get(id)), JSON.stringify(doc), id);
    }
    await store.close();
  });

  test("ids sort in code point order, as on SQLite", async () => {
    const store = await fresh();
    const notes = store.collection("notes");
    const ids = ["b", "B", "a", "é", "e\u0301", "😀", "\uffff", "a/b", "Z"];
    for (const id of ids) await notes.put(id, {});
    const exported: string[] = [];
    for await (const record of store.export()) exported.push(record.id);
    const codePoints = (s: string) => [...s].map((c) => c.codePointAt(0)!);
    const expected = [...ids].sort((x, y) => {
      const [p, q] = [codePoints(x), codePoints(y)];
      for (let i = 0; i < Math.min(p.length, q.length); i++) {
        if (p[i] !== q[i]) return p[i]! - q[i]!;
      }
      return p.length - q.length;
    });
    assert.deepEqual(exported, expected);
    await store.close();
  });

  test("transactions: all or nothing, savepoints roll back alone", async () => {
    const store = await fresh();
    const notes = store.collection("notes");
    await rejectsWith(
      store.transaction(async () => {
        await notes.put("a", { v: 1 });
        await store.collection("made-inside").put("x", {});
        await notes.put("a", { v: 2 }, { ifRev: 5 });
      }),
      "CONFLICT",
    );
    assert.equal(await notes.get("a"), undefined);
    assert.deepEqual((await store.collections()).map((c) => c.name), []);
    await store.transaction(async (tx) => {
      await notes.put("a", { v: 1 });
      await tx.transaction(async () => {
        await notes.put("b", {});
        throw new Error("only the savepoint");
      }).catch(() => {});
      // A refused conditional write does not abort the transaction: it is quire's, not SQL's.
      await notes.put("a", {}, { ifRev: 9 }).catch(() => {});
      await notes.put("c", {});
    });
    assert.deepEqual(await notes.get("a"), { v: 1 });
    assert.equal(await notes.has("b"), false);
    assert.equal(await notes.has("c"), true);
    await store.close();
  });

  test("two stores on one schema: transactions run side by side, ifRev races give one CONFLICT", async () => {
    const url = inSchema(server!.url, "shared");
    const [one, two] = [await open(url), await open(url)];
    await one.collection("acc").put("x", { n: 0 });
    // Side by side: each transaction waits inside for the other to have started.
    let started = 0;
    const bothStarted = async () => {
      started++;
      for (let i = 0; i < 200 && started < 2; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(started, 2, "the other transaction started meanwhile");
    };
    await Promise.all([
      one.transaction(async () => {
        await bothStarted();
        await one.collection("acc").put("one", {});
      }),
      two.transaction(async () => {
        await bothStarted();
        await two.collection("acc").put("two", {});
      }),
    ]);
    // Both read rev 1, both write with ifRev 1: exactly one wins.
    const results = await Promise.allSettled(
      [one, two].map((store, i) => store.collection("acc").put("x", { n: i + 1 }, { ifRev: 1 })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.equal(refused.reason.code, "CONFLICT");
    assert.equal((await two.collection("acc").entry("x"))?.rev, 2);
    await one.close();
    await two.close();
  });

  test("search fields that another store gives a collection reach this store's writes", async () => {
    const url = inSchema(server!.url, "guard");
    const [one, two] = [await open(url), await open(url)];
    const notes = one.collection<{ t: string; n: number }>("notes");
    await notes.put("a", { t: "red fox", n: 1 });
    await notes.put("b", { t: "red hen", n: 2 });
    // `one` knows "notes" without search now; `two` gives it search fields.
    await two.collection("notes", { search: { fields: ["t"] } }).put("c", { t: "red cat", n: 3 });
    await notes.put("d", { t: "red dog", n: 4 });
    await notes.putMany([["e", { t: "red elk", n: 5 }], ["f", { t: "red eel", n: 6 }]]);
    await notes.delete("a");
    await notes.deleteMany({ n: 2 });
    await one.transaction(async () => {
      await notes.put("g", { t: "red gnu", n: 7 });
    });
    await one.import([{ collection: "notes", id: "h", doc: { t: "red hog", n: 8 } }]);
    const found = await two.collection("notes").search("red");
    assert.deepEqual(found.hits.map((hit) => hit.id).sort(), ["c", "d", "e", "f", "g", "h"]);
    // Ranks count the same documents as a collection that had search from the start.
    const again = two.collection("again", { search: { fields: ["t"] } });
    for (const entry of (await two.collection("notes").find()).items) {
      await again.put(entry.id, entry.doc);
    }
    const ranks = (result: typeof found) => result.hits.map((hit) => [hit.id, hit.score]);
    assert.deepEqual(ranks(found), ranks(await again.search("red")));
    await one.close();
    await two.close();
  });

  // `two` opens before the collection exists (it learns its table, then runs its transaction
  // again), or after (it knows its table from the start and locks it first).
  for (const late of [false, true]) {
    test(
      `a write under way while search fields are added is in the index they build${
        late ? " (the adding store opened later)" : ""
      }`,
      async () => {
        await writeUnderWay(inSchema(server!.url, `guard_race${late ? "_late" : ""}`), late);
      },
    );
  }

  async function writeUnderWay(url: string, late: boolean): Promise<void> {
    const one = await open(url);
    const early = late ? undefined : await open(url);
    const notes = one.collection<{ t: string }>("notes");
    await notes.put("a", { t: "red fox" });
    await notes.put("b", { t: "blue hen" }); // `one` knows "notes" without search now
    const two = early ?? await open(url);
    const driver = openPgDriver(server!.url);
    const waiting = async (locktype: string) => {
      for (let i = 0; i < 500; i++) {
        const [row] = await driver.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND locktype = $1",
          [locktype],
        );
        if (Number(row!.n) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.fail(`nothing waited for a ${locktype} lock`);
    };
    const schema = `"${new URL(url).searchParams.get("schema")}"`;
    const [{ id }] = await driver.query<{ id: number }>(
      `SELECT id FROM ${schema}.quire_collections WHERE name = 'notes'`,
    ) as [{ id: number }];
    // A transaction of another program holds "b", so `one`'s write of it waits, under way,
    // while `two` starts to add search fields, until that waits for the write in turn.
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    const holding = driver.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM ${schema}."quire_docs_${id}" WHERE id = 'b' FOR UPDATE`);
      await released;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const writing = notes.put("b", { t: "red hen" });
    await waiting("transactionid");
    const changing = two.collection("notes", { search: { fields: ["t"] } }).put("c", {
      t: "red cat",
    });
    await waiting("relation");
    release();
    await Promise.all([holding, writing, changing]);
    const found = await two.collection("notes").search("red");
    assert.deepEqual(found.hits.map((hit) => hit.id).sort(), ["a", "b", "c"]);
    await driver.close();
    await one.close();
    await two.close();
  }

  test("the migration to schema 2 puts the search guard on collections with search", async () => {
    const url = inSchema(server!.url, "guard_v1");
    const store = await open(url);
    await store.collection("notes", { search: { fields: ["t"] } }).put("a", { t: "red fox" });
    await store.collection("plain").put("a", { t: "red fox" });
    await store.close();
    const driver = openPgDriver(server!.url);
    const guards = async () =>
      (await driver.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE t.tgname = 'quire_search_guard' AND n.nspname = 'guard_v1'`,
      )).map(({ name }) => name);
    assert.equal((await guards()).length, 1);
    // Back to schema 1, as a quire before the guard left it.
    await driver.query(`DROP FUNCTION "guard_v1".quire_search_guard() CASCADE`);
    await driver.query(`UPDATE "guard_v1".quire_meta SET value = '1' WHERE key = 'schema_version'`);
    assert.deepEqual(await guards(), []);
    const again = await open(url);
    const [guarded] = await guards();
    const [notes] = await driver.query<{ id: number }>(
      `SELECT id FROM "guard_v1".quire_collections WHERE name = 'notes'`,
    );
    assert.equal(guarded, `quire_docs_${notes!.id}`);
    // A write that does not keep the index is refused by it (SQLSTATE QU001).
    await assert.rejects(
      driver.query(`DELETE FROM "guard_v1"."quire_docs_${notes!.id}"`),
      (error: Error) => /search fields/.test(error.message),
    );
    await again.collection("notes").put("b", { t: "red hen" });
    assert.equal((await again.collection("notes").search("red")).hits.length, 2);
    await again.close();
    await driver.close();
  });

  test("bulk writes, restore modes, clear and stats", async () => {
    const store = await fresh();
    const notes = store.collection("notes");
    const metas = await notes.putMany(
      Array.from({ length: 1200 }, (_, i) => [`n${i}`, { i, text: `note ${i}` }] as const),
    );
    assert.equal(metas.length, 1200);
    assert.ok(metas.every((meta, i) => meta.id === `n${i}` && meta.rev === 1));
    const again = await notes.putMany([["n1", { i: -1 }], ["n1", { i: -2 }], ["new", {}]]);
    assert.deepEqual(again.map((m) => [m.id, m.rev]), [["n1", 2], ["n1", 3], ["new", 1]]);
    assert.deepEqual(await notes.get("n1"), { i: -2 });
    const records = [
      {
        collection: "notes",
        id: "n2",
        rev: 7,
        createdAt: "2001-01-01T00:00:00.000Z",
        updatedAt: "2002-01-01T00:00:00.000Z",
        doc: { restored: true },
      },
      {
        collection: "notes",
        id: "r1",
        rev: 3,
        createdAt: "2001-01-01T00:00:00.000Z",
        updatedAt: "2002-01-01T00:00:00.000Z",
        doc: {},
      },
    ];
    const skipped = await store.import(records, { onConflict: "skip" });
    assert.deepEqual([skipped.imported, skipped.skipped], [1, 1]);
    const replaced = await store.import(records, { onConflict: "replace" });
    assert.equal(replaced.imported, 2);
    const n2 = await notes.entry("n2");
    assert.deepEqual([n2?.rev, n2?.createdAt, n2?.doc], [7, "2001-01-01T00:00:00.000Z", {
      restored: true,
    }]);
    assert.equal((await store.stats()).collections.notes?.count, 1202);
    assert.equal(await notes.clear(), 1202);
    assert.equal((await store.stats()).collections.notes?.count, 0);
    await store.close();
  });

  test("the indexes option makes expression indexes that equality, ranges and prefixes use", async () => {
    const schema = `t${++schemas}`;
    const store = await open(inSchema(server!.url, schema));
    const options = { indexes: ["year", "title", ["kind", "year"]] };
    const books = store.collection<Record<string, unknown>>("books", options);
    await books.putMany(
      Array.from({ length: 4000 }, (_, i) =>
        [
          `b${i}`,
          { year: 1000 + i, title: `title ${i}`, kind: i % 4 === 0 ? "novel" : "essay" },
        ] as const),
    );
    const driver = openPgDriver(server!.url);
    try {
      const [row] = await driver.query<{ id: number }>(
        `SELECT id FROM "${schema}".quire_collections WHERE name = 'books'`,
      );
      const table = `"${schema}"."quire_docs_${row!.id}"`;
      await driver.query(`ANALYZE ${table}`);
      const explained = async (filter: Record<string, unknown>) => {
        const plan = await books.explain(filter, { limit: 10 });
        return { plan: plan.plan.join("\n"), indexes: plan.indexes };
      };
      const equal = await explained({ year: 2500 });
      assert.match(equal.plan, /Index/, equal.plan);
      assert.ok(equal.indexes.some((paths) => paths.includes("year")), equal.plan);
      const range = await explained({ year: { $gte: 4990 } });
      assert.ok(range.indexes.some((paths) => paths.includes("year")), range.plan);
      const prefix = await explained({ title: { $startsWith: "title 399" } });
      assert.deepEqual(prefix.indexes, [["title"]], prefix.plan);
      const text = await explained({ title: { $gte: "title 3999" } });
      assert.deepEqual(text.indexes, [["title"]], text.plan);
      const both = await explained({ kind: "novel", year: 2000 });
      assert.ok(both.indexes.length > 0, both.plan);
      // A sort on an indexed path reads the index in order (and stops at the limit).
      const sorted = await books.explain(undefined, { sort: "-year", limit: 10 });
      assert.deepEqual(sorted.indexes, [["year"]], sorted.plan.join("\n"));
      assert.deepEqual((await books.find({ year: { $gte: 4998 } })).items.map((i) => i.id), [
        "b3998",
        "b3999",
      ]);
      // A long string, array or object at an indexed path is written and found as any other.
      const long = "long ".repeat(2000);
      await books.put("big", { title: long, year: Array.from({ length: 2000 }, (_, i) => i) });
      await books.put("obj", { title: { text: long }, kind: long });
      assert.deepEqual((await books.find({ title: long })).items.map((i) => i.id), ["big"]);
      assert.deepEqual((await books.find({ kind: long })).items.map((i) => i.id), ["obj"]);
      assert.equal(await books.count({ title: { $startsWith: "long long" } }), 1);
      // Dropping the option drops the indexes.
      const indexNames = async () =>
        (await driver.query<{ name: string }>(
          `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE '%\\_i%'`,
          [schema],
        )).map((r) => r.name);
      assert.equal((await indexNames()).length, 3);
      await store.close();
      const again = await open(inSchema(server!.url, schema));
      await again.collection("books", { indexes: ["title"] }).count();
      assert.equal((await indexNames()).length, 1);
      await again.close();
    } finally {
      await driver.close();
    }
  });

  test("an index ends with the id: an equality in id order stops at the limit; older indexes are made again", async () => {
    const schema = `t${++schemas}`;
    const store = await open(inSchema(server!.url, schema));
    const books = store.collection<Record<string, unknown>>("books", { indexes: ["kind"] });
    await books.putMany(
      Array.from({ length: 3000 }, (_, i) => [`b${i}`, { kind: ["a", "b", "c"][i % 3] }] as const),
    );
    const driver = openPgDriver(server!.url);
    try {
      const [row] = await driver.query<{ id: number }>(
        `SELECT id FROM "${schema}".quire_collections WHERE name = 'books'`,
      );
      const bare = `quire_docs_${row!.id}`;
      await driver.query(`ANALYZE "${schema}"."${bare}"`);
      const plan = (await books.explain({ kind: "a" }, { limit: 10 })).plan.join("\n");
      assert.match(plan, /Index Scan/, plan);
      assert.doesNotMatch(plan, /Sort/, plan);
      assert.deepEqual(
        (await books.find({ kind: "a" }, { limit: 3 })).items.map((item) => item.id),
        Array.from({ length: 1000 }, (_, i) => `b${i * 3}`).sort().slice(0, 3),
      );
      const definitions = async () =>
        (await driver.query<{ def: string }>(
          `SELECT indexdef AS def FROM pg_indexes WHERE schemaname = $1 AND tablename = $2
             AND indexname LIKE '%\\_ix\\_%'`,
          [schema, bare],
        )).map((r) => r.def.replace(/^.* USING btree /, ""));
      const current = await definitions();
      assert.equal(current.length, 1);
      assert.match(current[0]!, /, id\)$/);
      await store.close();
      // Make it what quire wrote at schema version 2: the index without the id.
      const [name] = (await driver.query<{ name: string }>(
        `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = $2
           AND indexname LIKE '%\\_ix\\_%'`,
        [schema, bare],
      )).map((r) => r.name);
      await driver.query(`DROP INDEX "${schema}"."${name}"`);
      const old = current[0]!.replace(/, id\)$/, ")");
      await driver.query(`CREATE INDEX "${bare}_ix_old" ON "${schema}"."${bare}" ${old}`);
      await driver.query(
        `UPDATE "${schema}".quire_meta SET value = '2' WHERE key = 'schema_version'`,
      );
      await rejectsWith(
        open({ backend: "postgres", url: inSchema(server!.url, schema), readonly: true }),
        "READ_ONLY",
      );
      const again = await open(inSchema(server!.url, schema));
      assert.deepEqual(await definitions(), current);
      const [version] = await driver.query<{ value: string }>(
        `SELECT value FROM "${schema}".quire_meta WHERE key = 'schema_version'`,
      );
      assert.equal(Number(version!.value), PG_SCHEMA_VERSION);
      assert.equal(await again.collection("books").count({ kind: "b" }), 1000);
      await again.close();
    } finally {
      await driver.close();
    }
  });

  test("find, count, deleteMany, explain and search run on Postgres; raw search is UNSUPPORTED", async () => {
    const store = await fresh();
    const notes = store.collection<Record<string, unknown>>("notes");
    await notes.putMany([
      ["a", { year: 1999, title: "Émile", tags: ["x", "y"] }],
      ["b", { year: 2005, title: "émile", tags: ["y"] }],
      ["c", { year: "2005", title: "EMILE", tags: "x" }],
      ["d", { year: 2005.5, title: "straße", ok: true }],
      ["e", { year: null, title: "Strasse" }],
      ["f", { title: "x_y%z" }],
    ]);
    const ids = async (filter?: Record<string, unknown> | string, sort?: string) =>
      (await notes.find(filter, sort === undefined ? {} : { sort })).items.map((item) => item.id);
    assert.deepEqual(await ids({ year: { $gte: 2000 } }), ["b", "d"]);
    assert.deepEqual(await ids({ year: "2005" }), ["c"]);
    assert.deepEqual(await ids({ year: { $ne: 2005 } }), ["a", "c", "d", "e", "f"]);
    assert.deepEqual(await ids({ year: null }), ["e"]);
    assert.deepEqual(await ids({ year: { $exists: false } }), ["f"]);
    assert.deepEqual(await ids({ tags: { $contains: "x" } }), ["a"]);
    assert.deepEqual(await ids('title like "émile"'), ["b"], "é is not folded to É");
    assert.deepEqual(await ids('title like "EMILE"'), ["c"], "ASCII letters are folded");
    assert.deepEqual(await ids('title like "stra_e"'), ["d"], "ß is one character");
    assert.deepEqual(await ids('title like "STRASSE"'), ["e"], "ß is not folded to ss");
    assert.deepEqual(await ids('title like "stra__e"'), ["e"]);
    assert.deepEqual(await ids('title like "x_y%"'), ["f"]);
    assert.deepEqual(await ids({ title: { $startsWith: "É" } }), ["a"]);
    assert.deepEqual(await ids(undefined, "-year"), ["c", "d", "b", "a", "e", "f"]);
    assert.deepEqual(await ids(undefined, "ok,-title"), ["b", "a", "f", "e", "c", "d"]);
    assert.equal(await notes.count(), 6);
    assert.equal(await notes.count({ year: { $lt: 2005 } }), 1);
    // Pages through keyset cursors, as on SQLite.
    const seen: string[] = [];
    let page = await notes.find(undefined, { sort: "-year", limit: 2 });
    seen.push(...page.items.map((item) => item.id));
    while (page.next !== undefined) {
      page = await notes.find(undefined, { sort: "-year", limit: 2, after: page.next });
      seen.push(...page.items.map((item) => item.id));
    }
    assert.deepEqual(seen, ["c", "d", "b", "a", "e", "f"]);
    const plan = await notes.explain({ year: 2005 });
    assert.equal(plan.backend, "postgres");
    assert.ok(plan.plan.length > 0 && plan.plan.some((line) => /Scan/.test(line)));
    assert.deepEqual(plan.indexes, []);
    await store.transaction(async () => {
      assert.equal(await notes.deleteMany({ year: { $gte: 2000 } }), 2);
      assert.equal(await notes.count(), 4);
    });
    assert.equal(await notes.deleteMany({}), 4);
    assert.equal(await notes.count(), 0);
    // Arrays and objects sort among strings by their JSON text as written (keys in their
    // order), as on SQLite; a string holding NUL sorts as if U+FFFD were there, and paging
    // through it is exact.
    const more: [string, unknown][] = [
      ["p", { b: 1, a: 2 }],
      ["q", { a: 2, b: 1 }],
      ["r", [1, "x"]],
      ["s", '[1,"x"]'],
      ["t", "x\u0000y"],
      ["u", "x\uFFFDz"],
      ["v", "xz"],
      ["w", 1e21],
    ];
    // put, not putMany: a batch holding U+0000 fails in json_to_recordset (reported).
    for (const [id, v] of more) await notes.put(id, { v });
    assert.deepEqual(await ids(undefined, "v"), ["w", "r", "s", "v", "t", "u", "q", "p"]);
    // A container in a document holding U+0000 elsewhere sorts too (by its jsonb text).
    await notes.put("x", { v: [0], other: "\u0000" });
    assert.deepEqual(await ids({ v: { $contains: 0 } }, "v"), ["x"]);
    assert.deepEqual((await ids(undefined, "v")).indexOf("x"), 1);
    for (const sort of ["v", "-v"]) {
      const all = await ids(undefined, sort);
      const paged: string[] = [];
      let next: string | undefined;
      do {
        const page = await notes.find(undefined, { sort, limit: 1, after: next });
        paged.push(...page.items.map((item) => item.id));
        next = page.next;
      } while (next !== undefined);
      assert.deepEqual(paged, all, sort);
    }
    const searchable = store.collection("docs", { search: { fields: ["text"] } });
    await searchable.put("d", { text: "hello" });
    // Search is there (tests/search_parity_pg_test.ts), but raw FTS5 queries are SQLite's.
    assert.deepEqual((await searchable.search("hello")).hits.map((hit) => hit.id), ["d"]);
    await rejectsWith(searchable.search("hello", { raw: true }), "UNSUPPORTED");
    await rejectsWith(notes.search("hello"), "UNSUPPORTED");
    await notes.put("g", { link: { $ref: "notes", $id: "gone" } });
    const report = await store.check();
    assert.deepEqual(report.problems.map((p) => p.code), ["DANGLING_REF"]);
    const { dir, remove } = tempDir();
    try {
      const path = join(dir, "copy.db");
      await store.backup(path);
      const copy = await open(`sqlite://${path}`);
      assert.deepEqual(await copy.collection("docs").entry("d"), await searchable.entry("d"));
      assert.deepEqual(
        (await copy.collection("docs").search("hello")).hits.map((hit) => hit.id),
        ["d"],
        "the copy has the collection's search option, and its index",
      );
      await copy.close();
    } finally {
      remove();
    }
    await store.close();
  });
});
