/**
 * What a run prints while it goes: first how long it should take, then one line per step (a
 * case, a ratio) with its result, the time so far and the time left, estimated from the steps
 * done and refined as they go.
 *
 * @module
 */

import type { Budget } from "./measure.ts";

/** Seconds of loading per document and subject, for the first estimate only. */
const LOAD_SECONDS_PER_DOCUMENT = 40e-6;

export class Progress {
  readonly #start = performance.now();
  readonly #total: number;
  #done = 0;
  #estimate: number;

  /** `plan`: the steps at each size. */
  constructor(plan: readonly { size: number; steps: number }[], budget: Budget) {
    this.#total = plan.reduce((sum, { steps }) => sum + steps, 0);
    // A case takes its minimum time and about as much again in warm-up and batching; loading
    // grows with the documents.
    this.#estimate = plan.reduce(
      (sum, { size, steps }) =>
        sum + steps * (2 * budget.minMs / 1e3) + steps * size * LOAD_SECONDS_PER_DOCUMENT / 10,
      0,
    );
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
    const elapsed = (performance.now() - this.#start) / 1e3;
    // The first estimate until a tenth is done, then the pace so far.
    const left = this.#done < this.#total / 10
      ? Math.max(0, this.#estimate - elapsed)
      : elapsed / this.#done * (this.#total - this.#done);
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
