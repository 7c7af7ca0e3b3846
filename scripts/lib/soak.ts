/**
 * The multi-process soak (issue 9, point 5): worker processes of Bun and Deno write one store (a
 * SQLite file in WAL mode, or any store URL: a Postgres database) at once for a while, with every kind of write and read quire has, while one reader
 * process checks invariants continuously; then the file is checked once more at rest.
 *
 * The data, and why each part of it can be checked:
 *
 * - `accounts`: `a-0` … `a-15`, 1,000 each at the start. Only transactions write them, each
 *   moving an amount from one account to another, so the total is 16,000 in every snapshot and
 *   no balance is ever negative. The reader reads all of them with one `find` (one statement,
 *   so one snapshot).
 * - `docs` (`search: { fields: ["text"] }`, `indexes: ["kind"]`), four kinds of ids:
 *   - `p-N`: plain puts, never deleted, so their rev never goes back.
 *   - `d-N`: plain puts and deletes; a rev may go back only when the document was created again
 *     (a different `createdAt`).
 *   - `c-N`: counters, written only by conditional puts (`ifRev`, re-read and retried on
 *     CONFLICT) that add 1 to `value`; created with value 0 at rev 1, so `value` is always
 *     `rev - 1`, and at the end the values add up to the increments the workers acknowledged.
 *   - `m-G-I`: groups of 8 written together by `putMany`; a group is absent or whole, and all of
 *     its documents carry the same batch and rev.
 * - Every document carries a checksum of its fields (`sum`) and a padding of 0 to 6,000
 *   characters (so that some span several pages): a torn or mixed-up document fails it.
 * - Search: every hit's document is whole and contains the word searched for (and matches the
 *   filter, if there was one); at the end, the hits of every word are exactly the documents
 *   whose text has it.
 *
 * A worker counts an error for anything an operation throws except the CONFLICT of a
 * conditional put (which it retries): BUSY after the 5 s busy timeout and anything that is not a
 * `QuireError` are counted apart as well. Workers and the reader write one JSON object per line
 * on stdout; the orchestrator (`runSoak`) adds them up.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type Collection, type Document, open, QuireError, type Store } from "../../mod.ts";
import { seededRandom } from "./seeded_random.ts";

// ---- the data ----

/** Account documents (`a-N`). */
export const ACCOUNTS = 16;
/** Every account's balance at the start. */
export const INITIAL_BALANCE = 1000;
/** Counter documents (`c-N`), written by conditional puts only. */
export const COUNTERS = 4;
/** Plain-put documents (`p-N`), never deleted. */
export const PLAIN = 64;
/** Documents that are put and deleted (`d-N`). */
export const DELETABLE = 32;
/** putMany groups (`m-G-I`) and documents per group. */
export const GROUPS = 8;
export const GROUP_SIZE = 8;
/** The words of the documents' text; none is FTS5 or quire search syntax. */
export const VOCABULARY = [
  "amber",
  "basil",
  "cedar",
  "delta",
  "ember",
  "fjord",
  "gamma",
  "heron",
  "iris",
  "juniper",
  "kelp",
  "lotus",
  "maple",
  "nectar",
  "opal",
  "pepper",
  "quartz",
  "raven",
  "sage",
  "tundra",
  "umber",
  "violet",
  "willow",
  "xenon",
  "yarrow",
  "zephyr",
] as const;

/** The kinds of operation a worker runs, in the order each worker runs them first. */
export const KINDS = [
  "put",
  "conditionalPut",
  "putMany",
  "delete",
  "transaction",
  "search",
  "export",
] as const;
/** One kind of worker operation. */
export type Kind = typeof KINDS[number];
/** How often each kind is picked, relatively. */
const WEIGHTS: Record<Kind, number> = {
  put: 25,
  conditionalPut: 20,
  putMany: 8,
  delete: 12,
  transaction: 20,
  search: 12,
  export: 3,
};

/** A document of the `docs` collection. */
export interface SoakDoc {
  kind: "p" | "d" | "c" | "m";
  /** The worker that wrote it (-1: the setup). */
  by: number;
  /** That worker's operation number. */
  seq: number;
  text: string;
  pad: string;
  /** Counters: how many increments. */
  value?: number;
  /** putMany groups: the batch that wrote the group. */
  batch?: string;
  sum: string;
}

/** An account document. */
export interface Account {
  balance: number;
  moves: number;
  sum: string;
}

/** A whole number in [0, n). */
export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** Picks an operation kind by its weight. */
export function pickKind(random: () => number): Kind {
  const total = KINDS.reduce((sum, kind) => sum + WEIGHTS[kind], 0);
  let x = random() * total;
  for (const kind of KINDS) {
    x -= WEIGHTS[kind];
    if (x < 0) return kind;
  }
  return KINDS[KINDS.length - 1];
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0") + text.length.toString(36);
}

function docSum(doc: Omit<SoakDoc, "sum">): string {
  return fnv1a(
    [doc.kind, doc.by, doc.seq, doc.text, doc.pad, doc.value ?? "", doc.batch ?? ""].join("|"),
  );
}

/** A new document of the `docs` collection, with random text and padding. */
export function makeDoc(
  random: () => number,
  fields: Pick<SoakDoc, "kind" | "by" | "seq" | "value" | "batch">,
): SoakDoc {
  const words = Array.from(
    { length: 4 + randomInt(random, 10) },
    () => VOCABULARY[randomInt(random, VOCABULARY.length)],
  );
  // Mostly small documents; one in eight spans more than one 4 KiB page.
  const padLength = random() < 0.125 ? 4000 + randomInt(random, 2000) : randomInt(random, 400);
  const doc: Omit<SoakDoc, "sum"> = {
    ...fields,
    text: words.join(" "),
    pad: "abcdefghij"[fields.seq % 10].repeat(padLength),
  };
  if (doc.value === undefined) delete doc.value;
  if (doc.batch === undefined) delete doc.batch;
  return { ...doc, sum: docSum(doc) } as SoakDoc;
}

/** An account document. */
export function makeAccount(balance: number, moves: number): Account {
  return { balance, moves, sum: fnv1a(`${balance}|${moves}`) };
}

/** What is wrong with a document of `docs`, or `undefined` when it is whole. */
export function docProblem(id: string, doc: Document | undefined): string | undefined {
  if (doc === undefined || doc === null || typeof doc !== "object") {
    return `docs/${id} is ${JSON.stringify(doc)}`;
  }
  const d = doc as unknown as SoakDoc;
  const prefix = id.split("-")[0];
  if (d.kind !== prefix) return `docs/${id} has kind ${JSON.stringify(d.kind)}`;
  if (
    typeof d.by !== "number" || typeof d.seq !== "number" || typeof d.text !== "string" ||
    typeof d.pad !== "string" || typeof d.sum !== "string"
  ) {
    return `docs/${id} lacks a field: ${JSON.stringify(doc).slice(0, 200)}`;
  }
  const { sum, ...rest } = d;
  if (docSum(rest) !== sum) return `docs/${id} does not match its checksum (torn or mixed)`;
  if (d.kind === "c" && !(Number.isSafeInteger(d.value) && d.value! >= 0)) {
    return `docs/${id} has counter value ${d.value}`;
  }
  if (d.kind === "m" && typeof d.batch !== "string") return `docs/${id} has no batch`;
  return undefined;
}

/** What is wrong with an account document, or `undefined` when it is whole. */
export function accountProblem(id: string, doc: Document | undefined): string | undefined {
  const a = doc as unknown as Account | undefined;
  if (a === undefined || typeof a.balance !== "number" || typeof a.moves !== "number") {
    return `accounts/${id} is ${JSON.stringify(doc)}`;
  }
  if (fnv1a(`${a.balance}|${a.moves}`) !== a.sum) {
    return `accounts/${id} does not match its checksum (torn or mixed)`;
  }
  if (!Number.isSafeInteger(a.balance) || a.balance < 0) {
    return `accounts/${id} has balance ${a.balance}`;
  }
  return undefined;
}

/** Whether a document's text has `word` as a whole word. */
export function hasWord(doc: Document, word: string): boolean {
  const text = (doc as unknown as SoakDoc).text;
  return typeof text === "string" && text.split(" ").includes(word);
}

/** The collections as every process opens them. */
export function collections(store: Store): {
  accounts: Collection<Document>;
  docs: Collection<Document>;
} {
  return {
    accounts: store.collection<Document>("accounts"),
    docs: store.collection<Document>("docs"),
  };
}

/** Creates the soak's store at `url`: the collections, the accounts and the counters. */
export async function setupStore(url: string): Promise<void> {
  const store = await open(url);
  try {
    const docs = store.collection("docs", { search: { fields: ["text"] }, indexes: ["kind"] });
    const accounts = store.collection("accounts");
    const random = seededRandom(1);
    await store.transaction(async () => {
      for (let i = 0; i < ACCOUNTS; i++) {
        await accounts.put(`a-${i}`, makeAccount(INITIAL_BALANCE, 0) as unknown as Document);
      }
      for (let i = 0; i < COUNTERS; i++) {
        const doc = makeDoc(random, { kind: "c", by: -1, seq: i, value: 0 });
        await docs.put(`c-${i}`, doc as unknown as Document);
      }
    });
  } finally {
    await store.close();
  }
}

/**
 * Tracks the revs a process has seen: revs never go back (but for a `d-` document created
 * again), and one rev of a document is one version.
 */
export class RevTracker {
  #seen = new Map<string, { rev: number; createdAt: string; sum: string }>();

  /** Records an observation; returns what is wrong with it, if anything. */
  observe(
    id: string,
    meta: { rev: number; createdAt: string },
    doc: Document,
  ): string | undefined {
    const sum = String((doc as { sum?: unknown }).sum);
    const before = this.#seen.get(id);
    this.#seen.set(id, { rev: meta.rev, createdAt: meta.createdAt, sum });
    if (before === undefined) return undefined;
    // A `d-` document may have been deleted and created again since it was last seen, within
    // the same millisecond too (same createdAt): a lower rev, or the same rev with another
    // content, is then a new document, not a step back.
    const recreated = id.startsWith("d-") &&
      (before.createdAt !== meta.createdAt || meta.rev < before.rev ||
        (meta.rev === before.rev && sum !== before.sum));
    if (recreated) return undefined;
    if (before.createdAt !== meta.createdAt) {
      return `${id}: createdAt changed from ${before.createdAt} to ${meta.createdAt}`;
    }
    if (meta.rev < before.rev) return `${id}: rev went back from ${before.rev} to ${meta.rev}`;
    if (meta.rev === before.rev && sum !== before.sum) {
      return `${id}: rev ${meta.rev} seen with two different contents`;
    }
    return undefined;
  }
}

// ---- the protocol between the orchestrator and its children ----

/** Counts a worker or the reader sends. */
export interface ChildStats {
  ops: Record<Kind, number>;
  /** Reader: rounds of checks done. */
  rounds: number;
  conflicts: number;
  /** Counter increments acknowledged (conditional puts that returned). */
  increments: number;
  errors: number;
  busy: number;
  notQuire: number;
  violations: number;
}

/** A line a child writes on stdout. */
export type ChildMessage =
  | { type: "ready"; runtime: string; version: string }
  | { type: "progress"; stats: ChildStats }
  | { type: "error"; op: string; code: string; message: string }
  | { type: "violation"; message: string }
  | { type: "done"; stats: ChildStats };

/** Counts that start at zero. */
export function emptyStats(): ChildStats {
  return {
    ops: Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>,
    rounds: 0,
    conflicts: 0,
    increments: 0,
    errors: 0,
    busy: 0,
    notQuire: 0,
    violations: 0,
  };
}

/** How an error is reported: its code, or what it is when it is not a QuireError. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof QuireError) return { code: error.code, message: error.message };
  const name = error instanceof Error ? error.name : typeof error;
  return { code: `not a QuireError (${name})`, message: String(error) };
}

// ---- the orchestrator ----

/** The runtimes the soak can start. */
export type Runtime = "bun" | "deno";

/** Options of `runSoak`. */
export interface SoakOptions {
  /** Worker processes (the reader is one more). @default 4 */
  processes?: number;
  /** How long the workers run, in seconds. @default 60 */
  seconds?: number;
  /** The runtimes; workers alternate between them, and the reader takes the next turn. */
  runtimes?: Runtime[];
  /** Seed of the workers' random choices (worker i uses seed + i). @default 1 */
  seed?: number;
  /** The database file; created, must not exist. @default a file in a new temp directory */
  path?: string;
  /** A store URL to use instead of a SQLite file (a Postgres database); it must be empty. */
  url?: string;
  /** Seconds between progress lines. @default 5 */
  progressSeconds?: number;
  /** Where lines go (progress, errors, violations). @default console.log */
  log?: (line: string) => void;
  /** Stops the run early (workers finish their operation and report). */
  signal?: AbortSignal;
}

/** What `runSoak` found. */
export interface SoakReport {
  path: string;
  workers: Runtime[];
  reader: Runtime;
  versions: Record<string, string>;
  cores: number;
  seed: number;
  /** Seconds from the start signal to the last worker's report. */
  seconds: number;
  ops: Record<Kind, number>;
  totalOps: number;
  readerRounds: number;
  conflicts: number;
  increments: number;
  /** Errors surfaced: by operations, by children that failed, by the final check's calls. */
  errors: number;
  /** Of which BUSY after the busy timeout. */
  busy: number;
  /** Of which not a QuireError. */
  notQuire: number;
  violations: number;
  /** The first errors and violations, as lines. */
  samples: string[];
  /** The largest the WAL file was, sampled every second while the workers ran. */
  maxWalBytes: number;
  /** The database file's size at the end. */
  dbBytes: number;
  /** The final check at rest. */
  final: {
    checkOk: boolean;
    documents: number;
    accountsTotal: number;
    counterTotal: number;
  };
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORKER = join(ROOT, "scripts", "soak_worker.ts");
const BINARIES: Record<Runtime, string> = {
  bun: join(ROOT, "node_modules", ".bin", "bun"),
  deno: join(ROOT, "node_modules", ".bin", "deno"),
};
/** How long a child may take to start. */
const READY_TIMEOUT_MS = 60_000;
/** How long after the deadline a child may take to report and exit before it is killed. */
const STOP_GRACE_MS = 30_000;
/** Errors and violations kept word for word. */
const MAX_SAMPLES = 20;

interface Child {
  label: string;
  role: "worker" | "reader";
  process: ChildProcess;
  stats: ChildStats;
  done: boolean;
  doneAt: number;
  exited: Promise<void>;
  ready: Promise<void>;
}

/**
 * Runs the soak: sets up the database, starts the workers and the reader, prints progress,
 * waits for them, checks the database at rest, and returns the figures. Every child still
 * running when it returns (or throws) is killed.
 */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const processes = options.processes ?? 4;
  const seconds = options.seconds ?? 60;
  const runtimes = options.runtimes ?? ["bun", "deno"];
  const seed = options.seed ?? 1;
  const log = options.log ?? ((line: string) => console.log(line));
  if (!Number.isInteger(processes) || processes < 1) throw new Error("processes must be ≥ 1");
  if (!(seconds > 0)) throw new Error("seconds must be > 0");
  if (runtimes.length === 0) throw new Error("runtimes must name bun, deno or both");
  let tempDir: string | undefined;
  let path = options.path;
  if (path === undefined) {
    tempDir = mkdtempSync(join(tmpdir(), "quire-soak-"));
    path = join(tempDir, "soak.db");
  }
  path = resolve(path);
  // The store the processes share: the SQLite file, or the URL given.
  const url = options.url ?? `sqlite://${path}`;
  const where = options.url === undefined ? path : options.url.replace(/:[^:@/]*@/, ":***@");
  await setupStore(url);

  const workers = Array.from({ length: processes }, (_, i) => runtimes[i % runtimes.length]);
  const reader = runtimes[processes % runtimes.length];
  const samples: string[] = [];
  let extraErrors = 0;
  const sample = (line: string) => {
    if (samples.length < MAX_SAMPLES) {
      samples.push(line);
      log(line);
    } else if (samples.length === MAX_SAMPLES) {
      samples.push("… (more left out)");
      log("… (more errors and violations left out)");
    }
  };
  const childFailed = (child: Child, what: string) => {
    extraErrors++;
    sample(`error: ${child.label} ${what}`);
  };

  const children: Child[] = [];
  const versions: Record<string, string> = {};
  let progressTimer: ReturnType<typeof setInterval> | undefined;
  let walTimer: ReturnType<typeof setInterval> | undefined;
  let maxWalBytes = 0;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    for (const child of children) child.process.stdin?.write("stop\n");
  };
  options.signal?.addEventListener("abort", onAbort);
  try {
    const roles = [
      ...workers.map((runtime, i) => ({ role: "worker" as const, runtime, index: i })),
      { role: "reader" as const, runtime: reader, index: processes },
    ];
    for (const { role, runtime, index } of roles) {
      const args = [role, url, String(index), String(seed + index)];
      const argv = runtime === "deno" ? ["run", "-A", WORKER, ...args] : [WORKER, ...args];
      const proc = spawn(BINARIES[runtime], argv, {
        cwd: ROOT,
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      });
      const label = role === "reader" ? `reader (${runtime})` : `worker ${index} (${runtime})`;
      let readyResolve!: () => void;
      let readyReject!: (error: Error) => void;
      const ready = new Promise<void>((resolve, reject) => {
        readyResolve = resolve;
        readyReject = reject;
      });
      ready.catch(() => {});
      const child: Child = {
        label,
        role,
        process: proc,
        stats: emptyStats(),
        done: false,
        doneAt: 0,
        ready,
        exited: new Promise((resolve) => {
          proc.on("error", (error) => {
            childFailed(child, `could not start: ${error.message}`);
            readyReject(error);
            resolve();
          });
          proc.on("close", (code, signal) => {
            if (!child.done) {
              childFailed(child, `exited (${signal ?? `code ${code}`}) without its final report`);
            } else if (code !== 0) {
              childFailed(child, `exited with code ${code}`);
            }
            readyReject(new Error(`${label} exited before it was ready`));
            resolve();
          });
        }),
      };
      children.push(child);
      createInterface({ input: proc.stdout! }).on("line", (line) => {
        let message: ChildMessage;
        try {
          message = JSON.parse(line);
        } catch {
          log(`${label}: ${line}`);
          return;
        }
        switch (message.type) {
          case "ready":
            versions[runtime] = message.version;
            readyResolve();
            break;
          case "progress":
            child.stats = message.stats;
            break;
          case "error":
            sample(`error: ${label} ${message.op}: ${message.code}: ${message.message}`);
            break;
          case "violation":
            sample(`violation: ${label}: ${message.message}`);
            break;
          case "done":
            child.stats = message.stats;
            child.done = true;
            child.doneAt = Date.now();
            break;
        }
      });
      createInterface({ input: proc.stderr! }).on(
        "line",
        (line) => log(`${label} stderr: ${line}`),
      );
    }

    let timeout: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.all(children.map((child) => child.ready)),
        new Promise((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error(`a child was not ready after ${READY_TIMEOUT_MS} ms`)),
            READY_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timeout);
    }

    const start = Date.now();
    const deadline = start + seconds * 1000;
    for (const child of children) child.process.stdin!.write(`go ${deadline}\n`);
    log(
      `soak: ${processes} workers (${workers.join(", ")}) and a reader (${reader}) for ` +
        `${seconds} s on ${where}, seed ${seed}`,
    );
    walTimer = setInterval(() => {
      maxWalBytes = Math.max(maxWalBytes, fileSize(`${path}-wal`));
    }, 1000);
    const every = (options.progressSeconds ?? 5) * 1000;
    progressTimer = setInterval(() => {
      const sum = total(children);
      const elapsed = (Date.now() - start) / 1000;
      log(
        `[${elapsed.toFixed(0).padStart(4)} s] ${fmt(sum.totalOps)} ops ` +
          `(${fmt(sum.totalOps / elapsed)}/s), ${fmt(sum.conflicts)} conflicts retried, ` +
          `${sum.errors + extraErrors} errors, ${sum.violations} violations, ` +
          `${fmt(sum.rounds)} reader rounds`,
      );
    }, every);
    const killed = new Promise<void>((resolve) => {
      killTimer = setTimeout(() => {
        for (const child of children) {
          if (child.process.exitCode === null && child.process.signalCode === null) {
            childFailed(child, `did not stop ${STOP_GRACE_MS} ms after the deadline: killed`);
            child.process.kill("SIGKILL");
          }
        }
        resolve();
      }, deadline - Date.now() + STOP_GRACE_MS);
    });
    await Promise.race([Promise.all(children.map((child) => child.exited)), killed]);
    await Promise.all(children.map((child) => child.exited));
    clearInterval(progressTimer);
    clearInterval(walTimer);
    // The last worker's report ends the run (before the deadline when it was stopped early).
    const reported = children.filter((c) => c.role === "worker" && c.done).map((c) => c.doneAt);
    const end = reported.length > 0 ? Math.max(...reported) : Date.now();

    const sum = total(children);
    // Increments a child never reported cannot be compared with the counters.
    const allDone = children.every((child) => child.done);
    const final = await finalCheck(url, allDone ? sum.increments : undefined, {
      violation: (message) => {
        sum.violations++;
        sample(`violation: final check: ${message}`);
      },
      error: (message) => {
        extraErrors++;
        sample(`error: final check: ${message}`);
      },
    });
    return {
      path: where,
      workers,
      reader,
      versions,
      cores: availableParallelism(),
      seed,
      seconds: (end - start) / 1000,
      ops: sum.ops,
      totalOps: sum.totalOps,
      readerRounds: sum.rounds,
      conflicts: sum.conflicts,
      increments: sum.increments,
      errors: sum.errors + extraErrors,
      busy: sum.busy,
      notQuire: sum.notQuire,
      violations: sum.violations,
      samples,
      maxWalBytes,
      dbBytes: fileSize(path),
      final,
    };
  } finally {
    clearInterval(progressTimer);
    clearInterval(walTimer);
    clearTimeout(killTimer);
    options.signal?.removeEventListener("abort", onAbort);
    for (const child of children) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill("SIGKILL");
      }
      child.process.stdin?.destroy();
    }
    await Promise.all(children.map((child) => child.exited));
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  }
}

function total(children: Child[]) {
  const sum = { ...emptyStats(), totalOps: 0 };
  sum.ops = { ...sum.ops };
  for (const { stats } of children) {
    for (const kind of KINDS) {
      sum.ops[kind] += stats.ops[kind];
      sum.totalOps += stats.ops[kind];
    }
    sum.rounds += stats.rounds;
    sum.conflicts += stats.conflicts;
    sum.increments += stats.increments;
    sum.errors += stats.errors;
    sum.busy += stats.busy;
    sum.notQuire += stats.notQuire;
    sum.violations += stats.violations;
  }
  return sum;
}

/**
 * Checks the database at rest: `check()` is ok, every document is whole, the accounts' total is
 * conserved, the counters add up to the increments acknowledged, every putMany group is whole,
 * and every word's search hits are exactly the documents that contain it.
 */
async function finalCheck(
  url: string,
  increments: number | undefined,
  report: { violation: (message: string) => void; error: (message: string) => void },
): Promise<SoakReport["final"]> {
  const final = { checkOk: false, documents: 0, accountsTotal: 0, counterTotal: 0 };
  let store: Store | undefined;
  try {
    store = await open(url);
    const { accounts, docs } = collections(store);
    const check = await store.check();
    final.checkOk = check.ok;
    final.documents = check.documents;
    for (const problem of check.problems) report.violation(`check(): ${JSON.stringify(problem)}`);

    const accountPage = await accounts.find({}, { limit: 10_000 });
    if (accountPage.items.length !== ACCOUNTS) {
      report.violation(`${accountPage.items.length} accounts, expected ${ACCOUNTS}`);
    }
    for (const { id, doc } of accountPage.items) {
      const problem = accountProblem(id, doc);
      if (problem !== undefined) report.violation(problem);
      final.accountsTotal += (doc as unknown as Account).balance;
    }
    if (final.accountsTotal !== ACCOUNTS * INITIAL_BALANCE) {
      report.violation(
        `the accounts hold ${final.accountsTotal}, expected ${ACCOUNTS * INITIAL_BALANCE}`,
      );
    }

    const all = (await docs.find({}, { limit: 10_000 })).items;
    const groups = new Map<string, Set<string>>();
    for (const entry of all) {
      const problem = docProblem(entry.id, entry.doc);
      if (problem !== undefined) report.violation(problem);
      const doc = entry.doc as unknown as SoakDoc;
      if (doc.kind === "c") {
        final.counterTotal += doc.value!;
        if (doc.value !== entry.rev - 1) {
          report.violation(`${entry.id}: value ${doc.value} at rev ${entry.rev}`);
        }
      }
      if (doc.kind === "m") {
        const group = entry.id.split("-")[1];
        groups.set(group, (groups.get(group) ?? new Set()).add(`${doc.batch}@${entry.rev}`));
      }
    }
    for (const [group, batches] of groups) {
      const size = all.filter((entry) => entry.id.startsWith(`m-${group}-`)).length;
      if (batches.size !== 1 || size !== GROUP_SIZE) {
        report.violation(`putMany group ${group}: ${size} documents, batches ${[...batches]}`);
      }
    }
    if (increments !== undefined && final.counterTotal !== increments) {
      report.violation(
        `the counters add up to ${final.counterTotal}, but ${increments} increments returned`,
      );
    }
    const count = await docs.count();
    if (count !== all.length) report.violation(`count() is ${count}, find() gave ${all.length}`);

    for (const word of VOCABULARY) {
      const expected = new Set(all.filter((e) => hasWord(e.doc, word)).map((e) => e.id));
      const found = new Set<string>();
      let after: string | undefined;
      do {
        const page = await docs.search(word, { limit: 1000, after });
        for (const hit of page.hits) found.add(hit.id);
        after = page.next;
      } while (after !== undefined);
      const missing = [...expected].filter((id) => !found.has(id));
      const extra = [...found].filter((id) => !expected.has(id));
      if (missing.length > 0 || extra.length > 0) {
        report.violation(
          `search "${word}": ${missing.length} documents missing (${missing.slice(0, 5)}), ` +
            `${extra.length} too many (${extra.slice(0, 5)})`,
        );
      }
    }
  } catch (error) {
    const { code, message } = describeError(error);
    report.error(`${code}: ${message}`);
  } finally {
    await store?.close();
  }
  return final;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** The report as lines of text. */
export function formatReport(report: SoakReport): string[] {
  const rate = (n: number) => (n / report.seconds).toFixed(1);
  const versions = Object.entries(report.versions).map(([r, v]) => `${r} ${v}`).join(", ");
  const lines = [
    "",
    `quire soak: ${report.workers.length} workers (${report.workers.join(", ")}) and a reader ` +
    `(${report.reader}), ${report.seconds.toFixed(1)} s, seed ${report.seed}`,
    `runtimes: ${versions}; ${report.cores} CPU cores (shared with whatever else runs)`,
    `operations: ${fmt(report.totalOps)} = ${rate(report.totalOps)}/s`,
  ];
  for (const kind of KINDS) {
    lines.push(
      `  ${kind.padEnd(16)} ${fmt(report.ops[kind]).padStart(10)}  ${rate(report.ops[kind])}/s`,
    );
  }
  lines.push(
    `reader: ${fmt(report.readerRounds)} rounds of checks (${rate(report.readerRounds)}/s)`,
    `conflicts retried: ${fmt(report.conflicts)} (${fmt(report.increments)} conditional puts ` +
      `returned)`,
    `errors surfaced: ${report.errors} (expected: 0); of which BUSY after the busy timeout: ` +
      `${report.busy}, not a QuireError: ${report.notQuire}`,
    `invariant violations: ${report.violations} (expected: 0)`,
    `final check: check() ${report.final.checkOk ? "ok" : "NOT ok"}, ` +
      `${fmt(report.final.documents)} documents; accounts total ${report.final.accountsTotal} ` +
      `(expected ${ACCOUNTS * INITIAL_BALANCE}); counters total ${report.final.counterTotal} ` +
      `(expected ${report.increments})`,
    `file: ${(report.dbBytes / 1024).toFixed(0)} KiB at the end; the WAL reached ` +
      `${(report.maxWalBytes / 1024).toFixed(0)} KiB`,
  );
  return lines;
}
