/**
 * The node:sqlite binding behind the driver interface, for Deno and Node (Bun has node:sqlite
 * too, but quire uses the faster bun:sqlite there). Only driver.ts imports this file (always,
 * statically, so that bundlers and `deno compile` see it); node:sqlite itself is fetched with
 * `process.getBuiltinModule` when the first database opens, so loading this file costs nothing
 * on Bun, and a Node without node:sqlite gets a clear error instead of a failed import.
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

// The minimal shape of node:sqlite that quire uses, declared here (as the bun:sqlite driver
// does) so that the type checks need no particular version of the Node types.
interface NodeStatement {
  readonly sourceSQL: string;
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
  iterate(...params: SqlValue[]): IterableIterator<unknown>;
  setReadBigInts(enabled: boolean): void;
  setReturnArrays(enabled: boolean): void;
}
interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  close(): void;
}
interface NodeSqlite {
  DatabaseSync: new (path: string, options: { readOnly: boolean }) => NodeDatabase;
}

let binding: NodeSqlite | undefined;

/** node:sqlite, fetched once. */
function nodeSqlite(): NodeSqlite {
  if (binding !== undefined) return binding;
  // A `string` (not the literal) picks getBuiltinModule's untyped overload.
  const id: string = "node:sqlite";
  const module = typeof process.getBuiltinModule === "function"
    ? process.getBuiltinModule(id) as NodeSqlite | undefined
    : undefined;
  if (module === undefined) {
    throw new QuireError(
      "UNSUPPORTED",
      "Cannot open SQLite: this runtime has no node:sqlite (Node has it unflagged from 22.13, " +
        "and 22.5 to 22.12 need --experimental-sqlite; quire needs 22.16 or later)",
    );
  }
  return (binding = module);
}

/** Opens `path` with node:sqlite. */
export function openRawDatabase(path: string, options: DriverOptions): RawDatabase {
  const { DatabaseSync } = nodeSqlite();
  const db = options.immutable === true
    ? new DatabaseSync(immutableUri(path), { readOnly: true })
    : new DatabaseSync(path, { readOnly: options.readonly === true });
  return {
    prepare(sql: string, bigints: boolean): RawStatement {
      const statement = db.prepare(sql);
      if (bigints) statement.setReadBigInts(true);
      // Array rows are a mode of a node:sqlite statement, so `values` gets a second one.
      let arrays: NodeStatement | undefined;
      const arrayStatement = () => {
        arrays = db.prepare(sql);
        arrays.setReadBigInts(bigints);
        arrays.setReturnArrays(true);
        return arrays;
      };
      return {
        get source() {
          return statement.sourceSQL;
        },
        run: (params) => statement.run(...params) as RunResult,
        get: (params) => statement.get(...params),
        all: (params) => statement.all(...params),
        values: (params) => (arrays ?? arrayStatement()).all(...params) as unknown[][],
        iterate: (params) => statement.iterate(...params),
        // node:sqlite finalizes every statement when the database closes.
        finalize: () => {},
      };
    },
    close: () => db.close(),
  };
}
