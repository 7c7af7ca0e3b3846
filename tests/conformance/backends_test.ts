/**
 * Every backend through the backend conformance suite (suite.ts), one call each. A new backend
 * (Postgres) is one more call here: how to open a fresh one, and reopen it when it keeps data.
 *
 * @module
 */

import { join } from "node:path";
import type { Backend } from "../../src/backend/contract.ts";
import { BufferedBackend } from "../../src/backends/buffered_backend.ts";
import { openFileBackend } from "../../src/backends/file/file_backend.ts";
import { MemoryStore } from "../../src/backends/memory/memory_store.ts";
import { serialBackend } from "../../src/backends/serial_backend.ts";
import { openPostgresBackend } from "../../src/backends/postgres/postgres_backend.ts";
import { openSqliteBackend } from "../../src/backends/sqlite/sqlite_backend.ts";
import { startPgServer } from "../../scripts/lib/pg_server.ts";
import { pgSuiteSkip } from "../helpers.ts";
import { backendConformance, type BackendFactory, scratchDir } from "./suite.ts";

/**
 * A factory for a backend that keeps its data at a path: each `open()` a new path in one
 * temporary directory, `reopen()` the latest one again.
 */
function onDisk(
  prefix: string,
  openAt: (path: string) => Promise<Backend>,
): BackendFactory {
  const temp = scratchDir(`quire-conformance-${prefix}-`);
  let opened = 0;
  const pathOf = (n: number) => join(temp.dir, `${prefix}-${n}`);
  return {
    open: () => openAt(pathOf(++opened)),
    reopen: () => openAt(pathOf(opened)),
    openBackup: openAt,
    cleanup: temp.remove,
  };
}

await backendConformance("memory", {
  open: () => Promise.resolve(serialBackend(new BufferedBackend(new MemoryStore()))),
  cleanup: () => {},
});

await backendConformance(
  "file",
  onDisk("file", (dir) => Promise.resolve(serialBackend(openFileBackend(dir)))),
);

await backendConformance(
  "sqlite (file)",
  onDisk("sqlite", async (path) => serialBackend(await openSqliteBackend(path))),
);

await backendConformance("sqlite (:memory:)", {
  open: async () => serialBackend(await openSqliteBackend(":memory:")),
  openBackup: async (path) => serialBackend(await openSqliteBackend(path)),
  cleanup: () => {},
});

// Postgres: one throwaway server, a fresh schema per case. Started while the module loads (Bun's
// hooks time out after 5 s, sooner than initdb on a loaded machine); skipped where there is none.
const pgUnavailable = pgSuiteSkip();
if (pgUnavailable === undefined) {
  const server = await startPgServer();
  let schemas = 0;
  const inSchema = (n: number) => `${server.url}?schema=conformance_${n}`;
  await backendConformance("postgres", {
    open: () => openPostgresBackend(inSchema(++schemas)),
    reopen: () => openPostgresBackend(inSchema(schemas)),
    cleanup: () => server.stop(),
  });
} else {
  console.log(`backend conformance on Postgres skipped: ${pgUnavailable}`);
}
