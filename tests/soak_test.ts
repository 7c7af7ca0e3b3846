/**
 * The multi-process soak (scripts/soak.ts), short: two workers (one Bun, one Deno) and a reader
 * on one SQLite file for a few seconds. No error may surface and no invariant may break, and
 * every kind of operation must have run. The checks the soak relies on are tested first: each
 * must see what it is there to see.
 *
 * @module
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  accountProblem,
  docProblem,
  KINDS,
  makeAccount,
  makeDoc,
  RevTracker,
  runSoak,
} from "../scripts/lib/soak.ts";
import { seededRandom } from "../scripts/lib/seeded_random.ts";
import type { Document } from "../mod.ts";

const SECONDS = 5;

describe("soak checks", () => {
  test("a whole document passes; a changed, mixed or mislabelled one does not", () => {
    const random = seededRandom(3);
    const doc = makeDoc(random, { kind: "p", by: 0, seq: 1 }) as unknown as Document;
    assert.equal(docProblem("p-1", doc), undefined);
    assert.match(docProblem("p-1", { ...doc, pad: "x" })!, /checksum/);
    const other = makeDoc(random, { kind: "p", by: 1, seq: 2 }) as unknown as Document;
    assert.match(docProblem("p-1", { ...doc, text: other.text })!, /checksum/);
    assert.match(docProblem("d-1", doc)!, /kind/);
    assert.match(docProblem("p-1", undefined)!, /undefined/);
    const account = makeAccount(10, 1) as unknown as Document;
    assert.equal(accountProblem("a-1", account), undefined);
    assert.match(accountProblem("a-1", { ...account, balance: 11 })!, /checksum/);
    const negative = makeAccount(-1, 1) as unknown as Document;
    assert.match(accountProblem("a-1", negative)!, /balance -1/);
  });

  test("revs may not go back, nor name two contents; a recreated d- document starts again", () => {
    const seen = new RevTracker();
    const at = "2026-01-01T00:00:00.000Z";
    const later = "2026-01-01T00:00:01.000Z";
    assert.equal(seen.observe("p-1", { rev: 2, createdAt: at }, { sum: "a" }), undefined);
    assert.equal(seen.observe("p-1", { rev: 3, createdAt: at }, { sum: "b" }), undefined);
    assert.match(seen.observe("p-1", { rev: 2, createdAt: at }, { sum: "a" })!, /went back/);
    assert.match(seen.observe("p-1", { rev: 2, createdAt: at }, { sum: "c" })!, /two different/);
    assert.match(seen.observe("p-1", { rev: 5, createdAt: later }, { sum: "d" })!, /createdAt/);
    assert.equal(seen.observe("d-1", { rev: 4, createdAt: at }, { sum: "a" }), undefined);
    assert.equal(seen.observe("d-1", { rev: 1, createdAt: later }, { sum: "b" }), undefined);
    // Deleted and created again within one millisecond: the same createdAt, a lower rev.
    assert.equal(seen.observe("d-1", { rev: 3, createdAt: later }, { sum: "c" }), undefined);
    assert.equal(seen.observe("d-1", { rev: 1, createdAt: later }, { sum: "d" }), undefined);
  });
});

describe("soak", () => {
  test(
    `a Bun and a Deno worker and a reader for ${SECONDS} s: no error, no violation`,
    { timeout: 120_000 },
    async () => {
      const lines: string[] = [];
      const report = await runSoak({
        processes: 2,
        seconds: SECONDS,
        runtimes: ["bun", "deno"],
        seed: 42,
        progressSeconds: 60,
        log: (line) => lines.push(line),
      });
      const context = `\n${lines.join("\n")}`;
      assert.deepEqual(report.workers, ["bun", "deno"]);
      assert.equal(report.errors, 0, `errors surfaced${context}`);
      assert.equal(report.violations, 0, `invariant violations${context}`);
      for (const kind of KINDS) assert.ok(report.ops[kind] > 0, `no ${kind} ran${context}`);
      assert.ok(report.readerRounds > 0, `the reader checked nothing${context}`);
      assert.ok(report.final.checkOk, `check() is not ok${context}`);
      assert.equal(report.final.accountsTotal, 16_000);
      assert.equal(report.final.counterTotal, report.increments);
    },
  );
});
