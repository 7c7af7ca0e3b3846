/**
 * A short run of the crash suite (scripts/crash.ts): a few SIGKILLs per operation, backend and
 * child runtime, with a fixed seed. The full run (50 kills each) is `bun scripts/crash.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCrashSuite, summaryTable } from "../scripts/crash.ts";
import { CASES } from "../scripts/lib/crash_cases.ts";

/** Kills per operation, backend and child runtime. */
const KILLS = 3;
/** Fixed, so that every run aims its kills at the same moments. */
const SEED = 9;

describe("crash suite: SIGKILL during writes loses nothing acknowledged, tears nothing", () => {
  for (const name of CASES) {
    test(`${name} on sqlite:// and file://, children on bun and deno`, {
      timeout: 120_000,
    }, async () => {
      const results = await runCrashSuite({ cases: [name], kills: KILLS, seed: SEED });
      console.log(summaryTable(results));
      assert.equal(results.length, 4);
      for (const result of results) assert.equal(result.kills, KILLS);
      const violations = results.flatMap((result) => result.violations);
      assert.deepEqual(violations.map(({ kind, message }) => `[${kind}] ${message}`), []);
    });
  }
});
