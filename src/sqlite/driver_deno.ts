/**
 * The node:sqlite binding (as Deno ships it) behind the driver interface. Only driver.ts imports
 * this file, and only when running on Deno.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  type DriverOptions,
  immutableUri,
  type RawDatabase,
  type RawStatement,
  type RunResult,
} from "./driver.ts";

/** Opens `path` with node:sqlite. */
export function openRawDatabase(path: string, options: DriverOptions): RawDatabase {
  const db = options.immutable === true
    ? new DatabaseSync(immutableUri(path), { readOnly: true })
    : new DatabaseSync(path, { readOnly: options.readonly === true });
  return {
    prepare(sql: string, bigints: boolean): RawStatement {
      const statement = db.prepare(sql);
      if (bigints) statement.setReadBigInts(true);
      // Array rows are a mode of a node:sqlite statement, so `values` gets a second one.
      let arrays: StatementSync | undefined;
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
        values: (params) => (arrays ?? arrayStatement()).all(...params) as unknown as unknown[][],
        iterate: (params) => statement.iterate(...params),
        // node:sqlite finalizes every statement when the database closes.
        finalize: () => {},
      };
    },
    close: () => db.close(),
  };
}
