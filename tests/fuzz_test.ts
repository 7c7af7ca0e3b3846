/**
 * The fuzz test of the public API (issue 9): nothing but a QuireError leaves it, with a code the
 * README documents for the call; every backend gives the same answer or the same code; a refused
 * call changes nothing. The properties live in tests/fuzz/properties.ts; here they run with a
 * fixed seed and a bounded number of runs. `scripts/fuzz.ts` runs them longer with a new seed.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PROPERTIES, runProperty } from "./fuzz/properties.ts";

/** The CI seed: a failure here replays with `scripts/fuzz.ts --seed 20260901`. */
const SEED = 20260901;

describe("fuzz", () => {
  for (const property of PROPERTIES) {
    test(property.name, { timeout: 120_000 }, async () => {
      const result = await runProperty(property, { seed: SEED, numRuns: property.ciRuns });
      assert.ok(!result.failed, result.report);
    });
  }
});
