/**
 * Runs the differential test of the query back ends (SQLite vs the evaluator) for as many
 * generated cases as asked, printing progress; see tests/fixtures/query_generator.ts.
 *
 * Usage:
 *   bun scripts/differential.ts --cases 1000000 --seed 42
 *   deno run -A scripts/differential.ts --cases 100000 --seed 7 --docs 300
 *   bun scripts/differential.ts --seed 42 --from 123456 --cases 1   (replays one case)
 *
 * Options: `--cases N` (default 100000), `--seed S` (default 42), `--from I` first case index
 * (default 0), `--docs D` documents (default 150), `--page-every K` page through every K-th
 * case with keyset cursors (default 5; 0 = never). Exits with 1 when any case disagrees.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { describeMismatch, Differential } from "../tests/fixtures/query_generator.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    cases: { type: "string", default: "100000" },
    seed: { type: "string", default: "42" },
    from: { type: "string", default: "0" },
    docs: { type: "string", default: "150" },
    "page-every": { type: "string", default: "5" },
  },
});

function whole(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`differential: --${name} takes a whole number ≥ 0, got "${text}"`);
    process.exit(2);
  }
  return value;
}

const cases = whole("cases", values.cases);
const seed = whole("seed", values.seed);
const from = whole("from", values.from);
const docs = whole("docs", values.docs);
const pageEvery = whole("page-every", values["page-every"]);

const differential = await Differential.open(seed, docs);
console.log(
  `differential: seed ${seed}, ${docs} documents, cases ${from}–${from + cases - 1}` +
    (pageEvery > 0 ? `, paging every ${pageEvery}th case` : ""),
);
const valueProblems = differential.checkSqlValues();
for (const problem of valueProblems.slice(0, 10)) console.error(`sql value: ${problem}`);

const started = performance.now();
let lastReport = started;
let failed = 0;
for (let i = 0; i < cases; i++) {
  const index = from + i;
  const pageSize = pageEvery > 0 && index % pageEvery === 0 ? 1 + (index % 7) : undefined;
  const mismatch = differential.check(index, pageSize);
  if (mismatch !== undefined) {
    failed++;
    if (failed <= 10) console.error(`\n${describeMismatch(mismatch)}\n`);
  }
  const now = performance.now();
  if (now - lastReport >= 2000 || i === cases - 1) {
    lastReport = now;
    const done = i + 1;
    const rate = done / ((now - started) / 1000);
    console.log(
      `${done.toLocaleString("en")} / ${cases.toLocaleString("en")} cases ` +
        `(${(100 * done / cases).toFixed(1)}%), ${Math.round(rate).toLocaleString("en")}/s, ` +
        `${failed} disagree`,
    );
  }
}
differential.close();

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `differential: ${cases} cases in ${seconds} s, ${failed} disagree, ` +
    `${valueProblems.length} sql value problems`,
);
process.exitCode = failed > 0 || valueProblems.length > 0 ? 1 : 0;
