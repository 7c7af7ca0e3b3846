/**
 * Search on Postgres beside a change of search fields: two backends on one schema, as two
 * processes would be. (The store-level search cases run in tests/postgres_conformance_test.ts,
 * the contract's in tests/conformance/.) Skipped, with the reason printed, where Postgres is not
 * installed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { openPostgresBackend } from "../src/backends/postgres/postgres_backend.ts";
import { delay, options, putOf, searchRequest } from "./conformance/support.ts";
import { type PgServer, pgServerUnavailable, startPgServer } from "../scripts/lib/pg_server.ts";
import { runtime } from "./helpers.ts";

const unavailable = pgServerUnavailable();
if (unavailable !== undefined) console.log(`Postgres search conformance skipped: ${unavailable}`);

// Started while the module loads, not in a before() hook: initdb can take longer than Bun's
// hook timeout (5 s), and Bun does not read node:test's `{ timeout }` there.
const server: PgServer | undefined = unavailable === undefined ? await startPgServer() : undefined;

describe(`search on Postgres beside a change of fields (${runtime})`, {
  skip: unavailable ?? false,
}, () => {
  after(async () => {
    await server?.stop();
  });
  test("a write beside a change of search fields waits for it and indexes the new fields", async () => {
    const url = `${server!.url}${server!.url.includes("?") ? "&" : "?"}schema=beside`;
    // Two backends on one schema, as two processes would be.
    const a = await openPostgresBackend(url);
    const b = await openPostgresBackend(url);
    try {
      await a.ensureCollection("n", options({ search: { fields: ["title"] } }));
      await a.put("n", putOf("d1", { title: "alpha", body: "zebra" }));
      await b.put("n", putOf("d0", { title: "gamma", body: "lion" }));
      const body = options({ search: { fields: ["body"] } });
      let beside: Promise<unknown> | undefined;
      await a.transaction(async (tx) => {
        await tx.ensureCollection("n", body);
        const put = Promise.resolve(b.put("n", putOf("d2", { title: "beta", body: "zebra" })));
        put.catch(() => {});
        beside = put;
        await delay(50);
      });
      await beside;
      await a.put("n", putOf("d3", { title: "delta", body: "zebra" }));
      const ids = async (text: string) =>
        (await a.search!.search("n", searchRequest(text, body.search!)!)).hits
          .map((hit) => hit.entry.id);
      assert.deepEqual(await ids("zebra"), ["d1", "d2", "d3"]);
      assert.deepEqual(await ids("beta"), [], "titles are no longer indexed");
      await a.search!.reindex("n");
      assert.deepEqual(await ids("zebra"), ["d1", "d2", "d3"]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
