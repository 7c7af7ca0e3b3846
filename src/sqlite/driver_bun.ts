/**
 * The bun:sqlite binding behind the driver interface. Only driver.ts imports this file (always,
 * statically, so that bundlers and `bun build --compile` see it); bun:sqlite itself is fetched
 * with `process.getBuiltinModule` when the first database opens, so loading this file costs
 * nothing on Deno and Node.
 *
 * @module
 */

import process from "node:process";
import { QuireError } from "../errors.ts";
import {
  type DriverOptions,
  immutableUri,
  type RawDatabase,
  type RawStatement,
  type RunResult,
  type SqlValue,
} from "./driver_raw.ts";

// The minimal shape of bun:sqlite that quire uses, declared here (as Kysely does) so that the
// Deno type check needs no Bun types.
interface BunStatement {
  run(...params: SqlValue[]): RunResult;
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
  values(...params: SqlValue[]): unknown[][];
  iterate(...params: SqlValue[]): IterableIterator<unknown>;
  safeIntegers(enabled: boolean): BunStatement;
  toString(): string;
  finalize(): void;
}
interface BunDatabase {
  prepare(sql: string): BunStatement;
  close(): void;
}
type BunDatabaseClass = new (
  path: string,
  options: { readonly?: boolean; create?: boolean; readwrite?: boolean } | number,
) => BunDatabase;

interface BunSqlite {
  Database: BunDatabaseClass;
  constants: { SQLITE_OPEN_READONLY: number; SQLITE_OPEN_URI: number };
}

let binding: BunSqlite | undefined;

/** bun:sqlite, fetched once. */
function bunSqlite(): BunSqlite {
  if (binding !== undefined) return binding;
  // A `string` (not the literal) picks getBuiltinModule's untyped overload: the Deno and Node
  // type checks know nothing of bun:sqlite.
  const id: string = "bun:sqlite";
  const module = typeof process.getBuiltinModule === "function"
    ? process.getBuiltinModule(id) as BunSqlite | undefined
    : undefined;
  if (module === undefined) {
    throw new QuireError("UNSUPPORTED", "Cannot open SQLite: this runtime has no bun:sqlite");
  }
  return (binding = module);
}

/** Opens `path` with bun:sqlite. */
export function openRawDatabase(path: string, options: DriverOptions): RawDatabase {
  const { Database, constants } = bunSqlite();
  const db = options.immutable === true
    ? new Database(immutableUri(path), constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI)
    : options.readonly === true
    ? new Database(path, { readonly: true })
    : new Database(path, { readwrite: true, create: true });
  return {
    prepare(sql: string, bigints: boolean): RawStatement {
      const statement = db.prepare(sql);
      if (bigints) statement.safeIntegers(true);
      return {
        // With no parameter bound, the expanded SQL is the source text.
        get source() {
          return statement.toString();
        },
        run: (params) => statement.run(...params),
        get: (params) => statement.get(...params),
        all: (params) => statement.all(...params),
        values: (params) => statement.values(...params),
        iterate: (params) => statement.iterate(...params),
        finalize: () => statement.finalize(),
      };
    },
    close: () => db.close(),
  };
}
