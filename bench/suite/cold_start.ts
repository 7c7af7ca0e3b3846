/**
 * A fresh process for what must start cold: run by run.ts on the same runtime, it prints one
 * line of JSON and exits.
 *
 * - `cold <subject> <dir> <get|search> <size> [serve]`: opens what the subject left in `dir` and
 *   answers one get (of the first document) or one search. Prints `{ ms }`, the time from before
 *   the open to the answer; with `serve`, it then serves a little (below) and adds `rss`, the
 *   resident memory after serving.
 * - `serve <subject> <size> <dir>`: the same for a subject that keeps nothing on disk: loaded with
 *   the first `size` documents (which are then dropped), it serves; prints `{ rss }`.
 *
 * Serving: 100 gets, 10 finds and 10 searches, as far as the subject offers them, then a
 * garbage collection: the resident memory is then what a process serving the store holds.
 *
 * @module
 */

import process from "node:process";
import { documentId, documents, QUERIES } from "./data.ts";
import { collectGarbage } from "./runtime.ts";
import { subjectNamed } from "./subjects/index.ts";
import { memoryFigures } from "../lib/measure.ts";
import type { Instance } from "./types.ts";

const [mode, name, ...rest] = process.argv.slice(2);
const subject = subjectNamed(name!);

/** Serves a little (see above) and gives the resident memory after a garbage collection. */
async function serve(instance: Instance, size: number): Promise<number> {
  for (let i = 0; i < 100; i++) await instance.get?.(documentId((i * 7919) % size));
  for (let i = 0; i < 10; i++) await instance.findIndexed?.(1901 + i, 50);
  for (const query of QUERIES.slice(0, 10)) await instance.search?.(query, { limit: 20 });
  collectGarbage();
  return memoryFigures().rss;
}

if (mode === "cold") {
  const [dir, operation, size, then] = rest as [string, string, string, string | undefined];
  if (subject.reopen === undefined) throw new Error(`${subject.name} keeps nothing to reopen`);
  const start = performance.now();
  const instance = await subject.reopen(dir);
  if (operation === "search") {
    await instance.search!(QUERIES[0]!, { limit: 20 });
  } else {
    await instance.get!(documentId(0));
  }
  const ms = performance.now() - start;
  const rss = then === "serve" ? await serve(instance, Number(size)) : undefined;
  console.log(JSON.stringify({ ms, rss }));
  await instance.close();
} else if (mode === "serve") {
  const [size, dir] = rest as [string, string];
  const instance = await subject.open(dir, await documents(Number(size)));
  console.log(JSON.stringify({ rss: await serve(instance, Number(size)) }));
  await instance.close();
} else {
  throw new Error(
    "usage: cold_start.ts cold <subject> <dir> <get|search> <size> [serve] | " +
      "serve <subject> <size> <dir>",
  );
}
