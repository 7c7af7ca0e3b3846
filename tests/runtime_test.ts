/**
 * The runtime check: which runtimes and versions quire accepts, and what a too-old one is told.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MINIMUM_VERSIONS, RUNTIME, RUNTIME_VERSION, runtimeProblem } from "../src/runtime.ts";

describe("runtime", () => {
  test("this runtime is detected, with its version, and accepted", () => {
    assert.ok(RUNTIME === "bun" || RUNTIME === "deno" || RUNTIME === "node");
    assert.match(RUNTIME_VERSION ?? "", /^\d+\.\d+\.\d+/);
    assert.equal(runtimeProblem(RUNTIME, RUNTIME_VERSION), undefined);
  });

  test("the minimum versions", () => {
    assert.deepEqual(MINIMUM_VERSIONS, { bun: "1.4.0", deno: "2.9.0", node: "22.16.0" });
  });

  const cases: [Parameters<typeof runtimeProblem>, RegExp | undefined][] = [
    [["bun", "1.4.0"], undefined],
    [["bun", "1.4.5"], undefined],
    [["bun", "2.0.0"], undefined],
    [["bun", "1.3.9"], /^quire needs Bun 1\.4\.0 or later, and this is Bun 1\.3\.9$/],
    [["bun", "0.9.0"], /needs Bun 1\.4\.0/],
    [["deno", "2.9.6"], undefined],
    [["deno", "3.0.0"], undefined],
    [["deno", "2.8.12"], /^quire needs Deno 2\.9\.0 or later, and this is Deno 2\.8\.12$/],
    [["deno", "1.46.3"], /needs Deno 2\.9\.0/],
    [["node", "22.16.0"], undefined],
    [["node", "24.21.0"], undefined],
    [["node", "v23.0.0"], undefined],
    [
      ["node", "22.15.1"],
      /^quire needs Node 22\.16\.0 or later, and this is Node 22\.15\.1 \(.*setReturnArrays/,
    ],
    [
      ["node", "22.12.0"],
      /Node 22\.12\.0 \(node:sqlite is unflagged from Node 22\.13: 22\.5 to 22\.12 need --experimental-sqlite/,
    ],
    [["node", "20.18.0"], /needs Node 22\.16\.0 or later, and this is Node 20\.18\.0/],
    // Pre-releases count as their version; what cannot be read is not refused.
    [["node", "22.16.0-rc.1"], undefined],
    [["bun", "1.4.0-canary.12+abc"], undefined],
    [["deno", undefined], undefined],
    [["node", "unknown"], undefined],
    [[undefined, undefined], /^quire runs on Bun, Deno or Node, and this runtime is none of them$/],
  ];
  for (const [[runtime, version], expected] of cases) {
    test(`${runtime} ${version}: ${expected === undefined ? "accepted" : "refused"}`, () => {
      const problem = runtimeProblem(runtime, version);
      if (expected === undefined) assert.equal(problem, undefined);
      else assert.match(problem ?? "", expected);
    });
  }
});
