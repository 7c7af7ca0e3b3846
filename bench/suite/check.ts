/**
 * `npm run bench:check`: compares a fresh quick run with the committed one of the same runtime,
 * so that a change which makes quire slower against its floor is caught before it is committed.
 *
 * ```sh
 * node_modules/.bin/bun bench/suite/check.ts bench/results/quick-bun.json /tmp/fresh.json
 * ```
 *
 * Exit status: 0 when the check passes, 1 when it fails, 2 when it cannot compare (usage, an
 * unreadable file, runs of two runtimes).
 *
 * Only the quire ÷ floor time ratios count: they come from rounds that alternate the two sides,
 * so they hold across machines and loads where the raw times do not. A ratio more than 25% higher
 * than the committed one fails the check (exit 1); so does a committed ratio missing from the
 * fresh run, since nothing would guard it any more. Targets that went from PASS to MISS are
 * listed but do not fail it: their verdicts flip with noise near the limit, which the 25% margin
 * is there to absorb.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { formatCount, formatNumber, markdownTable } from "./report.ts";
import type { RunResult, TargetResult } from "./types.ts";

/** How much higher a fresh ratio may be than the committed one: 25%. */
export const TOLERANCE = 0.25;

/** One quire ÷ floor ratio, committed and fresh. */
export interface RatioChange {
  operation: string;
  subject: string;
  against: string;
  size: number;
  committed?: number;
  fresh?: number;
  /** OK, WORSE (over the tolerance), MISSING (committed only: fails), NEW (fresh only). */
  status: "OK" | "WORSE" | "MISSING" | "NEW";
}

/** What {@linkcode compareRuns} found. */
export interface Comparison {
  ratios: RatioChange[];
  /** Targets that passed in the committed run and miss in the fresh one. */
  newMisses: { committed: TargetResult; fresh: TargetResult }[];
  ok: boolean;
}

/** The quire ÷ floor ratios of a run, by operation, subject, floor and size. */
function floorRatios(run: RunResult): Map<string, RunResult["ratios"][number]> {
  const group = new Map(run.cases.map((c) => [c.subject, c.group]));
  return new Map(
    run.ratios
      .filter((r) => group.get(r.subject) === "quire" && group.get(r.against) === "floor")
      .map((r) => [JSON.stringify([r.operation, r.subject, r.against, r.size]), r]),
  );
}

/** Compares the quire ÷ floor ratios and the target verdicts of two runs of one runtime. */
export function compareRuns(
  committed: RunResult,
  fresh: RunResult,
  tolerance = TOLERANCE,
): Comparison {
  if (committed.runtime.name !== fresh.runtime.name) {
    throw new Error(
      `the runs are of ${committed.runtime.name} and ${fresh.runtime.name}: compare one runtime`,
    );
  }
  const before = floorRatios(committed);
  const after = floorRatios(fresh);
  const ratios: RatioChange[] = [];
  for (const [key, r] of before) {
    const now = after.get(key);
    const base = { operation: r.operation, subject: r.subject, against: r.against, size: r.size };
    if (now === undefined) ratios.push({ ...base, committed: r.median, status: "MISSING" });
    else {
      const worse = now.median > r.median * (1 + tolerance);
      ratios.push({
        ...base,
        committed: r.median,
        fresh: now.median,
        status: worse ? "WORSE" : "OK",
      });
    }
  }
  for (const [key, r] of after) {
    if (before.has(key)) continue;
    const { operation, subject, against, size } = r;
    ratios.push({ operation, subject, against, size, fresh: r.median, status: "NEW" });
  }
  const newMisses = committed.targets.flatMap((t) => {
    const now = fresh.targets.find((f) => f.id === t.id);
    return t.verdict === "PASS" && now?.verdict === "MISS" ? [{ committed: t, fresh: now }] : [];
  });
  const ok = ratios.every((r) => r.status === "OK" || r.status === "NEW");
  return { ratios, newMisses, ok };
}

/** The comparison as a table and a verdict, for the terminal. */
export function formatComparison(c: Comparison, tolerance = TOLERANCE): string {
  const ratio = (v: number | undefined) => v === undefined ? "—" : `${formatNumber(v)}×`;
  const rows = c.ratios.map((r) => [
    r.operation,
    formatCount(r.size),
    `${r.subject} ÷ ${r.against}`,
    ratio(r.committed),
    ratio(r.fresh),
    r.committed === undefined || r.fresh === undefined
      ? "—"
      : `${r.fresh >= r.committed ? "+" : ""}${((r.fresh / r.committed - 1) * 100).toFixed(1)}%`,
    r.status,
  ]);
  const out = [
    markdownTable(
      ["operation", "size", "quire ÷ floor", "committed", "fresh", "change", ""],
      rows,
      ["l", "r", "l", "r", "r", "r", "l"],
    ),
  ];
  for (const { committed, fresh } of c.newMisses) {
    out.push(
      `target ${committed.id} went PASS → MISS: ${formatNumber(committed.value)} → ` +
        `${formatNumber(fresh.value)} (${committed.text})`,
    );
  }
  const failed = c.ratios.filter((r) => r.status === "WORSE" || r.status === "MISSING");
  out.push(
    c.ok
      ? `OK: no quire ÷ floor ratio is more than ${tolerance * 100}% worse than committed.`
      : `FAILED: ${failed.length} ratio(s) more than ${tolerance * 100}% worse than committed, ` +
        "or missing from the fresh run.",
  );
  return out.join("\n");
}

if (import.meta.main) {
  const [committedPath, freshPath] = process.argv.slice(2);
  if (committedPath === undefined || freshPath === undefined) {
    console.error("usage: check.ts <committed.json> <fresh.json>");
    process.exit(2);
  }
  try {
    const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as RunResult;
    const comparison = compareRuns(read(committedPath), read(freshPath));
    console.log(formatComparison(comparison));
    process.exit(comparison.ok ? 0 : 1);
  } catch (e) {
    console.error(`bench:check: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  }
}
