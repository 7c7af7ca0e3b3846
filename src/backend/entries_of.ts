/**
 * Reading a whole collection a page at a time, in id order: export, backup, check and copy all
 * walk collections this way, in constant memory.
 *
 * @module
 */

import type { Awaitable } from "./contract.ts";
import type { PageRequest, StoredEntry } from "./types.ts";

/** Entries per page. */
export const PAGE_SIZE = 500;

/**
 * The pages of one collection, as `read` returns them for each request, until the last. With
 * `skipCorrupt`, a page may come back short (documents left out) before the end, so only an
 * empty page ends the walk.
 */
export async function* entriesOf(
  read: (request: PageRequest) => Awaitable<StoredEntry[]>,
  options: { skipCorrupt?: boolean } = {},
): AsyncGenerator<StoredEntry[]> {
  const skipCorrupt = options.skipCorrupt === true;
  let after: string | undefined;
  for (;;) {
    const page = await read({ after, limit: PAGE_SIZE, skipCorrupt });
    if (page.length > 0) yield page;
    if (page.length === 0 || (!skipCorrupt && page.length < PAGE_SIZE)) return;
    after = page.at(-1)?.id;
  }
}
