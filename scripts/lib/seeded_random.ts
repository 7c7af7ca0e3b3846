/**
 * A seeded random generator, shared by the tests and the long-running scripts (crash, soak), so
 * that a failing run can be replayed from its seed.
 *
 * @module
 */

/** A seeded random generator (mulberry32) in [0, 1). */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
