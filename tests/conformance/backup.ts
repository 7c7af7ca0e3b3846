/**
 * Conformance cases of the backup capability: `backup(path)` writes a copy that opens and holds
 * the same collections, options, documents and metadata, and refuses a path that exists.
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Backend, BackupCapability } from "../../src/backend/contract.ts";
import type { StoredEntry } from "../../src/backend/types.ts";
import { rejectsWith } from "../helpers.ts";
import {
  call,
  delay,
  options,
  putOf,
  seed,
  skipWithout,
  type SuiteContext,
  T2,
} from "./support.ts";

/** The backend's backup capability (the group runs only when it has one). */
function backupOf(backend: Backend): BackupCapability {
  const backup = backend.backup;
  assert.ok(backup != null, "the backend lost its backup capability");
  return backup;
}

/** Everything a backend holds: its catalog by name, and each collection's entries. */
async function contentsOf(backend: Backend) {
  const catalog = [...await call(() => backend.collections())].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
  const entries: Record<string, StoredEntry[]> = {};
  for (const { name } of catalog) {
    entries[name] = await call(() => backend.page(name, { limit: 1000 }));
  }
  return { catalog, entries };
}

/** Registers the backup cases. */
export function backupCases(context: SuiteContext): void {
  const skip = skipWithout(context, "backup");
  const { it, factory } = context;
  const openBackup = factory.openBackup;

  it("backup writes a copy that opens and holds the same data", async (backend) => {
    await seed(backend, "notes", { a: { title: "Zoë" }, "a/b": { n: 1 } }, {
      indexes: ["n"],
      search: { fields: ["title"] },
    });
    await seed(backend, "empty", {});
    await call(() => backend.put("notes", putOf("a", { title: "again" }, T2)));
    const expected = await contentsOf(backend);
    const path = context.freshPath("backup");
    await call(() => backupOf(backend).backup(path));
    assert.ok(existsSync(path));
    // The backend goes on after a backup, and later writes stay out of the copy.
    await call(() => backend.put("notes", putOf("later", {}, T2)));
    const copy = await openBackup!(path);
    try {
      assert.deepEqual(await contentsOf(copy), expected);
    } finally {
      await copy.close();
    }
  }, {
    skip: skip ||
      (openBackup === undefined && `the ${context.name} factory cannot open a backup`),
  });

  it(
    "a backup taken while a transaction is open holds none of its uncommitted writes",
    async (backend) => {
      await seed(backend, "notes", { a: { v: 0 } });
      const expected = await contentsOf(backend);
      const path = context.freshPath("isolated");
      let backup: Promise<void> | undefined;
      await assert.rejects(
        backend.transaction(async (tx) => {
          await call(() => tx.put("notes", putOf("a", { v: 1 }, T2)));
          await call(() => tx.put("notes", putOf("dirty", {}, T2)));
          await call(() => tx.ensureCollection("dirty", options()));
          backup = call(() => backupOf(backend).backup(path));
          backup.catch(() => {});
          await Promise.race([backup, delay(15)]);
          throw new Error("roll back");
        }),
        /roll back/,
      );
      await backup;
      const copy = await openBackup!(path);
      try {
        assert.deepEqual(await contentsOf(copy), expected);
      } finally {
        await copy.close();
      }
    },
    {
      skip: skip ||
        (openBackup === undefined && `the ${context.name} factory cannot open a backup`),
    },
  );

  it("backup refuses a path that exists and leaves it alone", async (backend) => {
    await seed(backend, "notes", { a: {} });
    const path = context.freshPath("taken");
    writeFileSync(path, "mine");
    await rejectsWith(call(() => backupOf(backend).backup(path)), "STORAGE");
    assert.equal(readFileSync(path, "utf8"), "mine");
  }, { skip });
}
