/**
 * The store-level conformance suite (backend_conformance.ts, with its search cases) on Postgres,
 * through `open()`: one throwaway server, a fresh schema per case. Skipped, with the reason
 * printed, where Postgres is not installed.
 *
 * @module
 */

import { after, describe } from "node:test";
import { open } from "../mod.ts";
import { type PgServer, startPgServer } from "../scripts/lib/pg_server.ts";
import { runBackendTests } from "./backend_conformance.ts";
import { pgSuiteSkip, runtime } from "./helpers.ts";

const unavailable = pgSuiteSkip();
if (unavailable !== undefined) console.log(`Postgres store conformance skipped: ${unavailable}`);
// Started while the module loads: Bun's hooks time out after 5 s whatever node:test is told.
const server: PgServer | undefined = unavailable === undefined ? await startPgServer() : undefined;

describe(`store conformance on Postgres (${runtime})`, { skip: unavailable ?? false }, () => {
  after(() => server?.stop());
  let schemas = 0;
  runBackendTests({
    name: "postgres",
    setup: () => {
      const url = `${server!.url}?schema=store_${++schemas}`;
      return {
        open: (settings = {}) => open({ backend: "postgres", url, ...settings }),
        persistent: true,
        cleanup: () => {},
      };
    },
    // 255 lists of 1,000 values under one $or take Postgres a few seconds to plan, 6 times over.
    timeoutMs: 60_000,
    skip: [{
      reason: "Postgres runs transactions side by side: calls outside one do not wait for it " +
        "(that they never see its uncommitted writes is tests/conformance's case)",
      tests: ["others wait for a transaction and never see its uncommitted writes"],
    }],
  });
});
