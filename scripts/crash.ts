/**
 * The crash suite: kills a writing child process with SIGKILL at random (seeded) moments, then
 * reopens the store and checks that nothing acknowledged was lost and nothing was torn.
 *
 * ```
 * bun scripts/crash.ts [--kills 50] [--seed S] [--case put,…] [--backend sqlite,file]
 *                      [--runtime bun,deno] [--max-delay 400] [--keep] [--verbose]
 * deno run -A scripts/crash.ts …
 * ```
 *
 * For each case (put, putMany, import, transaction, reindex, backup: scripts/lib/crash_cases.ts),
 * each persistent backend (`sqlite://…`, `file://…`) and each runtime of the child (Bun, Deno,
 * whichever runs this script), one store lives through `--kills` rounds. A round starts
 * tests/fixtures/crash_child.ts on the store, which writes until it is killed: most kills come a
 * random time after the child reported the store open, some (`EARLY_SHARE`) a random time after
 * it started, while it may still be opening (and recovering) the store. After the kill this
 * process reopens the store, for writing or, in half the rounds, read-only (so that the next
 * child is the one that recovers it), and asserts:
 * - every document is whole: exactly what one write of the case wrote;
 * - the write in flight at the kill took effect wholly or not at all (a putMany, import and
 *   transaction batch), and nothing else did;
 * - every write acknowledged before the kill is there, with its rev;
 * - the case's own invariant: the accounts' total is conserved (transaction), the catalog holds
 *   the search option last set or the one being set (reindex);
 * - `check()` is ok (it compares the search index with the documents), and a search for each
 *   batch's marker word finds exactly the documents holding it;
 * - each acknowledged backup opens, checks ok and holds exactly the store as it was; a backup cut
 *   short by the kill is absent, refused at open, or fails `check()`, but never opens as a good
 *   copy with documents missing.
 * The next round writes on to the same store, so damage would accumulate.
 *
 * The memory backends (`memory://`, `sqlite::memory:`) keep nothing once their process ends, so
 * there is nothing to reopen after a kill: the summary says so.
 *
 * It prints a summary table and exits with 1 when any assertion failed (a violation), with the
 * seed and the command that replays the failing case. tests/crash_test.ts runs a few kills per
 * case as part of `npm test`.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { open, type OpenOptions, parseUrl, QuireError, type Store } from "../mod.ts";
import {
  ACCOUNTS,
  badDocument,
  type CaseName,
  CASES,
  type ChildLine,
  marker,
  type SearchVariant,
  searchVariant,
  SHAPES,
  START_BALANCE,
} from "./lib/crash_cases.ts";
import { seededRandom } from "./lib/seeded_random.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHILD = join(ROOT, "tests", "fixtures", "crash_child.ts");

/** The backends a kill can be survived on. */
export const PERSISTENT_BACKENDS = ["sqlite", "file"] as const;
/** A backend of {@linkcode PERSISTENT_BACKENDS}. */
export type PersistentBackend = typeof PERSISTENT_BACKENDS[number];
/** The runtimes a child runs on. */
export const RUNTIMES = ["bun", "deno"] as const;
/** A runtime of {@linkcode RUNTIMES}. */
export type ChildRuntime = typeof RUNTIMES[number];
/** Why the memory backends are not in the suite. */
export const MEMORY_NOTE =
  "memory:// and sqlite::memory: keep nothing once their process ends: after a kill there is " +
  "nothing to reopen, so they are not killed";

/** Share of kills aimed at the child's start (opening and recovering the store). */
const EARLY_SHARE = 0.15;
/**
 * Share of rounds whose store is reopened read-only: a reader of a crashed store sees the
 * committed state too (the file backend lays a journal left behind over the files in memory),
 * and the next child, not this process, then recovers the store, so kills also land in recovery.
 */
const READONLY_SHARE = 0.5;
/** Longest wait for the child to report the store open. */
const READY_TIMEOUT_MS = 60_000;
/** How long the pipes of a killed child may stay open before it counts as hung. */
const HUNG_AFTER_KILL_MS = 10_000;
/** How many of the last acknowledged batches are searched for, besides the stored ones. */
const SEARCHED_ACKS = 5;
/** How many of a round's last acknowledged backups are opened and compared with the store. */
const VERIFIED_BACKUPS = 3;

/** Options of {@linkcode runCrashSuite}. */
export interface SuiteOptions {
  cases?: readonly CaseName[];
  backends?: readonly PersistentBackend[];
  runtimes?: readonly ChildRuntime[];
  /** Kills per case, backend and runtime. @default 50 */
  kills?: number;
  /** Seeds every random choice (kill times, the children's choices). */
  seed: number;
  /** Longest wait after the child is ready before the kill. @default 400 */
  maxDelayMs?: number;
  /** Keep the stores after the run (they are kept anyway when a violation was found). */
  keep?: boolean;
  /** Prints progress; silent without it. */
  log?: (line: string) => void;
  /** Prints every kill. */
  verbose?: boolean;
}

/** A failed assertion: `kind` names the assertion (see {@linkcode VIOLATION_KINDS}). */
export interface Violation {
  kind: ViolationKind;
  /** Where (case, backend, runtime, kill, seed) and what, with the command that replays it. */
  message: string;
}

/** The assertions, by the name a {@linkcode Violation} gives. */
export const VIOLATION_KINDS = {
  "child-failed": "the child stopped by itself (an error, or it could not start)",
  "hung": "the child did not end after SIGKILL, or never reported the store open",
  "protocol": "the child's report is out of order",
  "reopen": "the store cannot be reopened after the kill",
  "empty-database": "a kill while the store was being created left a file quire will not open",
  "torn": "a document is not exactly what one write wrote",
  "lost": "an acknowledged write is missing or older",
  "phantom": "a document changed that no acknowledged or in-flight write changed",
  "half-applied": "the write in flight took effect for some of its documents only",
  "invariant": "the case's invariant (conserved total, search option) does not hold",
  "check": "check() is not ok",
  "search": "a search for a batch's marker does not find exactly its documents",
  "backup": "an acknowledged backup does not open, check ok, or hold the store's copy",
  "cut-backup": "a backup cut short by the kill opens and checks ok as if it were whole",
  "read": "reading the reopened store failed",
  "not-quire-error": "something other than a QuireError came out of the public API",
} as const;
/** A key of {@linkcode VIOLATION_KINDS}. */
export type ViolationKind = keyof typeof VIOLATION_KINDS;

/** What one case on one backend and runtime came to. */
export interface CaseResult {
  name: CaseName;
  backend: PersistentBackend;
  runtime: ChildRuntime;
  kills: number;
  /** Kills before the child reported the store open. */
  early: number;
  /** Writes acknowledged by the children (a batch counts once). */
  acked: number;
  /** The operation in flight at each kill, by name ("none": between writes or while opening). */
  inFlight: Record<string, number>;
  /** Writes in flight at the kill that turned out to have taken effect. */
  inFlightApplied: number;
  /** Acknowledged backups that opened, checked ok and held what they should. */
  backupsVerified: number;
  /** What backups cut short by a kill turned out to be, by kind. */
  cutBackups: Record<string, number>;
  violations: Violation[];
  ms: number;
  /** The store, when it was kept. */
  dir?: string;
}

/** A document as the parent sees it: its rev and the batch that wrote it. */
interface Version {
  rev: number;
  batch: number;
}

/** What one case's store should hold, carried from round to round. */
interface Model {
  docs: Map<string, Version>;
  variant: SearchVariant | "none";
}

/** A violation found in a round, before it is told where: its kind and what is wrong. */
type Problem = [ViolationKind, string];

/** What one child did. */
interface ChildRun {
  lines: ChildLine[];
  ready: boolean;
  readyMs: number;
  killed: boolean;
  code: number | null;
  signal: string | null;
  stderr: string;
  /** Set when the child had to be given up on. */
  hung?: string;
}

const live = new Set<ChildProcess>();

/** Kills the children still running (each by its own handle) when this process ends. */
function killLiveChildren(): void {
  for (const child of live) child.kill("SIGKILL");
}

/**
 * Runs the suite; resolves to one result per case, backend and runtime.
 *
 * @param options What to run; see {@linkcode SuiteOptions}.
 * @returns The results, in the order run.
 */
export async function runCrashSuite(options: SuiteOptions): Promise<CaseResult[]> {
  const log = options.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), "quire-crash-"));
  process.once("exit", killLiveChildren);
  const results: CaseResult[] = [];
  try {
    for (const name of options.cases ?? CASES) {
      for (const backend of options.backends ?? PERSISTENT_BACKENDS) {
        for (const runtime of options.runtimes ?? RUNTIMES) {
          const result = await runCase(name, backend, runtime, work, options, log);
          results.push(result);
        }
      }
    }
  } finally {
    killLiveChildren();
    process.removeListener("exit", killLiveChildren);
    const kept = options.keep || results.some((r) => r.violations.length > 0);
    if (!kept) rmSync(work, { recursive: true, force: true });
  }
  return results;
}

async function runCase(
  name: CaseName,
  backend: PersistentBackend,
  runtime: ChildRuntime,
  work: string,
  options: SuiteOptions,
  log: (line: string) => void,
): Promise<CaseResult> {
  const started = performance.now();
  const kills = options.kills ?? 50;
  const maxDelayMs = options.maxDelayMs ?? 400;
  const label = `${name} ${backend} ${runtime}`;
  const dir = mkdtempSync(join(work, `${name}-${backend}-${runtime}-`));
  const url = backend === "sqlite" ? `sqlite://${dir}/store.db` : `file://${dir}/store`;
  const backupDir = join(dir, "backups");
  mkdirSync(backupDir);
  const random = seededRandom(hashSeed(options.seed, label));
  const result: CaseResult = {
    name,
    backend,
    runtime,
    kills: 0,
    early: 0,
    acked: 0,
    inFlight: {},
    inFlightApplied: 0,
    backupsVerified: 0,
    cutBackups: {},
    violations: [],
    ms: 0,
  };
  const model: Model = { docs: new Map(), variant: "none" };
  let readyMs = 300;
  log(`${label}: ${kills} kills on ${url}`);
  for (let round = 0; round < kills; round++) {
    const early = random() < EARLY_SHARE;
    const delayMs = random() * (early ? readyMs : maxDelayMs);
    const childSeed = Math.floor(random() * 2 ** 31);
    const readonly = random() < READONLY_SHARE;
    const firstBatch = (round + 1) * 1_000_000;
    const run = await runChild(runtime, [
      name,
      url,
      String(firstBatch),
      String(childSeed),
      backupDir,
    ], {
      early,
      delayMs,
    });
    if (run.ready) readyMs = run.readyMs;
    result.kills++;
    if (!run.ready) result.early++;
    const problems: Problem[] = [];
    if (run.hung) problems.push(["hung", run.hung]);
    else if (!run.killed) {
      problems.push([
        "child-failed",
        `the child stopped by itself (exit ${run.code ?? run.signal}): ${run.stderr.trim()}`,
      ]);
    }
    const described = await verifyRound(name, url, readonly, run, model, result, problems);
    const replay = `bun scripts/crash.ts --case ${name} --backend ${backend} ` +
      `--runtime ${runtime} --seed ${options.seed} --kills ${round + 1}`;
    for (const [kind, problem] of problems) {
      const line = `${label}, kill ${round + 1} (seed ${options.seed}; ${described}): ${problem}`;
      result.violations.push({ kind, message: `${line}\n    replay: ${replay}` });
      log(`  VIOLATION [${kind}] ${line}`);
    }
    if (options.verbose) {
      log(
        `  ${label} kill ${round + 1}: ${described}, delay ${delayMs.toFixed(0)} ms${
          early ? " from start" : ""
        }`,
      );
    } else if ((round + 1) % 10 === 0 || round + 1 === kills) {
      log(
        `  ${label}: ${round + 1}/${kills} kills, ${result.acked} writes acknowledged, ` +
          `${result.violations.length} violations`,
      );
    }
  }
  result.ms = performance.now() - started;
  if (options.keep || result.violations.length > 0) result.dir = dir;
  else rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Starts the child and kills it after `delayMs` (from its start when `early`, else from ready). */
function runChild(
  runtime: ChildRuntime,
  args: string[],
  kill: { early: boolean; delayMs: number },
): Promise<ChildRun> {
  const binary = join(ROOT, "node_modules", ".bin", runtime);
  const argv = runtime === "deno" ? ["run", "-A", CHILD, ...args] : [CHILD, ...args];
  const child = spawn(binary, argv, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  live.add(child);
  const started = performance.now();
  const run: ChildRun = {
    lines: [],
    ready: false,
    readyMs: 0,
    killed: false,
    code: null,
    signal: null,
    stderr: "",
  };
  let killedAt = 0;
  const killNow = () => {
    if (child.exitCode !== null || child.signalCode !== null || run.killed) return;
    run.killed = true;
    killedAt = performance.now();
    child.kill("SIGKILL");
  };
  let timer = setTimeout(() => {
    if (!kill.early && !run.ready) run.hung = `no "ready" in ${READY_TIMEOUT_MS / 1000} s`;
    killNow();
  }, kill.early ? kill.delayMs : READY_TIMEOUT_MS);
  let pending = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf("\n")) !== -1) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      let line: ChildLine;
      try {
        line = JSON.parse(text);
      } catch {
        run.stderr += `unreadable line from the child: ${text}\n`;
        continue;
      }
      run.lines.push(line);
      if (line.t === "ready" && !run.ready) {
        run.ready = true;
        run.readyMs = performance.now() - started;
        if (!kill.early) {
          clearTimeout(timer);
          timer = setTimeout(killNow, kill.delayMs);
        }
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    if (run.stderr.length < 20_000) run.stderr += chunk;
  });
  return new Promise((resolve) => {
    let done = false;
    // SIGKILL cannot be caught: if the pipes stay open long after it, give up on the child.
    const watchdog = setInterval(() => {
      if (killedAt === 0 || performance.now() - killedAt < HUNG_AFTER_KILL_MS) return;
      run.hung = `its pipes were still open ${HUNG_AFTER_KILL_MS / 1000} s after SIGKILL`;
      finish(null, "SIGKILL");
    }, 1000);
    function finish(code: number | null, signal: string | null) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(watchdog);
      live.delete(child);
      run.code = code;
      run.signal = signal;
      if (signal !== "SIGKILL") run.killed = false;
      // A line cut off by the kill (no newline yet) is not an acknowledgement: it stays pending.
      resolve(run);
    }
    child.on("error", (error) => {
      run.stderr += `cannot start ${binary}: ${error.message}\n`;
      finish(null, null);
    });
    child.on("close", finish);
  });
}

/**
 * Reopens the store after a kill and checks it against what the child reported; adds what is
 * wrong to `problems` and returns a short description of the round.
 */
async function verifyRound(
  name: CaseName,
  url: string,
  readonly: boolean,
  run: ChildRun,
  model: Model,
  result: CaseResult,
  problems: Problem[],
): Promise<string> {
  const shape = SHAPES[name];
  // What the store must hold: the last round's state with this round's acknowledgements on top.
  const expected = new Map(model.docs);
  let variant = model.variant;
  let inFlight: Extract<ChildLine, { t: "begin" }> | undefined;
  const ackedBatches: number[] = [];
  const ackedBackups: { path: string; snapshot: Map<string, Version> }[] = [];
  let snapshot = new Map<string, Version>();
  for (const line of run.lines) {
    if (line.t === "begin") {
      if (inFlight !== undefined) problems.push(["protocol", `begin ${line.batch} before an ack`]);
      inFlight = line;
      if (line.op === "backup") snapshot = new Map(expected);
    } else if (line.t === "ack") {
      if (inFlight?.batch !== line.batch) {
        problems.push(["protocol", `ack of batch ${line.batch} without its begin`]);
        continue;
      }
      for (const [id, rev] of Object.entries(line.revs)) {
        expected.set(id, { rev, batch: line.batch });
      }
      if (inFlight.op === "backup") ackedBackups.push({ path: inFlight.path!, snapshot });
      if (line.options !== undefined) variant = line.options;
      // The setup creates the collection, with the plain option unless it had one.
      if (inFlight.op === "setup" && variant === "none") variant = "plain";
      ackedBatches.push(line.batch);
      result.acked++;
      inFlight = undefined;
    }
  }
  const op = inFlight?.op ?? "none";
  result.inFlight[op] = (result.inFlight[op] ?? 0) + 1;
  const describe = (run.ready ? "" : "killed while opening, ") +
    `${ackedBatches.length} acks, ${op} in flight, reopened ${readonly ? "read-only" : "to write"}`;

  let store: Store | undefined;
  try {
    store = await open(openOptions(url, readonly));
  } catch (error) {
    // Killed before it created anything: a reader finds no store, which is right.
    const nothing = error instanceof QuireError && error.code === "NOT_FOUND";
    if (readonly && nothing && expected.size === 0) return describe;
    const path = url.startsWith("sqlite://") ? url.slice("sqlite://".length) : undefined;
    if (path !== undefined && existsSync(path) && statSync(path).size === 0) {
      // A kill while SQLite was creating the file: nothing was acknowledged, but quire takes an
      // empty database file as damage. Reported above; removed so that the rounds can go on.
      problems.push([
        "empty-database",
        "a kill while the store was being created left an empty database file, which quire " +
        `refuses to open (${errorText(error)}); removed it to go on`,
      ]);
      for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
    } else {
      problems.push([kindOf(error, "reopen"), `cannot reopen the store: ${errorText(error)}`]);
    }
    return describe;
  }
  try {
    // The documents, each checked whole.
    const observed = new Map<string, Version>();
    const docs = await readAll(store, shape.collection);
    for (const { id, rev, doc } of docs) {
      const bad = badDocument(name, id, doc);
      if (!shape.ids.includes(id)) problems.push(["phantom", `a document no write made: ${id}`]);
      else if (bad !== undefined) problems.push(["torn", `document ${id} (rev ${rev}): ${bad}`]);
      observed.set(id, { rev, batch: (doc as { batch: number }).batch });
    }

    // Each document is as acknowledged, or as the write in flight left it; never anything else.
    const flying = new Map<string, Version>();
    for (const id of inFlight?.ids ?? []) {
      const before = expected.get(id)?.rev ?? 0;
      flying.set(id, { rev: shape.nextRev(before, inFlight!.batch), batch: inFlight!.batch });
    }
    let applied = 0;
    for (const id of new Set([...expected.keys(), ...observed.keys()])) {
      const want = expected.get(id);
      const got = observed.get(id);
      const flew = flying.get(id);
      if (flew !== undefined && same(got, flew)) {
        applied++;
      } else if (!same(got, want)) {
        problems.push([
          got === undefined || (want !== undefined && got.rev < want.rev) ? "lost" : "phantom",
          got === undefined
            ? `acknowledged write lost: ${id} should be rev ${want!.rev} (batch ${want!.batch}), ` +
              "and is missing"
            : want === undefined
            ? `${id} appeared (rev ${got.rev}, batch ${got.batch}) though no write of it was ` +
              "acknowledged or in flight"
            : `${id} is rev ${got.rev} (batch ${got.batch}), expected rev ${want.rev} (batch ` +
              `${want.batch})${flew ? ` or, from the write in flight, rev ${flew.rev}` : ""}`,
        ]);
      }
    }
    if (applied > 0) result.inFlightApplied++;
    if (applied > 0 && applied < flying.size) {
      problems.push([
        "half-applied",
        `${op} of batch ${inFlight!.batch}: ${applied} of its ${flying.size} documents were ` +
        "written",
      ]);
    }

    // The case's own invariants.
    if (name === "transaction") {
      const total = docs.reduce((sum, entry) => sum + ((entry.doc.balance as number) ?? 0), 0);
      const want = docs.length === 0 ? 0 : ACCOUNTS * START_BALANCE;
      if (total !== want || (docs.length !== 0 && docs.length !== ACCOUNTS)) {
        problems.push([
          "invariant",
          `the accounts hold ${total} in ${docs.length} documents, expected ${want}`,
        ]);
      }
    }
    const listed = (await store.collections()).find((entry) => entry.name === shape.collection);
    const stored = listed === undefined ? "none" : searchVariant(listed.options.search);
    if (name === "reindex") {
      // The op in flight may have set its option; the setup may have created the collection
      // (on the file backend the catalog is written at once, not with the batch).
      const setting = inFlight?.op === "setup" ? "plain" : inFlight?.options;
      if (stored !== variant && stored !== setting) {
        problems.push(["invariant", `the search option is "${stored}", expected "${variant}"`]);
      }
    } else if (listed !== undefined && stored !== "plain") {
      problems.push([
        "invariant",
        `the collection's search option is "${stored}", expected "plain"`,
      ]);
    }

    // The search index agrees with the documents.
    const report = await store.check();
    if (!report.ok) {
      problems.push(["check", report.problems.map((p) => p.message).join("; ")]);
    }
    if (listed !== undefined) {
      const batches = new Set([...observed.values()].map((v) => v.batch));
      for (const batch of ackedBatches.slice(-SEARCHED_ACKS)) batches.add(batch);
      if (inFlight !== undefined) batches.add(inFlight.batch);
      for (const batch of batches) {
        const found = await searchAll(store, shape.collection, marker(batch));
        const holding = [...observed].filter(([, v]) => v.batch === batch).map(([id]) => id)
          .sort();
        if (found.join() !== holding.join()) {
          problems.push([
            "search",
            `a search for ${marker(batch)} finds ${found.length} documents, ${holding.length} ` +
            `hold it (found: ${found.slice(0, 5).join(", ")}…)`,
          ]);
        }
      }
    }

    // Backups.
    // The last few acknowledged backups are opened and compared (each costs an open and a full
    // read); the older ones of the round are removed unread.
    for (const { path } of ackedBackups.slice(0, -VERIFIED_BACKUPS)) {
      rmSync(path, { recursive: true, force: true });
    }
    for (const { path, snapshot } of ackedBackups.slice(-VERIFIED_BACKUPS)) {
      const fault = await checkBackup(url, path, shape.collection, snapshot);
      if (fault === "complete") result.backupsVerified++;
      else problems.push(["backup", `acknowledged backup ${path}: ${fault}`]);
      if (fault === "complete") rmSync(path, { recursive: true, force: true });
    }
    if (inFlight?.op === "backup") {
      const kind = await checkBackup(url, inFlight.path!, shape.collection, snapshot);
      const short = kind.startsWith("MISTAKEN") ? "opens as good, documents missing" : kind;
      result.cutBackups[short] = (result.cutBackups[short] ?? 0) + 1;
      if (kind.startsWith("MISTAKEN") || kind.startsWith("non-QuireError")) {
        problems.push([
          kind.startsWith("MISTAKEN") ? "cut-backup" : "not-quire-error",
          `a backup cut short by the kill (${inFlight.path}): ${kind}`,
        ]);
      } else {
        rmSync(inFlight.path!, { recursive: true, force: true });
      }
    }

    model.docs = observed;
    model.variant = stored;
  } catch (error) {
    problems.push([
      kindOf(error, "read"),
      `reading the reopened store failed: ${errorText(error)}`,
    ]);
  } finally {
    await store.close().catch((error) =>
      problems.push([kindOf(error, "read"), `close failed: ${errorText(error)}`])
    );
  }
  return describe;
}

/**
 * Opens a backup read-only and compares it with the store it copied. Returns "complete" when
 * it is a good copy; otherwise what it is: "absent", "refused at open (CODE)", "check() fails",
 * "check() or a read throws (CODE)", "MISTAKEN: …" (opens and checks ok, yet is not the copy) or
 * "non-QuireError …". All but the last two tell the copy is not good.
 */
async function checkBackup(
  url: string,
  path: string,
  collection: string,
  snapshot: Map<string, Version>,
): Promise<string> {
  if (!existsSync(path)) return "absent";
  let backup: Store;
  try {
    const backupUrl = url.startsWith("sqlite:") ? `sqlite://${path}` : `file://${path}`;
    backup = await open(openOptions(backupUrl, true));
  } catch (error) {
    if (!(error instanceof QuireError)) return `non-QuireError at open: ${errorText(error)}`;
    const stat = statSync(path);
    const empty = stat.isFile() && stat.size === 0 ? ", an empty file" : "";
    return `refused at open (${error.code}${empty})`;
  }
  try {
    const report = await backup.check();
    if (!report.ok) return "check() fails";
    const docs = await readAll(backup, collection);
    const differ = docs.filter((entry) =>
      !same(
        { rev: entry.rev, batch: (entry.doc as { batch: number }).batch },
        snapshot.get(entry.id),
      )
    );
    if (docs.length === snapshot.size && differ.length === 0) return "complete";
    return `MISTAKEN: opens read-only and check() is ok, but holds ${docs.length} of the ` +
      `${snapshot.size} documents (${differ.length} differ)`;
  } catch (error) {
    if (!(error instanceof QuireError)) return `non-QuireError reading it: ${errorText(error)}`;
    return `check() or a read throws (${error.code})`;
  } finally {
    await backup.close();
  }
}

/** Every document of a collection, a page at a time. */
async function readAll(store: Store, name: string) {
  const collection = store.collection(name);
  const all = [];
  let page = await collection.find({}, { limit: 10_000 });
  all.push(...page.items);
  while (page.next !== undefined) {
    page = await collection.find({}, { limit: 10_000, after: page.next });
    all.push(...page.items);
  }
  return all;
}

/** The ids a search finds, every page of it, sorted. */
async function searchAll(store: Store, name: string, text: string): Promise<string[]> {
  const collection = store.collection(name);
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await collection.search(text, { limit: 1000, after, fields: ["batch"] });
    ids.push(...page.hits.map((hit) => hit.id));
    after = page.next;
  } while (after !== undefined);
  return ids.sort();
}

function same(a: Version | undefined, b: Version | undefined): boolean {
  return a?.rev === b?.rev && a?.batch === b?.batch;
}

/** The options that open `url` (`sqlite://path` or `file://dir`), read-only or not. */
function openOptions(url: string, readonly: boolean): OpenOptions {
  return { ...parseUrl(url), readonly };
}

function kindOf(error: unknown, kind: ViolationKind): ViolationKind {
  return error instanceof QuireError ? kind : "not-quire-error";
}

function errorText(error: unknown): string {
  if (error instanceof QuireError) return `QuireError ${error.code}: ${error.message}`;
  return `not a QuireError: ${error instanceof Error ? error.stack ?? error.message : error}`;
}

/** One seed per case, backend and runtime, so running one of them alone replays it. */
function hashSeed(seed: number, label: string): number {
  let hash = seed | 0;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
  return hash;
}

/** The summary table of a run. */
export function summaryTable(results: CaseResult[]): string {
  const header = [
    "case",
    "backend",
    "child",
    "kills",
    "opening",
    "acked",
    "in flight at the kill",
    "applied",
    "backups ok",
    "backups cut short",
    "violations",
    "time",
  ];
  const rows = results.map((r) => [
    r.name,
    r.backend,
    r.runtime,
    String(r.kills),
    String(r.early),
    String(r.acked),
    Object.entries(r.inFlight).map(([op, n]) => `${op} ${n}`).join(", "),
    String(r.inFlightApplied),
    r.name === "backup" ? String(r.backupsVerified) : "",
    Object.entries(r.cutBackups).map(([kind, n]) => `${kind}: ${n}`).join(", "),
    String(r.violations.length),
    `${(r.ms / 1000).toFixed(1)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function listOption<T extends string>(
  values: string[] | undefined,
  allowed: readonly string[],
  what: string,
): T[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const list = values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
  for (const value of list) {
    if (!allowed.includes(value)) {
      throw new Error(`Unknown ${what} "${value}": expected ${allowed.join(", ")}`);
    }
  }
  return [...new Set(list)] as T[];
}

const USAGE = `Usage: bun scripts/crash.ts [options]   (or: deno run -A scripts/crash.ts)
  --kills N        kills per case, backend and runtime (default 50)
  --seed S         seed of every random choice (default: a new one, printed)
  --case C         ${CASES.join(", ")} (repeat or comma-separate; default all)
  --backend B      sqlite, file (memory: nothing to test, see the summary; default all)
  --runtime R      runtime of the child: bun, deno (default both)
  --max-delay MS   longest wait after the child is ready before the kill (default 400)
  --keep           keep the stores (kept anyway on a violation)
  --verbose        a line per kill`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        kills: { type: "string" },
        seed: { type: "string" },
        case: { type: "string", multiple: true },
        backend: { type: "string", multiple: true },
        runtime: { type: "string", multiple: true },
        "max-delay": { type: "string" },
        keep: { type: "boolean" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  let options: SuiteOptions;
  let memoryAsked = false;
  try {
    const kills = Number(args.kills ?? 50);
    const seed = args.seed === undefined ? Date.now() % 2 ** 31 : Number(args.seed);
    const maxDelayMs = Number(args["max-delay"] ?? 400);
    if (!Number.isSafeInteger(kills) || kills < 1) throw new Error("--kills takes a number ≥ 1");
    if (!Number.isSafeInteger(seed)) throw new Error("--seed takes an integer");
    if (!(maxDelayMs >= 0)) throw new Error("--max-delay takes a number of milliseconds");
    const backends = listOption<PersistentBackend | "memory">(
      args.backend,
      [...PERSISTENT_BACKENDS, "memory"],
      "backend",
    );
    memoryAsked = backends === undefined || backends.includes("memory");
    options = {
      cases: listOption<CaseName>(args.case, CASES, "case"),
      backends: backends?.filter((b): b is PersistentBackend => b !== "memory"),
      runtimes: listOption<ChildRuntime>(args.runtime, RUNTIMES, "runtime"),
      kills,
      seed,
      maxDelayMs,
      keep: args.keep === true,
      verbose: args.verbose === true,
      log: (line) => console.log(line),
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const runtime = (globalThis as { Deno?: unknown }).Deno !== undefined ? "deno" : "bun";
  console.log(
    `crash suite: seed ${options.seed}, ${options.kills} kills per case, run by ${runtime}`,
  );
  const started = performance.now();
  const results = await runCrashSuite(options);
  const violations = results.flatMap((r) => r.violations);
  console.log(`\n=== summary (seed ${options.seed}) ===`);
  console.log(summaryTable(results));
  if (memoryAsked) console.log(`\nNot applicable: ${MEMORY_NOTE}.`);
  const kills = results.reduce((sum, r) => sum + r.kills, 0);
  console.log(
    `\n${kills} kills in ${((performance.now() - started) / 1000).toFixed(0)} s, ` +
      `${violations.length} violations`,
  );
  for (const dir of results.flatMap((r) => r.dir ?? [])) console.log(`kept: ${dir}`);
  if (violations.length > 0) {
    console.log("\nViolations:");
    for (const { kind, message } of violations) console.log(`- [${kind}] ${message}`);
    console.log("\nBy kind:");
    const kinds = new Map<ViolationKind, number>();
    for (const { kind } of violations) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    for (const [kind, n] of kinds) console.log(`  ${kind}: ${n} (${VIOLATION_KINDS[kind]})`);
    return 1;
  }
  return 0;
}

if (import.meta.main) process.exit(await main());
