#!/usr/bin/env node
// The whole test suite: the check steps (deno check, lint, fmt, doc --lint, tsc: CHECKS below),
// then the tests under tests/ on Bun, Deno and Node. Normally started by `npm test` through
// scripts/bootstrap.mjs, which installs bun, deno and node first.
//
// Usage: node scripts/run_tests.mjs [--only bun|deno|node[,...]] [--reports DIR] [files or dirs...]
//   Giving files or --only makes a focused run: the check steps are skipped.
//   --only takes one runtime or a comma-separated list (--only deno,node).
//   --reports DIR keeps each runtime's JUnit report there (DIR/bun.xml, deno.xml, node.xml);
//   by default they go to a temporary directory that is removed at the end.
//
// Every runtime runs the same files: tests/**/*_test.ts (or those under the files and dirs
// given), one file after another. Each prints its own readable output as it runs; the counts
// come from its JUnit report (scripts/lib/junit.mjs), cross-checked against the totals the
// runtime prints itself.
//
// The last line printed is always `N passed, N failed` (plus `, N skipped` when some were),
// where N counts leaf test cases (a test() inside describe() is one case, a describe is none)
// summed over all runtimes. A check step that fails, a runtime that exits with an error but
// reports no failed case, or one that leaves no report we can read, adds 1 to "failed", so a
// broken run can never print "0 failed".
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { unacceptedDocLintErrors } from "./lib/doc_lint.mjs";
import {
  allTestcases,
  countDenoTestcases,
  countTestcases,
  fileFailures,
  nodeTotals,
  parseXml,
} from "./lib/junit.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const BUN = join(BIN, "bun");
const DENO = join(BIN, "deno");
const NODE = join(BIN, "node");

const env = { ...process.env, PATH: BIN + delimiter + (process.env.PATH ?? "") };
env.DENO_NO_UPDATE_CHECK = "1";
if (process.env.CI === "true" || process.env.CI === "1") env.NO_COLOR = "1";
// Bun turns colours off when its output is a pipe (ours is); keep them for a person at a terminal.
if (process.stdout.isTTY && !env.NO_COLOR) env.FORCE_COLOR = "1";

const RUNTIME_NAMES = ["bun", "deno", "node"];

// ---- arguments ----
let only = null;
let reportsDir = null;
const paths = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--only") only = argv[++i];
  else if (a.startsWith("--only=")) only = a.slice("--only=".length);
  else if (a === "--reports") reportsDir = argv[++i];
  else if (a.startsWith("--reports=")) reportsDir = a.slice("--reports=".length);
  else if (a.startsWith("-")) usage(`unknown option ${a}`);
  else paths.push(a);
}
const runtimes = only === null ? RUNTIME_NAMES : (only ?? "").split(",");
if (runtimes.length === 0 || runtimes.some((r) => !RUNTIME_NAMES.includes(r))) {
  usage(`--only takes ${RUNTIME_NAMES.join(", ")} or a comma-separated list of them`);
}
if (reportsDir === undefined) usage("--reports takes a directory");

function usage(message) {
  console.error(
    `run_tests: ${message}\n` +
      "usage: npm test -- [--only bun|deno|node[,...]] [--reports DIR] [files or dirs...]",
  );
  process.exit(2);
}

/** The test files (relative to ROOT, sorted): `*_test.ts` in the given files and dirs. */
function testFiles(given) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(path);
      } else if (entry.name.endsWith("_test.ts")) found.push(path);
    }
  };
  for (const p of given) {
    const path = resolve(ROOT, p);
    if (!existsSync(path)) usage(`no such file or directory: ${p}`);
    if (statSync(path).isDirectory()) walk(path);
    else found.push(path);
  }
  return [...new Set(found.map((f) => relative(ROOT, f)))].sort();
}

// ---- running a step ----

/** "42 s", "3 min 05 s". */
function duration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/**
 * Runs a command, streaming its output to ours as it comes; resolves to {code, output, took}
 * (its duration, which the summary shows: the run must stay under 15 minutes).
 */
function run(cmd, args) {
  console.log(`\n=== ${[basename(cmd), ...args].join(" ")} ===`);
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
      from.setEncoding("utf8");
      from.on("data", (chunk) => {
        to.write(chunk);
        output += chunk;
      });
    }
    child.on("error", (err) => {
      console.error(`run_tests: could not start ${cmd}: ${err.message}`);
      resolve({ code: 127, output, took: duration(performance.now() - start) });
    });
    child.on(
      "close",
      (code, signal) =>
        resolve({ code: code ?? signal ?? 1, output, took: duration(performance.now() - start) }),
    );
  });
}

// Colour codes are stripped before reading a runtime's own totals from its console output.
// deno-lint-ignore no-control-regex -- matching ESC is the point
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const linesOf = (text) => text.replace(ANSI, "").split(/\r?\n/);

// ---- the runtimes' own totals, to cross-check the reports ----
// Each returns { passed, failed, skipped, outside } or null when the runtime printed none: what
// its report should hold (testcases, leaves or not), and `outside` the failures it counts
// outside any test, which no report holds (a module that throws while loading, an error after
// a test ended). `slack`, where given, is what the report may hold beyond these totals.

// `bun test` ends with one count per line, then the "Ran" line:
//    3 pass
//    1 skip
//    2 fail
//    1 error
//   Ran 7 tests across 2 files. [24.00ms]
// An "error" is counted in "fail" (and in "Ran") too, but is not in the report.
function bunTotals(output) {
  const lines = linesOf(output);
  const ranAt = lines.findLastIndex((l) => /^Ran \d+ tests? across \d+ files?\./.test(l));
  if (ranAt < 0) return null;
  const n = { pass: 0, fail: 0, skip: 0, todo: 0, error: 0 };
  for (let i = ranAt - 1; i >= 0; i--) {
    const m = /^\s*(\d+) (pass|fail|skip|todo|error|errors|snapshots?|expect\(\) calls?)\b/
      .exec(lines[i]);
    if (!m) break;
    const key = m[2] === "errors" ? "error" : m[2];
    if (key in n) n[key] = Number(m[1]);
  }
  return {
    passed: n.pass,
    failed: n.fail - n.error,
    skipped: n.skip + n.todo,
    outside: n.error,
  };
}

// `deno test` ends with "ok | 3 passed (5 steps) | 1 failed (1 step) | 0 ignored (2 steps)".
// Tests and steps are both testcases in the report; an uncaught error outside any test is
// counted as a failed test ("Uncaught error from FILE FAILED") but is not in the report.
function denoTotals(output) {
  const lines = linesOf(output);
  const line = lines.findLast((l) => /^(ok|FAILED) \| /.test(l));
  if (line === undefined) return null;
  const n = { passed: 0, failed: 0, ignored: 0 };
  for (const part of line.split(" | ")) {
    const m = /^(\d+) (passed|failed|ignored)(?: \((\d+) steps?\))?/.exec(part);
    if (m) n[m[2]] += Number(m[1]) + Number(m[3] ?? 0);
  }
  const outside = lines.filter((l) => /^Uncaught error from .* FAILED$/.test(l)).length;
  return { passed: n.passed, failed: n.failed - outside, skipped: n.ignored, outside };
}

// Node writes its totals into the report itself (<!-- tests 12 -->, <!-- fail 4 -->, ...), and
// a failure outside a test is a testcase there (named after the file), so nothing is outside.
// Two kinds of testcases are not always in its totals: a file's own failure (counted for a file
// that throws, not for one that fails to link) and a skipped describe() (a suite to Node, a
// testcase in its report).
function nodeReportTotals(root) {
  const t = nodeTotals(root);
  if (t.tests === undefined) return null;
  return {
    passed: t.pass ?? 0,
    failed: (t.fail ?? 0) + (t.cancelled ?? 0),
    skipped: (t.skipped ?? 0) + (t.todo ?? 0),
    outside: 0,
    slack: { failed: fileFailures(root), skipped: t.suites ?? 0 },
  };
}

/** Whether a runtime's own totals agree with what its report holds, within its slack. */
function agree(own, seen) {
  return ["passed", "failed", "skipped"].every((key) => {
    const extra = seen[key] - own[key];
    return extra >= 0 && extra <= (own.slack?.[key] ?? 0);
  });
}

// ---- the steps ----

const total = { passed: 0, failed: 0, skipped: 0 };
const report = []; // one line per step for the summary at the end
const failures = []; // "runtime  file: test" for each failed case

/** check/lint/fmt: pass or fail as a whole; a failure counts as one failed case. */
async function checkStep({ label, cmd, args, unaccepted }) {
  const { code, output, took } = await run(cmd, args);
  if (code !== 0 && unaccepted) {
    // A step whose known, documented reports are accepted: it passes when they are all it found.
    const left = unaccepted(output);
    if (left.length === 0) {
      report.push(`${label.padEnd(12)} ok (only the accepted reports; see its comment), ${took}`);
      return;
    }
    console.error(`${label}: not accepted:\n  ${left.join("\n  ")}`);
  }
  if (code !== 0) total.failed++;
  report.push(`${label.padEnd(12)} ${code === 0 ? "ok" : `FAILED (exit ${code})`}, ${took}`);
}

/** Reads and counts a runtime's report; null (and a reason) when there is none to read. */
function readReport(runtime, path) {
  if (!existsSync(path)) return { counts: null, why: "it wrote no JUnit report" };
  let root;
  try {
    root = parseXml(readFileSync(path, "utf8"));
  } catch (error) {
    return { counts: null, why: `its JUnit report is unreadable (${error.message})` };
  }
  const counts = runtime.name === "deno" ? countDenoTestcases(root) : countTestcases(root);
  return { counts, root };
}

/**
 * A test runtime: run it, count the leaf cases in its report, cross-check with its own totals.
 * A failure the counts do not show adds one.
 */
async function testStep(runtime, files, reports) {
  const reportPath = join(reports, `${runtime.name}.xml`);
  rmSync(reportPath, { force: true });
  const { code, output, took } = await run(runtime.cmd, runtime.args(files, reportPath));
  const { counts, root, why } = readReport(runtime, reportPath);
  const n = counts ?? { passed: 0, failed: 0, skipped: 0, failedNames: [], notes: [] };
  const notes = [...n.notes];
  if (counts === null) {
    n.failed = 1;
    notes.push(`exit ${code}; ${why}: counted as 1 failed`);
  } else {
    const own = runtime.totals(output, root);
    const seen = allTestcases(root);
    if (own === null) {
      notes.push(`no totals of ${runtime.name}'s own to check the report against`);
    } else if (!agree(own, seen)) {
      n.failed++;
      const counts = (n) => `${n.passed} passed, ${n.failed} failed, ${n.skipped} skipped`;
      notes.push(
        `its report holds ${counts(seen)} (tests and suites) but ${runtime.name} counted ` +
          `${counts(own)}: counted as 1 more failed`,
      );
    }
    if (own !== null && own.outside > 0) {
      n.failed += own.outside;
      notes.push(`${own.outside} failed outside any test, see its output`);
    }
    if (code !== 0 && n.failed === 0) {
      // Crashed after writing the report, a failing hook, a leaked handle... The exit code says
      // it failed.
      n.failed = 1;
      notes.push(`exit ${code} with no failed test case in its report: counted as 1 failed`);
    }
  }
  for (const name of n.failedNames) {
    // Node names files by absolute path, Deno as "./tests/...": print them all as "tests/...".
    const short = name.startsWith(`${ROOT}/`) ? name.slice(ROOT.length + 1) : name;
    failures.push(`${runtime.name.padEnd(5)} ${short.replace(/^\.\//, "")}`);
  }
  total.passed += n.passed;
  total.failed += n.failed;
  total.skipped += n.skipped;
  report.push(
    `${runtime.label.padEnd(12)} ${n.passed} passed, ${n.failed} failed` +
      (n.skipped ? `, ${n.skipped} skipped` : "") + `, ${took}` +
      (notes.length ? ` (${notes.join("; ")})` : ""),
  );
}

const focused = paths.length > 0 || only !== null;
const files = testFiles(paths.length ? paths : ["tests"]);

/** The steps before the tests: each passes or fails as a whole. Add a step here. */
const CHECKS = [
  {
    label: "deno check",
    cmd: DENO,
    args: [
      "check",
      ...["mod.ts", "http.ts", "src", "tests", "scripts", "bench", "examples"]
        .filter((p) => existsSync(join(ROOT, p))),
    ],
  },
  // The @example blocks of the public API's JSDoc must compile too.
  { label: "deno check --doc", cmd: DENO, args: ["check", "--doc", "mod.ts", "http.ts", "src"] },
  { label: "deno lint", cmd: DENO, args: ["lint"] },
  // JSR's rule: every public symbol documented, every type a public signature names exported.
  // mod.ts alone must be clean. With http.ts, QuireApp's references to Hono's own exported
  // types are accepted, and nothing else (why: scripts/lib/doc_lint.mjs).
  { label: "deno doc --lint", cmd: DENO, args: ["doc", "--lint", "mod.ts"] },
  {
    label: "deno doc --lint http",
    cmd: DENO,
    args: ["doc", "--lint", "mod.ts", "http.ts"],
    unaccepted: unacceptedDocLintErrors,
  },
  // The JSR package: slow types, the file list. Offline; --allow-dirty for a work tree.
  { label: "deno publish --dry-run", cmd: DENO, args: ["publish", "--dry-run", "--allow-dirty"] },
  { label: "deno fmt", cmd: DENO, args: ["fmt", "--check"] },
  // The source as the strictest consumers compile it (strict, noUncheckedIndexedAccess,
  // exactOptionalPropertyTypes, erasableSyntaxOnly): tsconfig.json, no emit.
  {
    label: "tsc strict",
    cmd: NODE,
    args: [
      join(ROOT, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      "tsconfig.json",
      "--noEmit",
    ],
  },
];

/** The test runtimes, in the order they run. Each writes a JUnit report to `report`. */
const RUNTIMES = [
  {
    name: "bun",
    label: "bun test",
    cmd: BUN,
    // Bun treats a bare argument as a substring filter on paths; "./" makes it an exact path.
    args: (files, report) => [
      "test",
      "--reporter=junit",
      `--reporter-outfile=${report}`,
      ...files.map((f) => `./${f}`),
    ],
    totals: bunTotals,
  },
  {
    name: "deno",
    label: "deno test",
    cmd: DENO,
    // No --parallel: files run one after another, as on the other runtimes (and the report's
    // order of steps is what countDenoTestcases reads). The check step already type-checked
    // everything, so skip doing it again (and a type error there can't hide the test results).
    args: (files, report) => [
      "test",
      "-A",
      "--reporter=pretty",
      `--junit-path=${report}`,
      ...(focused ? [] : ["--no-check"]),
      ...files,
    ],
    totals: denoTotals,
  },
  {
    name: "node",
    label: "node --test",
    cmd: NODE,
    // Node runs each file in a child process; one at a time, as on the other runtimes (several
    // tests start servers and child processes, and time out on a busy machine otherwise).
    // No --test-force-exit: with it, Node 24 loses the last results of a file now and then and
    // still counts it as passed (nodejs/node#64833; it dropped 88 cases of two files here).
    args: (files, report) => [
      "--test",
      "--test-concurrency=1",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=junit",
      `--test-reporter-destination=${report}`,
      ...files,
    ],
    totals: (_output, root) => nodeReportTotals(root),
  },
];

if (!focused) {
  for (const check of CHECKS) await checkStep(check);
}
if (files.length === 0) usage(`no *_test.ts files in ${paths.join(" ")}`);
const reports = reportsDir === null
  ? mkdtempSync(join(tmpdir(), "quire-junit-"))
  : resolve(reportsDir);
mkdirSync(reports, { recursive: true });
try {
  for (const runtime of RUNTIMES) {
    if (runtimes.includes(runtime.name)) await testStep(runtime, files, reports);
  }
} finally {
  if (reportsDir === null) rmSync(reports, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.log("\n=== failed ===");
  for (const line of failures) console.log(line);
}
console.log("\n=== summary ===");
for (const line of report) console.log(line);
const skipped = total.skipped ? `, ${total.skipped} skipped` : "";
console.log(`${total.passed} passed, ${total.failed} failed${skipped}`);
process.exitCode = total.failed > 0 ? 1 : 0;
