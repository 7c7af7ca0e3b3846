#!/usr/bin/env bun
/**
 * The quire command line.
 *
 * ```sh
 * bun scripts/quire.ts <command> [arguments] [options]
 * deno run -A scripts/quire.ts <command> [arguments] [options]   # or: deno task quire ...
 * npm run quire -- <command> [arguments] [options]
 * ```
 *
 * `quire help` lists the commands, `quire <command> --help` tells one. Every command works on
 * `--db <url>`, else `QUIRE_URL`, else `DATABASE_URL`, else the demo's `sqlite://data/quire.db`
 * (scripts/lib/cli_store.ts). Results go to stdout as tables on a terminal and as JSON or NDJSON
 * otherwise (or with `--json`); progress, notes and errors go to stderr, errors as
 * `quire: <message> (<CODE>)`. Exit codes: 0 done, 1 failed (an error from the store, a missing
 * database, collection or document, problems found by `check`, records refused by `import`),
 * 2 a usage error (the command's usage line follows the message).
 *
 * {@linkcode main} runs a command line in-process, with the streams and environment of an
 * {@linkcode Io}; the tests use it.
 *
 * @module
 */

import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import pkg from "../package.json" with { type: "json" };
import { QuireError } from "../mod.ts";
import { commandHelp, parseCommandArgs, UsageError, usageLine } from "./lib/cli_args.ts";
import { collections, create, reindex } from "./lib/cli_collections.ts";
import { type Command, command } from "./lib/cli_command.ts";
import { countCommand, del, find, get, put, search } from "./lib/cli_documents.ts";
import { type Io, processIo, write } from "./lib/cli_io.ts";
import { backup, check, exportCommand, importCommand, stats } from "./lib/cli_jobs.ts";
import { copyCommand } from "./lib/cli_copy.ts";
import { Output } from "./lib/cli_output.ts";
import { serveCommand } from "./lib/cli_serve.ts";
import { CLI_DEFAULT_URL, targetOf } from "./lib/cli_store.ts";

/** `quire help [command]` */
const help = command({
  name: "help",
  args: "[command]",
  min: 0,
  max: 1,
  summary: "This list, or one command's help.",
  async run(context): Promise<number> {
    const [name] = context.args.positionals;
    if (name === undefined) {
      await write(context.io.stdout, USAGE);
      return 0;
    }
    await write(context.io.stdout, commandHelp(commandNamed(name)));
    return 0;
  },
});

/** Every command, in the order `quire help` lists them. */
const COMMANDS: Command[] = [
  serveCommand,
  get,
  put,
  del,
  find,
  countCommand,
  search,
  collections,
  create,
  stats,
  exportCommand,
  importCommand,
  copyCommand,
  backup,
  check,
  reindex,
  help,
];

function commandNamed(name: string): Command {
  const found = COMMANDS.find((entry) => entry.name === name);
  if (found === undefined) {
    throw new UsageError(`Unknown command ${JSON.stringify(name)}`);
  }
  return found;
}

/** What `quire help` prints. */
export const USAGE = `usage: quire <command> [arguments] [options]

commands:
${COMMANDS.map((entry) => `  ${entry.name.padEnd(13)}${entry.summary}`).join("\n")}

Every command takes --db <url>: sqlite://path.db, sqlite::memory:, memory:// or file://dir.
The default is QUIRE_URL, else DATABASE_URL, else ${CLI_DEFAULT_URL} (the demo's database,
which npm start creates; not open()'s own default). Reads never create a database.
On a terminal results are tables; piped (or with --json) they are JSON, or NDJSON for lists.
Exit codes: 0 ok, 1 failure, 2 usage error.
"quire <command> --help" tells more; "quire --version" prints the version.
`;

/**
 * Runs the command line `argv` (what follows the script) with `io`'s streams and environment.
 * Never throws: errors are printed on stderr.
 *
 * @returns The exit code: 0 ok, 1 failure, 2 usage error.
 */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  let spec: Command | undefined;
  try {
    if (name === "--version" || name === "-V") {
      await write(io.stdout, `quire ${pkg.version}\n`);
      return 0;
    }
    if (name === "--help" || name === "-h") return await main(["help"], io);
    if (name === undefined) {
      await write(io.stderr, USAGE);
      return 2;
    }
    if (name.startsWith("-")) {
      throw new UsageError(`The command goes first, then its options: quire <command> ${name} ...`);
    }
    spec = commandNamed(name);
    const args = parseCommandArgs(spec, rest);
    if (args.values.help === true) {
      await write(io.stdout, commandHelp(spec));
      return 0;
    }
    const db = args.values.db;
    return await spec.run({
      io,
      spec,
      args,
      target: targetOf(typeof db === "string" ? db : undefined, io.env),
      out: new Output(io.stdout, args.values.json === true),
    });
  } catch (error) {
    return await report(error, io, spec);
  }
}

/** Prints an error on stderr; returns its exit code. */
async function report(error: unknown, io: Io, spec: Command | undefined): Promise<number> {
  if (error instanceof UsageError) {
    const command = error.command ?? spec;
    const hint = command === undefined
      ? 'usage: quire <command> [arguments] [options]; "quire help" lists the commands'
      : `usage: ${usageLine(command)}; "quire ${command.name} --help" tells more`;
    await write(io.stderr, `quire: ${error.message} (USAGE)\n${hint}\n`);
    return 2;
  }
  if (error instanceof QuireError) {
    await write(io.stderr, `quire: ${error.message} (${error.code})\n`);
    return 1;
  }
  // The runtime's own errors (a port in use, a file that cannot be read) have a code too.
  const code = (error as { code?: unknown })?.code;
  if (error instanceof Error && typeof code === "string") {
    await write(io.stderr, `quire: ${error.message} (${code})\n`);
    return 1;
  }
  await write(
    io.stderr,
    `quire: unexpected error (a bug; please report it): ${
      error instanceof Error ? error.stack ?? error.message : String(error)
    }\n`,
  );
  return 1;
}

/**
 * Whether this file is the program, not a module a test imports: `import.meta.main` on Bun, Deno
 * and Node >= 24.2 (typed here: the strict check's tsconfig.json, which Deno also reads for this
 * file, has no Deno types); on an older Node (the npm bin, dist/scripts/quire.js, reached through
 * node_modules/.bin's symlink), the entry script's real path is this file's.
 */
function isMain(): boolean {
  const main = (import.meta as ImportMeta & { main?: boolean }).main;
  if (main !== undefined) return main;
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) {
  // `quire export | head` closes the pipe early: that is not an error.
  process.stdout.on("error", (error: { code?: string }) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
