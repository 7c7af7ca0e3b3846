/**
 * Runs the fuzz properties of tests/fuzz/properties.ts for longer than CI does, with a new random
 * seed (printed first, so that a failure can be replayed), and prints fast-check's shrunk
 * counterexample of any property that fails.
 *
 * ```sh
 * bun scripts/fuzz.ts --runs 2000                    # every property, 2,000 runs each
 * deno run -A scripts/fuzz.ts --seed 42 --only import  # replay a seed, properties named import…
 * bun scripts/fuzz.ts --seed 42 --path "12:3:0" --only differential  # replay one counterexample
 * ```
 *
 * Exit code 1 when a property fails.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { PROPERTIES, runProperty } from "../tests/fuzz/properties.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: "string", default: "500" },
    seed: { type: "string" },
    only: { type: "string" },
    path: { type: "string" },
    "no-shrink": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log(
    "usage: scripts/fuzz.ts [--runs N] [--seed N] [--only name-prefix] [--path fast-check-path] [--no-shrink]",
  );
  process.exit(0);
}

const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error(`--runs: expected a whole number ≥ 1, got ${values.runs}`);
  process.exit(2);
}
const seed = values.seed === undefined ? (Math.random() * 2 ** 31) | 0 : Number(values.seed);
if (!Number.isSafeInteger(seed)) {
  console.error(`--seed: expected an integer, got ${values.seed}`);
  process.exit(2);
}
const chosen = PROPERTIES.filter((p) =>
  values.only === undefined || p.name.startsWith(values.only)
);
if (chosen.length === 0) {
  console.error(`--only ${values.only}: no property has that name`);
  process.exit(2);
}

console.log(`seed ${seed}`);
let failures = 0;
for (const property of chosen) {
  const result = await runProperty(property, {
    seed,
    numRuns: runs,
    path: values.path,
    shrink: !values["no-shrink"],
  });
  const seconds = (result.ms / 1000).toFixed(1);
  console.log(`${result.failed ? "FAIL" : "ok  "} ${property.name} (${runs} runs, ${seconds} s)`);
  if (result.failed) {
    failures++;
    console.log(result.report);
  }
}
console.log(`seed ${seed}: ${failures} of ${chosen.length} properties failed`);
process.exitCode = failures > 0 ? 1 : 0;
