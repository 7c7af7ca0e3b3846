/**
 * A first-come, first-served async mutex.
 *
 * @module
 */

/** A mutex: `acquire()` resolves when the caller holds it; `release()` hands it on. */
export class Lock {
  #held = false;
  #waiting: (() => void)[] = [];

  /** Whether someone holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /** Resolves once the lock is the caller's. */
  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Gives the lock to the next waiter, or frees it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#held = false;
    else next();
  }
}
