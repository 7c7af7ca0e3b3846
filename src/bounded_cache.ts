/**
 * A small memo for values derived from text a caller repeats (a query's paths, its sort): an
 * application names the same few fields over and over, while a stranger sending endless new
 * ones must not grow memory, so the cache forgets everything once it is full.
 *
 * @module
 */

/** A Map that is emptied when it reaches `limit` entries. */
export class BoundedCache<K, V> {
  readonly limit: number;
  #entries = new Map<K, V>();

  constructor(limit: number) {
    this.limit = limit;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /** Stores `value` and returns it. */
  set(key: K, value: V): V {
    if (this.#entries.size >= this.limit) this.#entries.clear();
    this.#entries.set(key, value);
    return value;
  }
}
