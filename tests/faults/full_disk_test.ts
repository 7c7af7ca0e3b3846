/**
 * A full disk: the store lives on a small tmpfs that the test mounts (as root) and fills up to
 * a few pages, so that the writer child (tests/fixtures/fault_writer.ts) runs out of space in
 * the middle of its writes. The filler is then removed (the fault is gone) and harness.ts's
 * verifyAfterFault checks the store. The tmpfs is always unmounted, even when a case fails.
 * Skipped, with the reason, where a tmpfs cannot be mounted.
 *
 * @module
 */

import { rmSync } from "node:fs";
import { describe, test } from "node:test";
import { runtime } from "../helpers.ts";
import {
  fillDisk,
  type Kind,
  mountUnavailable,
  runWriter,
  seed,
  targetIn,
  verifyAfterFault,
  withTmpfs,
} from "./harness.ts";

const unavailable = mountUnavailable();
const KINDS: Kind[] = ["sqlite", "file"];
/**
 * Free space left when the writer starts, in KiB: two values per backend, so that the disk
 * fills up early and late in the writes (SQLite's WAL grows by whole frames and FTS5 pages;
 * the file backend needs a page per document file and per temporary file).
 */
const FREE_KIB: Record<Kind, number[]> = { sqlite: [112, 320], "sqlite-full": [], file: [12, 48] };

describe(`full disk (${runtime})`, () => {
  for (const kind of KINDS) {
    for (const free of FREE_KIB[kind]) {
      test(`${kind}: the disk fills up with ${free} KiB free`, { skip: unavailable }, async () => {
        await withTmpfs("2m", async (dir) => {
          const target = targetIn(kind, dir);
          await seed(target);
          const filler = fillDisk(dir, free * 1024);
          let run;
          try {
            run = await runWriter(target);
          } finally {
            rmSync(filler);
          }
          const counts = await verifyAfterFault(target, run, {
            requireBoth: true,
            context: `${kind} on a tmpfs with ${free} KiB free\nthe writer's stderr: ${
              run.child.stderr.trim() || "(none)"
            }`,
          });
          console.log(
            `${kind}, ${free} KiB free: ${counts.acked} writes acknowledged, ${counts.refused} refused`,
          );
        });
      });
    }
  }
});
