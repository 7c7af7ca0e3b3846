/**
 * Storage faults injected with strace: `EIO` or `ENOSPC` at the Nth `write`, `pwrite64`,
 * `fsync`, `fdatasync` or `rename` of a writer process (tests/fixtures/fault_writer.ts), once
 * or from the Nth call on, on the SQLite backend (default `synchronous=normal`, and `full`,
 * where every commit calls `fsync`) and on the file backend. N is taken from a clean traced
 * run of the same writer, at a fraction of the store's own calls of that syscall, so that the
 * fault lands in the middle of the writes; each case checks that it did land on the store.
 *
 * After each fault, harness.ts's verifyAfterFault checks the store: acknowledged writes there,
 * refused writes absent, only QuireErrors STORAGE/BUSY/CORRUPT, the search index in step,
 * `check()` ok, and the store working again. Skipped, with the reason, where strace cannot run.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { encodeFileName } from "../../src/backends/file/file_names.ts";
import { runtime, tempDir } from "../helpers.ts";
import {
  cleanTrace,
  type Kind,
  PAD,
  readTrace,
  runWriter,
  seed,
  straceArgs,
  straceUnavailable,
  type Syscall,
  SYSCALLS,
  targetIn,
  type TracedCall,
  verifyAfterFault,
} from "./harness.ts";

interface FaultCase {
  kind: Kind;
  syscall: Syscall;
  error: "EIO" | "ENOSPC";
  /** Where among the store's calls of `syscall` (after `where`): 0 = first, 1 = last. */
  at: number;
  /** Every call from there on fails, not only that one. */
  persistent?: boolean;
  /** Only these calls count (given the clean run's calls of the store, in order). */
  where?: { label: string; select: (calls: TracedCall[]) => TracedCall[] };
}

const onTempFile = {
  label: "on a temporary file",
  select: (calls: TracedCall[]) => calls.filter((c) => c.path.startsWith("/.tmp/")),
};
const isDirectory = (path: string) => path === "/" || /^\/_[^/]+$/.test(path);
const onDirectory = {
  label: "on a directory",
  select: (calls: TracedCall[]) => calls.filter((c) => isDirectory(c.path)),
};
/**
 * The directory fsync right after the call that puts `id`'s file in place (a rename) or removes
 * it (an unlink): the write is done, but not yet durable, so its outcome is unknown if that
 * fsync fails.
 */
function dirSyncAfter(syscall: "rename" | "unlink", id: string) {
  const file = `/${encodeFileName(id)}`;
  return {
    label: `on the directory, after the ${syscall} of ${id}'s file (outcome unknown)`,
    select(calls: TracedCall[]): TracedCall[] {
      const at = calls.findIndex((c) =>
        c.syscall === syscall && (syscall === "rename" ? c.to : c.path)?.endsWith(file)
      );
      const next = calls.slice(at + 1).find((c) => c.syscall === "fsync");
      return at >= 0 && next && isDirectory(next.path) ? [next] : [];
    },
  };
}

const CASES: FaultCase[] = [
  { kind: "sqlite", syscall: "pwrite64", error: "EIO", at: 0.25 },
  { kind: "sqlite", syscall: "pwrite64", error: "EIO", at: 0.5 },
  { kind: "sqlite", syscall: "pwrite64", error: "EIO", at: 0.75 },
  { kind: "sqlite", syscall: "pwrite64", error: "ENOSPC", at: 0.5, persistent: true },
  { kind: "sqlite", syscall: "fsync", error: "EIO", at: 0 },
  { kind: "sqlite", syscall: "fdatasync", error: "EIO", at: 0.5 },
  { kind: "sqlite", syscall: "write", error: "EIO", at: 0.5 },
  { kind: "sqlite", syscall: "rename", error: "EIO", at: 0.5 },
  { kind: "sqlite-full", syscall: "fsync", error: "EIO", at: 0.5 },
  { kind: "sqlite-full", syscall: "fsync", error: "EIO", at: 0.5, persistent: true },
  { kind: "file", syscall: "write", error: "EIO", at: 0.25 },
  { kind: "file", syscall: "write", error: "EIO", at: 0.5 },
  { kind: "file", syscall: "write", error: "EIO", at: 0.75 },
  { kind: "file", syscall: "write", error: "ENOSPC", at: 0.5 },
  { kind: "file", syscall: "fsync", error: "EIO", at: 0.5, where: onTempFile },
  { kind: "file", syscall: "fsync", error: "EIO", at: 0.5, where: onDirectory },
  // A single put (p2) and a single delete (seed2).
  { kind: "file", syscall: "fsync", error: "EIO", at: 0, where: dirSyncAfter("rename", "p2") },
  { kind: "file", syscall: "fsync", error: "EIO", at: 0, where: dirSyncAfter("unlink", "seed2") },
  { kind: "file", syscall: "fsync", error: "EIO", at: 0.5, persistent: true },
  { kind: "file", syscall: "rename", error: "EIO", at: 0.5 },
  { kind: "file", syscall: "rename", error: "ENOSPC", at: 0.5, persistent: true },
  { kind: "file", syscall: "pwrite64", error: "EIO", at: 0.5 },
  { kind: "file", syscall: "fdatasync", error: "EIO", at: 0.5 },
];

const unavailable = straceUnavailable();

// The clean runs that tell where to inject, one per backend (they run at load, and only when
// strace can run).
const clean = new Map<Kind, TracedCall[]>();
const cleanErrors = new Map<Kind, unknown>();
if (unavailable === undefined) {
  for (const kind of new Set(CASES.map((c) => c.kind))) {
    try {
      clean.set(kind, await cleanTrace(kind));
    } catch (error) {
      // Reported by every case of that backend, rather than as a failure to load the file.
      cleanErrors.set(kind, error);
    }
  }
}

function name(c: FaultCase): string {
  const when = c.persistent ? `from the call at ${c.at} on` : `once, at ${c.at}`;
  return `${c.kind}: ${c.error} on ${c.syscall}${c.where ? ` ${c.where.label}` : ""} ${when}`;
}

describe(`strace fault injection (${runtime})`, () => {
  test("the syscalls under test are the ones the suite knows", () => {
    assert.deepEqual([...new Set(CASES.map((c) => c.syscall))].sort(), [...SYSCALLS].sort());
    for (const [kind, error] of cleanErrors) {
      assert.fail(`the clean run of ${kind} failed: ${error}`);
    }
  });

  for (const c of CASES) {
    const traced = clean.get(c.kind);
    const calls = (c.where && traced ? c.where.select(traced) : traced)
      ?.filter((call) => call.syscall === c.syscall);
    const skip = unavailable ??
      (calls !== undefined && calls.length === 0
        ? `the ${c.kind} backend makes no ${c.syscall} call${
          c.where ? ` ${c.where.label}` : ""
        } on ${runtime}: nothing to inject`
        : undefined);
    test(name(c), { skip }, async () => {
      if (cleanErrors.has(c.kind)) throw cleanErrors.get(c.kind);
      const call = calls![Math.round(c.at * (calls!.length - 1))];
      const inject = `${c.syscall}:error=${c.error}:when=${call.nth}${c.persistent ? "+" : ""}`;
      const { dir, remove } = tempDir("quire-fault-");
      try {
        const target = targetIn(c.kind, dir);
        await seed(target);
        const log = join(dir, "trace.log");
        const run = await runWriter(target, {
          pad: c.kind === "file" ? PAD : 0,
          wrap: straceArgs(target, log, inject),
        });
        const trace = readTrace(readFileSync(log, "utf8"));
        const root = c.kind === "file" ? target.location : dir;
        const landed = trace.injected.filter((i) => i.path.startsWith(root));
        const context =
          `inject=${inject} (the clean run's call there: ${call.syscall} ${call.path})` +
          `\nthe writer's stderr: ${run.child.stderr.trim() || "(none)"}`;
        assert.deepEqual(trace.injectedElsewhere, [], `a fault hit another thread\n${context}`);
        assert.ok(
          landed.length > 0,
          `the fault did not land on the store: ${JSON.stringify(trace.injected)}\n${context}`,
        );
        const counts = await verifyAfterFault(target, run, { context });
        console.log(
          `${name(c)}: ${landed.length} call(s) failed (first: ${
            landed[0].path.slice(root.length)
          }); ` +
            `${counts.acked} writes acknowledged, ${counts.refused} refused`,
        );
      } finally {
        remove();
      }
    });
  }
});

describe("memory backends", () => {
  test("memory:// and sqlite::memory: under storage faults", {
    skip: "the memory backends have no disk: no storage fault can reach them",
  }, () => {});
});
