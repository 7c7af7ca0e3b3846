#!/usr/bin/env node
// Entry point behind `npm start|test|bench|run pg` (and the deno.json tasks).
//
// A fresh machine has only Node (20 or later) and npm, so this file must run on plain Node with
// no dependencies: it installs Bun, Deno, the Node that the tests run on (node_modules/.bin/node)
// and the dev packages from npm on first use, then hands over to the real command with
// node_modules/.bin first on PATH (so scripts and tests can call `bun` / `deno` / `node` by
// name, and `node` is the local one).
//
// Usage: node scripts/bootstrap.mjs <start|test|bench|quire|pg|deno> [args...]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const BUN = join(BIN, "bun");
const DENO = join(BIN, "deno");
const NODE = join(BIN, "node");

// Environment for every child: local bun/deno/node on PATH; no Deno update check (the network is
// closed on CI); no colour codes in CI logs.
const env = { ...process.env, PATH: BIN + delimiter + (process.env.PATH ?? "") };
env.DENO_NO_UPDATE_CHECK = "1";
if (process.env.CI === "true" || process.env.CI === "1") env.NO_COLOR = "1";

function fail(message) {
  console.error(`quire: ${message}`);
  process.exit(1);
}

/** Returns what is missing from node_modules (empty when everything is usable). */
function missingPackages() {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  const missing = names.filter((n) => !existsSync(join(ROOT, "node_modules", n, "package.json")));
  // The bun/deno/node packages ship their native binary through an install script (node's is a
  // preinstall that installs node-<platform>-<arch>); a package directory without a working
  // binary (scripts skipped, interrupted install) counts as missing.
  for (const [name, bin] of [["bun", BUN], ["deno", DENO], ["node", NODE]]) {
    const r = spawnSync(bin, ["--version"], { stdio: "ignore", env });
    if (r.status !== 0) missing.push(`${name} binary`);
  }
  return missing;
}

function npm(args) {
  const cmd = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env });
  if (r.status !== 0) fail(`\`npm ${args.join(" ")}\` failed (exit ${r.status ?? r.signal}).`);
}

function ensureInstalled() {
  if (missingPackages().length === 0) return;
  console.log("quire: installing bun, deno, node and dev packages from npm (first run only)...");
  // Never rewrite package-lock.json (`npm start`/`npm test` leave `git status` clean): a fresh
  // clone gets exactly the lockfile (`npm ci`); a partial node_modules is completed from it
  // (`npm install --no-save` reads the lockfile but does not write it).
  const fresh = !existsSync(join(ROOT, "node_modules"));
  npm([...(fresh ? ["ci"] : ["install", "--no-save"]), "--no-audit", "--no-fund"]);
  if (missingPackages().some((m) => m.endsWith(" binary"))) {
    // The packages are there but a postinstall did not run (an earlier --ignore-scripts install,
    // say); `npm install` sees an up-to-date tree and won't run it again, `npm rebuild` does.
    npm(["rebuild", "bun", "deno", "node"]);
  }
  const still = missingPackages();
  if (still.length > 0) {
    fail(
      `still missing after \`npm install\`: ${still.join(", ")}.\n` +
        "  bun, deno and node need their install scripts: check that npm's ignore-scripts is off.",
    );
  }
}

/** Runs a command with inherited stdio, forwarding Ctrl-C / SIGTERM; resolves to its exit code. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit", env });
    const forward = (sig) => child.kill(sig);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", (err) => {
      console.error(`quire: could not start ${cmd}: ${err.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      // Shell convention for "killed by a signal": 128 + signal number.
      resolve(code ?? 128 + (signal === "SIGINT" ? 2 : 15));
    });
  });
}

/**
 * `npm run bench` (quick: 10,000 documents), `bench:full` (1,000 to 1,000,000), `bench:check`
 * (a quick run compared with the committed one) and `bench:report` (bench/RESULTS.md and the
 * charts from bench/results/*.json): the suite (bench/suite/run.ts) on Bun, Deno and Node in
 * turn. Runs and the report rewrite bench/results/, bench/RESULTS.md and bench/charts/: commit
 * them to publish a run; `bench:check` writes only to a temporary directory.
 */
async function bench(args) {
  const mode = ["--full", "--check", "--report"].find((flag) => args.includes(flag))?.slice(2) ??
    "quick";
  const rest = args.filter((arg) => !["--full", "--check", "--report"].includes(arg));
  // A million documents and the stores that hold them in memory need more than V8's default heap.
  const heap = "--max-old-space-size=16384";
  const runtimes = [
    ["bun", BUN, []],
    ["deno", DENO, ["run", "-A", `--v8-flags=${heap},--expose-gc`]],
    ["node", NODE, [heap, "--expose-gc"]],
  ];
  const suite = join("bench", "suite");
  let status = 0;
  if (mode === "report") return await run(BUN, [join(suite, "report.ts")]);
  const scratch = mode === "check" ? mkdtempSync(join(tmpdir(), "quire-bench-check-")) : undefined;
  for (const [name, cmd, flags] of runtimes) {
    console.log(`\n=== ${name}: bench/suite/run.ts ${mode} ===`);
    const out = scratch && join(scratch, `quick-${name}.json`);
    const code = await run(cmd, [
      ...flags,
      join(suite, "run.ts"),
      ...(mode === "full" ? ["--full"] : []),
      ...(out ? ["--out", out] : []),
      ...rest,
    ]);
    status ||= code;
    if (out && code === 0) {
      const committed = join(ROOT, "bench", "results", `quick-${name}.json`);
      status ||= await run(BUN, [join(suite, "check.ts"), committed, out]);
    }
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  else status ||= await run(BUN, [join(suite, "report.ts")]);
  return status;
}

const [command, ...args] = process.argv.slice(2);
const commands = {
  start: () => run(BUN, [join("scripts", "start.ts"), ...args]),
  quire: () => run(BUN, [join("scripts", "quire.ts"), ...args]),
  pg: () => run(BUN, [join("scripts", "pg.ts"), ...args]),
  test: () => run(process.execPath, [join(ROOT, "scripts", "run_tests.mjs"), ...args]),
  bench: () => bench(args),
  // The local Deno, for deno.json's tasks: inside `deno task`, a bare `deno` resolves to
  // node_modules/.bin/deno, which Deno then runs as a JavaScript file.
  deno: () => run(DENO, args),
};
if (!(command in commands)) {
  fail("usage: node scripts/bootstrap.mjs <start|test|bench|quire|pg|deno> [args...]");
}
ensureInstalled();
process.exitCode = await commands[command]();
