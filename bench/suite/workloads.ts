/**
 * What each operation does, call after call, on an instance: the inputs it cycles through (ids
 * in a shuffled order, years, parties, the queries of its kind) and the units one call counts.
 * Writes use ids no document has yet, so that every subject inserts (the floor's plain INSERT
 * could not do otherwise).
 *
 * @module
 */

import { FIND_YEARS, MIN_WORDS, PARTIES, QUERIES, SEARCH_MIN_YEAR } from "./data.ts";
import type { Entry } from "./data.ts";
import type { Instance, Operation, SearchQuery } from "./types.ts";

/** One call of an operation, and how many units (operations or documents) it does. */
export interface Workload {
  call: () => unknown;
  units: number;
  unit: "op" | "doc";
}

/** Rows a find or a search returns. */
export const LIMIT = 50;
export const SEARCH_LIMIT = 20;
/** Documents per putMany call. */
export const BATCH = 1_000;

/** The next item of a list, round and round. */
function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

/**
 * The workload of `operation` on `instance`, whose documents are `docs`; `undefined` when the
 * instance does not offer it. `tag` keeps the ids written by different workloads apart.
 */
export function workload(
  operation: Operation,
  instance: Instance,
  docs: readonly Entry[],
  readOrder: readonly string[],
  tag: string,
): Workload | undefined {
  const one = (call: (() => unknown) | undefined) =>
    call && { call, units: 1, unit: "op" as const };
  const nextId = cycle(readOrder);
  const nextDoc = cycle(docs);
  let written = 0;
  const search = (
    kind: SearchQuery["kind"],
    options: { minYear?: number; highlight?: boolean },
  ) => {
    const find = instance.search;
    if (find === undefined) return undefined;
    const next = cycle(QUERIES.filter((query) => query.kind === kind));
    return one(() => find(next(), { limit: SEARCH_LIMIT, ...options }));
  };
  switch (operation) {
    case "put": {
      const put = instance.put;
      return one(put && (() => put(`${tag}-${written++}`, nextDoc()[1])));
    }
    case "putMany": {
      const putMany = instance.putMany;
      if (putMany === undefined) return undefined;
      return {
        call: () =>
          putMany(
            Array.from({ length: BATCH }, () => [`${tag}-${written++}`, nextDoc()[1]] as const),
          ),
        units: BATCH,
        unit: "doc",
      };
    }
    case "get": {
      const get = instance.get;
      return one(get && (() => get(nextId())));
    }
    case "getResolved": {
      const get = instance.getResolved;
      return one(get && (() => get(nextId())));
    }
    case "findIndexed": {
      const find = instance.findIndexed;
      const year = cycle(FIND_YEARS);
      return one(find && (() => find(year(), LIMIT)));
    }
    case "findUnindexed": {
      const find = instance.findUnindexed;
      const party = cycle(PARTIES);
      return one(find && (() => find(party(), MIN_WORDS, LIMIT)));
    }
    case "count": {
      const count = instance.count;
      const party = cycle(PARTIES);
      return one(count && (() => count(party())));
    }
    case "searchTerm":
      return search("term", {});
    case "searchTwoTerms":
      return search("twoTerms", {});
    case "searchPhrase":
      return search("phrase", {});
    case "searchPrefix":
      return search("prefix", {});
    case "searchFiltered":
      return search("term", { minYear: SEARCH_MIN_YEAR });
    case "searchHighlighted":
      return search("term", { highlight: true });
    case "export": {
      const exportAll = instance.exportAll;
      return exportAll && { call: () => exportAll(), units: docs.length, unit: "doc" };
    }
    case "import":
    case "coldStartGet":
    case "coldStartSearch":
      // Each needs a fresh start: run.ts times them on their own.
      return undefined;
  }
}
