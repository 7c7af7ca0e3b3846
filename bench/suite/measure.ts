/**
 * The suite's one method of timing:
 *
 * - a case (one operation of one subject at one size) is timed by mitata's `measure`, which
 *   warms the function up, batches calls too fast to time alone, and stops after a minimum of
 *   samples and of time; its samples become microseconds per unit (per operation, or per
 *   document for batches);
 * - a ratio of two subjects on one operation comes from rounds in which a chunk of each runs, the
 *   order alternating, so that the load of a shared machine falls on both alike; the verdict is
 *   the median of the rounds' time ratios. Only these ratios decide targets.
 *
 * @module
 */

import { measure } from "mitata";
import type { Stats } from "./types.ts";

/** How long a case runs at the least: quick runs are short, full runs take more samples. */
export interface Budget {
  /** Minimum time of one case, in milliseconds. */
  minMs: number;
  /** Minimum samples of one case. */
  minSamples: number;
  /** Rounds of a ratio. */
  rounds: number;
}

export const QUICK_BUDGET: Budget = { minMs: 60, minSamples: 5, rounds: 9 };
export const FULL_BUDGET: Budget = { minMs: 400, minSamples: 10, rounds: 15 };

/**
 * Times `fn` (one call = `units` units of work), which must leave what it runs on as it was (a
 * read); a function whose first call returns a promise is awaited on every call.
 *
 * @returns Microseconds per unit, per sample, and their statistics.
 */
export async function timeCase(
  fn: () => unknown,
  units: number,
  budget: Budget,
): Promise<{ samples: number[] } & Stats> {
  const probe = fn();
  const body = probe instanceof Promise ? (await probe, async () => await fn()) : fn;
  const stats = await measure(body, {
    min_cpu_time: budget.minMs * 1e6,
    min_samples: budget.minSamples,
    // A slow case (a whole export) stops at the minimum; a fast one at a few thousand.
    max_samples: 5_000,
    // mitata batches calls that its warm-up timed under 65 µs, 4,096 to a sample by default. A
    // workload whose calls differ (a find's years: some match nothing) can warm up fast and then
    // take 200 µs a call: 5 samples of 4,096 were 4 s of a 100 ms case. 256 calls of a fast
    // case still make a sample far above the timer's resolution.
    batch_samples: 256,
  });
  // mitata's samples are nanoseconds per call (batched calls already divided).
  const samples = stats.samples.map((ns) => ns / 1e3 / units);
  return { samples, ...statsOf(samples) };
}

/**
 * Times work that changes what it runs on (writes, which grow the store; an import, which needs
 * an empty one) in samples of one call each, with `prepare` (untimed) before each: at least
 * `budget.minSamples` samples or `budget.minMs`, whichever is more, but never more than 30
 * samples, nor past 10 × `budget.minMs` once one sample is in. So a slow subject does less work
 * (its spread then says how little) rather than the run taking hours, and a write adds a bounded
 * number of documents.
 */
export async function timeSamples(
  call: () => unknown,
  units: number,
  budget: Budget,
  prepare?: () => Promise<void> | void,
): Promise<{ samples: number[] } & Stats> {
  const samples: number[] = [];
  let spent = 0;
  while (
    samples.length < 30 &&
    (samples.length < budget.minSamples || spent < budget.minMs) &&
    (samples.length < 1 || spent < 10 * budget.minMs)
  ) {
    await prepare?.();
    const start = performance.now();
    await call();
    const ms = performance.now() - start;
    spent += ms;
    samples.push(ms * 1e3 / units);
  }
  return { samples, ...statsOf(samples) };
}

/**
 * Time ratios of `subject` to `against`, one per round; each round runs one chunk of each, in
 * alternating order. `chunk(side, round)` does one chunk's work.
 */
export async function timeRatio(
  chunk: (side: "subject" | "against", round: number) => Promise<unknown> | unknown,
  rounds: number,
): Promise<{ rounds: number[]; median: number }> {
  // A warm-up round of each, untimed.
  await chunk("subject", 0);
  await chunk("against", 0);
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 0
      ? ["subject", "against"] as const
      : ["against", "subject"] as const;
    const ms: Record<string, number> = {};
    for (const side of order) {
      const start = performance.now();
      await chunk(side, round);
      ms[side] = performance.now() - start;
    }
    ratios.push(ms.subject! / ms.against!);
  }
  return { rounds: ratios, median: statsOf(ratios).median };
}

/** Median, extremes and quartiles of some values. */
export function statsOf(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  };
  return { median: at(0.5), min: sorted[0]!, max: sorted.at(-1)!, p25: at(0.25), p75: at(0.75) };
}
