/**
 * The differential test: generated filters and sorts over generated documents, on SQLite
 * (src/backends/sqlite/to_sql.ts) and on the evaluator (src/query/evaluate.ts), must give the same ids in
 * the same order, and the evaluator over columns of the documents (src/query/columns.ts, the
 * memory backend's repeated scans) the same matches; a subset also pages through SQLite with
 * keyset cursors. Seeded: a failure
 * prints its seed, and `bun scripts/differential.ts --seed S --from I --cases 1` replays it.
 * The script runs millions of cases on demand.
 */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { describeMismatch, Differential, type Mismatch } from "./fixtures/query_generator.ts";

const SEED = 20240601;
const CASES = 10_000;
const BATCHES = 4;
/** Every this many cases also page through the results with keyset cursors. */
const PAGE_EVERY = 5;

const differential = await Differential.open(SEED);

describe("differential: SQLite, the evaluator and columns agree on generated queries", () => {
  after(() => differential.close());

  test("every sort value is what json_extract returns (containers' JSON text included)", () => {
    assert.deepEqual(differential.checkSqlValues(), []);
  });

  const size = CASES / BATCHES;
  for (let batch = 0; batch < BATCHES; batch++) {
    const from = batch * size;
    test(`cases ${from}–${from + size - 1} of seed ${SEED}`, { timeout: 120_000 }, () => {
      const mismatches: Mismatch[] = [];
      for (let index = from; index < from + size; index++) {
        const pageSize = index % PAGE_EVERY === 0 ? 1 + (index % 7) : undefined;
        const mismatch = differential.check(index, pageSize);
        if (mismatch !== undefined) mismatches.push(mismatch);
      }
      for (const mismatch of mismatches.slice(0, 3)) console.error(describeMismatch(mismatch));
      assert.equal(mismatches.length, 0, `${mismatches.length} of ${size} cases disagree`);
    });
  }
});
