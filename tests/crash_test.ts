/**
 * A short run of the crash suite (scripts/crash.ts): a few SIGKILLs per operation, backend and
 * child runtime, with a fixed seed. The full run (50 kills each) is `bun scripts/crash.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  runCrashSuite,
  summaryTable,
  type Violation,
  type ViolationKind,
} from "../scripts/crash.ts";
import { CASES } from "../scripts/lib/crash_cases.ts";

/** Kills per operation, backend and child runtime. */
const KILLS = 3;
/** Fixed, so that every run aims its kills at the same moments. */
const SEED = 9;

/**
 * Defects the suite finds that are not fixed yet: reported, not failed on. Remove an entry once
 * its fix lands, so that the suite guards it.
 */
const KNOWN: Partial<Record<ViolationKind, string>> = {
  "cut-backup": "the file backend's backup copies _catalog.json first and marks nothing as " +
    "complete, so a backup cut short opens read-only and check()s ok with documents missing",
  "empty-database": "a kill while SQLite creates a new database file can leave it empty, and " +
    'open() then refuses it with CORRUPT ("remove it to start a new one")',
};

function report(violations: Violation[]): string[] {
  const unexpected: string[] = [];
  for (const { kind, message } of violations) {
    const known = KNOWN[kind];
    if (known === undefined) unexpected.push(`[${kind}] ${message}`);
    else console.log(`known defect (${known}):\n  ${message}`);
  }
  return unexpected;
}

describe("crash suite: SIGKILL during writes loses nothing acknowledged, tears nothing", () => {
  for (const name of CASES) {
    test(`${name} on sqlite:// and file://, children on bun and deno`, {
      timeout: 120_000,
    }, async () => {
      const results = await runCrashSuite({ cases: [name], kills: KILLS, seed: SEED });
      console.log(summaryTable(results));
      assert.equal(results.length, 4);
      for (const result of results) assert.equal(result.kills, KILLS);
      assert.deepEqual(report(results.flatMap((result) => result.violations)), []);
    });
  }
});
