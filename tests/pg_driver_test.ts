/**
 * The Postgres driver layer (src/backends/postgres/): its URL parsing, and both drivers against
 * a throwaway server (scripts/lib/pg_server.ts): `Bun.SQL` on Bun, postgres.js on every runtime.
 * Each must bind the same values the same way, commit and roll back, run transactions on
 * separate connections at once, and report the server's errors as QuireErrors carrying the
 * SQLSTATE.
 *
 * The server tests are skipped, with the reason printed, where Postgres is not installed
 * (`.ci/run` installs Debian's `postgresql` as root; `PG_BIN` points elsewhere).
 *
 * @module
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { QuireError } from "../src/errors.ts";
import {
  defaultPgDriver,
  openPgDriver,
  type PgDriver,
  type PgDriverName,
  sqlState,
} from "../src/backends/postgres/driver.ts";
import { pgConfig } from "../src/backends/postgres/pg_config.ts";
import { constraintOf } from "../src/backends/postgres/pg_error.ts";
import { type PgServer, pgServerUnavailable, startPgServer } from "../scripts/lib/pg_server.ts";
import { rejectsWith, runtime } from "./helpers.ts";

const unavailable = pgServerUnavailable();
if (unavailable !== undefined) console.log(`Postgres driver tests skipped: ${unavailable}`);

/** The drivers this runtime has: Bun.SQL only on Bun. */
const DRIVERS: PgDriverName[] = runtime === "bun" ? ["bun", "postgres.js"] : ["postgres.js"];

/** A promise and the function that resolves it: to line up two transactions. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

describe(`Postgres URL and options (${runtime})`, () => {
  test("the URL's parts, libpq's parameter names, and the defaults", () => {
    const config = pgConfig("postgres://ann:s%40cret@db.example:6543/app?sslmode=require");
    assert.equal(config.host, "db.example");
    assert.equal(config.port, 6543);
    assert.equal(config.user, "ann");
    assert.equal(config.password, "s@cret");
    assert.equal(config.database, "app");
    assert.equal(config.sslmode, "require");
    assert.equal(config.socketPath, undefined);
    assert.equal(config.poolSize, 10);
    assert.equal(config.connectTimeoutMs, 10_000);
    assert.equal(config.idleTimeoutMs, 30_000);
    assert.equal(config.prepare, true);
    assert.equal(config.applicationName, "quire");
    assert.equal(config.schema, undefined);

    const other = pgConfig(
      "postgresql://u@h/d?pool_size=3&connect_timeout=2.5&idle_timeout=0&schema=s1&application_name=x",
    );
    assert.deepEqual(
      [other.poolSize, other.connectTimeoutMs, other.idleTimeoutMs, other.schema],
      [3, 2500, 0, "s1"],
    );
    assert.equal(other.applicationName, "x");
    assert.equal(other.sslmode, "prefer", "libpq's default");
    assert.equal(pgConfig("postgres://u@h/d?sslmode=allow").sslmode, "prefer");
    assert.equal(pgConfig("postgres://u@[::1]:5433/d").host, "::1");
  });

  test("options take priority over the URL", () => {
    const config = pgConfig("postgres://u@h/d?pool_size=3&sslmode=require", {
      poolSize: 7,
      sslmode: "disable",
      connectTimeoutMs: 500,
      idleTimeoutMs: 1000,
      prepare: false,
      applicationName: "y",
    });
    assert.deepEqual(
      [config.poolSize, config.sslmode, config.connectTimeoutMs, config.idleTimeoutMs],
      [7, "disable", 500, 1000],
    );
    assert.equal(config.prepare, false);
    assert.equal(config.applicationName, "y");
  });

  test("a Unix socket: ?host=/dir, a percent-encoded host, or user@/ with no host", () => {
    const a = pgConfig("postgres://postgres@/quire?host=%2Ftmp%2Fpg&port=5433");
    assert.equal(a.socketPath, "/tmp/pg/.s.PGSQL.5433");
    assert.equal(a.user, "postgres");
    assert.equal(a.database, "quire");
    assert.equal(a.sslmode, "disable", "no TLS on a Unix socket");
    const b = pgConfig("postgres://%2Fvar%2Frun%2Fpostgresql/db");
    assert.equal(b.socketPath, "/var/run/postgresql/.s.PGSQL.5432");
    const c = pgConfig("postgres:///db?host=/run/pg/&user=me&sslmode=require");
    assert.equal(c.socketPath, "/run/pg/.s.PGSQL.5432");
    assert.deepEqual([c.user, c.database, c.sslmode], ["me", "db", "disable"]);
    assert.equal(pgConfig("postgres://u@/d").host, "localhost");
  });

  test("refused: another scheme, unknown or repeated parameters, values out of range", () => {
    const refused = (url: string, pattern: RegExp) => {
      assert.throws(() => pgConfig(url), (error) => {
        assert.ok(error instanceof QuireError);
        assert.equal(error.code, "INVALID_OPTION");
        assert.match(error.message, pattern);
        assert.doesNotMatch(error.message, /hunter2/, "never the password");
        return true;
      });
    };
    refused("mysql://u:hunter2@h/d", /postgres:\/\//);
    refused("postgres://u:hunter2@h/d?search_path=x", /unknown parameter "search_path"/);
    refused("postgres://u:hunter2@h/d?pool_size=1&pool_size=2", /given twice/);
    refused("postgres://u:hunter2@h/d?pool_size=0", /pool_size/);
    refused("postgres://u:hunter2@h/d?port=70000", /port/);
    refused("postgres://u:hunter2@h/d?sslmode=maybe", /sslmode/);
    refused("postgres://u:hunter2@h/d?connect_timeout=soon", /connect_timeout/);
    refused("postgres://u:hunter2@h/d?connect_timeout=0", /connect timeout/);
    refused("postgres://u:hunter2@h:1:2/d", /cannot parse/);
    assert.throws(
      () => openPgDriver("postgres://u@h/d", { driver: "pg" as PgDriverName }),
      (error) => error instanceof QuireError && error.code === "INVALID_OPTION",
    );
  });

  test(`the default driver is ${runtime === "bun" ? "Bun.SQL" : "postgres.js"}`, () => {
    assert.equal(defaultPgDriver(), runtime === "bun" ? "bun" : "postgres.js");
    if (runtime !== "bun") {
      assert.throws(
        () => openPgDriver("postgres://u@h/d", { driver: "bun" }),
        (error) => error instanceof QuireError && error.code === "UNSUPPORTED",
      );
    }
  });
});

describe(`Postgres drivers (${runtime})`, { skip: unavailable }, () => {
  let server: PgServer | undefined;

  // initdb and pg_ctl take a few seconds, more on a busy machine.
  before(async () => {
    server = await startPgServer();
  }, { timeout: 120_000 });

  after(async () => {
    await server?.stop();
  });

  for (const name of DRIVERS) {
    describe(name, () => {
      let db: PgDriver;
      let table = 0;

      before(() => {
        db = openPgDriver(server!.url, { driver: name, poolSize: 4 });
      });

      after(async () => {
        await db?.close();
      });

      /** A fresh table name for one test (tests share the database). */
      const fresh = (prefix: string) => `${prefix}_${name === "bun" ? "bun" : "pgjs"}_${++table}`;

      test("bound parameters: text, numbers, booleans, null, bigint", async () => {
        const text = `it's "quoted" \\ back\\slash; ✓ ü 漢字 😀 $1 ?`;
        const [row] = await db.query(
          "select $1::text as t, $2::int as i, $3::float8 as f, $4::float8 as neg, $5::bigint as safe, " +
            "$6::bool as yes, $7::bool as no, $8::text as nothing, $9::int8 as big, $10::text as empty",
          [text, 42, 1.5, -0.25, Number.MAX_SAFE_INTEGER, true, false, null, 2n ** 63n - 1n, ""],
        );
        assert.deepEqual({ ...row }, {
          t: text,
          i: 42,
          f: 1.5,
          neg: -0.25,
          safe: String(Number.MAX_SAFE_INTEGER),
          yes: true,
          no: false,
          nothing: null,
          big: "9223372036854775807",
          empty: "",
        });
      });

      test("int8 and numeric come back as strings, count(*) too", async () => {
        const [row] = await db.query<Record<string, unknown>>(
          "select count(*) as c, 12345678901234567890.5::numeric as n, 7::int2 as small",
        );
        assert.deepEqual({ ...row }, { c: "1", n: "12345678901234567890.5", small: 7 });
      });

      test("a value is data, never SQL", async () => {
        const t = fresh("inject");
        await db.execute(`create table ${t} (id text primary key)`);
        const evil = `x'); drop table ${t}; --`;
        assert.equal(await db.execute(`insert into ${t} (id) values ($1)`, [evil]), 1);
        const rows = await db.query<{ id: string }>(`select id from ${t}`);
        assert.deepEqual(rows.map((r) => r.id), [evil]);
      });

      test("jsonb round trip: JSON text in through $n::text::jsonb, parsed out", async () => {
        const t = fresh("docs");
        await db.execute(`create table ${t} (id text primary key, data jsonb not null)`);
        const doc = {
          title: `"Quoted" ✓ 😀`,
          n: -1.25,
          big: 12345678901234567890,
          nested: { list: [1, "two", null, true, { deep: [] }] },
          __proto__key: "plain",
          empty: {},
        };
        const exact = '{"id": 1, "big": 123456789012345678901234567890}';
        await db.execute(`insert into ${t} values ($1, $2::text::jsonb), ($3, $4::text::jsonb)`, [
          "d1",
          JSON.stringify(doc),
          "d2",
          exact,
        ]);
        const [one] = await db.query<{ data: unknown }>(`select data from ${t} where id = $1`, [
          "d1",
        ]);
        assert.deepEqual(one!.data, JSON.parse(JSON.stringify(doc)));
        // Parsed with JSON.parse: the big number loses precision; ::text keeps it exactly
        // (jsonb normalises the spacing).
        const [two] = await db.query<{ data: { big: number }; text: string }>(
          `select data, data::text as text from ${t} where id = $1`,
          ["d2"],
        );
        assert.equal(two!.text, exact);
        assert.equal(two!.data.big, 123456789012345678901234567890);
        assert.equal(
          JSON.parse(two!.text.replace(/(\d{16,})/, '"$1"')).big,
          "123456789012345678901234567890",
        );
        // A bare $1::jsonb makes both drivers encode the string as a JSON string (pinned, so
        // that nobody writes it that way by mistake).
        const [bare] = await db.query<{ j: unknown }>("select $1::jsonb as j", ['{"a":1}']);
        assert.equal(bare!.j, '{"a":1}');
        // jsonb cannot hold \u0000 (22P05, a STORAGE error).
        const error = await rejectsWith(
          db.query("select $1::text::jsonb", [JSON.stringify({ s: "a\0b" })]),
          "STORAGE",
        );
        assert.equal(sqlState(error), "22P05");
      });

      test("refused before anything is sent: NUL in text, undefined, objects", async () => {
        await rejectsWith(db.query("select $1::text", ["a\0b"]), "STORAGE");
        await rejectsWith(db.query("select $1::text", [undefined as unknown as null]), "STORAGE");
        await rejectsWith(db.query("select $1::text", [{} as unknown as string]), "STORAGE");
        // The pool still works.
        assert.deepEqual((await db.query("select 1 as one")).map((r) => ({ ...r })), [{ one: 1 }]);
      });

      test("a transaction commits when fn resolves; the tx is closed afterwards", async () => {
        const t = fresh("tx");
        await db.execute(`create table ${t} (id text primary key, n int not null)`);
        let kept: { execute(text: string): Promise<number> } | undefined;
        const result = await db.transaction(async (tx) => {
          kept = tx;
          await tx.execute(`insert into ${t} values ($1, $2), ($3, $4)`, ["a", 1, "b", 2]);
          const inside = await tx.query<{ c: string }>(`select count(*) as c from ${t}`);
          return inside[0]!.c;
        });
        assert.equal(result, "2");
        const rows = await db.query<{ id: string; n: number }>(`select * from ${t} order by id`);
        assert.deepEqual(rows.map((r) => [r.id, r.n]), [["a", 1], ["b", 2]]);
        await rejectsWith(kept!.execute("select 1"), "CLOSED");
      });

      test("a transaction rolls back when fn rejects, passing its error on", async () => {
        const t = fresh("rollback");
        await db.execute(`create table ${t} (id text primary key)`);
        await db.execute(`insert into ${t} values ('kept')`);
        const mine = new Error("changed my mind");
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.execute(`insert into ${t} values ($1)`, ["gone"]);
            await tx.execute(`delete from ${t} where id = 'kept'`);
            throw mine;
          }),
          (error) => error === mine,
        );
        // A server error inside rolls back too, and arrives as a QuireError.
        const error = await rejectsWith(
          db.transaction(async (tx) => {
            await tx.execute(`insert into ${t} values ($1)`, ["gone too"]);
            await tx.execute(`insert into ${t} values ($1)`, ["kept"]);
          }),
          "CONFLICT",
        );
        assert.equal(sqlState(error), "23505");
        const rows = await db.query<{ id: string }>(`select id from ${t}`);
        assert.deepEqual(rows.map((r) => r.id), ["kept"]);
      });

      test("a unique violation is CONFLICT with SQLSTATE 23505 and the constraint", async () => {
        const t = fresh("uniq");
        await db.execute(`create table ${t} (id text primary key)`);
        await db.execute(`insert into ${t} values ($1)`, ["x"]);
        const error = await rejectsWith(
          db.execute(`insert into ${t} values ($1)`, ["x"]),
          "CONFLICT",
        );
        assert.equal(sqlState(error), "23505");
        assert.equal(constraintOf(error), `${t}_pkey`);
        assert.match(error.message, /SQLSTATE 23505/);
        assert.ok(error.cause instanceof Error, "the driver's error is the cause");
        // Other server errors are STORAGE, with their SQLSTATE.
        const syntax = await rejectsWith(db.query("selec 1"), "STORAGE");
        assert.equal(sqlState(syntax), "42601");
        const missing = await rejectsWith(db.query("select * from no_such_table"), "STORAGE");
        assert.equal(sqlState(missing), "42P01");
      });

      test("two transactions at once run on two connections", async () => {
        const t = fresh("locks");
        await db.execute(`create table ${t} (id text primary key, n int not null)`);
        await db.execute(`insert into ${t} values ('a', 0), ('b', 0)`);
        const pid = "select pg_backend_pid() as pid";
        const aLocked = signal();
        const bDone = signal();
        const first = db.transaction(async (tx) => {
          const [me] = await tx.query<{ pid: number }>(pid);
          await tx.execute(`update ${t} set n = n + 1 where id = 'a'`);
          aLocked.resolve();
          await bDone.promise;
          return me!.pid;
        });
        const second = (async () => {
          await aLocked.promise;
          try {
            return await db.transaction(async (tx) => {
              const [me] = await tx.query<{ pid: number }>(pid);
              // Row b is free; row a is locked by the first transaction, still open.
              await tx.execute(`update ${t} set n = n + 10 where id = 'b'`);
              const [row] = await tx.query<{ n: number }>(`select n from ${t} where id = 'a'`);
              assert.equal(row!.n, 0, "the first transaction's update is not visible yet");
              return me!.pid;
            });
          } finally {
            bDone.resolve();
          }
        })();
        const [pid1, pid2] = await Promise.all([first, second]);
        assert.notEqual(pid1, pid2);
        const rows = await db.query<{ id: string; n: number }>(`select * from ${t} order by id`);
        assert.deepEqual(rows.map((r) => [r.id, r.n]), [["a", 1], ["b", 10]]);
      });

      test("a failed statement fails its transaction, even if fn caught the error", async () => {
        const t = fresh("aborted");
        await db.execute(`create table ${t} (id text primary key)`);
        await db.execute(`insert into ${t} values ('a')`);
        const locked = signal();
        const release = signal();
        const holder = db.transaction(async (tx) => {
          await tx.query(`select * from ${t} where id = 'a' for update`);
          locked.resolve();
          await release.promise;
        });
        await locked.promise;
        let caught: QuireError | undefined;
        try {
          const error = await rejectsWith(
            db.transaction(async (tx) => {
              await tx.execute(`insert into ${t} values ('b')`);
              caught = await rejectsWith(
                tx.query(`select * from ${t} where id = 'a' for update nowait`),
                "BUSY",
              );
              return "resolved anyway";
            }),
            "BUSY",
          );
          assert.equal(error, caught, "the statement's own error");
          assert.equal(sqlState(error), "55P03");
        } finally {
          release.resolve();
          await holder;
        }
        const rows = await db.query<{ id: string }>(`select id from ${t}`);
        assert.deepEqual(rows.map((r) => r.id), ["a"], "the insert was rolled back");
      });

      test("a deadlock is BUSY with SQLSTATE 40P01; the other transaction commits", async () => {
        const t = fresh("deadlock");
        await db.execute(`create table ${t} (id text primary key, n int not null)`);
        await db.execute(`insert into ${t} values ('a', 0), ('b', 0)`);
        const aLocked = signal();
        const bLocked = signal();
        const cross = (mine: string, theirs: string, locked: () => void, wait: Promise<void>) =>
          db.transaction(async (tx) => {
            await tx.execute("set local deadlock_timeout = '50ms'");
            await tx.execute(`update ${t} set n = n + 1 where id = $1`, [mine]);
            locked();
            await wait;
            await tx.execute(`update ${t} set n = n + 1 where id = $1`, [theirs]);
          });
        const outcomes = await Promise.allSettled([
          cross("a", "b", aLocked.resolve, bLocked.promise),
          cross("b", "a", bLocked.resolve, aLocked.promise),
        ]);
        const failed = outcomes.filter((o) => o.status === "rejected");
        assert.equal(failed.length, 1, "exactly one is chosen as the victim");
        const reason = (failed[0] as PromiseRejectedResult).reason;
        assert.ok(reason instanceof QuireError);
        assert.equal(reason.code, "BUSY");
        assert.equal(sqlState(reason), "40P01");
        const rows = await db.query<{ n: number }>(`select n from ${t} order by id`);
        assert.deepEqual(rows.map((r) => r.n), [1, 1], "the survivor's two updates");
      });

      test("a serialization failure is BUSY with SQLSTATE 40001", async () => {
        const t = fresh("skew");
        await db.execute(`create table ${t} (id text primary key, grp int not null)`);
        const bothRead = [signal(), signal()];
        const writer = (index: 0 | 1) =>
          db.transaction(async (tx) => {
            await tx.query(`select count(*) from ${t} where grp = 1`);
            bothRead[index]!.resolve();
            await Promise.all(bothRead.map((s) => s.promise));
            await tx.execute(`insert into ${t} values ($1, 1)`, [`w${index}`]);
          }, { isolation: "serializable" });
        const outcomes = await Promise.allSettled([writer(0), writer(1)]);
        const failed = outcomes.filter((o) => o.status === "rejected");
        assert.equal(failed.length, 1, "write skew: one of the two must fail");
        const reason = (failed[0] as PromiseRejectedResult).reason;
        assert.ok(reason instanceof QuireError);
        assert.equal(reason.code, "BUSY");
        assert.equal(sqlState(reason), "40001");
        const [row] = await db.query<{ c: string }>(`select count(*) as c from ${t}`);
        assert.equal(row!.c, "1");
      });

      test("a read-only transaction refuses writes (READ_ONLY, 25006)", async () => {
        const t = fresh("ro");
        await db.execute(`create table ${t} (id text primary key)`);
        const error = await rejectsWith(
          db.transaction((tx) => tx.execute(`insert into ${t} values ('x')`), { readOnly: true }),
          "READ_ONLY",
        );
        assert.equal(sqlState(error), "25006");
        await rejectsWith(
          db.transaction(async () => {}, { isolation: "chaos" as "serializable" }),
          "INVALID_OPTION",
        );
      });

      test("the URL's settings reach the server: pool size, application_name, socket", async () => {
        const url = new URL(server!.url);
        url.searchParams.set("pool_size", "2");
        url.searchParams.set("application_name", "quire-test");
        const small = openPgDriver(url.href, { driver: name });
        try {
          const [setting] = await small.query<{ name: string }>(
            "select current_setting('application_name') as name",
          );
          assert.equal(setting!.name, "quire-test");
          // Four slow statements at once share the two connections.
          const pids = await Promise.all(
            [1, 2, 3, 4].map(async () =>
              (await small.query<{ pid: number }>(
                "select pg_backend_pid() as pid, pg_sleep(0.1)",
              ))[0]!.pid
            ),
          );
          assert.equal(new Set(pids).size, 2);
        } finally {
          await small.close();
        }
        const socket = openPgDriver(server!.socketUrl, { driver: name });
        try {
          const [row] = await socket.query<{ addr: string | null }>(
            "select inet_server_addr() as addr",
          );
          assert.equal(row!.addr, null, "a Unix socket has no server address");
        } finally {
          await socket.close();
        }
      });

      test("no server there, or TLS it cannot give: STORAGE without a SQLSTATE", async () => {
        const url = new URL(server!.url);
        url.searchParams.set("sslmode", "require");
        url.searchParams.set("connect_timeout", "5");
        const tls = openPgDriver(url.href, { driver: name });
        try {
          const error = await rejectsWith(tls.query("select 1"), "STORAGE");
          assert.equal(sqlState(error), undefined);
        } finally {
          await tls.close({ timeoutMs: 0 });
        }
        const wrongDb = new URL(server!.url);
        wrongDb.pathname = "/no_such_database";
        const missing = openPgDriver(wrongDb.href, { driver: name });
        try {
          const error = await rejectsWith(missing.query("select 1"), "NOT_FOUND");
          assert.equal(sqlState(error), "3D000");
        } finally {
          await missing.close({ timeoutMs: 0 });
        }
      });

      test("prepare: false (no named statements) binds the same way", async () => {
        const unprepared = openPgDriver(server!.url, { driver: name, prepare: false });
        try {
          const [row] = await unprepared.query(
            "select $1::text as t, $2::int as i, $3::text::jsonb as j, $4::bool as b, $5::text as n",
            ["it's ✓", 7, '{"a":[1,"x"]}', true, null],
          );
          assert.deepEqual({ ...row }, { t: "it's ✓", i: 7, j: { a: [1, "x"] }, b: true, n: null });
          const [named] = await unprepared.query<{ c: string }>(
            "select count(*) as c from pg_prepared_statements",
          );
          assert.equal(named!.c, "0", "no named prepared statement on the connection");
          // With prepare (the default), the statement asking is itself one.
          const [own] = await db.query<{ c: string }>(
            "select count(*) as c from pg_prepared_statements",
          );
          assert.ok(Number(own!.c) >= 1, `prepared statements: ${own!.c}`);
        } finally {
          await unprepared.close();
        }
      });

      test("after close(), every call is CLOSED; close() twice is fine", async () => {
        const own = openPgDriver(server!.url, { driver: name });
        assert.equal(own.name, name);
        await own.query("select 1");
        await own.close();
        await own.close();
        await rejectsWith(own.query("select 1"), "CLOSED");
        await rejectsWith(own.execute("select 1"), "CLOSED");
        await rejectsWith(own.transaction(async () => {}), "CLOSED");
      });
    });
  }
});
