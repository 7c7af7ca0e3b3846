/**
 * The SQLite file backend: the conformance suite, then what only SQLite has — schema versions
 * and migrations, damaged files, WAL and busy handling, indexes, backup of a live database, URLs.
 */

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { open, parseUrl, QuireError } from "../mod.ts";
import { migrate, SCHEMA_VERSION } from "../src/backends/sqlite/schema.ts";
import { checkFts5, openSqliteBackend } from "../src/backends/sqlite/sqlite_backend.ts";
import { openStore, type Store } from "../src/store.ts";
import { serialBackend } from "../src/backends/serial_backend.ts";
import { openDriver } from "../src/sqlite/driver.ts";
import { runBackendTests } from "./backend_conformance.ts";
import { rejectsWith, scriptArgs, systemTool, tempDir, throwsWith } from "./helpers.ts";

runBackendTests({
  name: "sqlite file",
  setup() {
    const { dir, remove } = tempDir();
    const path = join(dir, "test.db");
    return {
      open: (settings = {}) => open({ backend: "sqlite", path, ...settings }),
      persistent: true,
      cleanup: remove,
    };
  },
});

/** Runs `fn` with a fresh database path, removing it afterwards. */
async function withPath(fn: (path: string, dir: string) => Promise<void>): Promise<void> {
  const { dir, remove } = tempDir();
  try {
    await fn(join(dir, "test.db"), dir);
  } finally {
    remove();
  }
}

async function rawQuery(path: string, sql: string, ...params: (string | number)[]) {
  const db = await openDriver(path);
  try {
    return db.prepare(sql).all(...params).map((row) => ({ ...row }));
  } finally {
    db.close();
  }
}

describe("sqlite backend", () => {
  test("opens with WAL, synchronous=NORMAL, a 5 s busy timeout, 64 MiB of cache and no memory map by default", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      const { storage } = await store.stats();
      assert.equal(storage.journalMode, "wal");
      assert.equal(storage.synchronous, "normal");
      assert.equal(storage.busyTimeoutMs, 5000);
      assert.equal(storage.cacheMiB, 64);
      assert.equal(storage.mmapMiB, 0);
      assert.equal(storage.schemaVersion, SCHEMA_VERSION);
      await store.close();
      const full = await open({
        backend: "sqlite",
        path,
        synchronous: "full",
        busyTimeoutMs: 250,
        cacheMiB: 8,
        mmapMiB: 16,
      });
      const figures = (await full.stats()).storage;
      assert.equal(figures.mmapMiB, 16);
      assert.deepEqual(
        await full.collection("notes").put("n", { a: 1 }).then(() =>
          full.collection("notes").get("n")
        ),
        { a: 1 },
      );
      assert.equal(figures.synchronous, "full");
      assert.equal(figures.busyTimeoutMs, 250);
      assert.equal(figures.cacheMiB, 8);
      await full.close();
      for (const cacheMiB of [0, -1, 1.5, 65537, Number.NaN, "8" as never]) {
        await rejectsWith(open({ backend: "sqlite", path, cacheMiB }), "INVALID_OPTION");
      }
      for (const mmapMiB of [-1, 1.5, 65537, Number.NaN, "8" as never]) {
        const error = await rejectsWith(
          open({ backend: "sqlite", path, mmapMiB }),
          "INVALID_OPTION",
        );
        assert.match(error.message, /mmapMiB/);
      }
      await rejectsWith(
        open({ backend: "sqlite", path, synchronous: "fast" as never }),
        "INVALID_OPTION",
      );
      await rejectsWith(
        open({ backend: "sqlite", path, journalMode: "wal; DROP TABLE x" as never }),
        "INVALID_OPTION",
      );
      await rejectsWith(open({ backend: "sqlite", path, busyTimeoutMs: -1 }), "INVALID_OPTION");
    });
  });

  test("stores one rowid table per collection, named by number, and a catalog", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      await store.collection("notes").put("n1", { title: "x" });
      await store.collection("Notes").put("n1", { title: "y" });
      await store.close();
      const tables = await rawQuery(
        path,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'quire%' ORDER BY name",
      );
      assert.deepEqual(tables.map((row) => row.name), [
        "quire_collections",
        "quire_docs_1",
        "quire_docs_2",
      ]);
      const catalog = await rawQuery(
        path,
        "SELECT id, name, options FROM quire_collections ORDER BY id",
      );
      assert.deepEqual(catalog, [{ id: 1, name: "notes", options: "{}" }, {
        id: 2,
        name: "Notes",
        options: "{}",
      }]);
      const rows = await rawQuery(path, "SELECT id, rev, data FROM quire_docs_1");
      assert.deepEqual(rows, [{ id: "n1", rev: 1, data: '{"title":"x"}' }]);
      const marks = await rawQuery(
        path,
        "SELECT * FROM pragma_application_id, pragma_user_version",
      );
      assert.deepEqual(marks, [{ application_id: 0x71756972, user_version: SCHEMA_VERSION }]);
    });
  });

  test("a database from a newer quire is refused with SCHEMA_TOO_NEW and left alone", async () => {
    await withPath(async (path) => {
      await (await open(`sqlite://${path}`)).close();
      const db = await openDriver(path);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      const error = await rejectsWith(open(`sqlite://${path}`), "SCHEMA_TOO_NEW");
      assert.match(error.message, /upgrade quire/);
      assert.deepEqual(await rawQuery(path, "PRAGMA user_version"), [{
        user_version: SCHEMA_VERSION + 1,
      }]);
    });
  });

  test("another application's database is refused; a plain empty SQLite file is adopted", async () => {
    await withPath(async (path, dir) => {
      const db = await openDriver(path);
      db.exec("CREATE TABLE theirs (x); PRAGMA user_version = 7");
      db.close();
      await rejectsWith(open(`sqlite://${path}`), "UNSUPPORTED");
      assert.deepEqual(await rawQuery(path, "PRAGMA user_version"), [{ user_version: 7 }]);
      const plain = join(dir, "plain.db");
      const other = await openDriver(plain);
      other.exec("CREATE TABLE keep (x); INSERT INTO keep VALUES (1)");
      other.close();
      const store = await open(`sqlite://${plain}`);
      await store.collection("notes").put("n", {});
      await store.close();
      assert.deepEqual(await rawQuery(plain, "SELECT x FROM keep"), [{ x: 1 }]);
    });
  });

  test("migrations run forward in one transaction; a failing one leaves the previous version", async () => {
    await withPath(async (path) => {
      const db = await openDriver(path);
      const v1 = "CREATE TABLE one (x)";
      const v2 = "CREATE TABLE two (x); INSERT INTO two VALUES (2)";
      migrate(db, [v1], false);
      assert.equal(
        db.prepare("PRAGMA user_version").get<{ user_version: number }>()!.user_version,
        1,
      );
      migrate(db, [v1, v2], false); // only v2 runs: v1 again would fail ("table one already exists")
      assert.equal(
        db.prepare("PRAGMA user_version").get<{ user_version: number }>()!.user_version,
        2,
      );
      const broken = "CREATE TABLE three (x); CREATE TABLE two (x)"; // fails half-way
      throwsWith(() => migrate(db, [v1, v2, broken], false), "STORAGE");
      assert.equal(
        db.prepare("PRAGMA user_version").get<{ user_version: number }>()!.user_version,
        2,
      );
      const three = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'three'").get<
        { n: number }
      >();
      assert.equal(three!.n, 0, "the failed migration left nothing behind");
      assert.equal(db.depth, 0);
      // A read-only database that needs migrating is refused.
      throwsWith(() => migrate(db, [v1, v2, "CREATE TABLE four (x)"], true), "READ_ONLY");
      db.close();
    });
  });

  test("a full database is STORAGE, and the failed putMany leaves nothing behind", async () => {
    await withPath(async (path) => {
      const backend = await openSqliteBackend(path);
      const store = await openStore(serialBackend(backend), {
        readonly: false,
        maxDocumentBytes: 1 << 20,
      });
      const notes = store.collection("notes");
      await notes.put("first", { v: 1 });
      const pages =
        backend.database.prepare("PRAGMA page_count").get<{ page_count: number }>()!.page_count;
      backend.database.exec(`PRAGMA max_page_count = ${pages + 3}`);
      const big = Array.from(
        { length: 100 },
        (_, i) => [`n${i}`, { text: "z".repeat(2000) }] as const,
      );
      const error = await rejectsWith(notes.putMany(big), "STORAGE");
      assert.match(error.message, /full/);
      assert.equal(await notes.count(), 1);
      await rejectsWith(store.transaction(() => notes.putMany(big)), "STORAGE");
      assert.equal(await notes.count(), 1);
      backend.database.exec("PRAGMA max_page_count = 1000000");
      await notes.putMany(big);
      assert.equal(await notes.count(), 101);
      await store.close();
    });
  });

  test("FTS5 is checked at open: a build without it is UNSUPPORTED with a clear message", async () => {
    const db = await openDriver(":memory:");
    checkFts5(db); // both runtimes ship FTS5
    db.close();
    const withoutFts5 = {
      exec(sql: string) {
        if (sql.includes("fts5")) throw new Error("no such module: fts5");
      },
    };
    const error = throwsWith(() => checkFts5(withoutFts5), "UNSUPPORTED");
    assert.match(error.message, /no FTS5/);
    assert.match(String((error.cause as Error).message), /no such module/);
  });

  test("an empty (0-byte) file is CORRUPT, not a new database", async () => {
    await withPath(async (path) => {
      writeFileSync(path, "");
      const error = await rejectsWith(open(`sqlite://${path}`), "CORRUPT");
      assert.match(error.message, /empty/);
      assert.equal(statSync(path).size, 0, "the file was not initialised");
    });
  });

  test("a file that is not a database is CORRUPT and left untouched", async () => {
    await withPath(async (path) => {
      const text = "Dear diary, this is not SQLite. ".repeat(100);
      writeFileSync(path, text);
      await rejectsWith(open(`sqlite://${path}`), "CORRUPT");
      assert.equal(readFileSync(path, "utf8"), text);
    });
  });

  test("damaged pages are reported as CORRUPT at open or by check(), never silently", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      const notes = store.collection("notes", { indexes: ["n"] });
      for (let batch = 0; batch < 10; batch++) {
        await notes.putMany(
          Array.from(
            { length: 100 },
            (_, i) => [`n${batch}-${i}`, { n: i, text: "y".repeat(300) }] as const,
          ),
        );
      }
      await store.close();
      const bytes = readFileSync(path);
      assert.ok(bytes.length > 40_000);
      // Overwrite a run of pages in the middle (past the header and schema page) with garbage.
      for (let i = 8192; i < 8192 + 12_000; i++) bytes[i] = (i * 7919) & 0xff;
      writeFileSync(path, bytes);
      let damaged: Store | undefined;
      try {
        damaged = await open(`sqlite://${path}`);
      } catch (error) {
        assert.ok(
          error instanceof QuireError && error.code === "CORRUPT",
          `open failed with ${error}`,
        );
        return;
      }
      try {
        const report = await damaged.check();
        assert.equal(report.ok, false);
        assert.ok(
          report.problems.some((problem) => problem.code === "CORRUPT"),
          JSON.stringify(report.problems),
        );
      } catch (error) {
        assert.ok(
          error instanceof QuireError && error.code === "CORRUPT",
          `check failed with ${error}`,
        );
      } finally {
        await damaged.close().catch(() => {});
      }
    });
  });

  test("a document that is not valid JSON is reported by check() and is CORRUPT when read", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      await store.collection("notes").put("good", {});
      await store.collection("notes").put("bad", {});
      const db = await openDriver(path);
      db.prepare("UPDATE quire_docs_1 SET data = '{broken' WHERE id = 'bad'").run();
      db.close();
      const report = await store.check().catch((error) => error);
      assert.ok(!(report instanceof Error), "check() reports instead of throwing");
      assert.deepEqual(report.problems.map((p: { code: string; id?: string }) => [p.code, p.id]), [[
        "CORRUPT",
        "bad",
      ]]);
      await rejectsWith(store.collection("notes").get("bad"), "CORRUPT");
      assert.deepEqual(await store.collection("notes").get("good"), {});
      await store.close();
    });
  });

  test("read-only: a missing file is NOT_FOUND and nothing is created", async () => {
    await withPath(async (path) => {
      await rejectsWith(open({ backend: "sqlite", path, readonly: true }), "NOT_FOUND");
      assert.equal(existsSync(path), false);
    });
  });

  test("a sqlite:// URL creates the database's missing parent directories", async () => {
    await withPath(async (_path, dir) => {
      const path = join(dir, "a", "b", "c.db");
      const store = await open(`sqlite://${path}`);
      await store.collection("notes").put("n1", { v: 1 });
      await store.close();
      assert.ok(statSync(join(dir, "a", "b")).isDirectory());
      const again = await open({ backend: "sqlite", path });
      assert.deepEqual(await again.collection("notes").get("n1"), { v: 1 });
      await again.close();
    });
  });

  test("read-only: a missing parent directory is NOT_FOUND naming the path, and nothing is created", async () => {
    await withPath(async (_path, dir) => {
      const path = join(dir, "a", "b", "c.db");
      const error = await rejectsWith(
        open({ backend: "sqlite", path, readonly: true }),
        "NOT_FOUND",
      );
      assert.match(error.message, /a\/b\/c\.db/);
      assert.equal(existsSync(join(dir, "a")), false);
    });
  });

  test("a parent path that is a file is a STORAGE error naming the directory", async () => {
    await withPath(async (_path, dir) => {
      writeFileSync(join(dir, "a"), "not a directory");
      const error = await rejectsWith(open(`sqlite://${join(dir, "a", "c.db")}`), "STORAGE");
      assert.match(error.message, /directory/);
    });
  });

  test("read-only opens a WAL database after the writer closed", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      await store.collection("notes").put("n1", { v: 1 });
      await store.close();
      const ro = await open({ backend: "sqlite", path, readonly: true });
      assert.deepEqual(await ro.collection("notes").get("n1"), { v: 1 });
      await rejectsWith(ro.collection("notes").put("n2", {}), "READ_ONLY");
      await ro.close();
    });
  });

  // Root ignores file modes, so as root the reader runs as "nobody", through runuser (in
  // /usr/sbin, which is not on every PATH).
  const asRoot = process.getuid?.() === 0;
  const runuser = asRoot ? systemTool("runuser") : undefined;
  const noReader = asRoot && runuser === undefined
    ? "as root, reading as nobody needs runuser (util-linux): not in /usr/sbin, /sbin or on PATH"
    : undefined;
  if (noReader) console.log(`read-only directory test skipped: ${noReader}`);
  test("read-only opens a database in a directory the process cannot write to", {
    skip: noReader,
  }, async () => {
    await withPath(async (path, dir) => {
      const store = await open(`sqlite://${path}`);
      await store.collection("notes").put("n1", { v: 1 });
      await store.close();
      assert.ok(!existsSync(`${path}-shm`), "a clean close leaves no -shm file");
      chmodSync(path, 0o444);
      chmodSync(dir, 0o555);
      try {
        const reader = resolve(import.meta.dirname ?? ".", "fixtures/sqlite_readonly_reader.ts");
        const command = runuser ?? process.execPath;
        const args = runuser
          ? ["-u", "nobody", "--", process.execPath, ...scriptArgs(reader, path)]
          : scriptArgs(reader, path);
        const result = spawnSync(command, args, {
          encoding: "utf8",
          env: { ...process.env, NO_COLOR: "1" },
        });
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(JSON.parse(result.stdout.trim().split("\n").pop()!), {
          doc: { v: 1 },
          count: 1,
          writeError: "READ_ONLY",
        });
        assert.ok(!existsSync(`${path}-shm`), "nothing was created beside the database");
      } finally {
        chmodSync(dir, 0o755);
        chmodSync(path, 0o644);
      }
    });
  });

  test("a second connection waits for the writer, then gets BUSY after its timeout", async () => {
    await withPath(async (path) => {
      const a = await open(`sqlite://${path}`);
      await a.collection("notes").put("seed", {});
      const b = await open({ backend: "sqlite", path, busyTimeoutMs: 50 });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const tx = a.transaction(async () => {
        await a.collection("notes").put("a", {});
        await gate;
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await rejectsWith(b.collection("notes").put("b", {}), "BUSY");
      // Readers are not blocked by the writer in WAL mode, and see only committed data.
      assert.equal(await b.collection("notes").has("a"), false);
      assert.equal(await b.collection("notes").has("seed"), true);
      release();
      await tx;
      await b.collection("notes").put("b", {});
      assert.equal(await a.collection("notes").count(), 3);
      await a.close();
      await b.close();
    });
  });

  test("a second store on the same file sees the data and the collection options", async () => {
    await withPath(async (path) => {
      const a = await open(`sqlite://${path}`);
      await a.collection("notes", { indexes: ["year"] }).put("n1", { year: 1 });
      const b = await open(`sqlite://${path}`);
      assert.deepEqual(await b.collections(), [{ name: "notes", options: { indexes: ["year"] } }]);
      assert.deepEqual(await b.collection("notes").get("n1"), { year: 1 });
      await a.close();
      await b.close();
    });
  });

  test("indexes become expression indexes on json_extract, ending with id, and follow the options", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      await store.collection("notes", { indexes: ["year", ["party", "author.name"], "tags.0"] })
        .put("n", {});
      const indexes = async () =>
        (await rawQuery(
          path,
          "SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'quire_docs_1_ix_%'",
        ))
          .map((row) => String(row.sql).replace(/^CREATE INDEX \S+ ON /, "")).sort();
      assert.deepEqual(await indexes(), [
        `quire_docs_1 (json_extract(data, '$."party"'), json_extract(data, '$."author"."name"'), id)`,
        `quire_docs_1 (json_extract(data, '$."tags"[0]'), id)`,
        `quire_docs_1 (json_extract(data, '$."year"'), id)`,
      ]);
      const plan = await rawQuery(
        path,
        `EXPLAIN QUERY PLAN SELECT id FROM quire_docs_1 WHERE json_extract(data, '$."year"') = ?`,
        2000,
      );
      assert.match(
        String(plan.map((row) => row.detail).join(" ")),
        /USING (?:COVERING )?INDEX quire_docs_1_ix_/,
      );
      await store.collection("notes", { indexes: ["year", "title"] }).count();
      assert.deepEqual(await indexes(), [
        `quire_docs_1 (json_extract(data, '$."title"'), id)`,
        `quire_docs_1 (json_extract(data, '$."year"'), id)`,
      ]);
      // Keys with quotes, backslashes and dots are data too.
      await store.collection("notes", { indexes: ['a"b', "c\\d"] }).count();
      const quoted = await indexes();
      assert.ok(
        quoted.some((sql) => sql.includes(`json_extract(data, '$."a\\"b"')`)),
        quoted.join("\n"),
      );
      assert.ok(
        quoted.some((sql) => sql.includes(`json_extract(data, '$."c\\\\d"')`)),
        quoted.join("\n"),
      );
      // Anything else is a key like any other: quoted, it stays data.
      await store.collection("notes", { indexes: ["x'); DROP TABLE quire_collections; --"] })
        .count();
      assert.deepEqual(await rawQuery(path, "SELECT count(*) AS n FROM quire_collections"), [{
        n: 1,
      }]);
      await store.close();
    });
  });

  test("explain() shows that equality, ranges and matching sorts use the indexes", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      const speeches = store.collection("speeches", { indexes: ["year", ["party", "year"]] });
      await speeches.putMany(
        Array.from({ length: 2000 }, (_, i) =>
          [
            `s${i}`,
            {
              year: 1790 + (i % 230),
              party: ["Whig", "Republican", "Democratic"][i % 3],
              words: i,
            },
          ] as const),
      );
      await store.close(); // PRAGMA optimize gives the planner statistics
      const again = await open(`sqlite://${path}`);
      const indexed = again.collection("speeches");
      const uses = async (filter: Record<string, unknown> | string, sort?: string) =>
        (await indexed.explain(filter, { sort })).indexes;
      assert.deepEqual(await uses({ year: 1861 }), [["year"]]);
      assert.deepEqual(await uses({ year: { $gte: 1900, $lt: 1910 } }), [["year"]]);
      assert.deepEqual(await uses('party = "Whig" and year >= 1900'), [["party", "year"]]);
      assert.deepEqual(await uses({ party: "Whig" }, "year"), [["party", "year"]]);
      assert.deepEqual(await uses({}, "-year"), [["year"]]);
      // An equality in the default order (by id) reads its matches in order from the index,
      // which ends with id, and stops at the limit: no sort of every match.
      for (const filter of [{ year: 1861 }, { party: "Whig", year: 1900 }]) {
        const { plan } = await indexed.explain(filter);
        assert.doesNotMatch(plan.join("\n"), /TEMP B-TREE/, plan.join("\n"));
      }
      // Without an index on `words`, the plan scans the table.
      const plan = await indexed.explain({ words: { $gt: 10 } });
      assert.deepEqual(plan.indexes, []);
      assert.match(plan.plan.join("\n"), /SCAN/);
      assert.match(plan.sql!, /^SELECT /);
      // And the indexed query finds the same documents as a scan would.
      const viaIndex = await indexed.find({ party: "Whig", year: { $gte: 1900 } }, {
        limit: 10_000,
      });
      const all = await indexed.find({}, { limit: 10_000 });
      const expected = all.items.filter((e) =>
        e.doc.party === "Whig" && (e.doc.year as number) >= 1900
      );
      assert.deepEqual(viaIndex.items.map((e) => e.id), expected.map((e) => e.id));
      await again.close();
    });
  });

  test("a store of schema version 1 has its indexes made again with id at open", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      await store.collection("speeches", { indexes: ["year", ["party", "year"]] }).putMany(
        Array.from({ length: 300 }, (_, i) => [`s${i}`, { year: 1900 + (i % 7), party: "W" }]),
      );
      await store.collection("plain").put("p", {});
      await store.close();
      // Make it what quire wrote before version 2: the same indexes without id, named by paths.
      const db = await openDriver(path);
      const names = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'quire_docs_1_ix_%'",
      ).all<{ name: string }>();
      for (const { name } of names) db.exec(`DROP INDEX ${name}`);
      db.exec(`CREATE INDEX quire_docs_1_ix_old1 ON quire_docs_1 (json_extract(data, '$."year"'))`);
      db.exec(
        `CREATE INDEX quire_docs_1_ix_old2 ON quire_docs_1 (json_extract(data, '$."party"'), json_extract(data, '$."year"'))`,
      );
      db.exec("PRAGMA user_version = 1");
      db.close();
      // Read-only, it cannot migrate, and says so.
      const refused = await rejectsWith(
        open({ backend: "sqlite", path, readonly: true }),
        "READ_ONLY",
      );
      assert.match(refused.message, /schema version 1/);
      const again = await open(`sqlite://${path}`);
      const sql = await rawQuery(
        path,
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'quire_docs_%_ix_%' ORDER BY sql",
      );
      assert.deepEqual(
        sql.map((row) => String(row.sql).replace(/^CREATE INDEX \S+ ON /, "")).sort(),
        [
          `quire_docs_1 (json_extract(data, '$."party"'), json_extract(data, '$."year"'), id)`,
          `quire_docs_1 (json_extract(data, '$."year"'), id)`,
        ],
      );
      assert.deepEqual(await rawQuery(path, "PRAGMA user_version"), [{
        user_version: SCHEMA_VERSION,
      }]);
      const speeches = again.collection("speeches");
      assert.equal((await speeches.find({ year: 1903 }, { limit: 5 })).items.length, 5);
      assert.doesNotMatch((await speeches.explain({ year: 1903 })).plan.join(), /TEMP B-TREE/);
      assert.deepEqual(await again.collection("plain").get("p"), {});
      await again.close();
    });
  });

  test("index paths with quotes and odd characters stay data in the SQL", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      await store.collection("notes", { indexes: ["it's", "a b", "$x", "[0]"] }).put("n", {
        "it's": 1,
      });
      const sql = (await rawQuery(path, "SELECT sql FROM sqlite_master WHERE type = 'index'")).map((
        row,
      ) => row.sql);
      assert.ok(
        sql.some((text) => String(text).includes(`json_extract(data, '$."it''s"')`)),
        sql.join("\n"),
      );
      assert.deepEqual(await rawQuery(path, "SELECT count(*) AS n FROM quire_collections"), [{
        n: 1,
      }]);
      await store.close();
    });
  });

  test("backup of a live WAL database holds every committed write", async () => {
    await withPath(async (path, dir) => {
      const store = await open(`sqlite://${path}`);
      const notes = store.collection("notes");
      await notes.putMany(Array.from({ length: 500 }, (_, i) => [`n${i}`, { i }] as const));
      const other = await open(`sqlite://${path}`);
      await other.collection("notes").put("from-other", { other: true });
      assert.ok(existsSync(`${path}-wal`), "the writes are still in the WAL");
      const copy = join(dir, "copy.db");
      await store.backup(copy);
      await notes.put("after-backup", {});
      const restored = await open({ backend: "sqlite", path: copy, readonly: true });
      assert.equal(await restored.collection("notes").count(), 501);
      assert.deepEqual(await restored.collection("notes").get("from-other"), { other: true });
      assert.equal(await restored.collection("notes").has("after-backup"), false);
      assert.deepEqual(await restored.check(), { ok: true, documents: 501, problems: [] });
      await restored.close();
      await other.close();
      await store.close();
    });
  });

  test("single writes let SQLite checkpoint the WAL: it stays near 1,000 pages", async () => {
    // bun:sqlite's get() on an UPSERT … RETURNING reset the statement before SQLite's WAL hook
    // ran, so the automatic checkpoint never came: 20,000 puts left a 79 MiB WAL and an empty
    // database file. Each put here writes two or three 4 KiB pages to the WAL.
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      const notes = store.collection("notes");
      const text = "x".repeat(1000);
      for (let i = 0; i < 3000; i++) await notes.put(`n${i % 100}`, { text });
      await notes.insert({ text });
      await notes.put("n1", { text }, { ifRev: (await notes.entry("n1"))!.rev });
      const wal = statSync(`${path}-wal`).size;
      assert.ok(wal < 6 * 2 ** 20, `the WAL holds ${wal} bytes after 3,002 single writes`);
      assert.ok(statSync(path).size > 100 * 1024, "checkpoints moved the documents into the file");
      await store.close();
    });
  });

  test("a put is one upsert whether it tries the insert or the update first", async () => {
    // A put tries a plain insert first, and after one that found its id, the UPSERT first: each
    // order, in and out of a transaction, with another connection creating and deleting ids.
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      const notes = store.collection("notes");
      const first = await notes.put("a", { v: 1 }); // insert first, new
      const other = await open(`sqlite://${path}`);
      const theirs = other.collection("notes");
      assert.equal(first.rev, 1);
      assert.equal(first.createdAt, first.updatedAt);
      const second = await notes.put("a", { v: 2 }); // insert first, found: now UPSERT first
      assert.equal(second.rev, 2);
      assert.equal(second.createdAt, first.createdAt);
      assert.equal((await notes.put("a", { v: 3 })).rev, 3); // UPSERT, found
      await theirs.delete("a");
      const again = await notes.put("a", { v: 4 }); // UPSERT, new: now insert first
      assert.equal(again.rev, 1);
      assert.equal(again.createdAt, again.updatedAt);
      const created = await theirs.put("b", { v: 1 });
      const found = await notes.put("b", { v: 2 }); // insert first, found (made elsewhere)
      assert.deepEqual([found.rev, found.createdAt], [2, created.createdAt]);
      const metas = await notes.putMany([["a", { v: 5 }], ["c", { v: 1 }], ["b", { v: 3 }], [
        "d",
        { v: 1 },
      ], ["c", { v: 2 }]]);
      assert.deepEqual(metas.map((meta) => meta.rev), [2, 1, 3, 1, 2]);
      assert.equal(metas[1]!.createdAt, metas[4]!.createdAt);
      assert.deepEqual(await theirs.get("c"), { v: 2 });
      assert.deepEqual(
        (await notes.find({}, { limit: 10 })).items.map((item) => [item.id, item.rev]),
        [["a", 2], ["b", 3], ["c", 2], ["d", 1]],
      );
      await other.close();
      await store.close();
    });
  });

  test("a WAL that a reader kept from restarting is truncated by a later write", async () => {
    // SQLite starts its WAL over only when no reader uses it, so readers that never pause let
    // it grow without end (263 MiB in the 5-minute soak). Past 64 MiB, quire's writes truncate
    // it once the readers let them.
    await withPath(async (path) => {
      const store = await open({ backend: "sqlite", path, busyTimeoutMs: 20 });
      const notes = store.collection("notes");
      await notes.put("seed", {});
      const reader = await openDriver(path);
      reader.begin("DEFERRED");
      reader.prepare("SELECT count(*) FROM quire_docs_1").get();
      const text = "x".repeat(6000);
      for (let i = 0; statSync(`${path}-wal`).size < 72 * 2 ** 20; i++) {
        await notes.put(`n${i % 400}`, { text });
      }
      reader.commit();
      reader.close();
      // A try that the reader made wait in vain is not repeated for 10 × busyTimeoutMs.
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (let i = 0; i < 256; i++) await notes.put(`m${i}`, {});
      const wal = statSync(`${path}-wal`).size;
      assert.ok(wal < 8 * 2 ** 20, `the WAL still holds ${wal} bytes`);
      assert.equal(await notes.count(), 657);
      await store.close();
    });
  });

  test("a new database file appears whole: a fresh open leaves no temporary file", async () => {
    await withPath(async (path, dir) => {
      const [a, b] = await Promise.all([open(`sqlite://${path}`), open(`sqlite://${path}`)]);
      await a.collection("notes").put("a", { x: 1 });
      await b.collection("notes").put("b", { x: 2 });
      await a.close();
      await b.close();
      const again = await open(`sqlite://${path}`);
      assert.deepEqual(await again.collection("notes").count(), 2);
      await again.close();
      assert.deepEqual(readdirSync(dir).filter((name) => name !== "test.db"), []);
      // SQLite's header is there from the first moment the file has its name.
      assert.equal(readFileSync(path).subarray(0, 15).toString(), "SQLite format 3");
    });
  });

  test("a writer killed mid-batch leaves whole batches only, in the search index too", async () => {
    await withPath(async (path) => {
      await (await open(`sqlite://${path}`)).close();
      const script = resolve(import.meta.dirname ?? ".", "fixtures/sqlite_crash_writer.ts");
      const child = spawn(process.execPath, scriptArgs(script, path), {
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (chunk) => String(chunk).includes("ready") && resolve());
        child.on("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.on("close", resolve));
      const store = await open(`sqlite://${path}`);
      const items = await store.collection("items").find({}, { limit: 1000 });
      const batches = new Set(
        items.items.filter((e) => e.id.startsWith("item-")).map((e) => e.doc.batch),
      );
      assert.ok(items.items.length > 0, "the writer wrote something");
      assert.equal(batches.size, 1, `every item carries the same batch: ${[...batches]}`);
      // The search index holds exactly the last committed batch (check() compares it too).
      const [batch] = batches;
      const found = await store.collection("items").search(`batch${batch}`, { limit: 100 });
      assert.equal(found.hits.length, 50);
      assert.deepEqual(await store.collection("items").search(`batch${Number(batch) - 1}`), {
        hits: [],
      });
      assert.deepEqual(await store.check(), {
        ok: true,
        documents: items.items.length,
        problems: [],
      });
      await store.close();
    });
  });
});

describe("sqlite search index", () => {
  test("one contentless FTS5 table and three triggers per searchable collection", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      await store.collection("notes", { search: { fields: { title: 2, "a.b": 1 }, prefix: [2] } })
        .put("n1", { title: "Hello", a: { b: ["x", "y"] } });
      await store.close();
      const names = await rawQuery(
        path,
        "SELECT type, name FROM sqlite_schema WHERE name LIKE 'quire_fts_%' AND type IN " +
          "('table', 'trigger') AND name NOT LIKE '%\\_data' ESCAPE '\\' AND name NOT LIKE " +
          "'%\\_idx' ESCAPE '\\' AND name NOT LIKE '%\\_config' ESCAPE '\\' AND name NOT LIKE " +
          "'%\\_docsize' ESCAPE '\\' ORDER BY name",
      );
      assert.deepEqual(names, [
        { type: "table", name: "quire_fts_1" },
        { type: "trigger", name: "quire_fts_1_delete" },
        { type: "trigger", name: "quire_fts_1_insert" },
        { type: "trigger", name: "quire_fts_1_update" },
      ]);
      const [{ sql }] = await rawQuery(
        path,
        "SELECT sql FROM sqlite_schema WHERE name = 'quire_fts_1'",
      );
      assert.match(
        String(sql),
        /fts5\(c0, c1, tokenize='unicode61 remove_diacritics 2', prefix='2'/,
      );
      assert.match(String(sql), /content=''\)$/);
    });
  });

  test("check() finds an index that no longer agrees with the documents; reindex() mends it", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      const notes = store.collection("notes", { search: { fields: ["title"] } });
      await notes.putMany([["a", { title: "alpha" }], ["b", { title: "beta" }]]);
      assert.equal((await store.check()).ok, true);
      await store.close();
      // Change a document behind the triggers' back.
      const db = await openDriver(path);
      db.exec("DROP TRIGGER quire_fts_1_update");
      db.exec(`UPDATE quire_docs_1 SET data = '{"title":"gamma"}' WHERE id = 'a'`);
      db.close();
      const again = await open(`sqlite://${path}`);
      const report = await again.check();
      assert.equal(report.ok, false);
      assert.match(report.problems[0].message, /search index differs from the documents/);
      assert.equal(report.problems[0].collection, "notes");
      await again.collection("notes").reindex();
      assert.equal((await again.check()).ok, true);
      assert.deepEqual((await again.collection("notes").search("gamma")).hits.map((h) => h.id), [
        "a",
      ]);
      await again.close();
    });
  });

  test("a raw FTS5 query that FTS5 refuses is INVALID_SEARCH with its message", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      const notes = store.collection("notes", { search: { fields: ["title"] } });
      await notes.put("a", { title: "alpha beta" });
      assert.deepEqual(
        (await notes.search("NEAR(alpha beta, 0)", { raw: true })).hits.map((h) => h.id),
        ["a"],
      );
      assert.deepEqual((await notes.search("alp* AND beta", { raw: true })).hits.map((h) => h.id), [
        "a",
      ]);
      const error = await rejectsWith(notes.search("AND AND", { raw: true }), "INVALID_SEARCH");
      assert.match(error.message, /syntax error/);
      await rejectsWith(notes.search("nosuchcolumn : x", { raw: true }), "INVALID_SEARCH");
      await rejectsWith(notes.search("a\0b", { raw: true }), "INVALID_SEARCH");
      // FTS5's own tokenizer refusals (not syntax errors by their message) are INVALID_SEARCH
      // too: the SQL around the expression is quire's, so any plain SQLITE_ERROR is the query's.
      for (const query of ['"', "*", 'fox"', "alpha + *"]) {
        const refused = await rejectsWith(notes.search(query, { raw: true }), "INVALID_SEARCH");
        assert.match(refused.message, /^Invalid search: FTS5 refused it: /);
      }
      await rejectsWith(notes.search("alpha", { raw: true, highlight: true }), "INVALID_OPTION");
      await store.close();
    });
  });

  test("a changed search option rebuilds the index, reporting to onIndexProgress", async () => {
    await withPath(async (path) => {
      const first = await open(`sqlite://${path}`);
      await first.collection("notes").putMany(
        Array.from({ length: 10_500 }, (_, i) => [`n${i}`, { title: `title ${i}`, body: "body" }]),
      );
      await first.close();
      const events: unknown[] = [];
      const store = await open({
        backend: "sqlite",
        path,
        onIndexProgress: (event) => events.push(event),
      });
      const notes = store.collection("notes", { search: { fields: ["title"] } });
      assert.deepEqual((await notes.search("title 77")).hits.map((h) => h.id).slice(0, 1), ["n77"]);
      assert.deepEqual(events, [
        { collection: "notes", indexed: 0, total: 10_500 },
        { collection: "notes", indexed: 10_000, total: 10_500 },
        { collection: "notes", indexed: 10_500, total: 10_500 },
      ]);
      await store.close();
      await rejectsWith(
        open({ backend: "sqlite", path, onIndexProgress: 3 as never }),
        "INVALID_OPTION",
      );
    });
  });

  test("a batch larger than one statement should carry is written in several", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      const notes = store.collection("notes", { search: { fields: ["title"] } });
      // 20 documents of 0.9 MB: more than the 16 MiB one batch statement takes.
      const big = "x".repeat(900_000);
      const metas = await notes.putMany(
        Array.from({ length: 20 }, (_, i) => [`n${i}`, { title: `note ${i}`, big }]),
      );
      assert.deepEqual(metas.map((meta) => meta.rev), Array(20).fill(1));
      assert.equal(await notes.count(), 20);
      assert.equal((await notes.search("note", { limit: 100 })).hits.length, 20);
      assert.equal((await store.check()).ok, true);
      await store.close();
    });
  });

  test("a read-only store searches", async () => {
    await withPath(async (path) => {
      const store = await open(`sqlite://${path}`);
      await store.collection("notes", { search: { fields: ["title"] } }).put("a", {
        title: "alpha",
      });
      await store.close();
      const reader = await open({ backend: "sqlite", path, readonly: true });
      assert.deepEqual((await reader.collection("notes").search("alpha")).hits.map((h) => h.id), [
        "a",
      ]);
      await reader.close();
    });
  });
});

describe("open() URLs", () => {
  test("the URL table", () => {
    assert.deepEqual(parseUrl("sqlite://data/app.db"), { backend: "sqlite", path: "data/app.db" });
    assert.deepEqual(parseUrl("sqlite:///abs/app.db"), { backend: "sqlite", path: "/abs/app.db" });
    assert.deepEqual(parseUrl("sqlite://my%20notes.db"), {
      backend: "sqlite",
      path: "my notes.db",
    });
    assert.deepEqual(parseUrl("sqlite::memory:"), { backend: "sqlite", path: ":memory:" });
    assert.deepEqual(parseUrl("memory://"), { backend: "memory" });
    assert.deepEqual(parseUrl("file://data/docs"), { backend: "file", dir: "data/docs" });
    assert.deepEqual(parseUrl("file:///var/docs"), { backend: "file", dir: "/var/docs" });
  });

  test("unknown URLs are INVALID_OPTION and never echo what follows the scheme", () => {
    for (
      const url of [
        "mysql://root:hunter2@x",
        "postgres:admin:hunter2@db.example/app",
        "hunter2",
        "sqlite:",
        "sqlite://",
        "sqlite://%zz",
      ]
    ) {
      const error = throwsWith(() => parseUrl(url), "INVALID_OPTION");
      assert.ok(!error.message.includes("hunter2"), error.message);
    }
    throwsWith(() => parseUrl("sqlite://a%00b.db"), "INVALID_OPTION");
    // Postgres URLs go to the Postgres backend whole (its driver reads them).
    for (const url of ["postgres://u:p@h/db?schema=s", "postgresql://h/db"]) {
      assert.deepEqual(parseUrl(url), { backend: "postgres", url });
    }
  });

  test("relative sqlite:// paths are taken from the working directory", async () => {
    const { dir, remove } = tempDir();
    const before = process.cwd();
    try {
      process.chdir(dir);
      const store = await open("sqlite://relative.db");
      await store.collection("notes").put("n", {});
      await store.close();
      assert.ok(existsSync(join(dir, "relative.db")));
    } finally {
      process.chdir(before);
      remove();
    }
  });

  test("with no argument: QUIRE_URL, else DATABASE_URL, else sqlite://quire.db", async () => {
    const { dir, remove } = tempDir();
    const saved = { QUIRE_URL: process.env.QUIRE_URL, DATABASE_URL: process.env.DATABASE_URL };
    const before = process.cwd();
    try {
      process.chdir(dir);
      process.env.QUIRE_URL = "memory://";
      process.env.DATABASE_URL = "sqlite://database-url.db";
      let store = await open();
      assert.equal(store.backend, "memory");
      await store.close();
      delete process.env.QUIRE_URL;
      store = await open();
      assert.equal((await store.stats()).location, "database-url.db");
      await store.close();
      delete process.env.DATABASE_URL;
      store = await open();
      assert.equal((await store.stats()).location, "quire.db");
      await store.close();
      assert.ok(existsSync(join(dir, "quire.db")));
    } finally {
      process.chdir(before);
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      remove();
    }
  });

  test("bad option objects are INVALID_OPTION", async () => {
    await rejectsWith(open({ backend: "nosql" } as never), "INVALID_OPTION");
    await rejectsWith(open({ backend: "sqlite" }), "INVALID_OPTION");
    await rejectsWith(open({ backend: "file" }), "INVALID_OPTION");
    await rejectsWith(open({ backend: "memory", maxDocumentBytes: 0 }), "INVALID_OPTION");
    await rejectsWith(open(42 as never), "INVALID_OPTION");
  });
});
