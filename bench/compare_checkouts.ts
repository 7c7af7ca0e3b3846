/**
 * Before and after: quire from another checkout (the base) against this one, in one process, on
 * the same documents and the same operations, their chunks alternating so that the load of a
 * shared machine hits both alike. It answers "did this change make the core slower?" more
 * finely than two separate benchmark runs can, whose ratios move by ±10% between runs here.
 *
 * Each round times one chunk of each side (which goes first alternates); the verdict per
 * operation is the median of the rounds' time ratios (this / base: below 1 is faster).
 *
 * Usage (the base needs node_modules; a symlink to this one's does):
 *   git worktree add --detach /tmp/quire-base <rev> && ln -s "$PWD/node_modules" /tmp/quire-base/
 *   bun bench/compare_checkouts.ts /tmp/quire-base [--ops get,put,putMany,find,search] [--rounds 21]
 *   deno run -A bench/compare_checkouts.ts /tmp/quire-base
 *
 * Both sides open SQLite files in one temporary directory (removed at the end), holding the
 * ≈500-byte State of the Union documents of lib/documents.ts, with an index on `year` and search
 * over `text` (as the suite's quire subjects have).
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { buildDocuments, documentIds, shuffled, type SotuDocument } from "./lib/documents.ts";
import { machine, median, runtimeName } from "./lib/measure.ts";
import type { Store } from "../mod.ts";

type Notes = ReturnType<Store["collection"]>;
type Operation = (notes: Notes, round: number) => Promise<void>;

const DOCUMENTS = 5_000;
const OPERATIONS: Record<string, Operation> = {
  get: async (notes) => {
    for (const id of READ_ORDER) await notes.get(id);
  },
  put: async (notes, round) => {
    for (let i = 0; i < 250; i++) await notes.put(IDS[i]!, DOCS[(i + round) % DOCUMENTS]!);
  },
  putMany: async (notes, round) => {
    await notes.putMany(IDS.slice(0, 1_000).map((id, i) => [id, DOCS[(i + round) % DOCUMENTS]!]));
  },
  find: async (notes) => {
    for (let i = 0; i < 100; i++) await notes.find({ year: 1900 + i }, { limit: 20 });
  },
  search: async (notes) => {
    for (const text of ["congress", "united states", '"federal government"', "tax*"]) {
      await notes.search(text, { limit: 20 });
    }
  },
};

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    ops: { type: "string", default: Object.keys(OPERATIONS).join(",") },
    rounds: { type: "string", default: "21" },
  },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  console.error("Usage: bun bench/compare_checkouts.ts <base checkout> [--ops a,b] [--rounds n]");
  process.exit(2);
}
const ops = values.ops.split(",");
for (const op of ops) {
  if (!(op in OPERATIONS)) {
    console.error(`Unknown operation "${op}": choose from ${Object.keys(OPERATIONS).join(", ")}`);
    process.exit(2);
  }
}
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 3) {
  console.error("--rounds: expected a whole number ≥ 3");
  process.exit(2);
}

const DOCS: SotuDocument[] = buildDocuments(DOCUMENTS);
const IDS = documentIds(DOCUMENTS);
const READ_ORDER = shuffled(IDS).slice(0, 2_000);

const base = resolve(positionals[0]!);
const here = resolve(import.meta.dirname ?? ".", "..");
const dir = mkdtempSync(join(tmpdir(), "quire-compare-"));
try {
  const sides = await Promise.all([base, here].map(async (checkout, i) => {
    const { open } = await import(join(checkout, "mod.ts")) as typeof import("../mod.ts");
    const store = await open(`sqlite://${join(dir, `side${i}.db`)}`);
    const notes = store.collection("notes", { indexes: ["year"], search: { fields: ["text"] } });
    await notes.putMany(IDS.map((id, j) => [id, DOCS[j]!]));
    return { store, notes };
  }));
  const [before, after] = sides as [(typeof sides)[0], (typeof sides)[0]];
  console.log(`${runtimeName()}, ${machine()}: ${here} vs ${base}, ${rounds} rounds`);
  for (const op of ops) {
    const run = OPERATIONS[op]!;
    for (let warm = 0; warm < 3; warm++) {
      await run(before.notes, warm);
      await run(after.notes, warm);
    }
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [before, after] : [after, before];
      const ms = new Map<object, number>();
      for (const side of order) {
        const start = performance.now();
        await run(side.notes, round);
        ms.set(side, performance.now() - start);
      }
      ratios.push(ms.get(after)! / ms.get(before)!);
    }
    ratios.sort((a, b) => a - b);
    const quartile = (q: number) => ratios[Math.round(q * (ratios.length - 1))]!.toFixed(3);
    console.log(
      `${op.padEnd(8)} time this/base: median ${median(ratios).toFixed(3)}×` +
        `  (quartiles ${quartile(0.25)}–${quartile(0.75)})`,
    );
  }
  for (const side of sides) await side.store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
