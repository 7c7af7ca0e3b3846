/**
 * What a run prints while it goes: first how long it should take, then one line per step (a
 * case, a ratio) with its result, the time so far and the time left, estimated from the steps
 * done and refined as they go. A step's expected cost grows with its size (loading, and the
 * slower operations of larger stores), so the pace so far is measured in expected seconds, not in
 * steps: the first steps, at 1,000 documents, would otherwise promise a full run in half an hour.
 *
 * @module
 */

import type { Budget } from "./measure.ts";

/**
 * A step's expected seconds beyond its minimum time, per document of its size, and the size past
 * which a step costs no more: calibrated on the full Bun run of 2026-12-07 (48 min in all: the
 * steps at 1,000 documents took 1.7 min, at 10,000 3, at 100,000 14, at 1,000,000 29, where the
 * stores that hold everything in memory are not loaded).
 */
const SECONDS_PER_DOCUMENT = 30e-6;
const COSTLIEST_SIZE = 250_000;

export class Progress {
  readonly #start = performance.now();
  readonly #total: number;
  readonly #budget: Budget;
  #done = 0;
  /** The expected seconds of the steps done. */
  #doneExpected = 0;
  readonly #estimate: number;

  /** `plan`: the steps at each size. */
  constructor(plan: readonly { size: number; steps: number }[], budget: Budget) {
    this.#budget = budget;
    this.#total = plan.reduce((sum, { steps }) => sum + steps, 0);
    this.#estimate = plan.reduce((sum, { size, steps }) => sum + steps * this.#expected(size), 0);
  }

  /** A step's expected seconds: its minimum time and as much again, and the size's share. */
  #expected(size: number): number {
    return 2 * this.#budget.minMs / 1e3 + Math.min(size, COSTLIEST_SIZE) * SECONDS_PER_DOCUMENT;
  }

  /** Says what the run does and about how long it takes. */
  announce(what: string): void {
    console.log(`${what}: ${this.#total} steps, about ${clock(this.#estimate)}.`);
  }

  /** A line about work under way (loading, generating). */
  note(text: string): void {
    console.log(`  … ${text}`);
  }

  /** One step done. */
  step(size: number, label: string, result: string): void {
    this.#done++;
    this.#doneExpected += this.#expected(size);
    const elapsed = (performance.now() - this.#start) / 1e3;
    // The first estimate until a twentieth of it is done, then the pace so far.
    const left = this.#doneExpected < this.#estimate / 20
      ? Math.max(0, this.#estimate - elapsed)
      : elapsed / this.#doneExpected * (this.#estimate - this.#doneExpected);
    const count = `${this.#done}`.padStart(`${this.#total}`.length);
    console.log(
      `[${count}/${this.#total}] ${compact(size)} ${label}: ${result}  ` +
        `(${clock(elapsed)} so far, about ${clock(left)} left)`,
    );
  }

  /** The time since the start. */
  elapsed(): string {
    return clock((performance.now() - this.#start) / 1e3);
  }
}

/** 1k, 10k, 1M. */
export function compact(size: number): string {
  return size >= 1e6 ? `${size / 1e6}M` : size >= 1e3 ? `${size / 1e3}k` : `${size}`;
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}
