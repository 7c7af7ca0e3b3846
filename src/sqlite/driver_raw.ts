/**
 * What the two binding adapters (driver_bun.ts, driver_node.ts) and the driver (driver.ts)
 * share: the values and options that cross between them, the binding-specific interface each
 * adapter implements, and the immutable-URI helper. A file of its own so that the adapters
 * import nothing from driver.ts, which imports them (no import cycle).
 *
 * @module
 */

import { resolve } from "node:path";

/** A value SQLite hands back. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** What `run` reports. */
export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** Options for `openDriver` (driver.ts). */
export interface DriverOptions {
  /** Open without write access (and without creating the file): writes fail with `READ_ONLY`. @default false */
  readonly?: boolean;
  /**
   * Open read-only as SQLite's `immutable` file: no locks and no `-shm` file, so a database in
   * a read-only directory can be read. Only safe when nothing else writes to it.
   * @default false
   */
  immutable?: boolean;
}

/** The binding-specific part: what driver_bun.ts and driver_node.ts implement. */
export interface RawDatabase {
  /** Compiles a statement; `bigints` makes every integer column come back as a bigint. */
  prepare(sql: string, bigints: boolean): RawStatement;
  close(): void;
}

/** A binding's statement, already given only values it accepts. */
export interface RawStatement {
  /**
   * The SQL text SQLite compiled: the prefix of the text given to `prepare` up to the end of
   * its first statement (SQLite ignores the rest).
   */
  readonly source: string;
  run(params: SqlValue[]): RunResult;
  get(params: SqlValue[]): unknown;
  all(params: SqlValue[]): unknown[];
  values(params: SqlValue[]): unknown[][];
  iterate(params: SqlValue[]): IterableIterator<unknown>;
  /** Releases the statement; unfinalized statements would keep bun:sqlite from closing. */
  finalize(): void;
}

/** The `file:` URI that opens `path` as an immutable, read-only database. */
export function immutableUri(path: string): string {
  const encoded = encodeURI(resolve(path)).replaceAll("?", "%3F").replaceAll("#", "%23");
  return `file:${encoded}?immutable=1`;
}
