/**
 * The driver over bun:sqlite and node:sqlite: every difference between the two bindings is
 * either made identical by the driver or pinned here as it is, on both runtimes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { QuireError } from "../src/errors.ts";
import { openDriver } from "../src/sqlite/driver.ts";
import { toQuireError } from "../src/sqlite/sqlite_error.ts";
import { SQLITE, sqliteErrorCode, sqlitePrimaryCode } from "../src/sqlite/sqlite_error.ts";
import { runtime, tempDir, throwsWith } from "./helpers.ts";
import { writeFileSync } from "node:fs";

async function memory() {
  const db = await openDriver(":memory:");
  db.exec("CREATE TABLE t (a, b)");
  return db;
}

describe("sqlite driver", () => {
  test("runs on the runtime's own binding", async () => {
    const db = await memory();
    assert.equal(db.runtime, runtime);
    assert.ok(runtime === "bun" || runtime === "deno" || runtime === "node");
    db.close();
  });

  test("booleans bind as 1 and 0 on both runtimes", async () => {
    const db = await memory();
    db.prepare("INSERT INTO t VALUES (?, ?)").run(true, false);
    const row = db.prepare("SELECT a, b, typeof(a) AS type FROM t").get();
    assert.deepEqual({ ...row! }, { a: 1, b: 0, type: "integer" });
    db.close();
  });

  test("whole numbers bind as INTEGER and fractions as REAL on both runtimes", async () => {
    const db = await memory();
    db.prepare("INSERT INTO t VALUES (?, ?)").run(42, 1.5);
    db.prepare("INSERT INTO t VALUES (?, ?)").run(-0, 2 ** 53 - 1);
    const rows = db.prepare("SELECT typeof(a) AS ta, typeof(b) AS tb, a, b FROM t").all();
    assert.deepEqual(rows.map((row) => ({ ...row })), [
      { ta: "integer", tb: "real", a: 42, b: 1.5 },
      { ta: "integer", tb: "integer", a: 0, b: 2 ** 53 - 1 },
    ]);
    db.close();
  });

  test("values() gives rows as arrays in column order, the same on both runtimes", async () => {
    const db = await memory();
    db.prepare("INSERT INTO t VALUES (?, ?)").run(1, "one");
    db.prepare("INSERT INTO t VALUES (?, ?)").run(2n ** 60n, null);
    db.prepare("INSERT INTO t VALUES (?, ?)").run(2.5, "two and a half");
    const select = db.prepare("SELECT b, a FROM t WHERE a < ? ORDER BY a");
    assert.deepEqual(select.values(2), [["one", 1]]);
    assert.deepEqual(select.values(3).map((row) => [...row]), [["one", 1], [
      "two and a half",
      2.5,
    ]]);
    // The same statement still gives objects from all() (node:sqlite needs a second statement
    // for arrays, since returning arrays is a mode of a statement there).
    assert.deepEqual({ ...select.all(2)[0] }, { b: "one", a: 1 });
    const exact = db.prepare("SELECT a FROM t WHERE b IS NULL", { bigints: true });
    assert.deepEqual(exact.values(), [[2n ** 60n]]);
    assert.deepEqual(db.prepare("SELECT a FROM t WHERE a > 1e300").values(), []);
    db.close();
  });

  test("undefined is refused instead of binding NULL", async () => {
    const db = await memory();
    const insert = db.prepare("INSERT INTO t VALUES (?, ?)");
    throwsWith(() => insert.run(undefined as unknown as null, 1), "STORAGE");
    assert.equal(db.prepare("SELECT count(*) AS n FROM t").get<{ n: number }>()!.n, 0);
    db.close();
  });

  test("text with NUL is refused instead of cut (node:sqlite) or kept (bun:sqlite)", async () => {
    const db = await memory();
    const error = throwsWith(
      () => db.prepare("INSERT INTO t VALUES (?, 1)").run("a\0b"),
      "STORAGE",
    );
    assert.match(error.message, /NUL/);
    assert.equal(db.prepare("SELECT count(*) AS n FROM t").get<{ n: number }>()!.n, 0);
    db.close();
  });

  test("BigInt binds exactly and reads back exactly with bigints", async () => {
    const db = await memory();
    const big = 2n ** 60n + 1n;
    db.prepare("INSERT INTO t VALUES (?, 'big')").run(big);
    const row = db.prepare("SELECT a FROM t WHERE b = 'big'", { bigints: true }).get<
      { a: bigint }
    >();
    assert.equal(row!.a, big);
    db.close();
  });

  test("integers beyond 2^53 in the default mode: bun rounds, node:sqlite (deno, node) throws (quire never stores them)", async () => {
    const db = await memory();
    db.prepare("INSERT INTO t VALUES (?, 'big')").run(2n ** 60n + 1n);
    const read = () => db.prepare("SELECT a FROM t WHERE b = 'big'").get<{ a: number }>();
    if (runtime === "bun") {
      assert.equal(read()!.a, 2 ** 60); // the last bits are lost
    } else {
      throwsWith(read, "STORAGE");
    }
    // Within ±(2^53−1) both give exact numbers.
    db.prepare("INSERT INTO t VALUES (?, 'safe')").run(Number.MAX_SAFE_INTEGER);
    assert.equal(
      db.prepare("SELECT a FROM t WHERE b = 'safe'").get<{ a: number }>()!.a,
      Number.MAX_SAFE_INTEGER,
    );
    db.close();
  });

  test("numbered parameters (?1, ?2) can repeat on both runtimes", async () => {
    const db = await memory();
    db.prepare("INSERT INTO t VALUES (?1, ?1 || ?2)").run("x", "y");
    assert.deepEqual({ ...db.prepare("SELECT a, b FROM t").get()! }, { a: "x", b: "xy" });
    db.close();
  });

  test("blobs come back as Uint8Array on both runtimes", async () => {
    const db = await memory();
    const row = db.prepare("SELECT x'00ff' AS b").get<{ b: Uint8Array }>();
    assert.ok(row!.b instanceof Uint8Array);
    assert.deepEqual([...row!.b], [0, 255]);
    db.close();
  });

  test("a syntax error is a QuireError STORAGE with the binding's error as cause", async () => {
    const db = await memory();
    const error = throwsWith(() => db.exec("SELEC 1"), "STORAGE");
    assert.ok(error.cause instanceof Error);
    assert.match(error.message, /syntax error/);
    db.close();
  });

  test("nested transactions use savepoints: an inner rollback keeps the outer work", async () => {
    const db = await memory();
    const insert = db.prepare("INSERT INTO t VALUES (?, 0)");
    db.begin();
    insert.run("outer");
    db.begin();
    insert.run("inner");
    assert.equal(db.depth, 2);
    db.rollback();
    db.begin();
    insert.run("kept");
    db.commit();
    db.commit();
    assert.equal(db.depth, 0);
    const rows = db.prepare("SELECT a FROM t ORDER BY a").all<{ a: string }>().map((row) => row.a);
    assert.deepEqual(rows, ["kept", "outer"]);
    db.close();
  });

  test("transaction() rolls back when its function throws", async () => {
    const db = await memory();
    assert.throws(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO t VALUES (1, 1)").run();
        throw new Error("boom");
      }), /boom/);
    assert.equal(db.prepare("SELECT count(*) AS n FROM t").get<{ n: number }>()!.n, 0);
    assert.equal(db.depth, 0);
    db.close();
  });

  test("a locked database is BUSY after the busy timeout, on both runtimes", async () => {
    const { dir, remove } = tempDir();
    const path = join(dir, "busy.db");
    const a = await openDriver(path);
    const b = await openDriver(path);
    a.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x)");
    b.exec("PRAGMA busy_timeout = 50");
    a.begin("IMMEDIATE");
    const started = performance.now();
    const error = throwsWith(() => b.begin("IMMEDIATE"), "BUSY");
    assert.ok(performance.now() - started >= 40, "waited for the busy timeout first");
    assert.equal(sqlitePrimaryCode(error), SQLITE.BUSY);
    assert.equal(b.depth, 0);
    a.commit();
    b.begin("IMMEDIATE"); // free again
    b.commit();
    a.close();
    b.close();
    remove();
  });

  test("a file that is not a database is CORRUPT", async () => {
    const { dir, remove } = tempDir();
    const path = join(dir, "garbage.db");
    writeFileSync(path, "this is plain text, not a database ".repeat(200));
    let error: unknown;
    try {
      const db = await openDriver(path);
      db.prepare("SELECT count(*) FROM sqlite_master").get();
    } catch (caught) {
      error = caught;
    }
    assert.ok(error instanceof QuireError);
    assert.equal(error.code, "CORRUPT");
    remove();
  });

  test("writing through a read-only connection is READ_ONLY", async () => {
    const { dir, remove } = tempDir();
    const path = join(dir, "ro.db");
    const rw = await openDriver(path);
    rw.exec("CREATE TABLE t (x)");
    rw.close();
    const ro = await openDriver(path, { readonly: true });
    throwsWith(() => ro.exec("INSERT INTO t VALUES (1)"), "READ_ONLY");
    ro.close();
    remove();
  });

  test("errors map from SQLite's numeric code (bun: errno, node:sqlite: errcode), never from the text", () => {
    const bunStyle = Object.assign(new Error("database is locked"), {
      code: "SQLITE_BUSY_SNAPSHOT",
      errno: 517,
    });
    const denoStyle = Object.assign(new Error("database disk image is malformed"), {
      code: "ERR_SQLITE_ERROR",
      errcode: 11,
    });
    assert.equal(sqlitePrimaryCode(bunStyle), SQLITE.BUSY);
    assert.equal(toQuireError(bunStyle, "x").code, "BUSY");
    assert.equal(sqlitePrimaryCode(denoStyle), SQLITE.CORRUPT);
    assert.equal(toQuireError(denoStyle, "x").code, "CORRUPT");
    // A message alone says nothing: this one reads like a busy database but carries no code.
    const textOnly = new Error("database is locked");
    assert.equal(sqliteErrorCode(textOnly), undefined);
    assert.equal(toQuireError(textOnly, "x").code, "STORAGE");
    // An extended I/O code (SQLITE_IOERR_SHORT_READ) is STORAGE, whichever binding gave it.
    assert.equal(toQuireError(Object.assign(new Error("x"), { errno: 522 }), "x").code, "STORAGE");
    assert.equal(
      toQuireError(Object.assign(new Error("x"), { errcode: 522 }), "x").code,
      "STORAGE",
    );
    // A failed fsync (SQLITE_IOERR_FSYNC) at commit leaves the outcome unknown, and says so.
    const fsync = toQuireError(Object.assign(new Error("disk I/O error"), { errno: 1034 }), "x");
    assert.equal(fsync.code, "STORAGE");
    assert.match(
      fsync.message,
      /disk I\/O error; the outcome is unknown: the write may have been stored$/,
    );
  });

  test("statement errors carry SQLite's extended code on both runtimes, from exec() too", async () => {
    const db = await memory();
    db.exec("CREATE UNIQUE INDEX t_a ON t (a); INSERT INTO t VALUES (1, 1)");
    const viaStatement = throwsWith(
      () => db.prepare("INSERT INTO t VALUES (1, 2)").run(),
      "STORAGE",
    );
    assert.equal(sqliteErrorCode(viaStatement), 2067); // SQLITE_CONSTRAINT_UNIQUE
    // node:sqlite's own exec() gives no code; the driver's exec runs prepared statements.
    const viaExec = throwsWith(
      () => db.exec("INSERT INTO t VALUES (2, 2); INSERT INTO t VALUES (1, 3)"),
      "STORAGE",
    );
    assert.equal(sqliteErrorCode(viaExec), 2067);
    assert.match(viaExec.message, /^SQLite write failed: UNIQUE constraint failed/);
    // The statements before the failing one ran (exec is no transaction), those after did not.
    assert.deepEqual(db.prepare("SELECT a FROM t ORDER BY a").values(), [[1], [2]]);
    db.close();
  });

  test("exec() runs every statement, with semicolons inside strings and trigger bodies", async () => {
    const db = await memory();
    db.exec(`
      CREATE TABLE log (x);
      CREATE TRIGGER t_log AFTER INSERT ON t BEGIN
        INSERT INTO log VALUES ('a;b'); INSERT INTO log VALUES (new.a);
      END;;
      INSERT INTO t VALUES ('semi;colon', 'é;');
    `);
    assert.deepEqual(db.prepare("SELECT x FROM log ORDER BY rowid").values(), [
      ["a;b"],
      ["semi;colon"],
    ]);
    db.exec("");
    db.exec(" ;\n ");
    db.close();
  });

  test("a write whose implicit commit fails is an error on both runtimes, not a success", async () => {
    // A deferred foreign key is checked when the statement's own transaction commits, after
    // RETURNING produced its row: node:sqlite's get() and run() drop that error unless the
    // statement is read to its end (a full disk or a failed fsync at commit is the same case).
    const db = await openDriver(":memory:");
    db.exec(`PRAGMA foreign_keys = ON; CREATE TABLE p (id INTEGER PRIMARY KEY);
      CREATE TABLE c (id INTEGER PRIMARY KEY, p REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)`);
    const insert = db.prepare("INSERT INTO c (p) VALUES (?) RETURNING id");
    const error = throwsWith(() => insert.get(5), "STORAGE");
    assert.equal(sqliteErrorCode(error), 787); // SQLITE_CONSTRAINT_FOREIGNKEY
    assert.match(error.message, /^SQLite write failed: FOREIGN KEY constraint failed/);
    throwsWith(() => insert.all(5), "STORAGE");
    throwsWith(() => insert.values(5), "STORAGE");
    throwsWith(() => [...insert.iterate(5)], "STORAGE");
    throwsWith(() => insert.run(5), "STORAGE"); // refused: a RETURNING statement is read
    assert.equal(db.prepare("SELECT count(*) AS n FROM c").get<{ n: number }>()!.n, 0);
    // And a good write through the same statement still works.
    db.prepare("INSERT INTO p VALUES (5)").run();
    assert.deepEqual({ ...insert.get(5)! }, { id: 1 });
    assert.equal(db.depth, 0);
    db.close();
  });

  test("a COMMIT that fails is an error and leaves the transaction open to roll back", async () => {
    const db = await openDriver(":memory:");
    db.exec(`PRAGMA foreign_keys = ON; CREATE TABLE p (id INTEGER PRIMARY KEY);
      CREATE TABLE c (id INTEGER PRIMARY KEY, p REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)`);
    db.begin();
    db.prepare("INSERT INTO c (p) VALUES (?)").run(7);
    const error = throwsWith(() => db.commit(), "STORAGE");
    assert.match(error.message, /^SQLite could not commit: FOREIGN KEY constraint failed/);
    assert.equal(db.depth, 1);
    db.rollback();
    assert.equal(db.depth, 0);
    assert.equal(db.prepare("SELECT count(*) AS n FROM c").get<{ n: number }>()!.n, 0);
    throwsWith(
      () => db.transaction(() => db.prepare("INSERT INTO c (p) VALUES (?)").run(8)),
      "STORAGE",
    );
    assert.equal(db.depth, 0);
    assert.equal(db.prepare("SELECT count(*) AS n FROM c").get<{ n: number }>()!.n, 0);
    db.close();
  });

  test("statements are cached by SQL text", async () => {
    const db = await memory();
    assert.equal(db.prepare("SELECT 1"), db.prepare("SELECT 1"));
    assert.notEqual(db.prepare("SELECT 1"), db.prepare("SELECT 1", { bigints: true }));
    db.close();
  });
});
