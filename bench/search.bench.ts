/**
 * Full-text search benchmark: quire's SQLite backend against MiniSearch, Orama and FlexSearch
 * (and the same FTS5 query written by hand through the runtime's own binding) on 100,000
 * documents made from the sentences of `nlp-corpus` (lib/search_corpus.ts: `title` = the first
 * eight words of sentence i, `body` = sentences i and i + 1; mean 239 B of JSON).
 *
 * Every engine lives in a child process of its own (this script again, with `--engine NAME`),
 * so that its memory can be measured alone and no engine's heap slows another's garbage
 * collector. The parent starts the children one after the other (each loads the documents,
 * takes its baseline memory, builds its index and reports) and then times them side by side:
 * in each round, every engine in turn (in a new shuffled order each round) runs one chunk of each
 * query set, the others waiting idle, so a change in the machine's load hits them all alike.
 *
 * - **Engines:** quire (a file DB in a temp dir, collection option
 *   `search: { fields: { title: 2, body: 1 } }`, `putMany` in batches of 1,000, then
 *   `optimize()`); the FTS5 query by hand through the runtime's binding on quire's file, in
 *   quire's process, in three forms (lib/search_engines.ts: quire's own two-step SQL, the
 *   obvious one-step join sorted by (rank, id), FTS5's `rank` column sorted by FTS5);
 *   MiniSearch (`boost: { title: 2 }`, `combineWith: "AND"`, both fields stored); Orama
 *   (`boost: { title: 2 }`, `threshold: 0`); FlexSearch `Document` with the documents stored,
 *   `tokenize: "strict"` and, separately, `"forward"` (prefix search).
 * - **Queries:** four sets of 16 (single term, two terms, prefix, phrase); top 20 by each
 *   engine's relevance, with the documents; with and without highlighting where the engine
 *   has it (quire `highlight: true`, FlexSearch `highlight`). Engines without phrase search
 *   get the phrase's words as an AND query. Before anything is timed, every engine must find
 *   something for every query; the overlap of its top 20 with quire's is reported, and the
 *   two raw queries ordered by (rank, id) must return exactly quire's ids and scores. Each
 *   timed chunk (≥ 100 ms) starts with one untimed pass over its 16 queries (the CPU's caches
 *   are cold after another process ran).
 * - **Build:** documents → searchable, in each child (median of `BUILD_ROUNDS` children per
 *   engine); quire also loaded without a search option and indexed afterwards.
 * - **Memory:** resident set size of each child (Linux VmRSS/VmHWM): after loading the corpus
 *   (the baseline), after the build (garbage collected), and the peak at the end; the JS heap
 *   in use after the build; for quire also a fresh process that only opens the built file and
 *   runs every query once, with and without highlighting.
 *
 * Targets (issue 4): quire ≥ 2× MiniSearch's and ≥ 6× Orama's queries per second; build ≥ 5×
 * faster than MiniSearch; resident memory ≤ 1/20 of MiniSearch's.
 *
 * Usage:
 *   bun bench/search.bench.ts [--quick] [--targets]
 *   deno run -A bench/search.bench.ts [--quick] [--targets]
 *
 * `--quick` loads 10,000 documents and repeats less (a smoke run; its figures mean little);
 * `--targets` runs only what the targets need (quire, MiniSearch, Orama; no highlighting, no
 * raw queries, one build each). Everything is written under one temporary directory, removed
 * at the end (and on Ctrl-C).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import process from "node:process";
import {
  collectGarbage,
  machine,
  median,
  type MemoryFigures,
  memoryFigures,
  printTable,
  runtimeName,
  TempWorkspace,
} from "./lib/measure.ts";
import { buildSearchCorpus, SEARCH_CORPUS_SIZE, searchCorpusIds } from "./lib/search_corpus.ts";
import {
  type Answer,
  type BuildTimings,
  FlexSearchEngine,
  MiniSearchEngine,
  OramaEngine,
  QUERIES,
  QUERY_KINDS,
  type QueryKind,
  QuireEngine,
  RAW_VARIANTS,
  RawFtsEngine,
  type SearchEngine,
  TOP,
} from "./lib/search_engines.ts";
import { bindingName } from "./lib/raw_sqlite.ts";
import { shuffled } from "./lib/documents.ts";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const TARGETS_ONLY = args.includes("--targets");
/** In a child: build, report and exit (a database file of its own for quire). */
const BUILD_ONLY_CHILD = args.includes("--build-only");
const DOCUMENTS = QUICK ? 10_000 : SEARCH_CORPUS_SIZE;
/** Timing rounds: every engine runs each query set once per round. */
const ROUNDS = QUICK ? 3 : 15;
/** A chunk repeats its query set until this much time has passed (at least once). */
const CHUNK_MS = QUICK ? 10 : 100;
/** Builds per engine (the first in the child that then answers the queries). */
const BUILD_ROUNDS = QUICK || TARGETS_ONLY ? 1 : 3;

const TARGET_MINISEARCH_QPS = 2;
const TARGET_ORAMA_QPS = 6;
const TARGET_BUILD = 5;
const TARGET_MEMORY = 20;

/** The engines' child processes, by the name given with `--engine`. */
const SERVING = TARGETS_ONLY
  ? ["quire", "minisearch", "orama"]
  : ["quire", "minisearch", "orama", "flexsearch", "flexsearch-forward"];
/** Build-only children (besides the serving ones' engines). */
const BUILD_ONLY = TARGETS_ONLY ? [] : ["quire-index-after"];

// --- messages between the parent and a child ---------------------------------------------------

type Request =
  | { op: "check"; runner: string }
  | { op: "time"; runner: string; kind: QueryKind; highlight: boolean; minMs: number }
  | { op: "memory" }
  | { op: "exit" };

interface Ready {
  type: "ready";
  engine: string;
  runners: { name: string; highlights: boolean; kinds: QueryKind[] }[];
  build: BuildTimings;
  baseline: MemoryFigures;
  loaded: MemoryFigures;
  /** What a serving process of quire's file measured (engine quire-serve). */
  serving?: { afterOpen: MemoryFigures; afterQueries: MemoryFigures };
}

interface QueryCheck {
  words: string;
  plain: Answer;
  highlighted?: Answer;
  total?: number;
}

type CheckReply = Record<QueryKind, QueryCheck[]>;

interface TimeReply {
  queries: number;
  ms: number;
}

const MARK = "@@search-bench ";

// --- the child: one engine ---------------------------------------------------------------------

async function child(engine: string, dir: string): Promise<void> {
  const send = (message: unknown) => process.stdout.write(`${MARK}${JSON.stringify(message)}\n`);
  // A serving process has no documents to load, only the file.
  const docs = engine === "quire-serve" ? [] : buildSearchCorpus(DOCUMENTS);
  const ids = searchCorpusIds(docs.length);
  const runners = new Map<string, SearchEngine>();
  let quire: QuireEngine | undefined;
  let build: BuildTimings = {};
  let serving: Ready["serving"];
  const settle = () => {
    collectGarbage();
    collectGarbage();
  };
  // The engine's module is imported by its build, after the baseline.
  settle();
  const baseline = memoryFigures();
  switch (engine) {
    case "quire":
      quire = new QuireEngine(dir, BUILD_ONLY_CHILD ? `quire-${process.pid}.db` : "quire.db");
      build = await quire.build(docs, ids);
      runners.set("quire", quire);
      break;
    case "quire-index-after":
      quire = new QuireEngine(dir, `quire-index-after-${process.pid}.db`);
      build = await quire.buildIndexAfter(docs, ids);
      break;
    case "quire-serve": {
      // A fresh process on the file the quire child built: open, then run every query once
      // with and without highlighting.
      quire = new QuireEngine(dir);
      await quire.openExisting();
      settle();
      const afterOpen = memoryFigures();
      for (const kind of QUERY_KINDS) {
        for (const query of QUERIES[kind]) {
          await quire.search(query, false);
          await quire.search(query, true);
        }
      }
      settle();
      serving = { afterOpen, afterQueries: memoryFigures() };
      break;
    }
    case "minisearch": {
      const index = new MiniSearchEngine();
      build = await index.build(docs, ids);
      runners.set(index.name, index);
      break;
    }
    case "orama": {
      const index = new OramaEngine();
      build = await index.build(docs, ids);
      runners.set(index.name, index);
      break;
    }
    case "flexsearch":
    case "flexsearch-forward": {
      const index = new FlexSearchEngine(engine === "flexsearch" ? "strict" : "forward");
      build = await index.build(docs, ids);
      runners.set(index.name, index);
      break;
    }
    default:
      throw new Error(`Unknown engine ${engine}`);
  }
  settle();
  const loaded = memoryFigures();
  if (engine === "quire" && !TARGETS_ONLY) {
    // Opened after the memory figures: they are quire's alone.
    for (const variant of RAW_VARIANTS) {
      const raw = await RawFtsEngine.open(quire!.file, variant);
      runners.set(raw.name, raw);
    }
  }
  send(
    {
      type: "ready",
      engine,
      runners: [...runners.values()].map((r) => ({
        name: r.name,
        highlights: r.highlights,
        kinds: QUERY_KINDS.filter((kind) => r.supports(kind)),
      })),
      build,
      baseline,
      loaded,
      serving,
    } satisfies Ready,
  );

  for await (const line of createInterface({ input: process.stdin })) {
    const request = JSON.parse(line) as Request;
    if (request.op === "exit") break;
    if (request.op === "memory") {
      send(memoryFigures());
    } else if (request.op === "check") {
      send(await check(runners.get(request.runner)!, runners));
    } else {
      const reply = await time(runners.get(request.runner)!, request);
      // Untimed: the chunk's garbage is collected now, so that no collector thread of this
      // process is still at work while the next engine is timed (2 cores: it took one of them).
      settle();
      send(reply);
    }
  }
  for (const runner of runners.values()) await (runner as { close?(): unknown }).close?.();
  await quire?.close();
  process.exit(0);
}

/** Every query of every kind the runner supports, once plain and once highlighted. */
async function check(runner: SearchEngine, all: Map<string, SearchEngine>): Promise<CheckReply> {
  // quire's hits carry no total: its raw sibling (same file) counts the matches.
  const counter = runner.total !== undefined
    ? runner
    : runner.name === "quire"
    ? [...all.values()].find((r) => r.total !== undefined)
    : undefined;
  const reply = {} as CheckReply;
  for (const kind of QUERY_KINDS) {
    reply[kind] = [];
    if (!runner.supports(kind)) continue;
    for (const query of QUERIES[kind]) {
      const entry: QueryCheck = {
        words: query.words,
        plain: runner.answer(await runner.search(query, false)),
      };
      if (runner.highlights) entry.highlighted = runner.answer(await runner.search(query, true));
      const total = counter?.total?.(query) ?? entry.plain.total;
      if (total !== undefined) entry.total = total;
      reply[kind].push(entry);
    }
  }
  return reply;
}

/** Runs the runner's queries of one kind, over and over until `minMs` have passed. */
async function time(
  runner: SearchEngine,
  request: Extract<Request, { op: "time" }>,
): Promise<TimeReply> {
  const queries = QUERIES[request.kind];
  // Untimed, one pass over the set: the CPU's caches are cold after another process ran. With
  // only two queries first, the engine timed right after another process lost up to a third of
  // its rate (quire 585 q/s, and the same SQL by hand timed next in quire's process 894).
  for (const query of queries) {
    const result = runner.search(query, request.highlight);
    if (result instanceof Promise) await result;
  }
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (const query of queries) {
      const result = runner.search(query, request.highlight);
      if (result instanceof Promise) await result;
    }
    count += queries.length;
    elapsed = performance.now() - start;
  } while (elapsed < request.minMs);
  return { queries: count, ms: elapsed };
}

// --- the parent --------------------------------------------------------------------------------

/** A child process and the replies it owes. */
class Child {
  readonly engine: string;
  readonly ready: Promise<Ready>;
  #process: ChildProcess;
  #waiting: ((message: unknown) => void)[] = [];
  #exited: Promise<void>;

  constructor(engine: string, dir: string, buildOnly = false) {
    this.engine = engine;
    const script = fileURLToPath(import.meta.url);
    const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
    const flags = [...(QUICK ? ["--quick"] : []), ...(TARGETS_ONLY ? ["--targets"] : [])];
    const command = deno !== undefined ? deno.execPath() : process.execPath;
    const argv = [
      ...(deno !== undefined ? ["run", "-A", "--v8-flags=--expose-gc"] : []),
      script,
      "--engine",
      engine,
      "--dir",
      dir,
      ...flags,
      ...(buildOnly ? ["--build-only"] : []),
    ];
    this.#process = spawn(command, argv, { stdio: ["pipe", "pipe", "inherit"] });
    this.#exited = new Promise((resolve) => this.#process.on("exit", () => resolve()));
    let failed: (error: Error) => void = () => {};
    this.ready = new Promise<Ready>((resolve, reject) => {
      this.#waiting.push(resolve as (message: unknown) => void);
      failed = reject;
    });
    this.#process.on("exit", (code) => {
      if (this.#waiting.length > 0) failed(new Error(`The ${engine} child exited (${code})`));
    });
    createInterface({ input: this.#process.stdout! }).on("line", (line) => {
      if (line.startsWith(MARK)) this.#waiting.shift()?.(JSON.parse(line.slice(MARK.length)));
      else console.log(`[${engine}] ${line}`);
    });
  }

  call<T>(request: Request): Promise<T> {
    return new Promise<T>((resolve) => {
      this.#waiting.push(resolve as (message: unknown) => void);
      this.#process.stdin!.write(`${JSON.stringify(request)}\n`);
    });
  }

  async exit(): Promise<void> {
    this.#process.stdin!.write(`${JSON.stringify({ op: "exit" })}\n`);
    this.#process.stdin!.end();
    await this.#exited;
  }

  kill(): void {
    this.#process.kill();
  }
}

/** One engine as the parent times it: a child and a runner inside it. */
interface Runner {
  child: Child;
  name: string;
  highlights: boolean;
  kinds: QueryKind[];
}

const MB = 1024 * 1024;

async function parent(dir: string): Promise<void> {
  const runtime = runtimeName();
  console.log(
    `quire search benchmark on ${runtime} (${bindingName()})${QUICK ? " (--quick)" : ""}` +
      `${TARGETS_ONLY ? " (--targets)" : ""}\n` +
      `documents: ${DOCUMENTS} from nlp-corpus (title = first 8 words of sentence i, body = ` +
      `sentences i and i + 1); ${ROUNDS} rounds; temp dir ${dir}\n${machine()}\n`,
  );
  const children: Child[] = [];
  const builds = new Map<string, BuildTimings[]>();
  const ready = new Map<string, Ready>();
  try {
    // --- build: one child after the other ------------------------------------------------------
    for (const engine of SERVING) {
      const child = new Child(engine, dir);
      children.push(child);
      const message = await child.ready;
      ready.set(engine, message);
      builds.set(engine, [message.build]);
      console.log(
        `${engine}: built in ${(message.build.total / 1000).toFixed(2)} s ` +
          `(${describeBuild(message.build)}); RSS +${
            ((message.loaded.rss - message.baseline.rss) / MB).toFixed(1)
          } MB`,
      );
    }
    const runners: Runner[] = children.flatMap((child) =>
      ready.get(child.engine)!.runners.map((r) => ({ child, ...r }))
    );
    const quire = runners.find((r) => r.name === "quire")!;

    // --- checks --------------------------------------------------------------------------------
    const checks = new Map<string, CheckReply>();
    for (const runner of runners) {
      checks.set(
        runner.name,
        await runner.child.call<CheckReply>({ op: "check", runner: runner.name }),
      );
    }
    const overlap = checkAnswers(runners, checks);

    // --- timing rounds -------------------------------------------------------------------------
    const times = new Map<string, { queries: number; ms: number }[]>();
    const cell = (runner: string, kind: QueryKind, highlight: boolean) =>
      `${runner} · ${kind} · ${highlight ? "highlight" : "plain"}`;
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of QUERY_KINDS) {
        for (const highlight of TARGETS_ONLY ? [false] : [false, true]) {
          const list = runners.filter((r) =>
            r.kinds.includes(kind) && (!highlight || r.highlights)
          );
          // A new order every round: each engine then follows every other now and then, rather
          // than always the same one (whose collector or cache traffic would always hit it).
          for (
            const runner of shuffled(
              list,
              round * 8 + QUERY_KINDS.indexOf(kind) * 2 + Number(highlight) + 1,
            )
          ) {
            const reply = await runner.child.call<TimeReply>({
              op: "time",
              runner: runner.name,
              kind,
              highlight,
              minMs: CHUNK_MS,
            });
            const key = cell(runner.name, kind, highlight);
            (times.get(key) ?? times.set(key, []).get(key)!).push(reply);
          }
        }
      }
      if (round === 0 || (round + 1) % 5 === 0) console.log(`round ${round + 1}/${ROUNDS} done`);
    }
    const peaks = new Map<string, MemoryFigures>();
    for (const child of children) {
      peaks.set(child.engine, await child.call<MemoryFigures>({ op: "memory" }));
    }

    // --- quire serving from its file, in a fresh process ---------------------------------------
    const server = new Child("quire-serve", dir);
    const serving = (await server.ready).serving;
    await server.exit();
    for (const child of children.splice(0)) await child.exit();

    // --- more builds, one child at a time, rotating ----------------------------------------------
    const buildEngines = [...SERVING, ...BUILD_ONLY];
    for (let round = 0; round < BUILD_ROUNDS; round++) {
      for (let k = 0; k < buildEngines.length; k++) {
        const engine = buildEngines[(k + round) % buildEngines.length];
        if (round === 0 && SERVING.includes(engine)) continue; // built above
        const child = new Child(engine, dir, true);
        const message = await child.ready;
        await child.exit();
        (builds.get(engine) ?? builds.set(engine, []).get(engine)!).push(message.build);
        if (engine === "quire-index-after") ready.set(engine, message);
      }
    }

    report(runtime, runners, quire, times, cell, builds, ready, peaks, serving, overlap);
  } finally {
    for (const child of children) child.kill();
  }
}

function describeBuild(build: BuildTimings): string {
  return Object.entries(build).filter(([name]) => name !== "total")
    .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(2)} s`).join(", ") || "one call";
}

/** Per runner and kind: the mean share of quire's top 20 it also returns, and match counts. */
interface Overlap {
  share: Map<string, Record<QueryKind, number>>;
  totals: Map<string, Record<QueryKind, number>>;
}

/**
 * Checks the answers before timing: every runner finds something for every query it
 * supports; the raw query with quire's ordering returns quire's ids and scores; quire's
 * highlighted hits are the same hits and carry highlights.
 */
function checkAnswers(runners: Runner[], checks: Map<string, CheckReply>): Overlap {
  const quire = checks.get("quire")!;
  const share = new Map<string, Record<QueryKind, number>>();
  const totals = new Map<string, Record<QueryKind, number>>();
  const empty: string[] = [];
  for (const runner of runners) {
    const reply = checks.get(runner.name)!;
    const shares = {} as Record<QueryKind, number>;
    const counts = {} as Record<QueryKind, number>;
    for (const kind of runner.kinds) {
      let sum = 0;
      let compared = 0;
      let total = 0;
      for (const [i, entry] of reply[kind].entries()) {
        const expected = quire[kind][i];
        if (entry.plain.ids.length === 0) empty.push(`${runner.name}: ${kind} "${entry.words}"`);
        // The overlap is averaged over the queries quire finds something for.
        if (expected.plain.ids.length > 0) {
          const mine = new Set(entry.plain.ids);
          sum += expected.plain.ids.filter((id) => mine.has(id)).length /
            expected.plain.ids.length;
          compared++;
        }
        total += entry.total ?? NaN;
        if (runner.name === "raw: quire's SQL" || runner.name === "raw: one-step join") {
          same(`${runner.name}, ${kind} "${entry.words}"`, expected.plain, entry.plain);
        }
        if (entry.highlighted !== undefined) {
          if (entry.highlighted.ids.join() !== entry.plain.ids.join()) {
            throw new Error(`${runner.name}: highlighting changed the hits of "${entry.words}"`);
          }
          if (entry.plain.ids.length > 0 && entry.highlighted.highlight === undefined) {
            throw new Error(`${runner.name}: no highlight for "${entry.words}"`);
          }
        }
      }
      shares[kind] = sum / compared;
      counts[kind] = total / reply[kind].length;
    }
    share.set(runner.name, shares);
    totals.set(runner.name, counts);
  }
  if (empty.length > 0) {
    if (!QUICK) throw new Error(`queries without hits:\n  ${empty.join("\n  ")}`);
    console.warn(
      `warning (--quick): ${empty.length} answers without hits on ${DOCUMENTS} documents, ` +
        `e.g. ${empty.slice(0, 3).join("; ")}`,
    );
  }
  return { share, totals };
}

function same(what: string, expected: Answer, actual: Answer): void {
  const ids = expected.ids.join() === actual.ids.join();
  const scores = expected.scores!.every((score, i) =>
    Math.abs(score - actual.scores![i]) <= 1e-9 * Math.abs(score)
  );
  if (!ids || !scores) {
    throw new Error(
      `${what}: differs from quire's: ${expected.ids.slice(0, 4)}… vs ${actual.ids.slice(0, 4)}…`,
    );
  }
}

// --- the report ----------------------------------------------------------------------------------

function report(
  runtime: string,
  runners: Runner[],
  quire: Runner,
  times: Map<string, { queries: number; ms: number }[]>,
  cell: (runner: string, kind: QueryKind, highlight: boolean) => string,
  builds: Map<string, BuildTimings[]>,
  ready: Map<string, Ready>,
  peaks: Map<string, MemoryFigures>,
  serving: Ready["serving"],
  overlap: Overlap,
): void {
  const qps = (sample: { queries: number; ms: number }) => sample.queries * 1000 / sample.ms;
  const medianQps = (key: string) => {
    const samples = times.get(key);
    return samples === undefined ? undefined : median(samples.map(qps));
  };
  /** quire's speed-up over `other`: the median of the rounds' ratios of queries per second. */
  const speedUp = (other: string, kind: QueryKind, highlight: boolean) => {
    const mine = times.get(cell(quire.name, kind, highlight));
    const theirs = times.get(cell(other, kind, highlight));
    if (mine === undefined || theirs === undefined) return undefined;
    return median(mine.map((sample, i) => qps(sample) / qps(theirs[i])));
  };
  const fmt = (value: number | undefined, digits = 0) =>
    value === undefined || !Number.isFinite(value) ? "–" : value.toLocaleString("en-US", {
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    });

  console.log(
    `\n${runtime}: queries per second (medians of ${ROUNDS} rounds; top ${TOP} with the documents; ` +
      `engines side by side, each in its own process):\n`,
  );
  const names = runners.map((r) => r.name);
  const rows: string[][] = [["queries", "highlight", ...names]];
  for (const kind of QUERY_KINDS) {
    for (const highlight of TARGETS_ONLY ? [false] : [false, true]) {
      rows.push([
        kind,
        highlight ? "yes" : "no",
        ...names.map((name) => fmt(medianQps(cell(name, kind, highlight)))),
      ]);
    }
  }
  printTable(rows, [false, false, ...names.map(() => true)]);

  console.log(`\nTargets (quire's q/s over the other's: median of the rounds' ratios):\n`);
  const targetRows: string[][] = [[
    "queries",
    `vs MiniSearch (≥ ${TARGET_MINISEARCH_QPS}×)`,
    `vs Orama (≥ ${TARGET_ORAMA_QPS}×)`,
    ...(TARGETS_ONLY ? [] : ["vs FlexSearch (strict)", "vs FlexSearch (forward)"]),
  ]];
  for (const kind of QUERY_KINDS) {
    const verdict = (value: number | undefined, goal: number) =>
      value === undefined ? "–" : `${value.toFixed(2)}× ${value >= goal ? "PASS" : "MISS"}`;
    targetRows.push([
      kind,
      verdict(speedUp("MiniSearch", kind, false), TARGET_MINISEARCH_QPS),
      verdict(speedUp("Orama", kind, false), TARGET_ORAMA_QPS),
      ...(TARGETS_ONLY ? [] : ["FlexSearch (strict)", "FlexSearch (forward)"].map((name) => {
        const value = speedUp(name, kind, false);
        return value === undefined ? "–" : `${value.toFixed(3)}×`;
      })),
    ]);
  }
  printTable(targetRows, [false, true, true, true, true]);

  if (!TARGETS_ONLY) {
    console.log(
      `\nquire's overhead: time per query of quire's search / the raw query's ` +
        `(median of the rounds' ratios):\n`,
    );
    const rawRows: string[][] = [[
      "queries",
      "quire µs",
      ...names.filter((n) => n.startsWith("raw")).flatMap((n) => [`${n} µs`, "quire / raw"]),
    ]];
    for (const kind of QUERY_KINDS) {
      const quireQps = medianQps(cell("quire", kind, false));
      const row = [kind, fmt(quireQps === undefined ? undefined : 1e6 / quireQps, 1)];
      for (const name of names.filter((n) => n.startsWith("raw"))) {
        const rawQps = medianQps(cell(name, kind, false));
        const ratio = speedUp(name, kind, false);
        row.push(fmt(rawQps === undefined ? undefined : 1e6 / rawQps, 1));
        row.push(ratio === undefined ? "–" : `${(1 / ratio).toFixed(2)}×`);
      }
      rawRows.push(row);
    }
    printTable(rawRows, [false, true, true, true, true, true]);
  }

  console.log(
    `\nResults: mean matches per query, and the share of quire's top ${TOP} in each engine's:\n`,
  );
  const overlapRows: string[][] = [[
    "engine",
    ...QUERY_KINDS.flatMap((k) => [`${k}: matches`, "overlap"]),
  ]];
  for (const runner of runners) {
    overlapRows.push([
      runner.name,
      ...QUERY_KINDS.flatMap((kind) =>
        runner.kinds.includes(kind)
          ? [
            fmt(overlap.totals.get(runner.name)![kind]),
            `${(overlap.share.get(runner.name)![kind] * 100).toFixed(0)}%`,
          ]
          : ["n/a", "n/a"]
      ),
    ]);
  }
  printTable(overlapRows, [false, ...QUERY_KINDS.flatMap(() => [true, true])]);

  console.log(
    `\nBuild (documents → searchable; median of ${BUILD_ROUNDS}) and memory (resident set ` +
      `size above the baseline: the process with the corpus loaded, before the build):\n`,
  );
  const memoryRows: string[][] = [[
    "engine",
    "build s",
    "docs/s",
    "parts (medians, s)",
    "RSS after build MB",
    "JS heap after build MB",
    "peak RSS MB",
  ]];
  for (const [engine, list] of builds) {
    const message = ready.get(engine);
    const peak = peaks.get(engine);
    const parts = Object.keys(list[0]).filter((name) => name !== "total")
      .map((name) => `${name} ${(median(list.map((b) => b[name])) / 1000).toFixed(2)}`).join(", ");
    const total = median(list.map((b) => b.total));
    memoryRows.push([
      engine,
      (total / 1000).toFixed(2),
      fmt(DOCUMENTS / total * 1000),
      parts || "–",
      message === undefined ? "–" : fmt((message.loaded.rss - message.baseline.rss) / MB, 1),
      message === undefined ? "–" : fmt((message.loaded.heap - message.baseline.heap) / MB, 1),
      message === undefined || peak === undefined
        ? "–"
        : fmt((peak.peak - message.baseline.rss) / MB, 1),
    ]);
  }
  printTable(memoryRows, [false, true, true, false, true, true, true]);
  if (serving !== undefined) {
    console.log(
      `\nquire serving from the built file in a fresh process: RSS ${
        fmt(serving.afterOpen.rss / MB, 1)
      } MB after open, +${
        fmt((serving.afterQueries.rss - serving.afterOpen.rss) / MB, 1)
      } MB after running every query once with and without highlighting (JS heap +${
        fmt((serving.afterQueries.heap - serving.afterOpen.heap) / MB, 1)
      } MB)`,
    );
  }
  const mini = builds.get("minisearch");
  const quireBuilds = builds.get("quire");
  const memoryOf = (engine: string) => {
    const message = ready.get(engine)!;
    return message.loaded.rss - message.baseline.rss;
  };
  if (mini !== undefined && quireBuilds !== undefined) {
    const miniBuild = median(mini.map((b) => b.total));
    const verdict = (ratio: number, goal: number) =>
      `${ratio.toFixed(2)}× (≥ ${goal}×: ${ratio >= goal ? "PASS" : "MISS"})`;
    const lines = [
      `build: MiniSearch / quire = ${
        verdict(miniBuild / median(quireBuilds.map((b) => b.total)), TARGET_BUILD)
      }`,
    ];
    const after = builds.get("quire-index-after");
    if (after !== undefined) {
      lines.push(
        `build, quire loaded first and indexed after: MiniSearch / quire = ${
          verdict(miniBuild / median(after.map((b) => b.total)), TARGET_BUILD)
        }`,
      );
    }
    lines.push(
      `memory, RSS after build: MiniSearch / quire = ${
        verdict(memoryOf("minisearch") / memoryOf("quire"), TARGET_MEMORY)
      }`,
    );
    if (serving !== undefined) {
      lines.push(
        `memory, MiniSearch after build / quire serving from its file (RSS added by the ` +
          `queries) = ${
            verdict(
              memoryOf("minisearch") / (serving.afterQueries.rss - serving.afterOpen.rss),
              TARGET_MEMORY,
            )
          }`,
      );
    }
    console.log(`\n${lines.join("\n")}`);
  }
  console.log(`at the end: ${machine()}`);
}

// --- main (last: everything above is initialised) -------------------------------------------

const engineIndex = args.indexOf("--engine");
if (engineIndex >= 0) {
  await child(args[engineIndex + 1], args[args.indexOf("--dir") + 1]);
} else {
  const workspace = new TempWorkspace("quire-search-bench-");
  await workspace.run(() => parent(workspace.dir));
}
