/**
 * Conformance cases of transactions: `transaction(fn)` commits when `fn` resolves and rolls back
 * when it rejects; `transaction` on a handle is a savepoint; a handle is good only while its
 * transaction runs; calls on the backend itself never see a transaction's uncommitted writes.
 *
 * An engine with one connection (SQLite, memory, file) makes calls on the backend wait for an
 * open transaction; a pool (Postgres) runs them beside it. The cases hold both to the same
 * thing: no dirty read, and a write made outside is not part of the transaction. They never
 * demand that an outside call blocks or that it runs at once.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend, Connection } from "../../src/backend/contract.ts";
import { MATCH_ALL } from "../../src/query/ast.ts";
import { rejectsWith } from "../helpers.ts";
import {
  call,
  delay,
  idsOf,
  options,
  putOf,
  seed,
  skipWithout,
  type SuiteContext,
  T2,
} from "./support.ts";

/** An error a test throws on purpose, to roll back. */
class Boom extends Error {
  constructor() {
    super("boom");
  }
}

/** The ids of a collection. */
async function idsIn(conn: Connection, name: string): Promise<string[]> {
  return idsOf(await call(() => conn.page(name, { limit: 1000 })));
}

/**
 * Starts `read` on the backend while a transaction is open, gives it a moment to answer (a pool
 * answers at once; one connection makes it wait for the end), and returns it still running.
 */
async function startOutside<T>(read: () => Promise<T>): Promise<{ running: Promise<T> }> {
  const running = read();
  running.catch(() => {}); // awaited by the caller; never an unhandled rejection meanwhile
  await Promise.race([running, delay(15)]);
  return { running };
}

/** Registers the transaction cases. */
export function transactionCases(context: SuiteContext): void {
  const { it } = context;

  it("a transaction commits when fn resolves, and returns fn's value", async (backend) => {
    await seed(backend, "notes", { gone: {}, kept: {} });
    const result = await backend.transaction(async (tx) => {
      const meta = await call(() => tx.put("notes", putOf("n1", { v: 1 }, T2)));
      assert.equal(meta.rev, 1);
      await call(() => tx.putMany("notes", [putOf("n2", { v: 2 }, T2)]));
      await call(() => tx.delete("notes", "gone"));
      // The handle reads what the transaction wrote.
      assert.deepEqual((await call(() => tx.get("notes", "n1")))?.doc, { v: 1 });
      assert.deepEqual(await idsIn(tx, "notes"), ["kept", "n1", "n2"]);
      return "done";
    });
    assert.equal(result, "done");
    assert.deepEqual(await idsIn(backend, "notes"), ["kept", "n1", "n2"]);
    assert.deepEqual((await call(() => backend.get("notes", "n2")))?.doc, { v: 2 });
  });

  it("a transaction rolls back every write when fn rejects, and rethrows its error", async (backend) => {
    await seed(backend, "notes", { a: { v: "a" }, b: { v: "b" } });
    const boom = new Boom();
    await assert.rejects(
      backend.transaction(async (tx) => {
        await call(() => tx.put("notes", putOf("a", { v: "changed" }, T2)));
        await call(() => tx.put("notes", putOf("new", {}, T2)));
        await call(() => tx.delete("notes", "b"));
        await call(() => tx.putMany("notes", [putOf("many", {}, T2)]));
        throw boom;
      }),
      (error) => error === boom,
    );
    assert.deepEqual(await idsIn(backend, "notes"), ["a", "b"]);
    const a = await call(() => backend.get("notes", "a"));
    assert.deepEqual([a?.rev, a?.doc], [1, { v: "a" }]);
  });

  it("a rollback takes back clear, restoreMany and catalog changes too", async (backend) => {
    await seed(backend, "notes", { a: {}, b: {} }, { indexes: ["year"] });
    await assert.rejects(
      backend.transaction(async (tx) => {
        assert.equal(await call(() => tx.clear("notes")), 2);
        await call(() =>
          tx.restoreMany("notes", [{
            id: "r",
            rev: 4,
            createdAt: T2,
            updatedAt: T2,
            data: "{}",
          }], "replace")
        );
        await call(() => tx.ensureCollection("notes", options()));
        await call(() => tx.ensureCollection("fresh", options({ indexes: ["x"] })));
        await call(() => tx.put("fresh", putOf("f", {}, T2)));
        throw new Boom();
      }),
      Boom,
    );
    assert.deepEqual(await idsIn(backend, "notes"), ["a", "b"]);
    const catalog = await call(() => backend.collections());
    assert.deepEqual(catalog, [{ name: "notes", options: options({ indexes: ["year"] }) }]);
  });

  it("a savepoint on the handle rolls back alone; the transaction goes on and commits", async (backend) => {
    await seed(backend, "notes", { base: { v: 0 } });
    await backend.transaction(async (tx) => {
      await call(() => tx.put("notes", putOf("outer", {}, T2)));
      await assert.rejects(
        tx.transaction(async (savepoint) => {
          await call(() => savepoint.put("notes", putOf("inner", {}, T2)));
          await call(() => savepoint.put("notes", putOf("base", { v: 1 }, T2)));
          assert.deepEqual(await idsIn(savepoint, "notes"), ["base", "inner", "outer"]);
          throw new Boom();
        }),
        Boom,
      );
      assert.deepEqual(await idsIn(tx, "notes"), ["base", "outer"]);
      const value = await tx.transaction(async (savepoint) => {
        await call(() => savepoint.put("notes", putOf("kept", {}, T2)));
        return 42;
      });
      assert.equal(value, 42);
    });
    assert.deepEqual(await idsIn(backend, "notes"), ["base", "kept", "outer"]);
    assert.deepEqual((await call(() => backend.get("notes", "base")))?.doc, { v: 0 });
  });

  it("an outer rollback takes back a savepoint that was released", async (backend) => {
    await seed(backend, "notes", {});
    await assert.rejects(
      backend.transaction(async (tx) => {
        await tx.transaction(async (savepoint) => {
          await call(() => savepoint.put("notes", putOf("inner", {}, T2)));
        });
        assert.deepEqual(await idsIn(tx, "notes"), ["inner"]);
        throw new Boom();
      }),
      Boom,
    );
    assert.deepEqual(await idsIn(backend, "notes"), []);
  });

  it("a savepoint's catalog changes roll back with it", async (backend) => {
    await seed(backend, "notes", { a: {} }, { indexes: ["year"] });
    await backend.transaction(async (tx) => {
      await assert.rejects(
        tx.transaction(async (savepoint) => {
          await call(() => savepoint.ensureCollection("notes", options({ indexes: ["other"] })));
          await call(() => savepoint.ensureCollection("inner", options()));
          await call(() => savepoint.put("inner", putOf("i", {}, T2)));
          throw new Boom();
        }),
        Boom,
      );
      await call(() => tx.ensureCollection("outer", options({ indexes: ["x"] })));
      assert.deepEqual(
        (await call(() => tx.collections())).map((entry) => entry.name).sort(),
        ["notes", "outer"],
      );
    });
    const catalog = [...await call(() => backend.collections())].sort((a, b) =>
      a.name < b.name ? -1 : 1
    );
    assert.deepEqual(catalog, [
      { name: "notes", options: options({ indexes: ["year"] }) },
      { name: "outer", options: options({ indexes: ["x"] }) },
    ]);
  });

  it("savepoints nest three deep; each rolls back only its own writes", async (backend) => {
    await seed(backend, "notes", {});
    await backend.transaction(async (tx) => {
      await call(() => tx.put("notes", putOf("level1", {}, T2)));
      await tx.transaction(async (second) => {
        await call(() => second.put("notes", putOf("level2", {}, T2)));
        await assert.rejects(
          second.transaction(async (third) => {
            await call(() => third.put("notes", putOf("level3", {}, T2)));
            await call(() => third.delete("notes", "level1"));
            throw new Boom();
          }),
          Boom,
        );
        assert.deepEqual(await idsIn(second, "notes"), ["level1", "level2"]);
        await call(() => second.clear("notes"));
      });
      assert.deepEqual(await idsIn(tx, "notes"), []);
      await call(() => tx.put("notes", putOf("last", {}, T2)));
    });
    assert.deepEqual(await idsIn(backend, "notes"), ["last"]);
  });

  it(
    "a savepoint left running when its transaction ends never undoes what was acknowledged",
    async (backend) => {
      // Misuse (the savepoint is not awaited), but it must not turn an acknowledged commit, or a
      // write made after it, into a lost one. The transaction may commit (then its writes stay) or
      // roll back (then it rejects); the savepoint's later writes fail or are rolled back.
      await seed(backend, "notes", {});
      let inner: Promise<unknown> | undefined;
      const outcome = await backend.transaction(async (tx) => {
        await call(() => tx.put("notes", putOf("outer", {}, T2)));
        inner = tx.transaction(async (savepoint) => {
          await delay(10);
          await call(() => savepoint.put("notes", putOf("inner", {}, T2)));
          throw new Boom();
        });
        inner.catch(() => {});
      }).then(() => "committed", () => "rolled back");
      await call(() => backend.put("notes", putOf("after", {}, T2)));
      await inner?.catch(() => {});
      await delay(5);
      const ids = await idsIn(backend, "notes");
      assert.ok(ids.includes("after"), `a put acknowledged after the transaction is kept: ${ids}`);
      assert.equal(
        ids.includes("outer"),
        outcome === "committed",
        `the transaction ${outcome}: ${ids}`,
      );
      assert.ok(!ids.includes("inner"), `the failed savepoint wrote nothing: ${ids}`);
    },
  );

  it(
    "a savepoint left running when its transaction rolls back never commits it later",
    async (backend) => {
      await seed(backend, "notes", {});
      let inner: Promise<unknown> | undefined;
      await assert.rejects(
        backend.transaction(async (tx) => {
          await call(() => tx.put("notes", putOf("outer", {}, T2)));
          inner = tx.transaction(async (savepoint) => {
            await delay(10);
            await call(() => savepoint.put("notes", putOf("inner", {}, T2)));
          });
          inner.catch(() => {});
          throw new Boom();
        }),
        Boom,
      );
      assert.deepEqual(await idsIn(backend, "notes"), [], "right after the rollback");
      await inner?.catch(() => {});
      await delay(5);
      assert.deepEqual(await idsIn(backend, "notes"), [], "once the savepoint ended");
    },
  );

  it("a handle refuses use once its transaction ended (CLOSED), committed or rolled back", async (backend) => {
    await seed(backend, "notes", { a: {} });
    let committed: Connection | undefined;
    let savepointHandle: Connection | undefined;
    await backend.transaction(async (tx) => {
      committed = tx;
      await tx.transaction(async (savepoint) => {
        savepointHandle = savepoint;
        await call(() => savepoint.get("notes", "a"));
      });
      // The savepoint ended; the transaction has not.
      await rejectsWith(call(() => savepointHandle!.get("notes", "a")), "CLOSED");
      assert.ok((await call(() => tx.get("notes", "a"))) !== undefined);
    });
    let rolledBack: Connection | undefined;
    await assert.rejects(
      backend.transaction(async (tx) => {
        rolledBack = tx;
        await call(() => tx.get("notes", "a"));
        throw new Boom();
      }),
      Boom,
    );
    for (const tx of [committed!, rolledBack!]) {
      await rejectsWith(call(() => tx.get("notes", "a")), "CLOSED");
      await rejectsWith(call(() => tx.put("notes", putOf("late", {}, T2))), "CLOSED");
      await rejectsWith(call(() => tx.page("notes", { limit: 1 })), "CLOSED");
      await rejectsWith(call(() => tx.transaction(() => Promise.resolve())), "CLOSED");
      // Its capabilities too.
      const { find, search, stats } = tx;
      if (find != null) await rejectsWith(call(() => find.count("notes")), "CLOSED");
      if (search != null) await rejectsWith(call(() => search.optimize("notes")), "CLOSED");
      if (stats != null) await rejectsWith(call(() => stats.collection("notes")), "CLOSED");
    }
    // Nothing a refused call tried was written, and the backend still works.
    assert.deepEqual(await idsIn(backend, "notes"), ["a"]);
  });

  it("a handle has the same optional capabilities as the backend", async (backend) => {
    await backend.transaction(async (tx) => {
      for (const name of ["find", "search", "explain", "stats"] as const) {
        assert.equal(tx[name] == null, backend[name] == null, `${name} on the handle`);
      }
      await Promise.resolve();
    });
  });

  it("calls on the backend never see a transaction's uncommitted writes", async (backend) => {
    await seed(backend, "notes", { a: { v: 0 }, b: { v: 0 } });
    let get: Promise<unknown> | undefined;
    let page: Promise<string[]> | undefined;
    let catalog: Promise<unknown> | undefined;
    await assert.rejects(
      backend.transaction(async (tx) => {
        await call(() => tx.put("notes", putOf("a", { v: 1 }, T2)));
        await call(() => tx.put("notes", putOf("dirty", {}, T2)));
        await call(() => tx.delete("notes", "b"));
        await call(() => tx.ensureCollection("dirty", options()));
        get = (await startOutside(async () => (await call(() => backend.get("notes", "a")))?.doc))
          .running;
        page = (await startOutside(() => idsIn(backend, "notes"))).running;
        catalog = (await startOutside(async () =>
          (await call(() =>
            backend.collections()
          )).map((entry) => entry.name)
        )).running;
        throw new Boom();
      }),
      Boom,
    );
    assert.deepEqual(await get, { v: 0 });
    assert.deepEqual(await page, ["a", "b"]);
    assert.deepEqual(await catalog, ["notes"]);
  });

  it("queries on the backend never see a transaction's uncommitted writes", async (backend) => {
    await seed(backend, "notes", { a: { n: 1 }, b: { n: 2 } });
    const find = backend.find;
    let count: Promise<number> | undefined;
    let found: Promise<string[]> | undefined;
    await assert.rejects(
      backend.transaction(async (tx) => {
        await call(() => tx.put("notes", putOf("c", { n: 3 }, T2)));
        await call(() => tx.delete("notes", "a"));
        if (find != null) {
          count = (await startOutside(() => call(() => find.count("notes")))).running;
          found = (await startOutside(async () =>
            idsOf(
              await call(() => find.find("notes", { filter: MATCH_ALL, sort: [], limit: 10 })),
            )
          )).running;
        }
        throw new Boom();
      }),
      Boom,
    );
    if (find != null) {
      assert.equal(await count, 2);
      assert.deepEqual(await found, ["a", "b"]);
    }
  }, {
    skip: skipWithout(context, "find"),
  });

  it("a write on the backend while a transaction is open is not rolled back with it", async (backend) => {
    await seed(backend, "notes", {});
    let outside: Promise<unknown> | undefined;
    await assert.rejects(
      backend.transaction(async (tx) => {
        await call(() => tx.put("notes", putOf("inside", {}, T2)));
        const put = () => call(() => backend.put("notes", putOf("outside", {}, T2)));
        outside = (await startOutside(put)).running;
        throw new Boom();
      }),
      Boom,
    );
    await outside;
    assert.deepEqual(await idsIn(backend, "notes"), ["outside"]);
  });

  it("transactions started side by side on the backend both commit", async (backend) => {
    await seed(backend, "notes", {});
    const write = (id: string) =>
      backend.transaction(async (tx) => {
        await call(() => tx.put("notes", putOf(id, {}, T2)));
        await delay(2);
        await call(() => tx.put("notes", putOf(`${id}-2`, {}, T2)));
        return id;
      });
    assert.deepEqual(await Promise.all([write("x"), write("y")]), ["x", "y"]);
    assert.deepEqual(await idsIn(backend, "notes"), ["x", "x-2", "y", "y-2"]);
  });

  it("a write that fails inside a transaction does not stop it from committing the rest", async (backend: Backend) => {
    await seed(backend, "notes", { a: {} });
    await backend.transaction(async (tx) => {
      await rejectsWith(call(() => tx.put("notes", putOf("a", {}, T2, 0))), "CONFLICT");
      await call(() => tx.put("notes", putOf("b", {}, T2)));
    });
    assert.deepEqual(await idsIn(backend, "notes"), ["a", "b"]);
  });
}
