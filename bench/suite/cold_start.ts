/**
 * A fresh process for what must start cold: run by run.ts on the same runtime, it prints one
 * line of JSON and exits.
 *
 * - `cold <subject> <dir> <get|search>`: opens what the subject left in `dir` and answers one
 *   get (of the first document) or one search; prints `{ ms, rss }`, the time from before the
 *   open to the answer and the process's resident memory then.
 * - `serve <subject> <size> <dir>`: the process that serves: opens the subject (what it left in
 *   `dir` when it can open that, else loaded with the first `size` documents, which are then
 *   dropped), answers 100 gets, 10 finds and 10 searches, and prints `{ rss }` after a garbage
 *   collection.
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

if (mode === "cold") {
  const [dir, operation] = rest as [string, string];
  if (subject.reopen === undefined) throw new Error(`${subject.name} keeps nothing to reopen`);
  const start = performance.now();
  const instance = await subject.reopen(dir);
  if (operation === "search") {
    await instance.search!(QUERIES[0]!, { limit: 20 });
  } else {
    await instance.get!(documentId(0));
  }
  const ms = performance.now() - start;
  console.log(JSON.stringify({ ms, rss: memoryFigures().rss }));
  await instance.close();
} else if (mode === "serve") {
  const [size, dir] = rest as [string, string];
  let instance: Instance;
  if (subject.reopen !== undefined) instance = await subject.reopen(dir);
  else instance = await subject.open(dir, await documents(Number(size)));
  for (let i = 0; i < 100; i++) await instance.get?.(documentId((i * 7919) % Number(size)));
  for (let i = 0; i < 10; i++) await instance.findIndexed?.(1901 + i, 50);
  for (const query of QUERIES.slice(0, 10)) await instance.search?.(query, { limit: 20 });
  collectGarbage();
  console.log(JSON.stringify({ rss: memoryFigures().rss }));
  await instance.close();
} else {
  throw new Error(
    "usage: cold_start.ts cold <subject> <dir> <get|search> | serve <subject> <size> <dir>",
  );
}
