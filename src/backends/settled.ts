/**
 * Waiting for a changing set of promises: a transaction waits for the savepoints it started, and a
 * closing backend for its running transactions, before it ends.
 *
 * @module
 */

/** Resolves once every promise in `running` (which may grow meanwhile) has settled. */
export async function settled(running: Set<Promise<unknown>>): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}
