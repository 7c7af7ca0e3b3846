/**
 * One run of the benchmark suite on this runtime: every subject (subjects/index.ts) and every
 * operation (types.ts) at each size, then the target pairs side by side; writes the result to
 * bench/results/<quick|full>-<runtime>.json (report.ts makes bench/RESULTS.md from those).
 *
 * Usage (npm run bench runs it on each runtime, then the report):
 *   bun bench/suite/run.ts [--full] [--sizes 1000,10000] [--subjects "quire sqlite,raw SQLite"]
 *                          [--operations get,put] [--out file.json]
 *   deno run -A bench/suite/run.ts …     node bench/suite/run.ts …
 *
 * Quick runs are 10,000 documents; full runs 1,000, 10,000, 100,000 and 1,000,000. Every
 * subject's instance lives in a temporary directory, removed at the end (and on Ctrl-C). The
 * result file is written after every subject and pair, marked `partial` until the run ends, so
 * that a run stopped part way keeps what it measured.
 *
 * @module
 */

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { shuffled } from "../lib/documents.ts";
import { documents, type Entry } from "./data.ts";
import {
  type Budget,
  FULL_BUDGET,
  QUICK_BUDGET,
  statsOf,
  timeCase,
  timeRatio,
  timeSamples,
} from "./measure.ts";
import { Progress } from "./progress.ts";
import { childCommand, collectGarbage, runtimeName, runtimeVersion } from "./runtime.ts";
import { SUBJECTS } from "./subjects/index.ts";
import { evaluateTargets, FLAT, SCALING_PAIRS, TARGET_PAIRS } from "./targets.ts";
import {
  type CaseResult,
  type Instance,
  type MeasureResult,
  type Operation,
  OPERATIONS,
  type RatioResult,
  type RunResult,
  type Subject,
} from "./types.ts";
import { workload } from "./workloads.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");

const { values } = parseArgs({
  options: {
    full: { type: "boolean", default: false },
    sizes: { type: "string" },
    subjects: { type: "string" },
    operations: { type: "string" },
    out: { type: "string" },
  },
  strict: true,
});

const kind = values.full ? "full" : "quick";
const sizes = values.sizes?.split(",").map(Number) ??
  (kind === "full" ? [1_000, 10_000, 100_000, 1_000_000] : [10_000]);
const budget: Budget = kind === "full" ? FULL_BUDGET : QUICK_BUDGET;
const runtime = runtimeName();
const subjects = SUBJECTS.filter((s) =>
  (s.runtimes === undefined || s.runtimes.includes(runtime)) &&
  (values.subjects === undefined || values.subjects.split(",").includes(s.name))
);
/**
 * The operations in the order they run on an instance: reads first, on the documents as loaded;
 * then the export; then the writes, which add documents.
 */
const PHASES: readonly (readonly Operation[])[] = [
  OPERATIONS.filter((o) => !["put", "putMany", "export", "import"].includes(o)),
  ["export", "put", "putMany", "import"],
];
const operations = PHASES.flat().filter((o) =>
  values.operations === undefined || values.operations.split(",").includes(o)
);
/**
 * Writes are timed in chunks of this many calls (a put alone is too short to time), or one call
 * a chunk when a first put takes longer than `SLOW_PUT_MS` (LokiJS and lowdb save the whole
 * store on each write: 9–12 s a put at 1,000,000 documents).
 */
const PUTS_PER_SAMPLE = 20;
const SLOW_PUT_MS = 50;
/**
 * A subject is not loaded at a size where its load, grown in proportion from the last size's,
 * would take longer than this: one such load (FlexSearch's forward tokenizer, about 13 min at
 * 1,000,000 documents, and as long again in the process that measures its memory) would take a
 * full run past an hour and a half.
 */
const LOAD_LIMIT_MS = 6 * 60_000;
/** Cold starts: this many processes in a full run (one in a quick run), fewer past a minute. */
const COLD_STARTS = 5;
const COLD_START_BUDGET_MS = 60_000;
const out = values.out ?? join(ROOT, "bench", "results", `${kind}-${runtime}.json`);
const work = mkdtempSync(join(tmpdir(), "quire-bench-"));
let dirs = 0;
const removeWork = () => rmSync(work, { recursive: true, force: true });
process.on("SIGINT", () => {
  removeWork();
  process.exit(130);
});

const cases: CaseResult[] = [];
const ratios: RatioResult[] = [];
const measures: MeasureResult[] = [];
/** How long each subject took to load, by size: for {@linkcode projectedLoad}. */
const loadMs = new Map<string, { size: number; ms: number }>();
const pairs = TARGET_PAIRS.filter(([operation, a, b]) =>
  operations.includes(operation) && subjects.some((s) => s.name === a) &&
  subjects.some((s) => s.name === b)
);
const scalings = SCALING_PAIRS.filter(([operation, subject]) =>
  operations.includes(operation) && subjects.some((s) => s.name === subject)
);
/** The steps of the scaling ratios at a size: only at the flat targets' larger size. */
const scalingSteps = (size: number) => size === FLAT.to ? scalings.length : 0;
const progress = new Progress(
  sizes.map((size) => ({
    size,
    steps: subjects.length * operations.length + pairs.length + scalingSteps(size),
  })),
  budget,
);
const loadBefore = loadavg();
const SQLITE_VERSION = await sqliteVersion();
progress.announce(
  `${kind} run on ${runtime} ${runtimeVersion()}: ${subjects.length} subjects, ` +
    `${operations.length} operations, at ${
      sizes.map((n) => n.toLocaleString("en")).join(", ")
    } documents`,
);

try {
  for (const size of sizes) {
    const docs = await documents(
      size,
      (done, total) => progress.note(`documents ${done}/${total}`),
    );
    const readOrder = shuffled(docs.map(([id]) => id));
    for (const pair of pairs) {
      await measurePair(pair, size, docs, readOrder);
      writeResult(true);
    }
    if (scalingSteps(size) > 0) {
      await measureScaling(size, docs, readOrder);
      writeResult(true);
    }
    for (const subject of subjects) {
      await measureSubject(subject, size, docs, readOrder);
      writeResult(true);
    }
  }
} finally {
  removeWork();
}

const result = writeResult(false);
for (const target of result.targets) {
  console.log(
    `${target.verdict}  ${target.text}: ${target.value.toFixed(3)} (limit ${target.limit})`,
  );
}
console.log(`wrote ${out} in ${progress.elapsed()}`);

/** Writes what is measured so far to `out`; `partial` while the run goes on. */
function writeResult(partial: boolean): RunResult {
  const result: RunResult = {
    schema: 1,
    kind,
    date: new Date().toISOString(),
    commit: git("rev-parse", "--short", "HEAD"),
    runtime: { name: runtime, version: runtimeVersion(), sqlite: SQLITE_VERSION },
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? "unknown",
      memoryBytes: totalmem(),
      load: { before: loadBefore, after: loadavg() },
    },
    sizes,
    ...(partial ? { partial: true as const } : {}),
    cases,
    ratios,
    measures,
    targets: [],
  };
  result.targets = evaluateTargets(result);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
  return result;
}

/** The target pair's ratio at this size: both subjects open, their chunks alternating. */
async function measurePair(
  [operation, subjectName, againstName]: readonly [Operation, string, string],
  size: number,
  docs: readonly Entry[],
  readOrder: readonly string[],
): Promise<void> {
  const label = `${subjectName} / ${againstName} · ${operation}`;
  const sides = [subjectName, againstName].map((name) => SUBJECTS.find((s) => s.name === name)!);
  if (sides.some((s) => s.maxSize !== undefined && size > s.maxSize.size)) {
    progress.step(size, label, "skipped (past a subject's largest size)");
    return;
  }
  const tooBig = sides.map((s) => projectedMemory(s.name, size)).find((why) => why !== undefined);
  if (tooBig !== undefined) {
    progress.step(size, label, `skipped (${tooBig})`);
    return;
  }
  const opened: Instance[] = [];
  try {
    try {
      for (const side of sides) opened.push(await side.open(freshDir(), docs, { search: false }));
    } catch (error) {
      progress.step(size, label, `skipped (cannot load: ${firstLine(error)})`);
      return;
    }
    // A chunk: 1,000 gets, 250 puts, one putMany batch, 50 finds, 100 counts (20 counts, 3–5 ms
    // at 10,000 documents, gave rounds from 0.64× to 1.41×: a collection pause fills a chunk).
    const calls = { get: 1_000, put: 250, putMany: 1, findIndexed: 50, count: 100 }[
      operation as "get"
    ] ?? 10;
    const loads = opened.map((instance, i) =>
      workload(operation, instance, docs, readOrder, `pair${i}-${operation}`)!
    );
    const measured = await timeRatio(async (side) => {
      const { call } = loads[side === "subject" ? 0 : 1]!;
      for (let i = 0; i < calls; i++) await call();
    }, budget.rounds);
    ratios.push({ operation, subject: subjectName, against: againstName, size, ...measured });
    progress.step(size, label, `${measured.median.toFixed(3)}× time`);
  } finally {
    for (const instance of opened) await instance.close();
  }
}

/**
 * The scaling ratios at `size`: each subject of {@linkcode SCALING_PAIRS} loaded with `size`
 * documents and with the first `FLAT.from` of them, its chunks on the two alternating, as a
 * target pair's are. Timed apart, the two sizes' cases are minutes apart, and a shared machine's
 * speed changes in minutes (twofold, in one run here).
 */
async function measureScaling(
  size: number,
  docs: readonly Entry[],
  readOrder: readonly string[],
): Promise<void> {
  const small = docs.slice(0, FLAT.from);
  const smallOrder = shuffled(small.map(([id]) => id));
  for (const name of new Set(scalings.map(([, subject]) => subject))) {
    const subject = SUBJECTS.find((s) => s.name === name)!;
    const mine = scalings.filter(([, s]) => s === name).map(([operation]) => operation);
    const labelOf = (operation: Operation) =>
      `${name} / itself at ${FLAT.from.toLocaleString("en")} · ${operation}`;
    const skip = (why: string) => {
      for (const operation of mine) progress.step(size, labelOf(operation), `skipped (${why})`);
    };
    const tooBig = projectedMemory(name, size);
    if (tooBig !== undefined) {
      skip(tooBig);
      continue;
    }
    const opened: Instance[] = [];
    try {
      try {
        opened.push(await subject.open(freshDir(), docs, { search: false }));
        opened.push(await subject.open(freshDir(), small, { search: false }));
      } catch (error) {
        skip(`cannot load: ${firstLine(error)}`);
        continue;
      }
      for (const operation of mine) {
        const calls = operation === "get" ? 1_000 : 50;
        const loads = [
          workload(operation, opened[0]!, docs, readOrder, `scale-big-${operation}`)!,
          workload(operation, opened[1]!, small, smallOrder, `scale-small-${operation}`)!,
        ];
        const measured = await timeRatio(async (side) => {
          const { call } = loads[side === "subject" ? 0 : 1]!;
          for (let i = 0; i < calls; i++) await call();
        }, budget.rounds);
        ratios.push({
          operation,
          subject: name,
          against: name,
          size,
          againstSize: FLAT.from,
          ...measured,
        });
        progress.step(size, labelOf(operation), `${measured.median.toFixed(3)}× time`);
      }
    } finally {
      for (const instance of opened) await instance.close();
    }
  }
}

/** Every operation of one subject at one size. */
async function measureSubject(
  subject: Subject,
  size: number,
  docs: readonly Entry[],
  readOrder: readonly string[],
): Promise<void> {
  const base = { subject: subject.name, group: subject.group, size };
  const unsupported = (operation: Operation, reason: string) => {
    cases.push({ ...base, operation, unit: "op", unsupported: reason });
    progress.step(size, `${subject.name} · ${operation}`, `— ${reason}`);
  };
  if (subject.maxSize !== undefined && size > subject.maxSize.size) {
    for (const operation of operations) unsupported(operation, subject.maxSize.reason);
    return;
  }
  const tooBig = projectedMemory(subject.name, size) ?? projectedLoad(subject.name, size);
  if (tooBig !== undefined) {
    for (const operation of operations) unsupported(operation, tooBig);
    return;
  }
  const dir = freshDir();
  progress.note(`loading ${subject.name}`);
  let instance: Instance;
  try {
    const start = performance.now();
    instance = await subject.open(dir, docs);
    loadMs.set(subject.name, { size, ms: performance.now() - start });
  } catch (error) {
    // A peer that cannot hold this many documents (lowdb and LokiJS write the whole store as one
    // string, past V8's longest at 1,000,000 documents): the table says so, and the run goes on.
    const reason = `cannot load ${size.toLocaleString("en")} documents: ${firstLine(error)}`;
    for (const operation of operations) unsupported(operation, reason);
    rmSync(dir, { recursive: true, force: true });
    collectGarbage();
    return;
  }
  try {
    for (const operation of operations) {
      const label = `${subject.name} · ${operation}`;
      const cannot = subject.cannot?.[operation];
      if (cannot !== undefined) {
        unsupported(operation, cannot);
        continue;
      }
      if (operation === "import" || operation.startsWith("coldStart")) continue;
      const load = workload(operation, instance, docs, readOrder, `${operation}-${size}`);
      if (load === undefined) {
        unsupported(operation, "not offered");
        continue;
      }
      const stats = operation === "put"
        ? await timePuts(load.call)
        : operation === "putMany" || operation === "export"
        ? await timeSamples(load.call, load.units, budget)
        : await timeCase(load.call, load.units, budget);
      cases.push({ ...base, operation, unit: load.unit, ...stats });
      progress.step(size, label, `${formatMicros(stats.median)}/${load.unit}`);
    }
  } finally {
    await instance.close();
  }
  // Work that needs a fresh start: import into an empty instance, and the cold starts.
  if (operations.includes("import") && subject.cannot?.import === undefined) {
    let target: Instance | undefined;
    const stats = await timeSamples(
      () => target!.importAll?.(docs),
      docs.length,
      budget,
      async () => {
        await target?.close();
        target = await subject.open(freshDir(), [], { search: false });
      },
    );
    // The bytes of the documents alone (no search index, nothing written by other operations).
    const bytes = target?.bytesOnDisk?.();
    if (bytes !== undefined) {
      measures.push({ metric: "bytesOnDisk", subject: subject.name, size, value: bytes });
    }
    await target?.close();
    if (target?.importAll === undefined) unsupported("import", "not offered");
    else {
      cases.push({ ...base, operation: "import", unit: "doc", ...stats });
      progress.step(size, `${subject.name} · import`, `${formatMicros(stats.median)}/doc`);
    }
  }
  // Cold starts, each in a new process; the resident memory of the process that serves comes
  // from the last one (or, for a subject that keeps nothing on disk, from one loaded anew).
  let rss: number | undefined;
  for (const operation of ["coldStartGet", "coldStartSearch"] as const) {
    if (!operations.includes(operation) || subject.cannot?.[operation] !== undefined) continue;
    if (subject.reopen === undefined) {
      unsupported(operation, "keeps nothing on disk: each process loads it again");
      continue;
    }
    if (operation === "coldStartSearch" && subject.cannot?.searchTerm !== undefined) {
      unsupported(operation, subject.cannot.searchTerm);
      continue;
    }
    const what = operation === "coldStartGet" ? "get" : "search";
    const count = kind === "full" ? COLD_STARTS : 1;
    const started = performance.now();
    const runs: { ms: number; rss?: number }[] = [];
    // The first process also serves (when the memory is not measured yet): its time is taken
    // before, so it counts as the others do.
    while (
      runs.length < count &&
      (runs.length === 0 || performance.now() - started < COLD_START_BUDGET_MS)
    ) {
      const serve = runs.length === 0 && rss === undefined ? ["serve"] : [];
      runs.push(child(["cold", subject.name, dir, what, String(size), ...serve]) as typeof runs[0]);
    }
    rss ??= runs[0]!.rss;
    const samples = runs.map((run) => run.ms * 1e3);
    const stats = statsOf(samples);
    cases.push({ ...base, operation, unit: "op", samples, ...stats });
    progress.step(size, `${subject.name} · ${operation}`, formatMicros(stats.median));
  }
  rss ??= (child(["serve", subject.name, String(size), dir]) as { rss: number }).rss;
  measures.push({ metric: "rssBytes", subject: subject.name, size, value: rss });
  rmSync(dir, { recursive: true, force: true });
  collectGarbage();
}

/** Puts timed in chunks of {@linkcode PUTS_PER_SAMPLE}, or one a chunk when a put is slow. */
async function timePuts(put: () => unknown) {
  const start = performance.now();
  await put();
  const perSample = performance.now() - start > SLOW_PUT_MS ? 1 : PUTS_PER_SAMPLE;
  return await timeSamples(
    async () => {
      for (let i = 0; i < perSample; i++) await put();
    },
    perSample,
    budget,
  );
}

/**
 * Why `subject` is not loaded with `size` documents, if its load at the last size, grown in
 * proportion, would take longer than {@linkcode LOAD_LIMIT_MS}.
 */
function projectedLoad(subject: string, size: number): string | undefined {
  const last = loadMs.get(subject);
  if (last === undefined || last.size >= size) return undefined;
  const projected = last.ms * size / last.size;
  if (projected <= LOAD_LIMIT_MS) return undefined;
  const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
  return `not loaded: loading ${last.size.toLocaleString("en")} documents took ${
    minutes(last.ms)
  }, so about ${minutes(projected)} for ${size.toLocaleString("en")}, ` +
    `past the run's limit of ${minutes(LOAD_LIMIT_MS)} a load`;
}

/**
 * Why `subject` is not loaded with `size` documents, if its serving memory measured at a smaller
 * size, grown in proportion, would pass half of the memory free now: this process holds one copy
 * while a child process serves another, and a process out of memory ends the whole run. Stores
 * that keep their documents in memory (the in-memory backends, the search engines) go past a
 * machine's memory well before 1,000,000 documents.
 */
function projectedMemory(subject: string, size: number): string | undefined {
  const measured =
    measures.filter((m) => m.metric === "rssBytes" && m.subject === subject && m.size < size).sort((
      a,
      b,
    ) => b.size - a.size)[0];
  if (measured === undefined) return undefined;
  const projected = measured.value * size / measured.size;
  const free = freemem();
  if (projected <= free / 2) return undefined;
  const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return `not loaded: it held ${gb(measured.value)} serving ${
    measured.size.toLocaleString("en")
  } documents, so about ${gb(projected)} for ${size.toLocaleString("en")}, ` +
    `past half of this machine's free memory (${gb(free)})`;
}

/** The first line of an error's message. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}

/** Runs cold_start.ts on this runtime; its one line of JSON. */
function child(args: string[]): unknown {
  const [command, argv] = childCommand(join(HERE, "cold_start.ts"), args);
  const done = spawnSync(command, argv, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (done.status !== 0) {
    throw new Error(`cold_start.ts ${args.join(" ")} failed:\n${done.stderr}`);
  }
  return JSON.parse(done.stdout.trim().split("\n").at(-1)!);
}

function freshDir(): string {
  const dir = join(work, String(++dirs));
  mkdirSync(dir);
  return dir;
}

function formatMicros(us: number): string {
  return us >= 1e6
    ? `${(us / 1e6).toFixed(2)} s`
    : us >= 1e3
    ? `${(us / 1e3).toFixed(2)} ms`
    : `${us.toFixed(2)} µs`;
}

function git(...args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function sqliteVersion(): Promise<string> {
  const { openRawDatabase, sqliteVersion: version } = await import("../lib/raw_sqlite.ts");
  const db = await openRawDatabase(":memory:");
  try {
    return version(db);
  } finally {
    db.close();
  }
}
