/**
 * HTTP benchmark: quire's HTTP API (`createApp` served by `serve()`, i.e. `Bun.serve` on Bun and
 * `Deno.serve` on Deno) under a bounded loopback load from autocannon, beside a bare Hono route
 * (the ceiling) and json-server (npm, on Node) serving the same documents.
 *
 * - **Corpus:** the 100,000 documents of lib/corpus.ts (one `nlp-corpus` sentence each, `text`,
 *   `words`, `kind`, `year`, `genre`, `rating`, `score`; mean ≈ 180 B of JSON), loaded with
 *   `putMany` (1,000 a batch) into a SQLite file in a temp dir, collection `sentences` with
 *   `search: { fields: ["text"] }` and `indexes: [["genre", "year"], "year"]`, FTS5
 *   `optimize`d; the store is then closed and opened again, as `quire serve` would find it.
 * - **Servers:** quire and the bare route (`new Hono().get("/bare", (c) => c.json({ ok: true }))`)
 *   are served by this process through `serve()` (127.0.0.1, a free port, no request log): the
 *   runtime under test. json-server 0.17 runs in a Node child (lib/json_server_runner.mjs) on a
 *   `db.json` of the same documents (with their ids), served from memory.
 * - **Load:** each measurement is one autocannon run in a Node child of its own
 *   (lib/autocannon_runner.mjs), so the load generator never shares the server's event loop:
 *   `CONNECTIONS` connections, a warmup of `WARMUP_S` s, then `DURATION_S` s timed; latencies
 *   from every response's own time. Request n goes to the n-th path of the case's list:
 *   - GET by id: `GET /v1/collections/sentences/docs/:id`, 10,000 ids in a fixed shuffled order;
 *   - indexed find: `GET …/docs?filter=genre = "news" and year = 1950&limit=10` over 8 genres ×
 *     12 years (≈ 100 matches each; the (genre, year) index answers, sorted by id);
 *   - single-term search: `GET …/search?q=film&limit=10` over the 16 single terms of
 *     lib/search_queries.ts, ranked by bm25;
 *   - PUT: `PUT …/docs/:id` of the corpus's own document for one of 1,000 ids (every write a new
 *     revision and an FTS update; the collection stays at 100,000 documents);
 *   - the bare route: `GET /bare`;
 *   - json-server: `GET /sentences/:id`, `GET /sentences?genre=news&year=1950&_limit=10`,
 *     `PUT /sentences/:id`, and `GET /sentences?q=film&_limit=10` (its `q` is a substring match
 *     over every field, unranked: not the same search, shown for scale).
 * - **In-process:** the same 16 terms through `collection.search(term, { limit: 10 })` in this
 *   process, one after the other, for `INPROCESS_MS` per round: the rate HTTP search is held
 *   against. Beside it, to tell where a request's time goes: the same searches and GETs through
 *   `app.request()` (the whole app, no sockets), `collection.entry(id)` for the same ids, and the
 *   bare app.
 * - **Rounds:** `ROUNDS` rounds; in each, every measurement once, in a new shuffled order; the
 *   tables give medians, the targets the median of the rounds' ratios. Before timing, every case's
 *   first requests are checked (status, non-empty answers, quire's find = json-server's ids).
 * - **CPU:** this process's CPU time during each timed run (Bun and Deno count all their
 *   threads), json-server's from /proc, and the generator's own: which side was the bound.
 *
 * Targets (issue 10): GET by id ≥ 0.5× the bare route's requests/s; HTTP search ≥ 0.8× the
 * in-process `search()` rate for the same queries.
 *
 * Usage:
 *   bun bench/http.bench.ts [--quick] [--targets]
 *   deno run -A bench/http.bench.ts [--quick] [--targets]
 *
 * `--quick` loads 10,000 documents and runs one short round (a smoke run; its figures mean
 * little); `--targets` runs only what the targets need (no PUT, no find, no json-server). Node
 * must be on PATH (or named by `QUIRE_BENCH_NODE`). Only 127.0.0.1 is loaded; the servers stop
 * and the children are killed at the end, also on an error, and the temp dir is removed.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { Hono } from "hono";
import { type Collection, open, type Store } from "../mod.ts";
import { createApp, serve, type Server } from "../http.ts";
import { buildCorpus, CORPUS_SIZE, type CorpusDocument, corpusIds, GENRES } from "./lib/corpus.ts";
import { shuffled } from "./lib/documents.ts";
import { machine, median, printTable, runtimeName, TempWorkspace } from "./lib/measure.ts";
import { bindingName } from "./lib/raw_sqlite.ts";
import { QUERIES } from "./lib/search_queries.ts";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const TARGETS_ONLY = args.includes("--targets");

const DOCUMENTS = QUICK ? 10_000 : CORPUS_SIZE;
const ROUNDS = QUICK ? 1 : 3;
/** Seconds of each timed autocannon run, after a warmup of WARMUP_S. */
const DURATION_S = QUICK ? 1 : 5;
const WARMUP_S = 1;
const CONNECTIONS = 10;
/** Milliseconds of in-process searching per round (a third of it for the faster calls). */
const INPROCESS_MS = QUICK ? 300 : 3_000;
const LIMIT = 10;
const BATCH = 1_000;
const COLLECTION = "sentences";
const INDEXES = [["genre", "year"], "year"];
/** Ids the GET cases read (a fixed shuffled sample of the corpus). */
const GET_IDS = 10_000;
/** Ids the PUT cases write (so the collection does not grow). */
const PUT_IDS = 1_000;
const YEARS = [1900, 1911, 1922, 1933, 1944, 1955, 1966, 1977, 1988, 1999, 2010, 2020];
const TERMS = QUERIES["single term"].map((query) => query.words);

const TARGET_GET_VS_BARE = 0.5;
const TARGET_SEARCH_VS_INPROCESS = 0.8;

const NODE = process.env.QUIRE_BENCH_NODE ?? "node";
const RUNNER = fileURLToPath(new URL("./lib/autocannon_runner.mjs", import.meta.url));
const JSON_SERVER = fileURLToPath(new URL("./lib/json_server_runner.mjs", import.meta.url));

// --- what is measured ---------------------------------------------------------------------------

type ServerName = "quire" | "bare" | "json-server";

/** One HTTP measurement: a server, and the requests autocannon cycles through. */
interface HttpCase {
  key: string;
  server: ServerName;
  label: string;
  method: "GET" | "PUT";
  paths: string[];
  bodies?: string[];
}

/** What one autocannon run reports (lib/autocannon_runner.mjs), plus the server's CPU. */
interface RunResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** The generator's CPU time over the timed run / its length. */
  cpu: number;
  /** The server process's CPU time over the timed run / its length (undefined: unknown). */
  serverCpu?: number;
}

function cases(docs: CorpusDocument[], ids: string[]): HttpCase[] {
  const readIds = shuffled(ids, 7).slice(0, GET_IDS);
  const writeIds = shuffled(ids, 11).slice(0, PUT_IDS);
  const byId = new Map(ids.map((id, i) => [id, docs[i]]));
  const bodies = writeIds.map((id) => JSON.stringify(byId.get(id)));
  const variants = YEARS.flatMap((year) => GENRES.map((genre) => [genre, year] as const));
  const base = `/v1/collections/${COLLECTION}`;
  const all: HttpCase[] = [
    {
      key: "quire get",
      server: "quire",
      label: "GET by id",
      method: "GET",
      paths: readIds.map((id) => `${base}/docs/${id}`),
    },
    {
      key: "quire find",
      server: "quire",
      label: "indexed find",
      method: "GET",
      paths: variants.map(([genre, year]) =>
        `${base}/docs?filter=${
          encodeURIComponent(`genre = "${genre}" and year = ${year}`)
        }&limit=${LIMIT}`
      ),
    },
    {
      key: "quire search",
      server: "quire",
      label: "single-term search",
      method: "GET",
      paths: TERMS.map((term) => `${base}/search?q=${encodeURIComponent(term)}&limit=${LIMIT}`),
    },
    {
      key: "quire put",
      server: "quire",
      label: "PUT",
      method: "PUT",
      paths: writeIds.map((id) => `${base}/docs/${id}`),
      bodies,
    },
    { key: "bare", server: "bare", label: "bare Hono route", method: "GET", paths: ["/bare"] },
    {
      key: "json-server get",
      server: "json-server",
      label: "GET by id",
      method: "GET",
      paths: readIds.map((id) => `/${COLLECTION}/${id}`),
    },
    {
      key: "json-server find",
      server: "json-server",
      label: "find (?genre=&year=)",
      method: "GET",
      paths: variants.map(([genre, year]) =>
        `/${COLLECTION}?genre=${genre}&year=${year}&_limit=${LIMIT}`
      ),
    },
    {
      key: "json-server search",
      server: "json-server",
      label: "?q= (substring, unranked)",
      method: "GET",
      paths: TERMS.map((term) => `/${COLLECTION}?q=${encodeURIComponent(term)}&_limit=${LIMIT}`),
    },
    {
      key: "json-server put",
      server: "json-server",
      label: "PUT",
      method: "PUT",
      paths: writeIds.map((id) => `/${COLLECTION}/${id}`),
      bodies,
    },
  ];
  return TARGETS_ONLY
    ? all.filter((c) => ["quire get", "quire search", "bare"].includes(c.key))
    : all;
}

// --- child processes ------------------------------------------------------------------------------

/** Every child started, so that `finally` can kill what is still running. */
const children = new Set<ChildProcess>();

function start(command: string, argv: string[]): ChildProcess {
  const child = spawn(command, argv, { stdio: ["pipe", "pipe", "inherit"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** The child's first line of stdout that parses as JSON (rejects if it exits first). */
function firstJsonLine<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.on("error", (error) => reject(new Error(`Cannot start ${what}: ${error.message}`)));
    child.on("exit", (code) => reject(new Error(`${what} exited (${code}) before answering`)));
    createInterface({ input: child.stdout! }).once("line", (line) => resolve(JSON.parse(line)));
  });
}

/** CPU seconds (user + system) a child has used so far, from /proc; undefined elsewhere. */
function childCpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
    // After the name: state is field 3, utime 14 and stime 15 (1-based), in clock ticks (100/s).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** json-server in a Node child, serving `file` from memory. */
async function startJsonServer(file: string): Promise<{ child: ChildProcess; url: string }> {
  const child = start(NODE, [JSON_SERVER, file]);
  const { port } = await firstJsonLine<{ port: number }>(child, "json-server");
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * One autocannon run against `url` in a Node child. `cpuOfServer` reads the server's CPU seconds
 * (this process's, or a child's) when the timed part starts and when it ends.
 */
function load(url: string, test: HttpCase, cpuOfServer: () => number | undefined) {
  const child = start(NODE, [RUNNER]);
  return new Promise<RunResult>((resolve, reject) => {
    let cpuStart: number | undefined;
    let wallStart = 0;
    let result: RunResult | undefined;
    child.on("error", (error) => reject(new Error(`Cannot start ${NODE}: ${error.message}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const message = JSON.parse(line);
      if (message.event === "start") {
        cpuStart = cpuOfServer();
        wallStart = performance.now();
      } else {
        const cpuEnd = cpuOfServer();
        const seconds = (performance.now() - wallStart) / 1000;
        result = message as RunResult;
        if (cpuStart !== undefined && cpuEnd !== undefined) {
          result.serverCpu = (cpuEnd - cpuStart) / seconds;
        }
      }
    });
    child.on("exit", (code) => {
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`autocannon (${test.key}) exited (${code}) without a result`));
    });
    child.stdin!.end(JSON.stringify({
      url,
      method: test.method,
      paths: test.paths,
      bodies: test.bodies,
      headers: test.method === "PUT" ? { "content-type": "application/json" } : {},
      connections: CONNECTIONS,
      duration: DURATION_S,
      warmup: WARMUP_S,
    }));
  });
}

// --- checks before timing -------------------------------------------------------------------------

async function check(urls: Record<ServerName, string>, list: HttpCase[]): Promise<void> {
  const answers = new Map<string, unknown>();
  for (const test of list) {
    for (const [i, path] of test.paths.slice(0, 3).entries()) {
      const response = await fetch(`${urls[test.server]}${path}`, {
        method: test.method,
        body: test.bodies?.[i],
        headers: test.bodies === undefined ? {} : { "content-type": "application/json" },
      });
      const body = await response.json();
      if (!response.ok) {
        throw new Error(`${test.key}: ${test.method} ${path} answered ${response.status}`);
      }
      const items = (body as { items?: unknown[] }).items ?? (body as { hits?: unknown[] }).hits ??
        (Array.isArray(body) ? body : [body]);
      if (items.length === 0) throw new Error(`${test.key}: ${path} found nothing`);
      if (i === 0) answers.set(test.key, body);
    }
  }
  // The same find on quire and json-server returns the same documents, in id order.
  const quire = answers.get("quire find") as { items: { id: string }[] } | undefined;
  const peer = answers.get("json-server find") as { id: string }[] | undefined;
  if (quire !== undefined && peer !== undefined) {
    const a = quire.items.map((item) => item.id).join();
    const b = peer.map((item) => item.id).join();
    if (a !== b) throw new Error(`find: quire returned ${a}, json-server ${b}`);
  }
}

// --- in-process ------------------------------------------------------------------------------------

/**
 * One operation timed in this process, without sockets: a store call, or the app answering a
 * `Request` (`app.request()`: routing, validation, the store, the JSON body) with the body read.
 */
interface InProcessOp {
  key: string;
  label: string;
  /** Milliseconds per round. */
  ms: number;
  run: (i: number) => Promise<unknown>;
}

function inProcessOps(
  collection: Collection<CorpusDocument>,
  quireApp: { request(path: string): Response | Promise<Response> },
  bareApp: { request(path: string): Response | Promise<Response> },
  list: HttpCase[],
): InProcessOp[] {
  const paths = (key: string) => list.find((test) => test.key === key)!.paths;
  const getPaths = paths("quire get");
  const searchPaths = paths("quire search");
  const ids = getPaths.map((path) => path.slice(path.lastIndexOf("/") + 1));
  const answer = async (response: Response | Promise<Response>) => {
    const r = await response;
    if (!r.ok) throw new Error(`in-process request: ${r.status}`);
    return await r.arrayBuffer();
  };
  const short = Math.max(INPROCESS_MS / 3, 100);
  return [
    {
      key: "search()",
      label: "search() (the same terms, limit 10)",
      ms: INPROCESS_MS,
      run: (i) => collection.search(TERMS[i % TERMS.length], { limit: LIMIT }),
    },
    {
      key: "app search",
      label: "app.request(search)",
      ms: INPROCESS_MS,
      run: (i) => answer(quireApp.request(searchPaths[i % searchPaths.length])),
    },
    {
      key: "entry()",
      label: "entry(id) (the same ids)",
      ms: short,
      run: (i) => collection.entry(ids[i % ids.length]),
    },
    {
      key: "app get",
      label: "app.request(GET by id)",
      ms: short,
      run: (i) => answer(quireApp.request(getPaths[i % getPaths.length])),
    },
    {
      key: "app bare",
      label: "bare app.request(/bare)",
      ms: short,
      run: () => answer(bareApp.request("/bare")),
    },
  ];
}

/** Calls per second of `op`, one call after the other, for `op.ms` after an untimed warmup. */
async function inProcessRate(op: InProcessOp, start: number): Promise<number> {
  for (let i = 0; i < 32; i++) await op.run(start + i); // untimed: caches, JIT
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  do {
    for (let k = 0; k < 16; k++) await op.run(start + count++);
    elapsed = performance.now() - started;
  } while (elapsed < op.ms);
  return count * 1000 / elapsed;
}

// --- main -----------------------------------------------------------------------------------------

async function load100k(file: string, docs: CorpusDocument[], ids: string[]): Promise<number> {
  const started = performance.now();
  const store = await open(`sqlite://${file}`);
  try {
    const collection = store.collection<CorpusDocument>(COLLECTION, {
      search: { fields: ["text"] },
      indexes: INDEXES,
    });
    for (let from = 0; from < docs.length; from += BATCH) {
      await collection.putMany(
        ids.slice(from, from + BATCH).map((id, k) => [id, docs[from + k]] as const),
      );
    }
    await collection.optimize();
  } finally {
    await store.close();
  }
  return (performance.now() - started) / 1000;
}

async function main(dir: string): Promise<void> {
  const runtime = runtimeName();
  console.log(
    `quire HTTP benchmark on ${runtime} (${bindingName()})${QUICK ? " (--quick)" : ""}` +
      `${TARGETS_ONLY ? " (--targets)" : ""}\n` +
      `documents: ${DOCUMENTS} from nlp-corpus (lib/corpus.ts); ${ROUNDS} rounds of ` +
      `${WARMUP_S} s warmup + ${DURATION_S} s per case, ${CONNECTIONS} connections; ` +
      `load generator: autocannon on ${NODE} in a child process; temp dir ${dir}\n${machine()}\n`,
  );
  const docs = buildCorpus(DOCUMENTS);
  const ids = corpusIds(DOCUMENTS);
  const file = join(dir, "quire.db");
  const loadSeconds = await load100k(file, docs, ids);
  console.log(`quire: loaded ${DOCUMENTS} documents in ${loadSeconds.toFixed(2)} s`);
  const list = cases(docs, ids);
  const wantsPeer = list.some((test) => test.server === "json-server");
  const dbJson = join(dir, "db.json");
  if (wantsPeer) {
    writeFileSync(
      dbJson,
      JSON.stringify({ [COLLECTION]: docs.map((d, i) => ({ id: ids[i], ...d })) }),
    );
  }

  let store: Store | undefined;
  const servers: Server[] = [];
  try {
    store = await open(`sqlite://${file}`);
    const collection = store.collection<CorpusDocument>(COLLECTION);
    const quireApp = createApp(store);
    const quire = await serve(quireApp.fetch, { port: 0, log: false });
    servers.push(quire);
    const bareApp = new Hono().get("/bare", (c) => c.json({ ok: true }));
    const bare = await serve(bareApp.fetch, { port: 0, log: false });
    servers.push(bare);
    const peer = wantsPeer ? await startJsonServer(dbJson) : undefined;
    const urls: Record<ServerName, string> = {
      quire: quire.url.origin,
      bare: bare.url.origin,
      "json-server": peer?.url ?? "",
    };
    await check(urls, list);
    console.log(
      `checked: every case answers 2xx with results${wantsPeer ? "; same find ids" : ""}`,
    );

    const results = new Map<string, RunResult[]>(list.map((test) => [test.key, []]));
    const ops = inProcessOps(collection, quireApp, bareApp, list);
    const inProcess = new Map<string, number[]>(ops.map((op) => [op.key, []]));
    const steps = [...list.map((test) => test.key), "in-process"];
    for (let round = 0; round < ROUNDS; round++) {
      for (const key of shuffled(steps, round + 1)) {
        if (key === "in-process") {
          for (const op of ops) inProcess.get(op.key)!.push(await inProcessRate(op, round * 7919));
          continue;
        }
        const test = list.find((t) => t.key === key)!;
        const cpu = test.server === "json-server"
          ? () => childCpuSeconds(peer!.child.pid)
          : ownCpuSeconds;
        const result = await load(urls[test.server], test, cpu);
        results.get(key)!.push(result);
      }
      console.log(`round ${round + 1}/${ROUNDS} done (${machine()})`);
    }
    report(runtime, list, results, ops, inProcess);
  } finally {
    for (const child of children) child.kill();
    for (const server of servers) await server.shutdown();
    await store?.close();
  }
}

// --- the report -----------------------------------------------------------------------------------

function report(
  runtime: string,
  list: HttpCase[],
  results: Map<string, RunResult[]>,
  ops: InProcessOp[],
  inProcess: Map<string, number[]>,
): void {
  const fmt = (value: number | undefined, digits = 0) =>
    value === undefined || !Number.isFinite(value) ? "–" : value.toLocaleString("en-US", {
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    });
  const med = (key: string, pick: (r: RunResult) => number | undefined) => {
    const values = results.get(key)!.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : median(values);
  };
  console.log(
    `\n${runtime}: medians of ${ROUNDS} rounds (${CONNECTIONS} connections, ${DURATION_S} s each; ` +
      `CPU = cores' worth of CPU time during the timed run):\n`,
  );
  const rows: string[][] = [[
    "server",
    "case",
    "req/s",
    "p50 ms",
    "p99 ms",
    "server CPU",
    "server µs/req",
    "load gen CPU",
    "errors",
  ]];
  for (const test of list) {
    const runs = results.get(test.key)!;
    const failures = runs.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0);
    rows.push([
      test.server === "quire" ? `quire (${runtime.split(" ")[0]})` : test.server,
      test.label,
      fmt(med(test.key, (r) => r.rps)),
      fmt(med(test.key, (r) => r.p50), 2),
      fmt(med(test.key, (r) => r.p99), 2),
      fmt(med(test.key, (r) => r.serverCpu), 2),
      fmt(med(test.key, (r) => r.serverCpu === undefined ? undefined : r.serverCpu / r.rps * 1e6)),
      fmt(med(test.key, (r) => r.cpu), 2),
      String(failures),
    ]);
  }
  printTable(rows, [false, false, true, true, true, true, true, true, true]);

  console.log(
    `\nIn this process, no sockets, one call after the other (medians of ${ROUNDS} rounds):\n`,
  );
  const opRows: string[][] = [["in-process", "calls/s", "µs/call"]];
  for (const op of ops) {
    const rate = median(inProcess.get(op.key)!);
    opRows.push([op.label, fmt(rate), fmt(1e6 / rate, 1)]);
  }
  printTable(opRows, [false, true, true]);

  const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]));
  const rps = (key: string) => results.get(key)!.map((r) => r.rps);
  const verdict = (value: number, goal: number) =>
    `${value.toFixed(2)}× (≥ ${goal}×: ${value >= goal ? "PASS" : "MISS"})`;
  console.log(`\nTargets (median of the rounds' ratios):`);
  console.log(
    `  GET by id / bare route, requests/s: ${
      verdict(ratio(rps("quire get"), rps("bare")), TARGET_GET_VS_BARE)
    }`,
  );
  console.log(
    `  HTTP search / in-process search(), per second: ${
      verdict(ratio(rps("quire search"), inProcess.get("search()")!), TARGET_SEARCH_VS_INPROCESS)
    }`,
  );
  // The same ratios from CPU time: what the server's own cost per request allows, were it given
  // a whole core (on a shared machine it gets less, and the bare route is bound by the load
  // generator, not by the server).
  const cpuPerRequest = (key: string) =>
    results.get(key)!.map((r) => r.serverCpu === undefined ? NaN : r.serverCpu / r.rps);
  const searchMicros = inProcess.get("search()")!.map((rate) => 1 / rate);
  console.log(
    `\nThe same from the server's CPU time per request (a whole core each, no load generator ` +
      `bound):\n  bare route's / GET by id's: ${
        ratio(cpuPerRequest("bare"), cpuPerRequest("quire get")).toFixed(2)
      }×\n  in-process search()'s / HTTP search's: ${
        ratio(searchMicros, cpuPerRequest("quire search")).toFixed(2)
      }×`,
  );
  const peerRows = [["get", "GET by id"], ["find", "find"], ["put", "PUT"]]
    .filter(([key]) => results.has(`json-server ${key}`));
  if (peerRows.length > 0) {
    console.log(`\nquire / json-server, requests/s (median of the rounds' ratios):`);
    for (const [key, label] of peerRows) {
      console.log(
        `  ${label}: ${ratio(rps(`quire ${key}`), rps(`json-server ${key}`)).toFixed(2)}×`,
      );
    }
  }
  console.log(`at the end: ${machine()}`);
}

// Registered before the workspace's own handlers (which remove the temp dir and exit): the
// children go first. A generator left running would stop by itself after its run, json-server when
// its standard input closes; this makes it at once.
const killChildren = () => {
  for (const child of children) child.kill();
};
process.on("SIGINT", killChildren);
process.on("SIGTERM", killChildren);
process.on("exit", killChildren);
const workspace = new TempWorkspace("quire-http-bench-");
await workspace.run(() => main(workspace.dir));
