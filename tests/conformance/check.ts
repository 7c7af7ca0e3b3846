/**
 * Conformance cases of the check capability: a store written only through the contract has no
 * problems.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend, CheckCapability } from "../../src/backend/contract.ts";
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

/** The backend's check capability (the group runs only when it has one). */
function checkOf(backend: Backend): CheckCapability {
  const check = backend.check;
  assert.ok(check != null, "the backend lost its check capability");
  return check;
}

/** Registers the check cases. */
export function checkCases(context: SuiteContext): void {
  const skip = skipWithout(context, "check");
  const { it } = context;

  it("an empty store has no problems", async (backend) => {
    assert.deepEqual(await call(() => checkOf(backend).check()), []);
  }, { skip });

  it("a check while a transaction is open finds no problem in it", async (backend) => {
    await seed(backend, "notes", { a: {} }, { search: { fields: ["title"] } });
    let problems: Promise<unknown> | undefined;
    await backend.transaction(async (tx) => {
      await call(() => tx.put("notes", putOf("b", { title: "half written" }, T2)));
      problems = call(() => checkOf(backend).check());
      problems.catch(() => {});
      await Promise.race([problems, delay(15)]);
      await call(() => tx.delete("notes", "a"));
    });
    assert.deepEqual(await problems, []);
    assert.deepEqual(await call(() => checkOf(backend).check()), []);
  }, { skip });

  it("a store written through the contract has no problems", async (backend) => {
    await seed(backend, "notes", { a: { title: "Zoë" }, "a/b": { n: 1 } }, {
      indexes: ["n"],
      search: { fields: ["title"] },
    });
    await seed(backend, "other", { x: { list: [1, { y: null }] } });
    await call(() => backend.put("notes", putOf("a", { title: "again" }, T2)));
    await call(() => backend.delete("other", "x"));
    await call(() => backend.ensureCollection("notes", options({ search: { fields: ["n"] } })));
    assert.deepEqual(await call(() => checkOf(backend).check()), []);
  }, { skip });
}
