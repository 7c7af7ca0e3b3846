/**
 * Conformance cases of the stats capability: a collection's count and the UTF-8 bytes of its
 * JSON documents, and the storage figures as a record of numbers and strings.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Backend, StatsCapability } from "../../src/backend/contract.ts";
import {
  call,
  delay,
  options,
  putOf,
  seed,
  skipWithout,
  type SuiteContext,
  T2,
} from "./support.ts";

/** The backend's stats capability (the group runs only when it has one). */
function statsOf(backend: Pick<Backend, "stats">): StatsCapability {
  const stats = backend.stats;
  assert.ok(stats != null, "the connection has no stats capability");
  return stats;
}

/** UTF-8 bytes of the JSON text of `docs`. */
function bytesOf(...docs: Record<string, unknown>[]): number {
  return docs.reduce((sum, doc) => sum + Buffer.byteLength(JSON.stringify(doc)), 0);
}

/** Registers the stats cases. */
export function statsCases(context: SuiteContext): void {
  const skip = skipWithout(context, "stats");
  const { it } = context;

  it("collection stats: the count and the UTF-8 bytes of the stored JSON", async (backend) => {
    const a = { title: "plain" };
    const b = { title: "Zoë 東京 🚀", n: [1, 2, 3] };
    await seed(backend, "notes", { a, b });
    await call(() => backend.ensureCollection("empty", options()));
    const stats = statsOf(backend);
    assert.deepEqual(await call(() => stats.collection("notes")), {
      count: 2,
      bytes: bytesOf(a, b),
    });
    assert.deepEqual(await call(() => stats.collection("empty")), { count: 0, bytes: 0 });
    const c = { title: "replaced" };
    await call(() => backend.put("notes", putOf("a", c, T2)));
    await call(() => backend.delete("notes", "b"));
    assert.deepEqual(await call(() => stats.collection("notes")), { count: 1, bytes: bytesOf(c) });
  }, { skip });

  it("collection stats on a handle count the transaction's writes", async (backend) => {
    await seed(backend, "notes", { a: {} });
    await backend.transaction(async (tx) => {
      await call(() => tx.put("notes", putOf("b", { x: 1 }, T2)));
      assert.deepEqual(await call(() => statsOf(tx).collection("notes")), {
        count: 2,
        bytes: bytesOf({}, { x: 1 }),
      });
    });
  }, { skip });

  it(
    "collection stats on the backend never count a transaction's uncommitted writes",
    async (backend) => {
      await seed(backend, "notes", { a: {} });
      let outside: Promise<unknown> | undefined;
      await assert.rejects(
        backend.transaction(async (tx) => {
          await call(() => tx.put("notes", putOf("b", { x: 1 }, T2)));
          outside = call(() => statsOf(backend).collection("notes"));
          outside.catch(() => {});
          await Promise.race([outside, delay(15)]);
          throw new Error("roll back");
        }),
        /roll back/,
      );
      assert.deepEqual(await outside, { count: 1, bytes: bytesOf({}) });
    },
    { skip },
  );

  it("storage stats are a record of numbers and strings", async (backend) => {
    await seed(backend, "notes", { a: {} });
    const storage = await call(() => statsOf(backend).storage());
    assert.equal(Object.getPrototypeOf(storage), Object.prototype);
    for (const [key, value] of Object.entries(storage)) {
      assert.ok(
        typeof value === "string" || (typeof value === "number" && !Number.isNaN(value)),
        `storage.${key} is a number or a string: ${value}`,
      );
    }
  }, { skip });
}
