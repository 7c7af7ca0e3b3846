/**
 * The suite's targets, each a figure of one run checked against a limit: ratios measured side by
 * side (measure.ts `timeRatio`), costs of one subject at two sizes, a cold start. A target whose
 * figures a run does not have (a quick run has one size) is not reported for it.
 *
 * @module
 */

import type { CaseResult, Operation, RatioResult, RunResult, TargetResult } from "./types.ts";

/** The subjects the targets name. */
export const SQLITE = "quire sqlite";
export const MEMORY = "quire memory";
export const FLOOR = "raw SQLite";
export const LOKI = "LokiJS";

/** The pairs timed side by side for the targets: [operation, subject, against]. */
export const TARGET_PAIRS: readonly (readonly [Operation, string, string])[] = [
  ["get", SQLITE, FLOOR],
  ["put", SQLITE, FLOOR],
  ["putMany", SQLITE, FLOOR],
  ["findIndexed", SQLITE, FLOOR],
  ["count", MEMORY, LOKI],
];

interface RatioTarget {
  id: string;
  operation: Operation;
  subject: string;
  against: string;
  text: string;
  /** Throughput targets compare the inverse of the time ratio. */
  throughput: boolean;
  limit: number;
}

const RATIO_TARGETS: readonly RatioTarget[] = [
  {
    id: "get-floor",
    operation: "get",
    subject: SQLITE,
    against: FLOOR,
    text: "SQLite backend get ≤ 1.2× raw time",
    throughput: false,
    limit: 1.2,
  },
  {
    id: "put-floor",
    operation: "put",
    subject: SQLITE,
    against: FLOOR,
    text: "put throughput ≥ 0.8× the raw autocommit insert",
    throughput: true,
    limit: 0.8,
  },
  {
    id: "putMany-floor",
    operation: "putMany",
    subject: SQLITE,
    against: FLOOR,
    text: "putMany throughput ≥ 0.75× the plain-INSERT bulk floor",
    throughput: true,
    limit: 0.75,
  },
  {
    id: "findIndexed-floor",
    operation: "findIndexed",
    subject: SQLITE,
    against: FLOOR,
    text: "indexed find ≤ 1.5× raw time",
    throughput: false,
    limit: 1.5,
  },
  {
    id: "count-loki",
    operation: "count",
    subject: MEMORY,
    against: LOKI,
    text: "memory-backend count throughput ≥ LokiJS's",
    throughput: true,
    limit: 1,
  },
];

/** Sizes whose cost must stay within 1.5× of the cost at 10,000 documents. */
export const FLAT = { from: 10_000, to: 1_000_000, limit: 1.5 };

/**
 * The operations whose cost at `FLAT.to` is timed side by side with their cost at `FLAT.from`
 * (the same subject loaded with each), for the flat targets: [operation, subject].
 */
export const SCALING_PAIRS: readonly (readonly [Operation, string])[] = [
  ["get", SQLITE],
  ["findIndexed", SQLITE],
];
const COLD_START = { size: 1_000_000, limitMs: 50 };

/** Every target the run has the figures for. */
export function evaluateTargets(run: Pick<RunResult, "cases" | "ratios">): TargetResult[] {
  const targets: TargetResult[] = [];
  for (const target of RATIO_TARGETS) {
    for (const ratio of ratiosOf(run.ratios, target)) {
      const value = target.throughput ? 1 / ratio.median : ratio.median;
      targets.push(verdict({
        id: `${target.id}@${ratio.size}`,
        text: `${target.text}, at ${ratio.size.toLocaleString("en")} documents`,
        value,
        limit: target.limit,
        direction: target.throughput ? "min" : "max",
      }));
    }
  }
  for (const [operation, subject] of SCALING_PAIRS) {
    // Timed side by side when the run did so; else the two cases, measured minutes apart (a
    // shared machine's speed may have changed in between).
    const paired = run.ratios.find((r) =>
      r.operation === operation && r.subject === subject && r.size === FLAT.to &&
      r.againstSize === FLAT.from
    );
    const from = caseOf(run.cases, operation, subject, FLAT.from);
    const to = caseOf(run.cases, operation, subject, FLAT.to);
    const value = paired?.median ??
      (from?.median !== undefined && to?.median !== undefined ? to.median / from.median : NaN);
    if (Number.isNaN(value)) continue;
    targets.push(verdict({
      id: `${operation}-flat`,
      text: `SQLite backend ${operation} at 1,000,000 documents ≤ 1.5× its cost at 10,000` +
        (paired ? " (side by side)" : " (the two cases)"),
      value,
      limit: FLAT.limit,
      direction: "max",
    }));
  }
  const cold = caseOf(run.cases, "coldStartGet", SQLITE, COLD_START.size);
  if (cold?.median !== undefined) {
    targets.push(verdict({
      id: "coldStart-1M",
      text: "SQLite backend cold start to the first get at 1,000,000 documents < 50 ms",
      // Cold starts are timed in microseconds like every case.
      value: cold.median / 1e3,
      limit: COLD_START.limitMs,
      direction: "max",
    }));
  }
  return targets;
}

function ratiosOf(ratios: readonly RatioResult[], target: RatioTarget): RatioResult[] {
  return ratios
    .filter((r) =>
      r.operation === target.operation && r.subject === target.subject &&
      r.against === target.against
    )
    .sort((a, b) => a.size - b.size);
}

function caseOf(
  cases: readonly CaseResult[],
  operation: Operation,
  subject: string,
  size: number,
): CaseResult | undefined {
  return cases.find((c) => c.operation === operation && c.subject === subject && c.size === size);
}

function verdict(target: Omit<TargetResult, "verdict">): TargetResult {
  const pass = target.direction === "max"
    ? target.value <= target.limit
    : target.value >= target.limit;
  return { ...target, verdict: pass ? "PASS" : "MISS" };
}
