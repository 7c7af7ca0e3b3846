/**
 * Shared machinery of the fault-injection suite: seeding a store, running the writer child
 * (tests/fixtures/fault_writer.ts) under a fault, and checking the store afterwards.
 *
 * After every fault, {@linkcode verifyAfterFault} checks, with the fault gone and the store
 * reopened in this process:
 *
 * - every error that reached the writer is a `QuireError` with code `STORAGE`, `BUSY` or
 *   `CORRUPT`;
 * - every acknowledged write is there, with the rev it was given;
 * - every refused write is absent, unless its error says that the outcome is unknown (then
 *   either state is accepted), and nothing else is in the collection;
 * - the search index agrees: each stored document is found by its unique word, and no refused
 *   one is;
 * - `check()` is ok;
 * - the store works again: a write, a reopen, a read, `check()`.
 *
 * It collects every problem before failing, so that one run reports all that went wrong.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { join, resolve } from "node:path";
import process from "node:process";
import { open, type Store } from "../../mod.ts";
import { scriptArgs, systemTool, tempDir } from "../helpers.ts";

/** The persistent backends under test. `sqlite-full` is SQLite with `synchronous=full`. */
export type Kind = "sqlite" | "sqlite-full" | "file";

/** The searchable collection the writer writes. */
export const COLLECTION = "notes";
export const SEARCH = { search: { fields: ["text"] } };
/** Rounds of the writer's script (7 operations each). */
export const ROUNDS = 3;
/** The codes an error caused by a storage fault may carry. */
export const FAULT_CODES = ["STORAGE", "BUSY", "CORRUPT"];
/**
 * How an error says that a write may or may not have been stored. Nothing in quire says so
 * today (see the report of issue 9); this is the wording the tests accept.
 */
export const UNKNOWN_OUTCOME =
  /outcome is unknown|unknown whether|may or may not|may have been (stored|written|applied|committed)/i;

const FIXTURE = resolve(import.meta.dirname ?? ".", "../fixtures/fault_writer.ts");

/** One write as the writer reports it. */
export interface Write {
  id: string;
  rev?: number;
  doc: Record<string, unknown> | null;
}

/** One line of the writer's output. */
export interface Report {
  op: string;
  round: number;
  acked: Write[];
  refused: Write[];
  error?: { name: string; quire: boolean; code?: string; message: string };
}

/** A store location for one run. */
export interface Target {
  kind: Kind;
  /** The database file (SQLite) or the store's directory (file). */
  location: string;
}

/** A store location in `dir`. */
export function targetIn(kind: Kind, dir: string): Target {
  return { kind, location: kind === "file" ? join(dir, "store") : join(dir, "store.db") };
}

/** The files whose syscalls belong to the store: for `strace -P` and for reading its log. */
export function storePaths(target: Target): string[] {
  const { location } = target;
  return target.kind === "file"
    ? [location]
    : [location, `${location}-wal`, `${location}-shm`, `${location}-journal`];
}

/** Opens the store in this process, without any fault. */
export function openStore(target: Target, options: { readonly?: boolean } = {}): Promise<Store> {
  return target.kind === "file"
    ? open({ backend: "file", dir: target.location, ...options })
    : open({ backend: "sqlite", path: target.location, ...options });
}

/** The documents the test writes before the writer runs: `seed<r>` and `seedT<r>`. */
export function seedDocs(rounds = ROUNDS): Map<string, Record<string, unknown>> {
  const docs = new Map<string, Record<string, unknown>>();
  for (let r = 1; r <= rounds; r++) {
    docs.set(`seed${r}`, { text: `seeded ${r}` });
    docs.set(`seedT${r}`, { text: `seeded for transaction ${r}` });
  }
  return docs;
}

/** Creates the store with the searchable collection and the seed documents. */
export async function seed(target: Target, rounds = ROUNDS): Promise<void> {
  const store = await openStore(target);
  try {
    const notes = store.collection(COLLECTION, SEARCH);
    for (const [id, doc] of seedDocs(rounds)) await notes.put(id, doc);
  } finally {
    await store.close();
  }
}

/** What a child process did. */
export interface ChildResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a command in its own process group and waits for it; on timeout the whole group
 * (strace and its tracees) is killed, so that nothing is left running.
 */
export function runChild(
  command: string,
  args: string[],
  timeoutMs = 30_000,
): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      // A tracee that outlived strace (it should not) goes with its group.
      killGroup(child.pid);
      resolvePromise({ status, signal, stdout, stderr, timedOut });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group is gone already.
  }
}

/** The writer's command line: `[command, args]`, optionally wrapped (in strace). */
export function writerCommand(
  target: Target,
  options: { rounds?: number; pad?: number; wrap?: string[] } = {},
): [string, string[]] {
  const args = scriptArgs(
    FIXTURE,
    target.kind,
    target.location,
    String(options.rounds ?? ROUNDS),
    String(options.pad ?? 0),
  );
  if (options.wrap === undefined) return [process.execPath, args];
  return [options.wrap[0], [...options.wrap.slice(1), process.execPath, ...args]];
}

/** Runs the writer and parses its report lines. */
export async function runWriter(
  target: Target,
  options: { rounds?: number; pad?: number; wrap?: string[] } = {},
): Promise<{ child: ChildResult; reports: Report[] }> {
  const [command, args] = writerCommand(target, options);
  const child = await runChild(command, args);
  const reports = child.stdout.split("\n").filter((line) => line.startsWith("{")).map(
    (line) => JSON.parse(line) as Report,
  );
  return { child, reports };
}

/** A short description of what the writer saw, for failure messages. */
export function describeRun(reports: Report[]): string {
  return reports.map((r) => {
    const ids = (ws: Write[]) => ws.map((w) => w.id || `seq ${w.doc?.seq}`).join(",");
    const status = r.error
      ? `refused [${ids(r.refused)}]${r.acked.length ? ` acked [${ids(r.acked)}]` : ""} ${
        r.error.quire ? r.error.code : r.error.name
      }: ${r.error.message}`
      : `ok [${ids(r.acked)}]`;
    return `  ${r.op}${r.round ? ` #${r.round}` : ""} ${status}`;
  }).join("\n");
}

interface Expected {
  doc: Record<string, unknown> | null;
  rev?: number;
  /** The operation that left it so. */
  by: string;
}

/**
 * Checks the store after a fault (see the module documentation), once the fault is gone: the
 * caller has freed the disk or remounted it writable. Fails with the list of problems and what
 * the writer saw.
 */
export async function verifyAfterFault(
  target: Target,
  run: { child: ChildResult; reports: Report[] },
  options: {
    /** Fail unless the writer had some writes acknowledged and some refused. */
    requireBoth?: boolean;
    /** The error codes accepted. @default FAULT_CODES */
    codes?: string[];
    rounds?: number;
    context?: string;
  } = {},
): Promise<{ acked: number; refused: number; unknown: number }> {
  const { child, reports } = run;
  const problems: string[] = [];
  if (child.timedOut) problems.push("the writer did not finish in time (killed)");
  if (child.status !== 0) {
    problems.push(`the writer exited with ${child.status ?? child.signal}: ${child.stderr.trim()}`);
  }
  const last = reports.at(-1);
  const finished = last?.op === "close" || (reports.length === 1 && last?.op === "open");
  if (!finished) problems.push(`the writer's report stops after ${last?.op ?? "nothing"}`);

  // Every error must be a QuireError with a code that a storage fault may cause.
  const codes = options.codes ?? FAULT_CODES;
  let refusedCount = 0;
  let ackedByWriter = 0;
  for (const r of reports) {
    refusedCount += r.refused.length;
    ackedByWriter += r.acked.length;
    if (r.error === undefined) continue;
    if (!r.error.quire || !codes.includes(r.error.code!)) {
      problems.push(
        `${r.op} #${r.round} failed with ${
          r.error.quire ? `QuireError ${r.error.code}` : r.error.name
        }` +
          ` (expected a QuireError ${codes.join("/")}): ${r.error.message}`,
      );
    }
  }
  if (options.requireBoth && (refusedCount === 0 || ackedByWriter === 0)) {
    problems.push(
      `the fault did not land in the middle of the writes: ${ackedByWriter} acknowledged, ` +
        `${refusedCount} refused`,
    );
  }

  // What the store must hold: the seeds, then every acknowledged write in order.
  const expected = new Map<string, Expected>();
  for (const [id, doc] of seedDocs(options.rounds ?? ROUNDS)) {
    expected.set(id, { doc, rev: 1, by: "seed" });
  }
  const alternatives = new Map<string, Write[]>(); // ids whose outcome is unknown
  const refused: { write: Write; op: string }[] = [];
  let ackedCount = 0;
  for (const r of reports) {
    const op = `${r.op} #${r.round}`;
    for (const w of r.acked) {
      ackedCount++;
      const previous = expected.get(w.id);
      // A delete is acknowledged without a rev; a write after a delete starts again at 1.
      expected.set(w.id, { doc: w.doc, rev: w.doc === null ? undefined : w.rev, by: op });
      if (previous === undefined && w.doc === null) {
        problems.push(`${op} deleted ${w.id}, never written`);
      }
    }
    const unknown = r.error !== undefined && UNKNOWN_OUTCOME.test(r.error.message);
    for (const w of r.refused) {
      if (unknown && w.id !== "") alternatives.set(w.id, [...(alternatives.get(w.id) ?? []), w]);
      else refused.push({ write: w, op });
    }
  }

  const store = await openStore(target);
  try {
    const notes = store.collection(COLLECTION, SEARCH);
    const actual = new Map<string, { rev: number; doc: Record<string, unknown> }>();
    for await (const record of store.export()) {
      if (record.collection === COLLECTION) {
        actual.set(record.id, { rev: record.rev, doc: record.doc });
      }
    }
    const seqOf = new Map<number, string>(); // seq → id, of the stored documents
    for (const [id, { doc }] of actual) {
      if (typeof doc.seq === "number") seqOf.set(doc.seq, id);
    }
    const refusedDeletes = new Map<string, string>();
    for (const { write, op } of refused) if (write.doc === null) refusedDeletes.set(write.id, op);
    const refusedBySeq = new Map<number, string>();
    for (const { write, op } of refused) {
      if (typeof write.doc?.seq === "number") refusedBySeq.set(write.doc.seq, op);
    }

    for (const id of new Set([...expected.keys(), ...actual.keys(), ...alternatives.keys()])) {
      const want = expected.get(id);
      const got = actual.get(id);
      const matches = (doc: Record<string, unknown> | null, rev?: number) =>
        doc === null ? got === undefined : got !== undefined && isDeepStrictEqual(got.doc, doc) &&
          (rev === undefined || got.rev === rev);
      if (matches(want?.doc ?? null, want?.rev)) continue;
      if (alternatives.get(id)?.some((w) => matches(w.doc, w.rev))) continue;
      if (got === undefined && refusedDeletes.has(id)) {
        problems.push(
          `refused delete applied: ${id} is gone, but ${refusedDeletes.get(id)} was refused`,
        );
      } else if (got === undefined) {
        problems.push(`acknowledged write lost: ${id} (rev ${want?.rev}) from ${want?.by}`);
      } else if (typeof got.doc.seq === "number" && refusedBySeq.has(got.doc.seq)) {
        problems.push(
          `refused write present: ${id} holds seq ${got.doc.seq} (rev ${got.rev}), refused by ${
            refusedBySeq.get(got.doc.seq)
          }` + (want?.doc ? `; expected seq ${want.doc.seq} from ${want.by}` : ""),
        );
      } else if (want === undefined || want.doc === null) {
        problems.push(
          `unexpected document: ${id} (rev ${got.rev}, ${JSON.stringify(got.doc)})` +
            (want ? ` where ${want.by} deleted it` : ""),
        );
      } else {
        problems.push(
          `wrong state of ${id}: rev ${got.rev} ${
            JSON.stringify(got.doc)
          }, expected rev ${want.rev} ${JSON.stringify(want.doc)} from ${want.by}`,
        );
      }
    }

    // The search index: each stored document by its own word, no refused one.
    for (const [seq, id] of seqOf) {
      const hits = (await notes.search(`w${seq}`)).hits.map((h) => h.id);
      if (!isDeepStrictEqual(hits, [id])) {
        problems.push(`search "w${seq}" found [${hits}], expected [${id}]`);
      }
    }
    for (const [seq, op] of refusedBySeq) {
      if (seqOf.has(seq)) continue;
      const hits = (await notes.search(`w${seq}`)).hits.map((h) => h.id);
      if (hits.length > 0) problems.push(`search finds the document refused by ${op}: [${hits}]`);
    }

    const report = await store.check();
    if (!report.ok) problems.push(`check() is not ok: ${JSON.stringify(report.problems)}`);
  } catch (error) {
    problems.push(`reopening and reading failed: ${error}`);
  } finally {
    await store.close().catch((error) => problems.push(`close after reading failed: ${error}`));
  }

  // The store works again: write, reopen, read.
  try {
    const again = await openStore(target);
    await again.collection(COLLECTION, SEARCH).put("after-fault", { text: "after the fault" });
    await again.close();
    const reopened = await openStore(target);
    const doc = await reopened.collection(COLLECTION, SEARCH).get("after-fault");
    if (!isDeepStrictEqual(doc, { text: "after the fault" })) {
      problems.push(`a write after the fault reads back as ${JSON.stringify(doc)}`);
    }
    const report = await reopened.check();
    if (!report.ok) problems.push(`check() after a new write: ${JSON.stringify(report.problems)}`);
    await reopened.close();
  } catch (error) {
    problems.push(`the store does not work again after the fault: ${error}`);
  }

  assert.deepEqual(
    problems,
    [],
    `${
      options.context ?? ""
    }\n${problems.length} problem(s) after the fault on ${target.kind}:\n  ${
      problems.join("\n  ")
    }\nwhat the writer saw:\n${describeRun(reports)}`,
  );
  return { acked: ackedCount, refused: refusedCount, unknown: alternatives.size };
}

// ---- mounts ----

// By absolute path: root's tools are not on every PATH (/usr/sbin, /sbin).
const MOUNT = systemTool("mount");
const UMOUNT = systemTool("umount");

/** Why this machine cannot mount a tmpfs, or `undefined` when it can. */
export function mountUnavailable(): string | undefined {
  if (process.platform !== "linux") return "mounts a tmpfs: Linux only";
  if (process.getuid?.() !== 0) return "needs root to mount tmpfs";
  if (MOUNT === undefined || UMOUNT === undefined) {
    return "needs mount and umount (util-linux): not in /usr/sbin, /usr/bin, /sbin, /bin or on PATH";
  }
  const { dir, remove } = tempDir("quire-fault-probe-");
  try {
    const mounted = spawnSync(MOUNT, ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], {
      encoding: "utf8",
    });
    if (mounted.error || mounted.status !== 0) {
      return `cannot mount a tmpfs here: ${mounted.error?.message ?? mounted.stderr.trim()}`;
    }
    unmount(dir);
    return undefined;
  } finally {
    remove();
  }
}

/** Runs `fn` with a fresh tmpfs of `size` mounted on a new directory; always unmounts it. */
export async function withTmpfs<T>(size: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const { dir, remove } = tempDir("quire-fault-mnt-");
  mustRun(MOUNT ?? "mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  try {
    return await fn(dir);
  } finally {
    unmount(dir);
    remove();
  }
}

/** Unmounts `dir`, lazily as a last resort: never leave a mount behind. */
function unmount(dir: string): void {
  const done = spawnSync(UMOUNT ?? "umount", [dir]);
  if (done.status !== 0) spawnSync(UMOUNT ?? "umount", ["-l", dir]);
}

/** Remounts a mounted tmpfs read-only or read-write. */
export function remount(dir: string, mode: "ro" | "rw"): void {
  mustRun(MOUNT ?? "mount", ["-o", `remount,${mode}`, dir]);
}

function mustRun(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${result.error?.message ?? result.stderr}`,
    );
  }
}

/**
 * Fills the file system of `dir` so that about `freeBytes` stay free: a reserve file of that
 * size first, then a filler until `ENOSPC`, then the reserve is removed. Returns the filler's
 * path; removing it ends the fault.
 */
export function fillDisk(dir: string, freeBytes: number): string {
  const reserve = join(dir, "reserve.bin");
  const filler = join(dir, "filler.bin");
  writeFileSync(reserve, new Uint8Array(freeBytes));
  const chunk = new Uint8Array(4096);
  try {
    // One append per page until the disk is full.
    for (let i = 0; i < 1 << 20; i++) writeFileSync(filler, chunk, { flag: "a" });
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOSPC") throw error;
  }
  rmSync(reserve);
  return filler;
}

// ---- strace ----

/** The syscalls the suite injects faults into. */
export const SYSCALLS = ["write", "pwrite64", "fsync", "fdatasync", "rename"] as const;
export type Syscall = typeof SYSCALLS[number];

const STRACE = systemTool("strace");

/** Why strace cannot inject faults here, or `undefined` when it can. */
export function straceUnavailable(): string | undefined {
  if (process.platform !== "linux") return "strace fault injection: Linux only";
  const version = STRACE && spawnSync(STRACE, ["-V"], { encoding: "utf8" });
  if (!STRACE || !version || version.error || version.status !== 0) {
    return "needs strace (apt-get install strace; .ci/run installs it when running as root)";
  }
  const probe = spawnSync(STRACE, [
    "-f",
    "-qq",
    "-o",
    "/dev/null",
    "-e",
    "inject=getpid:error=EIO",
    "true",
  ], {
    encoding: "utf8",
  });
  if (probe.status !== 0) return `strace cannot trace here: ${probe.stderr.trim()}`;
  return undefined;
}

/** One traced syscall of the writer's main thread. */
export interface TracedCall {
  syscall: string;
  /** 1-based: which call of this syscall it is in the main thread (strace's `when=`). */
  nth: number;
  /** The file it touched (a rename: its source). */
  path: string;
  /** A rename's destination. */
  to?: string;
}

/**
 * Reads an `strace -f -y -o` log: the calls of the main thread (the lowest tid), numbered per
 * syscall as strace counts them for `inject=…:when=N` (counters are per thread), and the
 * injected calls of the main thread and of the other threads.
 */
export function readTrace(
  log: string,
): { calls: TracedCall[]; injected: TracedCall[]; injectedElsewhere: string[] } {
  const lines = log.split("\n");
  const tids = lines.map((line) => Number(/^(\d+) /.exec(line)?.[1])).filter((t) => t > 0);
  const main = Math.min(...tids);
  const counts = new Map<string, number>();
  const calls: TracedCall[] = [];
  const injected: TracedCall[] = [];
  const injectedElsewhere: string[] = [];
  // A call interrupted by another thread's output is logged in two parts: "<unfinished ...>",
  // then "<... write resumed>" with its result (and the INJECTED mark).
  let unfinished: TracedCall | undefined;
  for (const line of lines) {
    const m = /^(\d+) +(\w+)\((?:\d+<([^>]*)>|"([^"]*)")/.exec(line);
    const tid = Number(/^(\d+) /.exec(line)?.[1]);
    const isInjected = line.includes("(INJECTED)");
    if (tid !== main) {
      if (isInjected) injectedElsewhere.push(line);
      continue;
    }
    if (m === null) {
      if (isInjected && unfinished && line.includes(`<... ${unfinished.syscall} resumed>`)) {
        injected.push(unfinished);
      }
      continue;
    }
    const nth = (counts.get(m[2]) ?? 0) + 1;
    counts.set(m[2], nth);
    const call: TracedCall = { syscall: m[2], nth, path: m[3] ?? m[4] };
    const to = /^\d+ +rename\("[^"]*", "([^"]*)"/.exec(line);
    if (to) call.to = to[1];
    calls.push(call);
    unfinished = line.endsWith("<unfinished ...>") ? call : undefined;
    if (isInjected) injected.push(call);
  }
  return { calls, injected, injectedElsewhere };
}

/** The strace arguments that trace (and log) the suite's syscalls. */
export function straceArgs(target: Target, log: string, inject?: string): string[] {
  // SQLite's files are known: only their syscalls are traced and counted (so a fault can be
  // left on for good without touching stdout). The file backend's temporary files have random
  // names, so every call is traced, and the writer pads its main thread's count of `write`
  // (see fault_writer.ts) beyond what any other thread of the runtime writes.
  const paths = target.kind === "file" ? [] : storePaths(target).flatMap((p) => ["-P", p]);
  return [
    STRACE ?? "strace",
    "-f",
    "-qq",
    "-y",
    "-o",
    log,
    ...paths,
    "-e",
    // unlink is traced (not injected) to find a delete's directory fsync.
    `trace=${[...SYSCALLS, "unlink"].join(",")}`,
    ...(inject ? ["-e", `inject=${inject}`] : []),
  ];
}

/** How many `write` calls the file-backend writer makes to /dev/null before it starts. */
export const PAD = 400;

/** A clean traced run of the writer: the store's syscalls in its main thread. */
export async function cleanTrace(kind: Kind): Promise<TracedCall[]> {
  const { dir, remove } = tempDir("quire-fault-clean-");
  try {
    const target = targetIn(kind, dir);
    const pad = kind === "file" ? PAD : 0;
    // A first run warms the runtime's own caches (transpiled modules), whose writes would
    // otherwise shift the counts of the first traced run.
    await seed(target);
    const warm = await runWriter(target, { pad });
    assert.equal(warm.child.status, 0, warm.child.stderr);
    rmSync(target.location, { recursive: true, force: true });
    for (const p of storePaths(target)) rmSync(p, { force: true });
    await seed(target);
    const log = join(dir, "trace.log");
    const run = await runWriter(target, { pad, wrap: straceArgs(target, log) });
    assert.equal(run.child.status, 0, run.child.stderr);
    assert.equal(run.reports.filter((r) => r.error).length, 0, describeRun(run.reports));
    const root = target.kind === "file" ? target.location : dir;
    const calls: TracedCall[] = [];
    for (const call of readTrace(readFileSync(log, "utf8")).calls) {
      // Paths relative to the store, so that they compare across runs.
      if (call.path === root || call.path.startsWith(`${root}/`)) {
        const to = call.to?.startsWith(`${root}/`) ? call.to.slice(root.length) : call.to;
        calls.push({ ...call, path: call.path.slice(root.length) || "/", to });
      }
    }
    return calls;
  } finally {
    remove();
  }
}
