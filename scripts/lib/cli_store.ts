/**
 * The database a `quire` command works on: `--db <url>`, else `QUIRE_URL`, else `DATABASE_URL`,
 * else the demo's `sqlite://data/quire.db` (the one `npm start` fills). Note that this is not
 * `open()`'s own default (`DEFAULT_URL`, `sqlite://quire.db`): the command line is first used
 * to look at the demo.
 *
 * Commands that only read never create anything: a database that is not there, or a collection
 * that is not in it, is an error (`NOT_FOUND`, exit code 1), so that a mistyped path or name
 * does not pass for an empty one. Commands that write create the database, and the directory of
 * a SQLite file.
 *
 * @module
 */

import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { open, type OpenOptions, parseUrl, QuireError, type Store } from "../../mod.ts";
import { UsageError } from "./cli_args.ts";

/** The command line's default database: the demo's. */
export const CLI_DEFAULT_URL = "sqlite://data/quire.db";

/** Which database, and where that choice came from (for messages). */
export interface Target {
  url: string;
  from: "--db" | "QUIRE_URL" | "DATABASE_URL" | "default" | "argument";
}

/** The database to use: `--db`, else the environment, else {@linkcode CLI_DEFAULT_URL}. */
export function targetOf(db: string | undefined, env: Record<string, string | undefined>): Target {
  if (db !== undefined) return { url: db, from: "--db" };
  if (env.QUIRE_URL) return { url: env.QUIRE_URL, from: "QUIRE_URL" };
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, from: "DATABASE_URL" };
  return { url: CLI_DEFAULT_URL, from: "default" };
}

/** A URL fit to print: a password in it is replaced by `***`. */
export function shownUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)[^/@]*@/i, "$1***@");
}

/** Options to open the target with; a URL quire does not know is a usage error if it was `--db`. */
function optionsOf(target: Target): OpenOptions {
  try {
    return parseUrl(target.url);
  } catch (error) {
    if ((target.from === "--db" || target.from === "argument") && error instanceof QuireError) {
      throw new UsageError(target.from === "--db" ? `--db: ${error.message}` : error.message);
    }
    if (error instanceof QuireError) {
      throw new QuireError(error.code, `${error.message} (the URL is ${target.from})`);
    }
    throw error;
  }
}

/**
 * Opens an existing database to read it (a SQLite or file database read-only).
 * @throws {QuireError} `NOT_FOUND` when the file or directory is not there.
 */
export async function openToRead(target: Target): Promise<Store> {
  const options = optionsOf(target);
  const path = options.backend === "sqlite" && options.path !== ":memory:"
    ? options.path
    : options.backend === "file"
    ? options.dir
    : undefined;
  if (path !== undefined && !existsSync(path)) {
    const hint = target.from === "default"
      ? ": the default database, which `npm start` creates; give --db <url> or set QUIRE_URL"
      : ` (the URL is ${target.from})`;
    throw new QuireError("NOT_FOUND", `No database at ${JSON.stringify(path)}${hint}`);
  }
  return await open({ ...options, readonly: path !== undefined });
}

/** Opens a database to write to it, creating it (and a SQLite file's directory) if need be. */
export async function openToWrite(
  target: Target,
  extra: Pick<OpenOptions, "onIndexProgress" | "readonly"> = {},
): Promise<Store> {
  const options = optionsOf(target);
  if (extra.readonly) return await openToRead(target);
  if (options.backend === "sqlite" && options.path !== ":memory:") {
    mkdirSync(dirname(options.path!), { recursive: true });
  }
  return await open({ ...options, ...extra });
}

/** The options of every collection, by name. */
export type CollectionList = Awaited<ReturnType<Store["collections"]>>;

/**
 * The stored options of collection `name`.
 * @throws {QuireError} `NOT_FOUND` when there is no such collection.
 */
export async function existingCollection(
  store: Store,
  name: string,
): Promise<CollectionList[number]["options"]> {
  const found = (await store.collections()).find((entry) => entry.name === name);
  if (found === undefined) {
    store.collection(name); // an invalid name is INVALID_NAME, not "no collection"
    throw new QuireError("NOT_FOUND", `No collection ${JSON.stringify(name)}`);
  }
  return found.options;
}
