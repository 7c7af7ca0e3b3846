#!/usr/bin/env node
// The whole test suite: deno check, deno lint, deno fmt --check, then the tests under tests/ on
// Bun and on Deno. Normally started by `npm test` through scripts/bootstrap.mjs, which installs
// bun and deno first.
//
// Usage: node scripts/run_tests.mjs [--only bun|deno] [test files or dirs...]
//   Giving files or --only makes a focused run: the check/lint/fmt steps are skipped.
//
// The last line printed is always `N passed, N failed` (plus `, N skipped` when some were),
// where N counts leaf test cases (a test() inside describe() is one case, a describe is none)
// summed over both runtimes. A check step that fails, or a runtime that fails without a
// summary we can read, adds 1 to "failed", so a broken run can never print "0 failed".
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const BUN = join(BIN, "bun");
const DENO = join(BIN, "deno");

const env = { ...process.env, PATH: BIN + delimiter + (process.env.PATH ?? "") };
env.DENO_NO_UPDATE_CHECK = "1";
if (process.env.CI === "true" || process.env.CI === "1") env.NO_COLOR = "1";
// Bun turns colours off when its output is a pipe (ours is); keep them for a person at a terminal.
if (process.stdout.isTTY && !env.NO_COLOR) env.FORCE_COLOR = "1";

// ---- arguments ----
let only = null;
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--only") only = argv[++i];
  else if (a.startsWith("--only=")) only = a.slice("--only=".length);
  else if (a.startsWith("-")) usage(`unknown option ${a}`);
  else files.push(a);
}
if (only !== null && only !== "bun" && only !== "deno") usage("--only takes bun or deno");

function usage(message) {
  console.error(`run_tests: ${message}\nusage: npm test -- [--only bun|deno] [files...]`);
  process.exit(2);
}

// ---- running a step ----

/** Runs a command, streaming its output to ours as it comes; resolves to {code, output}. */
function run(cmd, args) {
  console.log(
    `\n=== ${[cmd === BUN ? "bun" : cmd === DENO ? "deno" : cmd, ...args].join(" ")} ===`,
  );
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
      resolve({ code: 127, output });
    });
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

// Colour codes are stripped before parsing (they are on when a person runs this at a terminal).
// deno-lint-ignore no-control-regex -- matching ESC is the point
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const linesOf = (text) => text.replace(ANSI, "").split(/\r?\n/);

// ---- reading Bun's summary ----
// `bun test` ends with one count per line, then the "Ran" line, e.g.
//    3 pass
//    1 skip
//    1 fail
//    1 error
//   Ran 5 tests across 2 files. [24.00ms]
// ("error" is an error outside any test: a file that fails to load, a stray timer. Bun has
// already counted each one in "fail" too, so it is not added again.)
// Bun counts only test() callbacks (not describe blocks), which is exactly our leaf count.
// We read the block just above the last "Ran" line, so test output that happens to look like a
// summary cannot confuse us, and cross-check pass + fail + skip + todo == the "Ran" count.
function parseBun(output) {
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
  const ran = Number(/^Ran (\d+)/.exec(lines[ranAt])[1]);
  if (n.pass + n.fail + n.skip + n.todo !== ran) return null;
  return { passed: n.pass, failed: n.fail, skipped: n.skip + n.todo };
}

// ---- reading Deno's test tree ----
// Deno runs node:test's describe() as a test and each test() inside it as a "step", and its
// summary counts both, so we count leaves from the tree the default (pretty) reporter prints:
//   outer ...                    <- start line of a test that has steps
//     a ... ok (1ms)             <- a leaf, started and finished on one line
//     inner ...
//       c ... ok (0ms)
//     inner ... ok (1ms)         <- result of a test with steps: same text as its start line
//   outer ... FAILED (due to 1 failed step) (5ms)
//   slow ...                     <- a leaf that printed something: start line, output, result
//   ------- output -------
//   ----- output end -----
//   slow ... ok (182µs)
// A result line that closes an open start line (same indent and name) with other tree lines in
// between belongs to a test with steps; every other result line is a leaf. This is exact:
// what a test prints sits between "------- output -------" / "----- output end -----" markers
// (also "pre-test"/"post-test" ones) and is skipped, and Deno prints names escaped (a newline
// shows as \n), so each tree line is one test. A module that throws outside any test shows as
// "Uncaught error from FILE FAILED": one failed case (Bun counts it as one too). The tree ends
// at the ERRORS/FAILURES sections. As a cross-check, the number of result lines must equal the
// totals in Deno's own summary ("FAILED | 1 passed (3 steps) | 1 failed (1 step) ...").
function parseDeno(output) {
  const n = { passed: 0, failed: 0, skipped: 0 };
  let results = 0;
  let summaryTotal = null;
  let open = []; // start lines not yet closed: { key, hasSteps }
  let inOutput = false;
  let inTree = true;
  for (const line of linesOf(output)) {
    if (/^-+ (pre-test |post-test )?output -+$/.test(line)) inOutput = true;
    else if (/^-+ (pre-test |post-test )?output end -+$/.test(line)) inOutput = false;
    else if (inOutput) continue;
    else if (/^(ok|FAILED) \| /.test(line)) summaryTotal = denoSummaryTotal(line);
    else if (!inTree) continue;
    else if (/^ (ERRORS|FAILURES) $/.test(line)) inTree = false;
    else if (/^running \d+ tests? from /.test(line)) open = [];
    else if (/^Uncaught error from .* FAILED$/.test(line)) {
      n.failed++;
      results++;
    } else {
      // A start line ends in " ..."; test it first so a test named "x ... ok" is not a result.
      // The s flag: a test name may hold U+2028/U+2029, which `.` would not match otherwise.
      const start = /^(.*\S) \.\.\.$/s.exec(line);
      // Greedy name: the status is the LAST " ... word" on the line.
      const result = !start && /^(.*\S) \.\.\. (ok|FAILED|ignored|cancelled)( .*)?$/s.exec(line);
      const top = open.at(-1);
      if (start) {
        if (top) top.hasSteps = true;
        open.push({ key: start[1], hasSteps: false });
      } else if (result) {
        results++;
        let leaf = true;
        if (top?.key === result[1]) leaf = !open.pop().hasSteps;
        else if (top) top.hasSteps = true;
        if (leaf && result[2] === "ok") n.passed++;
        else if (leaf && result[2] === "ignored") n.skipped++;
        else if (leaf) n.failed++;
      }
    }
  }
  if (summaryTotal === null) return null;
  if (summaryTotal !== results) {
    console.error(
      `run_tests: read ${results} results from Deno's tree but its summary says ` +
        `${summaryTotal}; cannot count Deno's cases exactly.`,
    );
    return null;
  }
  return n;
}

/** Sum of tests and steps in Deno's summary line (passed, failed and ignored). */
function denoSummaryTotal(line) {
  let total = 0;
  for (const part of line.split(" | ")) {
    const m = /^(\d+) (passed|failed|ignored)(?: \((\d+) steps?\))?/.exec(part);
    if (m) total += Number(m[1]) + Number(m[3] ?? 0);
  }
  return total;
}

// ---- the steps ----

const total = { passed: 0, failed: 0, skipped: 0 };
const report = []; // one line per step for the summary at the end

/** check/lint/fmt: pass or fail as a whole; a failure counts as one failed case. */
async function checkStep(label, args) {
  const { code } = await run(DENO, args);
  if (code !== 0) total.failed++;
  report.push(`${label.padEnd(12)} ${code === 0 ? "ok" : `FAILED (exit ${code})`}`);
}

/** A test runtime: add its leaf counts; a failure we cannot see in the counts adds one. */
async function testStep(label, cmd, args, parse) {
  const { code, output } = await run(cmd, args);
  const n = parse(output) ?? { passed: 0, failed: 0, skipped: 0 };
  let note = "";
  if (code !== 0 && n.failed === 0) {
    // Crashed, failed to load, type error, a failing hook... The exit code says it failed.
    n.failed = 1;
    note = ` (exit ${code}; no failed test case in its output, counted as 1 failed)`;
  }
  total.passed += n.passed;
  total.failed += n.failed;
  total.skipped += n.skipped;
  report.push(
    `${label.padEnd(12)} ${n.passed} passed, ${n.failed} failed` +
      (n.skipped ? `, ${n.skipped} skipped` : "") + note,
  );
}

const focused = files.length > 0 || only !== null;
if (!focused) {
  const targets = ["mod.ts", "http.ts", "src", "tests", "scripts", "bench", "examples"]
    .filter((p) => existsSync(join(ROOT, p)));
  await checkStep("deno check", ["check", ...targets]);
  // The @example blocks of the public API's JSDoc must compile too.
  await checkStep("deno check --doc", ["check", "--doc", "mod.ts", "http.ts", "src"]);
  await checkStep("deno lint", ["lint"]);
  // JSR's rule: every public symbol documented, every type a public signature names exported.
  // (http.ts joins once createApp has an explicit return type; so does `deno publish --dry-run`.)
  await checkStep("deno doc --lint", ["doc", "--lint", "mod.ts"]);
  await checkStep("deno fmt", ["fmt", "--check"]);
}
if (only !== "deno") {
  // Bun treats a bare argument as a substring filter on paths; "./" makes it an exact path.
  const paths = files.map((f) => (f.startsWith("/") || f.startsWith(".") ? f : `./${f}`));
  await testStep("bun test", BUN, ["test", ...paths], parseBun);
}
if (only !== "bun") {
  // The default "pretty" reporter is the one parseDeno reads; no --parallel, so files run one
  // after another and their trees don't interleave. The check step already type-checked
  // everything, so skip doing it again (and a type error there can't hide the test results).
  const noCheck = focused ? [] : ["--no-check"];
  await testStep("deno test", DENO, [
    "test",
    "-A",
    "--reporter=pretty",
    ...noCheck,
    ...(files.length ? files : ["tests/"]),
  ], parseDeno);
}

console.log("\n=== summary ===");
for (const line of report) console.log(line);
const skipped = total.skipped ? `, ${total.skipped} skipped` : "";
console.log(`${total.passed} passed, ${total.failed} failed${skipped}`);
process.exitCode = total.failed > 0 ? 1 : 0;
