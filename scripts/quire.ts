/**
 * The quire command line.
 *
 * ```sh
 * bun scripts/quire.ts <command> [arguments]
 * deno run -A scripts/quire.ts <command> [arguments]
 * ```
 *
 * See {@linkcode USAGE} for the commands. `url` defaults to `QUIRE_URL`, else `DATABASE_URL`,
 * else `sqlite://quire.db`, as `open()` does. Exit codes: 0 done, 1 problems found (`check`) or
 * records refused (`import`), 2 an error (printed as `quire: <message> (<code>)`).
 *
 * @module
 */

import { createReadStream, existsSync, statSync } from "node:fs";
import process from "node:process";
import {
  DEFAULT_URL,
  exportNdjson,
  open,
  type OpenOptions,
  parseUrl,
  QuireError,
  type Store,
  writeExport,
} from "../mod.ts";

/** What `quire help` prints. */
export const USAGE = `usage: quire <command> [arguments]

commands:
  stats [url]                            collections, document counts and bytes
  check [url]                            storage integrity and dangling references;
                                         exit code 1 when problems are found
  export [url] [--out file.ndjson]       NDJSON export (to stdout by default)
  import [url] <file.ndjson> [--replace] import NDJSON ("-" reads stdin); existing ids are
                                         skipped unless --replace; exit code 1 when lines fail
  backup <url> <path>                    a consistent copy that open() can read
  find [url] <collection> [filter]       documents as NDJSON (text-form filter, e.g.
       [--sort -year,title] [--limit n]  'year >= 2000 and party = "Whig"'); --all pages
       [--fields a,b.c] [--after cursor] through every match, else the next page's cursor
       [--all]                           goes to stderr
  count [url] <collection> [filter]      how many documents match
  search [url] <collection> <query>      full-text search hits as NDJSON ({ id, score, doc,
       [--filter f] [--limit n]          highlights? }), best first; the next page's cursor
       [--after cursor] [--highlight]    and the --facets counts go to stderr
       [--facets a,b] [--fields a,b.c]
  help                                   this text

url: sqlite://path.db, sqlite::memory:, memory:// or file://dir; default QUIRE_URL, else
DATABASE_URL, else ${DEFAULT_URL}.
run as: bun scripts/quire.ts <command> ... or deno run -A scripts/quire.ts <command> ...`;

/** A command's positional arguments and flags. */
interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

/** Splits `argv` into positionals and `--flag` / `--flag value` / `--flag=value` pairs. */
function parseArgs(argv: string[], valued: string[]): Args {
  const args: Args = { positional: [], flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      args.positional.push(arg);
      continue;
    }
    const [name, value] = arg.slice(2).split(/=(.*)/s, 2);
    if (!valued.includes(name)) {
      args.flags.set(name, true);
    } else if (value !== undefined) {
      args.flags.set(name, value);
    } else if (i + 1 < argv.length) {
      args.flags.set(name, argv[++i]);
    } else {
      throw usage(`--${name} needs a value`);
    }
  }
  return args;
}

function usage(message: string): Error {
  return Object.assign(new Error(`${message}: see "quire help"`), { code: "USAGE" });
}

/** Fails unless the command got between `min` and `max` positionals and only known flags. */
function expect(command: string, args: Args, min: number, max: number, flags: string[] = []) {
  for (const flag of args.flags.keys()) {
    if (!flags.includes(flag)) throw usage(`Unknown option --${flag} for ${command}`);
  }
  const n = args.positional.length;
  if (n < min) throw usage(`Too few arguments for ${command}`);
  if (n > max) throw usage(`Too many arguments for ${command}`);
}

/**
 * Opens the store at `url` (or the default). With `existing`, a SQLite file must already be
 * there (so that a mistyped path is an error, not a new empty database) and is opened read-only.
 */
async function openStore(url: string | undefined, existing = false): Promise<Store> {
  if (!existing) return await open(url);
  const options: OpenOptions = url === undefined ? parseUrl(defaultUrl()) : parseUrl(url);
  if (options.backend === "sqlite" && options.path !== ":memory:") {
    return await open({ ...options, readonly: true });
  }
  if (options.backend === "file" && !existsSync(options.dir!)) {
    throw new QuireError("NOT_FOUND", `Cannot open: the directory "${options.dir}" does not exist`);
  }
  return await open(options);
}

function defaultUrl(): string {
  return process.env.QUIRE_URL || process.env.DATABASE_URL || DEFAULT_URL;
}

/** Writes to stdout, waiting until the text is handed over (backpressure). */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(text, (error) => error ? reject(error) : resolve())
  );
}

async function stats(args: Args): Promise<number> {
  expect("stats", args, 0, 1);
  await using store = await openStore(args.positional[0], true);
  const { backend, location, collections } = await store.stats();
  console.log(`${backend} ${location}`);
  const rows = Object.entries(collections);
  const width = Math.max(10, ...rows.map(([name]) => name.length));
  console.log(
    `${"collection".padEnd(width)}  ${"documents".padStart(10)}  ${"bytes".padStart(12)}`,
  );
  let count = 0, bytes = 0;
  for (const [name, c] of rows) {
    console.log(
      `${name.padEnd(width)}  ${String(c.count).padStart(10)}  ${String(c.bytes).padStart(12)}`,
    );
    count += c.count;
    bytes += c.bytes;
  }
  console.log(
    `${"total".padEnd(width)}  ${String(count).padStart(10)}  ${String(bytes).padStart(12)}`,
  );
  return 0;
}

async function check(args: Args): Promise<number> {
  expect("check", args, 0, 1);
  await using store = await openStore(args.positional[0], true);
  const report = await store.check();
  for (const problem of report.problems) {
    const where = problem.collection === undefined
      ? ""
      : ` ${problem.collection}/${JSON.stringify(problem.id ?? "")}`;
    console.log(`${problem.code}${where}: ${problem.message}`);
  }
  const found = report.problems.length;
  console.log(`${report.documents} documents checked, ${found} problem${found === 1 ? "" : "s"}`);
  return report.ok ? 0 : 1;
}

async function exportCommand(args: Args): Promise<number> {
  expect("export", args, 0, 1, ["out"]);
  await using store = await openStore(args.positional[0], true);
  const out = args.flags.get("out");
  if (typeof out === "string") {
    const { documents } = await writeExport(store, out);
    console.error(`exported ${documents} documents to ${out}`);
    return 0;
  }
  let buffer = "";
  for await (const line of exportNdjson(store)) {
    buffer += line;
    if (buffer.length >= 1 << 16) {
      await write(buffer);
      buffer = "";
    }
  }
  await write(buffer);
  return 0;
}

async function importCommand(args: Args): Promise<number> {
  expect("import", args, 1, 2, ["replace"]);
  const [url, file] = args.positional.length === 2
    ? args.positional
    : [undefined, args.positional[0]];
  if (file !== "-" && !(existsSync(file) && statSync(file).isFile())) {
    throw new QuireError("NOT_FOUND", `Cannot import "${file}": no such file`);
  }
  await using store = await openStore(url);
  const source = file === "-" ? process.stdin : createReadStream(file);
  const result = await store.import(source as AsyncIterable<Uint8Array>, {
    onConflict: args.flags.has("replace") ? "replace" : "skip",
    onProgress: ({ imported, skipped, failed, line }) => {
      if (process.stderr.isTTY) {
        process.stderr.write(
          `\rline ${line}: ${imported} imported, ${skipped} skipped, ${failed} failed`,
        );
      }
    },
  });
  if (process.stderr.isTTY) process.stderr.write("\n");
  console.log(
    `imported ${result.imported}, skipped ${result.skipped}, failed ${result.failedCount}`,
  );
  for (const failure of result.failed) {
    const id = failure.id === undefined ? "" : ` (id ${JSON.stringify(failure.id)})`;
    console.log(`  line ${failure.line}${id}: ${failure.error}`);
  }
  if (result.failedCount > result.failed.length) {
    console.log(`  ... and ${result.failedCount - result.failed.length} more`);
  }
  return result.failedCount > 0 ? 1 : 0;
}

async function backup(args: Args): Promise<number> {
  expect("backup", args, 2, 2);
  const [url, path] = args.positional;
  await using store = await openStore(url, true);
  await store.backup(path);
  console.log(`backed up ${url} to ${path}`);
  return 0;
}

/** Splits `[url] <collection> [filter]`: the first argument is a URL only if it looks like one. */
function urlCollectionFilter(
  command: string,
  args: Args,
): [string | undefined, string, string | undefined] {
  const [first, ...rest] = args.positional;
  if (first === undefined) throw usage(`Too few arguments for ${command}`);
  const hasUrl = /^[a-z]+:/.test(first) && (first.includes("://") || first === "sqlite::memory:");
  const [collection, filter] = hasUrl ? rest : [first, ...rest];
  if (collection === undefined) throw usage(`Too few arguments for ${command}`);
  return [hasUrl ? first : undefined, collection, filter];
}

async function find(args: Args): Promise<number> {
  expect("find", args, 1, 3, ["sort", "limit", "fields", "after", "all"]);
  const [url, name, filter] = urlCollectionFilter("find", args);
  const limit = args.flags.has("limit") ? Number(args.flags.get("limit")) : undefined;
  const options = {
    sort: flag(args, "sort"),
    fields: flag(args, "fields"),
    limit,
    after: flag(args, "after"),
  };
  await using store = await openStore(url, true);
  const collection = store.collection(name);
  for (;;) {
    const page = await collection.find(filter, options);
    for (const entry of page.items) await write(`${JSON.stringify(entry)}\n`);
    if (page.next === undefined) break;
    if (!args.flags.has("all")) {
      console.error(`next: ${page.next}`);
      break;
    }
    options.after = page.next;
  }
  return 0;
}

async function count(args: Args): Promise<number> {
  expect("count", args, 1, 3);
  const [url, name, filter] = urlCollectionFilter("count", args);
  await using store = await openStore(url, true);
  console.log(await store.collection(name).count(filter));
  return 0;
}

async function search(args: Args): Promise<number> {
  expect("search", args, 2, 3, ["filter", "limit", "after", "highlight", "facets", "fields"]);
  const [url, name, query] = urlCollectionFilter("search", args);
  if (query === undefined) throw usage("search needs a query");
  const limit = args.flags.has("limit") ? Number(args.flags.get("limit")) : undefined;
  const facets = flag(args, "facets");
  await using store = await openStore(url, true);
  const page = await store.collection(name).search(query, {
    filter: flag(args, "filter"),
    limit,
    after: flag(args, "after"),
    highlight: args.flags.has("highlight") ? { escapeHtml: false } : undefined,
    facets: facets === undefined ? undefined : facets.split(","),
    fields: flag(args, "fields"),
  });
  for (const { id, score, doc, highlights } of page.hits) {
    await write(`${JSON.stringify({ id, score, doc, ...(highlights && { highlights }) })}\n`);
  }
  if (page.facets !== undefined) console.error(`facets: ${JSON.stringify(page.facets)}`);
  if (page.next !== undefined) console.error(`next: ${page.next}`);
  return 0;
}

function flag(args: Args, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === "string" ? value : undefined;
}

const COMMANDS: Record<string, (args: Args) => Promise<number>> = {
  stats,
  check,
  export: exportCommand,
  import: importCommand,
  backup,
  find,
  count,
  search,
  help: () => {
    console.log(USAGE);
    return Promise.resolve(0);
  },
};

/** Runs the command line `argv` (without the runtime and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name = "help", ...rest] = argv;
  if (name === "--help" || name === "-h") return await COMMANDS.help(parseArgs([], []));
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) throw usage(`Unknown command ${JSON.stringify(name)}`);
  return await command(
    parseArgs(rest, ["out", "sort", "limit", "fields", "after", "filter", "facets"]),
  );
}

if (import.meta.main) {
  // `quire export | head` closes the pipe early: that is not an error.
  process.stdout.on("error", (error: { code?: string }) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (error instanceof QuireError || typeof code === "string") {
      console.error(`quire: ${(error as Error).message} (${code})`);
    } else {
      console.error("quire: unexpected error (a bug; please report it):", error);
    }
    process.exitCode = 2;
  }
}
