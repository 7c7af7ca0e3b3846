/**
 * The multi-process soak: N worker processes of Bun and Deno write one store (a SQLite file in
 * WAL mode, or with --url a Postgres database) for T seconds — put, conditional put with retry, putMany, delete, transactions moving value between
 * accounts, search and export — while one more process checks invariants continuously. What it
 * checks is described in scripts/lib/soak.ts.
 *
 * Usage:
 *   bun scripts/soak.ts [--processes 4] [--seconds 60] [--runtimes bun,deno] [--seed 1]
 *                       [--path soak.db | --url postgres://…] [--progress 5]
 *   deno run -A scripts/soak.ts …
 *
 * Prints a progress line every --progress seconds, then operations per second (total and per
 * kind), conflicts retried, errors surfaced and invariant violations. Exits with 1 when an error
 * surfaced or an invariant was violated (both are expected to be 0), 2 on bad arguments. Without
 * --path the database lives in a temp directory that is removed at the end; with --path it is
 * kept (the file must not exist yet). --url runs it on another store, which must be empty: a
 * Postgres database in a schema of its own (`?schema=soak`), say, or `npm run pg`'s server.
 *
 * @module
 */

import { existsSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { formatReport, runSoak, type Runtime } from "./lib/soak.ts";

function usage(message: string): never {
  console.error(
    `soak: ${message}\nusage: soak.ts [--processes N] [--seconds T] [--runtimes bun,deno] ` +
      "[--seed S] [--path file.db | --url store-url] [--progress S]",
  );
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      processes: { type: "string", default: "4" },
      seconds: { type: "string", default: "60" },
      runtimes: { type: "string", default: "bun,deno" },
      seed: { type: "string" },
      path: { type: "string" },
      url: { type: "string" },
      progress: { type: "string", default: "5" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  }));
} catch (error) {
  usage((error as Error).message);
}
if (values.help) usage("runs the multi-process soak");

const processes = Number(values.processes);
if (!Number.isInteger(processes) || processes < 1) usage("--processes takes a whole number ≥ 1");
const seconds = Number(values.seconds);
if (!(seconds > 0)) usage("--seconds takes a number > 0");
const progressSeconds = Number(values.progress);
if (!(progressSeconds > 0)) usage("--progress takes a number > 0");
const runtimes = values.runtimes.split(",").map((name) => name.trim()) as Runtime[];
if (runtimes.length === 0 || runtimes.some((name) => name !== "bun" && name !== "deno")) {
  usage("--runtimes takes bun, deno or bun,deno");
}
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
if (!Number.isSafeInteger(seed)) usage("--seed takes a whole number");
if (values.path !== undefined && values.url !== undefined) usage("give --path or --url, not both");
if (values.path !== undefined && existsSync(values.path)) {
  usage(`--path ${JSON.stringify(values.path)} exists already: give a new file`);
}

// The first Ctrl-C stops the workers and still reports; a second one, or SIGTERM, leaves at once
// (the children see their stdin close and stop by themselves).
const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (signal === "SIGINT" && !controller.signal.aborted) {
      console.log("soak: SIGINT, stopping the workers (again to leave at once)");
      controller.abort();
      return;
    }
    console.log(`soak: ${signal}, leaving`);
    process.exit(1);
  });
}

try {
  const report = await runSoak({
    processes,
    seconds,
    runtimes,
    seed,
    path: values.path,
    url: values.url,
    progressSeconds,
    signal: controller.signal,
  });
  for (const line of formatReport(report)) console.log(line);
  process.exitCode = report.errors > 0 || report.violations > 0 ? 1 : 0;
} catch (error) {
  console.error(`soak: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
}
