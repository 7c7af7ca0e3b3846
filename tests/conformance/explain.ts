/**
 * Conformance cases of the explain capability: the shape of a plan (`backend`, `plan`,
 * `indexes`), which names only indexes the collection has, and which changes nothing.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend, ExplainCapability } from "../../src/backend/contract.ts";
import { prepareQuery } from "../../src/query/query.ts";
import { call, idsOf, seed, skipWithout, type SuiteContext } from "./support.ts";

const INDEXES = ["year", ["author", "year"]];

/** The backend's explain capability (the group runs only when it has one). */
function explainOf(backend: Backend): ExplainCapability {
  const explain = backend.explain;
  assert.ok(explain != null, "the backend lost its explain capability");
  return explain;
}

/** Registers the explain cases. */
export function explainCases(context: SuiteContext): void {
  const skip = skipWithout(context, "explain");
  const it = (name: string, fn: (backend: Backend) => Promise<void>) =>
    context.it(name, async (backend) => {
      await seed(backend, "books", {
        b1: { year: 1999, author: "Ann" },
        b2: { year: 2005, author: "Bob" },
      }, { indexes: INDEXES });
      await fn(backend);
    }, { skip });

  it("explain reports the backend, a plan and the indexes it uses, and changes nothing", async (backend) => {
    const explain = explainOf(backend);
    for (
      const [filter, sort] of [
        [{ year: { $gte: 2000 } }, "-year"],
        [{ author: "Ann", year: 1999 }, undefined],
        [undefined, undefined],
        [{ title: "unindexed" }, "title"],
      ] as const
    ) {
      const query = prepareQuery(filter, sort);
      const plan = await call(() =>
        explain.explain("books", { filter: query.filter, sort: query.sort, limit: 51 })
      );
      const where = `explain of ${JSON.stringify(filter)} sorted by ${sort}`;
      assert.equal(plan.backend, backend.kind, where);
      assert.ok(Array.isArray(plan.plan) && plan.plan.length > 0, `${where}: a plan`);
      for (const step of plan.plan) assert.equal(typeof step, "string", where);
      assert.ok(Array.isArray(plan.indexes), where);
      const known = INDEXES.map((index) =>
        JSON.stringify(typeof index === "string" ? [index] : index)
      );
      for (const index of plan.indexes) {
        assert.ok(
          known.includes(JSON.stringify(index)),
          `${where}: ${JSON.stringify(index)} is one of the collection's indexes`,
        );
      }
    }
    assert.deepEqual(idsOf(await call(() => backend.page("books", { limit: 10 }))), ["b1", "b2"]);
  });
}
