/**
 * mingo 7: MongoDB's query language over a plain array held in memory. It is a filter engine,
 * not a store: it answers `findIndexed`, `findUnindexed` and `count` and nothing else. How it
 * differs from quire:
 *
 * - **No storage:** nothing is written anywhere; the documents are objects in an array.
 * - **No indexes:** every query tests the documents in turn (`findIndexed` scans like
 *   `findUnindexed`), stopping at the limit; answers are the array's objects, not copies.
 * - **Queries:** compiled anew for each call (`new Query(criteria)`), as a user passing
 *   criteria does; `count` runs `Query#test` over the whole array.
 *
 * @module
 */

import { MingoQuery } from "../../lib/engines.ts";
import type { BenchDocument, Subject } from "../types.ts";
import { cannotAll, SEARCH_OPERATIONS, STORAGE_OPERATIONS } from "./peer_support.ts";

type Held = BenchDocument & { id: string };

const QUERIES = ["findIndexed", "findUnindexed", "count"];

/** mingo over an array of the documents. */
export const mingo: Subject = {
  name: "mingo",
  group: "peer",
  cannot: {
    ...cannotAll(SEARCH_OPERATIONS, "no full-text search"),
    ...cannotAll(
      STORAGE_OPERATIONS.filter((operation) => !QUERIES.includes(operation)),
      "a query engine over arrays: it stores nothing",
    ),
  },
  open(_dir, entries) {
    const docs = entries.map(([id, doc]): Held => ({ ...doc, id }));
    const find = (criteria: object, limit: number) =>
      new MingoQuery<Held>(criteria).find(docs).limit(limit).all();
    return Promise.resolve({
      findIndexed: (year, limit) => find({ year }, limit),
      findUnindexed: (party, minWords, limit) => find({ party, words: { $gt: minWords } }, limit),
      count(party) {
        const query = new MingoQuery<Held>({ party });
        let count = 0;
        for (const doc of docs) if (query.test(doc)) count++;
        return count;
      },
      close() {},
    });
  },
};
