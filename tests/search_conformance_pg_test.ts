/**
 * The store-level search conformance cases (search_conformance.ts, which every other backend runs
 * through backend_conformance.ts) on Postgres, through `open()`: one throwaway server, a fresh
 * schema per case. The Postgres backend has no `find` capability yet, so the cases that call
 * count or deleteMany are skipped with that reason. Skipped, with the reason printed, where
 * Postgres is not installed.
 *
 * @module
 */

import { after, describe } from "node:test";
import { open } from "../mod.ts";
import { type PgServer, pgServerUnavailable, startPgServer } from "../scripts/lib/pg_server.ts";
import { runtime } from "./helpers.ts";
import { runSearchTests } from "./search_conformance.ts";

const unavailable = pgServerUnavailable();
if (unavailable !== undefined) console.log(`Postgres search conformance skipped: ${unavailable}`);

// Started while the module loads, not in a before() hook: initdb can take longer than Bun's
// hook timeout (5 s), and Bun does not read node:test's `{ timeout }` there.
const server: PgServer | undefined = unavailable === undefined ? await startPgServer() : undefined;

describe(`search conformance on Postgres (${runtime})`, { skip: unavailable ?? false }, () => {
  after(async () => {
    await server?.stop();
  });
  let schemas = 0;
  runSearchTests({
    name: "postgres",
    setup: () => {
      const url = server!.url;
      const schema = `search_${++schemas}`;
      return {
        open: () => open(`${url}${url.includes("?") ? "&" : "?"}schema=${schema}`),
        persistent: true,
        cleanup: () => {},
      };
    },
    skip: [{
      reason: "the postgres backend has no find capability yet (count, deleteMany)",
      tests: [
        "the index follows put, delete, deleteMany, clear and transactions",
        "reindex reports its progress, every 10,000 documents and at the end",
      ],
    }],
  });
});
