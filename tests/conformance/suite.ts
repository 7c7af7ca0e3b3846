/**
 * The backend conformance suite: what every backend must do at the level of the backend
 * contract (src/backend/contract.ts), below the Store. The store-level suite
 * (tests/backend_conformance.ts) runs the same backends through the public API; this one pins
 * the contract itself, so that a new backend (Postgres) can be held to it before a Store sits on
 * it.
 *
 * A backend is one call in tests/conformance/backends_test.ts, with a factory that opens a new,
 * empty backend per case (and, when it keeps data, reopens the latest one and opens a backup);
 * for Postgres it might read (the names are illustrative):
 *
 * ```ts
 * await backendConformance("postgres", {
 *   open: async () => await openPostgresBackend(`${url}?schema=conformance_${++n}`),
 *   reopen: async () => await openPostgresBackend(`${url}?schema=conformance_${n}`),
 *   cleanup: async () => await dropSchemas(url),
 *   skip: [{ reason: "why", tests: ["a case's name"] }],
 * });
 * ```
 *
 * The cases are grouped by capability, one file each: core.ts (the required core: catalog,
 * documents, revisions, batches, pages), transactions.ts, and the optional capabilities find.ts,
 * search.ts, explain.ts, stats.ts, backup.ts, check.ts. A capability group runs only when the
 * backend has the capability (found by presence on a freshly opened backend, as the Store asks
 * for it); otherwise its cases skip, with the reason printed.
 *
 * Where the contract lets engines differ, a case accepts each way: calls on the backend while a
 * transaction is open may wait for it (one connection) or run beside it (a pool), so the cases
 * assert what both must give (no dirty read, an outside write not rolled back with it), never
 * the waiting. A known bug is a case with `todo` (support.ts), which runs and says whether it
 * still fails without failing the run.
 *
 * The call is awaited: it opens the backend once to see what it can do before registering the
 * cases.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { Backend } from "../../src/backend/contract.ts";
import { backupCases } from "./backup.ts";
import { checkCases } from "./check.ts";
import { coreCases } from "./core.ts";
import { explainCases } from "./explain.ts";
import { findCases } from "./find.ts";
import { searchCases } from "./search.ts";
import { statsCases } from "./stats.ts";
import {
  type BackendFactory,
  type Capabilities,
  type CaseOptions,
  registerCase,
  scratchDir,
  skipping,
  type SuiteContext,
} from "./support.ts";
import { transactionCases } from "./transactions.ts";

export { type BackendFactory, scratchDir } from "./support.ts";

/** Registers the conformance cases for the backend that `factory` opens. */
export async function backendConformance(name: string, factory: BackendFactory): Promise<void> {
  const probe = await factory.open();
  const capabilities = capabilitiesOf(probe);
  await probe.close();

  const skipped = new Map<string, string>();
  for (const { reason, tests } of factory.skip ?? []) {
    for (const test of tests) skipped.set(test, reason);
  }
  const register = (caseName: string, options: CaseOptions, fn: () => Promise<void>) => {
    const reason = skipped.get(caseName);
    skipped.delete(caseName);
    registerCase(
      caseName,
      reason === undefined ? options : { skip: skipping(`"${caseName}"`, reason) },
      fn,
    );
  };

  let temp: ReturnType<typeof scratchDir> | undefined;
  let paths = 0;
  const context: SuiteContext = {
    name,
    factory,
    capabilities,
    test: register,
    it(caseName: string, fn: (backend: Backend) => Promise<void>, options: CaseOptions = {}) {
      register(caseName, options, async () => {
        const backend = await factory.open();
        try {
          await fn(backend);
        } finally {
          await backend.close();
        }
      });
    },
    freshPath(base: string): string {
      temp ??= scratchDir("quire-conformance-");
      return join(temp.dir, `${++paths}-${base}`);
    },
  };

  describe(`backend conformance (contract): ${name}`, () => {
    after(async () => {
      temp?.remove();
      await factory.cleanup();
    });
    describe("core", () => coreCases(context));
    describe("transactions", () => transactionCases(context));
    describe("find", () => findCases(context));
    describe("search", () => searchCases(context));
    describe("explain", () => explainCases(context));
    describe("stats", () => statsCases(context));
    describe("backup", () => backupCases(context));
    describe("check", () => checkCases(context));
    if (factory.skip !== undefined) {
      // Run last, when every case is registered (Bun registers a describe's cases later).
      test("every skipped case names a case of the suite", () => {
        assert.deepEqual([...skipped.keys()], [], "skips that name no case (renamed?)");
      });
    }
  });
}

/** Which optional capabilities `backend` has, asked for by presence as the Store asks. */
function capabilitiesOf(backend: Backend): Capabilities {
  return {
    find: backend.find != null,
    search: backend.search != null,
    explain: backend.explain != null,
    stats: backend.stats != null,
    backup: backend.backup != null,
    check: backend.check != null,
  };
}
