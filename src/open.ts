/**
 * `open()`: picks a backend from a URL or an options object and opens a Store on it.
 *
 * | url                                   | backend                                      |
 * | ------------------------------------- | -------------------------------------------- |
 * | `sqlite://path/to.db`, `sqlite:///abs` | SQLite file (relative paths from the cwd)    |
 * | `sqlite::memory:`                     | SQLite in memory                             |
 * | `memory://`                           | memory backend                               |
 * | `file://path/to/dir`, `file:///abs`   | file backend: one JSON file per document     |
 * | `postgres://user@host/db?schema=s`    | Postgres (also `postgresql://`): shared by many processes |
 * | nothing                               | `QUIRE_URL`, else `DATABASE_URL`, else `sqlite://quire.db` |
 *
 * @module
 */

import process from "node:process";
import type { Backend } from "./backend/contract.ts";
import { BufferedBackend } from "./backends/buffered_backend.ts";
import { MemoryStore } from "./backends/memory/memory_store.ts";
import { serialBackend } from "./backends/serial_backend.ts";
import { openSqliteBackend, type SqliteOptions } from "./backends/sqlite/sqlite_backend.ts";
import { DEFAULT_MAX_DOCUMENT_BYTES, isPlainObject } from "./document.ts";
import { QuireError } from "./errors.ts";
import { RUNTIME, RUNTIME_VERSION, runtimeProblem } from "./runtime.ts";
import type { PgDriverOptions } from "./backends/postgres/pg_config.ts";
import type { IndexProgressEvent } from "./index_progress.ts";
import { openStore, type Store } from "./store.ts";

/** The URL used when `open()` gets nothing and neither variable is set. */
export const DEFAULT_URL = "sqlite://quire.db";

/** Options of `open()` in object form. */
export interface OpenOptions extends SqliteOptions {
  /** Which backend. */
  backend: "sqlite" | "memory" | "file" | "postgres";
  /** SQLite: the database file, or `":memory:"`. */
  path?: string | undefined;
  /** File backend: the directory. */
  dir?: string | undefined;
  /** Postgres: the `postgres://` URL (its parameters: README, "When you outgrow one machine"). */
  url?: string | undefined;
  /** Postgres: options that take priority over the URL's parameters. */
  postgres?: PgDriverOptions | undefined;
  /** Refuse every write with `READ_ONLY`. @default false */
  readonly?: boolean | undefined;
  /** Largest document, in UTF-8 bytes of JSON. @default 1048576 (1 MiB) */
  maxDocumentBytes?: number | undefined;
  /**
   * Hears how a search index rebuild goes when a collection's `search` option changed (SQLite
   * rebuilds the FTS5 index at the next call on the collection): every 10,000 documents.
   */
  onIndexProgress?: ((progress: IndexProgressEvent) => void) | undefined;
}

/**
 * Opens a store.
 *
 * @example
 * ```ts
 * import { open } from "quire";
 * const store = await open("sqlite::memory:");
 * await store.collection("notes").put("n1", { title: "Hello" });
 * await store.close();
 * ```
 * @param target A URL (see the module documentation) or options; nothing means `QUIRE_URL`,
 *   else `DATABASE_URL`, else `sqlite://quire.db`. Only `open()` with nothing reads the
 *   environment (so Deno needs no `--allow-env` when a URL is given).
 * @returns An open {@linkcode Store}.
 * @throws {QuireError} `UNSUPPORTED` on a runtime older than quire needs (the message names the
 *   minimum version), `INVALID_OPTION` for a URL or option quire does not understand, and the
 *   backend's own errors (`CORRUPT`, `SCHEMA_TOO_NEW`, `NOT_FOUND`, ...).
 */
export async function open(target?: string | OpenOptions): Promise<Store> {
  const problem = runtimeProblem(RUNTIME, RUNTIME_VERSION);
  if (problem !== undefined) throw new QuireError("UNSUPPORTED", `Cannot open: ${problem}`);
  const options = typeof target === "string" || target === undefined
    ? parseUrl(target ?? defaultUrl())
    : target;
  if (!isPlainObject(options)) {
    throw new QuireError("INVALID_OPTION", "Cannot open: expected a URL or an options object");
  }
  const maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (!Number.isSafeInteger(maxDocumentBytes) || maxDocumentBytes < 2) {
    throw new QuireError(
      "INVALID_OPTION",
      "Invalid maxDocumentBytes: expected a whole number of bytes ≥ 2",
    );
  }
  const readonly = options.readonly === true;
  const onIndexProgress = options.onIndexProgress;
  if (onIndexProgress !== undefined && typeof onIndexProgress !== "function") {
    throw new QuireError("INVALID_OPTION", "Invalid onIndexProgress: expected a function");
  }
  const backend = await openBackend(options, readonly);
  return await openStore(backend, { readonly, maxDocumentBytes, onIndexProgress });
}

async function openBackend(options: OpenOptions, readonly: boolean): Promise<Backend> {
  switch (options.backend) {
    case "sqlite":
      if (typeof options.path !== "string" || options.path === "") {
        throw new QuireError(
          "INVALID_OPTION",
          'Cannot open SQLite: give `path` (a file, or ":memory:")',
        );
      }
      return serialBackend(await openSqliteBackend(options.path, { ...options, readonly }));
    case "memory":
      return serialBackend(new BufferedBackend(new MemoryStore()));
    case "file":
      if (typeof options.dir !== "string" || options.dir === "") {
        throw new QuireError("INVALID_OPTION", "Cannot open the file backend: give `dir`");
      }
      {
        // Loaded on demand: most stores never use the file backend, and loading it costs about
        // 8 ms of Bun's ~25 ms to import quire. The specifier is a literal, so bundlers,
        // `bun build --compile`, `deno compile` and Deno's permissions see it as a static one.
        const { openFileBackend } = await import("./backends/file/file_backend.ts");
        return serialBackend(openFileBackend(options.dir, { readonly }));
      }
    case "postgres": {
      if (typeof options.url !== "string" || options.url === "") {
        throw new QuireError("INVALID_OPTION", "Cannot open Postgres: give `url`");
      }
      // Loaded on demand, as the file backend, with postgres.js behind it.
      const { openPostgresBackend } = await import("./backends/postgres/postgres_backend.ts");
      return await openPostgresBackend(options.url, { ...options.postgres, readonly });
    }
    default:
      throw new QuireError(
        "INVALID_OPTION",
        'Cannot open: `backend` must be "sqlite", "memory", "file" or "postgres"',
      );
  }
}

function defaultUrl(): string {
  const env = process.env;
  return env.QUIRE_URL || env.DATABASE_URL || DEFAULT_URL;
}

/**
 * Turns a URL from the table above into options.
 * @throws {QuireError} `INVALID_OPTION`, naming only the URL's scheme (it may hold a password).
 */
export function parseUrl(url: string): OpenOptions {
  if (typeof url !== "string") {
    throw new QuireError("INVALID_OPTION", "Cannot open: the URL must be a string");
  }
  if (url === "sqlite::memory:") return { backend: "sqlite", path: ":memory:" };
  if (url === "memory://" || url === "memory:") return { backend: "memory" };
  if (/^postgres(ql)?:\/\//.test(url)) return { backend: "postgres", url };
  const match = /^(sqlite|file):\/\/(.+)$/.exec(url);
  if (match === null) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1];
    throw new QuireError(
      "INVALID_OPTION",
      `Cannot open ${
        scheme ? `a "${scheme}:" URL` : "that URL"
      }: expected sqlite://path.db, sqlite::memory:, memory://, file://dir or postgres://…`,
    );
  }
  let path: string;
  try {
    path = decodeURIComponent(match[2] ?? ""); // (.+) always takes part
  } catch {
    throw new QuireError(
      "INVALID_OPTION",
      `Cannot open the ${match[1]}:// URL: it has a bad %-escape`,
    );
  }
  if (path.includes("\0")) {
    throw new QuireError("INVALID_OPTION", "Cannot open: the path contains NUL");
  }
  return match[1] === "sqlite" ? { backend: "sqlite", path } : { backend: "file", dir: path };
}
