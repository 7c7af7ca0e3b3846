/**
 * A read-only file system: the store is written on a tmpfs that the test mounts (as root),
 * which is then remounted `ro`.
 *
 * - `open({ readonly: true })` reads it: documents, counts, search, `check()` (issue 9,
 *   defect 3: SQLite opened such a database with `immutable=1` only by hand);
 * - the writer child (tests/fixtures/fault_writer.ts) is refused with QuireErrors, and once
 *   the file system is writable again harness.ts's verifyAfterFault finds the store as it was,
 *   working.
 *
 * The tmpfs is always unmounted, even when a case fails. Skipped, with the reason, where a
 * tmpfs cannot be mounted.
 *
 * @module
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { QuireError } from "../../mod.ts";
import { runtime } from "../helpers.ts";
import {
  COLLECTION,
  FAULT_CODES,
  type Kind,
  mountUnavailable,
  openStore,
  remount,
  runWriter,
  SEARCH,
  seed,
  seedDocs,
  targetIn,
  verifyAfterFault,
  withTmpfs,
} from "./harness.ts";

const unavailable = mountUnavailable();
const KINDS: Kind[] = ["sqlite", "file"];

describe(`read-only mount (${runtime})`, () => {
  for (const kind of KINDS) {
    test(`${kind}: open({ readonly: true }) reads a store on a read-only mount`, {
      skip: unavailable,
    }, async () => {
      await withTmpfs("2m", async (dir) => {
        const target = targetIn(kind, dir);
        await seed(target);
        remount(dir, "ro");
        const store = await openStore(target, { readonly: true });
        try {
          const notes = store.collection(COLLECTION);
          const seeds = seedDocs();
          for (const [id, doc] of seeds) assert.deepEqual(await notes.get(id), doc, id);
          assert.equal(await notes.count(), seeds.size);
          const hits = (await notes.search("transaction")).hits.map((h) => h.id).sort();
          assert.deepEqual(hits, ["seedT1", "seedT2", "seedT3"]);
          assert.deepEqual(await store.check(), { ok: true, documents: seeds.size, problems: [] });
          await assert.rejects(
            notes.put("n", { text: "x" }),
            (error) => error instanceof QuireError && error.code === "READ_ONLY",
          );
        } finally {
          await store.close();
        }
      });
    });

    test(
      `${kind}: writes on a read-only mount are refused, and the store works once it is writable`,
      {
        skip: unavailable,
      },
      async () => {
        await withTmpfs("2m", async (dir) => {
          const target = targetIn(kind, dir);
          await seed(target);
          remount(dir, "ro");
          let run;
          try {
            run = await runWriter(target);
          } finally {
            remount(dir, "rw");
          }
          // A writable open of a read-only file system may say so with READ_ONLY.
          const counts = await verifyAfterFault(target, run, {
            codes: [...FAULT_CODES, "READ_ONLY"],
            context: `${kind} on a read-only mount\nthe writer's stderr: ${
              run.child.stderr.trim() || "(none)"
            }`,
          });
          const first = run.reports.find((r) => r.error !== undefined);
          console.log(
            `${kind} writer on a read-only mount: first refusal at ${first?.op}: ${first?.error?.code} ${first?.error?.message}`,
          );
          assert.equal(counts.acked, 0, "nothing can be acknowledged on a read-only mount");
          assert.ok(
            run.reports.some((r) => r.error !== undefined),
            "the writer was refused, at open or at its writes",
          );
          // The collection's search options survived (the writer asked for the same ones).
          const store = await openStore(target);
          const entry = (await store.collections()).find((c) => c.name === COLLECTION);
          await store.close();
          assert.deepEqual(entry?.options.search?.fields, SEARCH.search.fields);
        });
      },
    );
  }
});
