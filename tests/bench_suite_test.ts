/**
 * The benchmark suite's own parts (bench/suite/): the documents are the same on every runtime
 * and for every size, statistics and targets are computed as documented, and a tiny run on this
 * runtime writes a result that holds every case it was asked for.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { documentId, generate } from "../bench/suite/data.ts";
import { statsOf } from "../bench/suite/measure.ts";
import { childCommand } from "../bench/suite/runtime.ts";
import { evaluateTargets } from "../bench/suite/targets.ts";
import type { RatioResult, RunResult } from "../bench/suite/types.ts";
import { runtime, tempDir } from "./helpers.ts";

describe(`benchmark suite (${runtime})`, () => {
  test("documents: the same on every runtime, the first n of any larger set, about 500 bytes", () => {
    const docs = generate(300);
    // The digest pins the generator across runtimes and runs; a change to it bumps
    // DATA_VERSION in data.ts (so that no old cache is read) and this digest.
    const digest = createHash("sha256").update(JSON.stringify(docs)).digest("hex");
    assert.equal(digest.slice(0, 16), "c12d2b5c34ac0fe8");
    assert.deepEqual(generate(120), docs.slice(0, 120));
    assert.deepEqual(docs.map(([id]) => id).slice(0, 2), ["doc-0000001", "doc-0000002"]);
    const sizes = docs.map(([, doc]) => JSON.stringify(doc).length).sort((a, b) => a - b);
    assert.ok(sizes[150]! > 450 && sizes[150]! < 550, `median size ${sizes[150]}`);
    for (const [i, [, doc]] of docs.entries()) {
      if (doc.related !== null) assert.ok(doc.related < documentId(i), "related comes earlier");
    }
  });

  test("statistics: median, quartiles by interpolation, extremes", () => {
    assert.deepEqual(statsOf([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, p25: 1.75, p75: 3.25 });
    assert.deepEqual(statsOf([7]), { median: 7, min: 7, max: 7, p25: 7, p75: 7 });
  });

  test("targets: time ratios, throughput ratios and their verdicts, per size", () => {
    const ratio = (operation: RatioResult["operation"], against: string, median: number) => ({
      operation,
      subject: operation === "count" ? "quire memory" : "quire sqlite",
      against,
      size: 10_000,
      rounds: [median],
      median,
    });
    const targets = evaluateTargets({
      cases: [],
      ratios: [
        ratio("get", "raw SQLite", 1.19),
        ratio("putMany", "raw SQLite", 1.4), // throughput 0.71: below 0.75
        ratio("count", "LokiJS", 0.5), // twice LokiJS's throughput
      ],
    });
    assert.deepEqual(
      targets.map(({ id, verdict }) => [id, verdict]),
      [["get-floor@10000", "PASS"], ["putMany-floor@10000", "MISS"], ["count-loki@10000", "PASS"]],
    );
    assert.equal(targets[1]!.value.toFixed(3), (1 / 1.4).toFixed(3));
  });

  test("flat targets: the side-by-side scaling ratio when the run has one, else the two cases", () => {
    const cell = (operation: "get" | "findIndexed", size: number, median: number) => ({
      operation,
      subject: "quire sqlite",
      group: "quire" as const,
      size,
      unit: "op" as const,
      median,
    });
    const cases = [
      cell("get", 10_000, 10),
      cell("get", 1_000_000, 20), // 2×: a miss, if the cases are all there is
      cell("findIndexed", 10_000, 100),
      cell("findIndexed", 1_000_000, 120),
    ];
    const scaling = {
      operation: "get" as const,
      subject: "quire sqlite",
      against: "quire sqlite",
      size: 1_000_000,
      againstSize: 10_000,
      rounds: [1.2, 1.3],
      median: 1.25,
    };
    const flat = (ratios: RatioResult[]) =>
      evaluateTargets({ cases, ratios }).map(({ id, value, verdict, text }) => ({
        id,
        value,
        verdict,
        sideBySide: text.includes("side by side"),
      }));
    assert.deepEqual(flat([]), [
      { id: "get-flat", value: 2, verdict: "MISS", sideBySide: false },
      { id: "findIndexed-flat", value: 1.2, verdict: "PASS", sideBySide: false },
    ]);
    assert.deepEqual(flat([scaling]), [
      { id: "get-flat", value: 1.25, verdict: "PASS", sideBySide: true },
      { id: "findIndexed-flat", value: 1.2, verdict: "PASS", sideBySide: false },
    ]);
    // Not a floor ratio: the get-floor target does not read it.
    assert.ok(
      !evaluateTargets({ cases: [], ratios: [scaling] }).some((t) => t.id.startsWith("get-floor")),
    );
  });

  test("a tiny run writes every case it was asked for", { timeout: 120_000 }, () => {
    const temp = tempDir("quire-bench-suite-");
    try {
      const out = join(temp.dir, "run.json");
      const script = join(import.meta.dirname!, "..", "bench", "suite", "run.ts");
      const [command, args] = childCommand(script, [
        "--sizes",
        "300",
        "--subjects",
        "quire sqlite,raw SQLite,quire memory",
        "--operations",
        "get,count,searchTerm,coldStartGet,put",
        "--out",
        out,
      ]);
      const done = spawnSync(command, args, { encoding: "utf8" });
      assert.equal(done.status, 0, done.stderr);
      const result = JSON.parse(readFileSync(out, "utf8")) as RunResult;
      assert.equal(result.runtime.name, runtime);
      // Written after every subject, marked partial until the run's end.
      assert.equal(result.partial, undefined);
      const cell = (operation: string, subject: string) =>
        result.cases.find((c) => c.operation === operation && c.subject === subject);
      for (const subject of ["quire sqlite", "raw SQLite", "quire memory"]) {
        for (const operation of ["get", "count", "searchTerm"]) {
          const found = cell(operation, subject);
          assert.ok(found?.median !== undefined && found.median > 0, `${subject} ${operation}`);
        }
      }
      assert.ok(cell("coldStartGet", "quire sqlite")!.median! > 0);
      assert.ok(cell("put", "quire sqlite")!.median! > 0);
      assert.match(cell("coldStartGet", "quire memory")!.unsupported!, /nothing on disk/);
      assert.deepEqual(result.ratios.map((r) => [r.operation, r.subject, r.against]), [
        ["get", "quire sqlite", "raw SQLite"],
        ["put", "quire sqlite", "raw SQLite"],
      ]);
      assert.deepEqual(result.targets.map((t) => t.id), ["get-floor@300", "put-floor@300"]);
      const rss = result.measures.filter((m) => m.metric === "rssBytes");
      assert.equal(rss.length, 3);
    } finally {
      temp.remove();
    }
  });
});
