/**
 * The bun:sqlite binding behind the driver interface. Only driver.ts imports this file, and only
 * when running on Bun.
 *
 * @module
 */

import {
  type DriverOptions,
  immutableUri,
  type RawDatabase,
  type RawStatement,
  type RunResult,
  type SqlValue,
} from "./driver.ts";

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

const bunSqlite = "bun:sqlite";
const { Database, constants } = await import(bunSqlite) as {
  Database: BunDatabaseClass;
  constants: Record<string, number>;
};

/** Opens `path` with bun:sqlite. */
export function openRawDatabase(path: string, options: DriverOptions): RawDatabase {
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
