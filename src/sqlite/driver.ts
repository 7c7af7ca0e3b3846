/**
 * A small synchronous SQLite driver surface (after better-sqlite3 and libsql-client): a
 * database prepares statements and runs transactions that nest with SAVEPOINTs. The two
 * runtime bindings, `bun:sqlite` (Bun) and `node:sqlite` (Deno and Node), sit behind it in
 * `driver_bun.ts` and `driver_node.ts`; no other file touches them. Both are imported
 * statically (a computed `import()` breaks bundlers, `bun build --compile`, `deno compile` and
 * Deno's permissions), and each fetches its binding with `process.getBuiltinModule` only when a
 * database opens.
 *
 * What the driver makes identical on both runtimes (each pinned by tests/sqlite_driver_test.ts):
 * - parameters are positional only (`?` or `?NNN`); `true`/`false` bind as 1/0 (node:sqlite
 *   refuses booleans); `undefined` is refused (bun:sqlite would bind NULL);
 * - a whole number binds as an INTEGER (node:sqlite binds every number as a REAL, so the Deno
 *   side passes whole numbers as BigInt; bun:sqlite binds -0 as a REAL, so it becomes 0);
 * - text containing NUL is refused (node:sqlite cuts it at the NUL, bun:sqlite keeps it);
 * - every error is a QuireError whose code says what happened (busy, corrupt, read-only, full),
 *   mapped from SQLite's numeric result code (sqlite_error.ts), with the binding's own error as
 *   `cause`. To have that code on Deno too, every statement runs as a prepared statement:
 *   node:sqlite's `exec()` reports no code, so `exec` here runs one statement at a time;
 * - a statement with `RETURNING` is always read to its end, and cannot be `run()`: read its
 *   rows. In autocommit mode it commits after its last row: node:sqlite's `get()`, `run()` and
 *   `iterate()` stop at the first row and drop the commit's error, so a write that failed to
 *   commit (a full disk) would look successful; and bun:sqlite's `get()` resets the statement
 *   before SQLite's WAL hook runs, so its automatic checkpoint never comes and the WAL grows
 *   without bound.
 *
 * What stays different and is documented instead: an integer beyond ±2^53−1 read back in the
 * default mode (bun:sqlite rounds it, node:sqlite throws); ask for `bigints` to read it exactly.
 * quire itself never stores such integers (documents refuse them).
 *
 * @module
 */

import { QuireError } from "../errors.ts";
import { RUNTIME } from "../runtime.ts";
import { openRawDatabase as openBun } from "./driver_bun.ts";
import { openRawDatabase as openNode } from "./driver_node.ts";
import type {
  DriverOptions,
  RawDatabase,
  RawStatement,
  RunResult,
  SqlValue,
} from "./driver_raw.ts";
import { toQuireError } from "./sqlite_error.ts";

export type { DriverOptions, RunResult, SqlValue } from "./driver_raw.ts";

/** A value the driver binds: booleans become 1 and 0. */
export type BindValue = SqlValue | boolean;
/** A result row: column name to value. */
export type Row = Record<string, SqlValue>;

/** A prepared statement. */
export interface Statement {
  run(...params: BindValue[]): RunResult;
  get<T = Row>(...params: BindValue[]): T | undefined;
  all<T = Row>(...params: BindValue[]): T[];
  /** Every row as an array of its column values: cheaper than `all` for wide pages of rows. */
  values<T extends SqlValue[] = SqlValue[]>(...params: BindValue[]): T[];
  iterate<T = Row>(...params: BindValue[]): IterableIterator<T>;
}

/** An open SQLite database. */
export interface Database {
  /** `"bun"`, `"deno"` or `"node"`: which runtime's binding this is. */
  readonly runtime: string;
  /**
   * Prepares (and caches, by SQL text) a statement. A `transient` statement (a query built
   * from a user's filter) goes to a small least-recently-used cache instead, whose evicted
   * statements are finalized: use it for one call, do not keep it.
   */
  prepare(sql: string, options?: { bigints?: boolean; transient?: boolean }): Statement;
  /** Runs one or more statements (without parameters), ignoring their results. */
  exec(sql: string): void;
  /**
   * Opens a transaction, or a SAVEPOINT inside one that is already open.
   * @param mode `BEGIN` mode of an outermost transaction. @default "IMMEDIATE"
   */
  begin(mode?: "IMMEDIATE" | "DEFERRED"): void;
  /** Commits the innermost open transaction (or releases its savepoint). */
  commit(): void;
  /** Rolls back the innermost open transaction (or to its savepoint). */
  rollback(): void;
  /** How many transactions are open (0 = autocommit). */
  readonly depth: number;
  /** Runs `fn` inside {@linkcode begin} … {@linkcode commit}, rolling back if it throws. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

/**
 * Opens a database file (or `":memory:"`) with the current runtime's binding.
 *
 * @param path A file path or `":memory:"`; never a `file:` URI (bun:sqlite does not take them).
 * @param options Read-only and create flags.
 * @returns An open {@linkcode Database}.
 */
export function openDriver(path: string, options: DriverOptions = {}): Promise<Database> {
  // A promise (although nothing here waits) so that a binding may one day load asynchronously;
  // failures reject it rather than throw.
  try {
    // node:sqlite binds every number as a REAL: whole numbers go in as BigInt there.
    return Promise.resolve(
      new Driver(openRaw(path, options), RUNTIME ?? "unknown", RUNTIME !== "bun"),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

function openRaw(path: string, options: DriverOptions): RawDatabase {
  if (RUNTIME === undefined) {
    throw new QuireError("UNSUPPORTED", "Cannot open SQLite: quire runs on Bun, Deno or Node");
  }
  const openRawDatabase = RUNTIME === "bun" ? openBun : openNode;
  try {
    return openRawDatabase(path, options);
  } catch (error) {
    throw toQuireError(error, `Cannot open SQLite database "${path}"`);
  }
}

/** How many transient statements (see `prepare`) stay prepared. */
const TRANSIENT_STATEMENTS = 64;

class Driver implements Database {
  readonly runtime: string;
  #raw: RawDatabase;
  #statements = new Map<string, Statement>();
  #raws: RawStatement[] = [];
  #transient = new Map<string, { raw: RawStatement; statement: Statement }>();
  #controls = new Map<string, RawStatement>();
  #depth = 0;
  #integersAsBigInt: boolean;

  constructor(raw: RawDatabase, runtime: string, integersAsBigInt: boolean) {
    this.#raw = raw;
    this.runtime = runtime;
    this.#integersAsBigInt = integersAsBigInt;
  }

  get depth(): number {
    return this.#depth;
  }

  prepare(sql: string, options: { bigints?: boolean; transient?: boolean } = {}): Statement {
    const bigints = options.bigints === true;
    const key = bigints ? `bigints:${sql}` : sql;
    if (options.transient === true) return this.#prepareTransient(key, sql, bigints);
    let statement = this.#statements.get(key);
    if (statement === undefined) {
      const raw = this.#compile(sql, bigints);
      this.#raws.push(raw);
      statement = wrapStatement(raw, sql, this.#integersAsBigInt);
      this.#statements.set(key, statement);
    }
    return statement;
  }

  #prepareTransient(key: string, sql: string, bigints: boolean): Statement {
    const cached = this.#transient.get(key);
    if (cached !== undefined) {
      // Map order is the recency order: move this one to the end.
      this.#transient.delete(key);
      this.#transient.set(key, cached);
      return cached.statement;
    }
    const raw = this.#compile(sql, bigints);
    const entry = { raw, statement: wrapStatement(raw, sql, this.#integersAsBigInt) };
    this.#transient.set(key, entry);
    if (this.#transient.size > TRANSIENT_STATEMENTS) {
      const [oldest, { raw: evicted }] = this.#transient.entries().next().value!;
      this.#transient.delete(oldest);
      evicted.finalize();
    }
    return entry.statement;
  }

  #compile(sql: string, bigints: boolean): RawStatement {
    try {
      return this.#raw.prepare(sql, bigints);
    } catch (error) {
      throw toQuireError(error, "SQLite could not prepare a statement");
    }
  }

  exec(sql: string): void {
    // One prepared statement at a time (see the module documentation); SQLite's own parser says
    // where each one ends. (node:sqlite crashes on preparing an empty statement: skip those.)
    let rest = sql;
    while ((rest = rest.replace(/^[\s;]+/, "")) !== "") {
      const raw = this.#compile(rest, false);
      let source: string;
      try {
        source = raw.source;
        if (source === "" || !rest.startsWith(source)) {
          throw new QuireError("STORAGE", "SQLite statement failed: cannot split the SQL text");
        }
        runRaw(raw, [], contextOf(source));
      } finally {
        raw.finalize();
      }
      rest = rest.slice(source.length);
    }
  }

  begin(mode: "IMMEDIATE" | "DEFERRED" = "IMMEDIATE"): void {
    this.#control(
      this.#depth === 0 ? `BEGIN ${mode}` : `SAVEPOINT quire_${this.#depth}`,
      "SQLite could not begin a transaction",
    );
    this.#depth++;
  }

  commit(): void {
    if (this.#depth === 0) throw new QuireError("STORAGE", "Cannot commit: no transaction is open");
    const savepoint = this.#depth - 1;
    this.#control(
      savepoint === 0 ? "COMMIT" : `RELEASE quire_${savepoint}`,
      "SQLite could not commit",
    );
    this.#depth--;
  }

  rollback(): void {
    if (this.#depth === 0) {
      throw new QuireError("STORAGE", "Cannot roll back: no transaction is open");
    }
    const savepoint = this.#depth - 1;
    this.#depth--;
    if (savepoint === 0) {
      // SQLite may already have rolled back on its own (after SQLITE_FULL, for instance).
      try {
        this.#control("ROLLBACK", "SQLite could not roll back");
      } catch { /* nothing left to roll back */ }
    } else {
      this.#control(`ROLLBACK TO quire_${savepoint}`, "SQLite could not roll back");
      this.#control(`RELEASE quire_${savepoint}`, "SQLite could not roll back");
    }
  }

  /** Runs a transaction-control statement, prepared once and kept. */
  #control(sql: string, context: string): void {
    let raw = this.#controls.get(sql);
    if (raw === undefined) {
      raw = this.#compile(sql, false);
      this.#controls.set(sql, raw);
    }
    runRaw(raw, [], context);
  }

  transaction<T>(fn: () => T): T {
    this.begin();
    try {
      const result = fn();
      this.commit();
      return result;
    } catch (error) {
      // A failed COMMIT leaves the transaction open (a deferred constraint, a busy reader in
      // rollback-journal mode): roll it back too, or every later write would join it.
      this.rollback();
      throw error;
    }
  }

  close(): void {
    for (const raw of this.#raws) raw.finalize();
    for (const { raw } of this.#transient.values()) raw.finalize();
    for (const raw of this.#controls.values()) raw.finalize();
    this.#raws = [];
    this.#transient.clear();
    this.#controls.clear();
    this.#statements.clear();
    try {
      this.#raw.close();
    } catch (error) {
      throw toQuireError(error, "SQLite could not close the database");
    }
  }
}

/** What a failure of a statement was doing, for its message: a read, a write or neither. */
function contextOf(sql: string): string {
  if (RETURNING.test(sql) || /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql)) {
    return "SQLite write failed";
  }
  if (/^\s*(SELECT|VALUES|WITH|EXPLAIN)\b/i.test(sql)) return "SQLite read failed";
  return "SQLite statement failed";
}

/** A statement that returns the rows it writes (a false match costs only speed). */
const RETURNING = /\bRETURNING\b/i;

function runRaw(raw: RawStatement, values: SqlValue[], context: string): RunResult {
  try {
    return raw.run(values);
  } catch (error) {
    throw toQuireError(error, context);
  }
}

function wrapStatement(raw: RawStatement, sql: string, integersAsBigInt: boolean): Statement {
  const context = contextOf(sql);
  const returning = RETURNING.test(sql);
  const read = <T>(step: () => T): T => {
    try {
      return step();
    } catch (error) {
      throw toQuireError(error, context);
    }
  };
  return {
    run(...params) {
      if (returning) {
        throw new QuireError("STORAGE", "Cannot run() a statement with RETURNING: read its rows");
      }
      return runRaw(raw, toSqlValues(params, integersAsBigInt), context);
    },
    get<T>(...params: BindValue[]) {
      const values = toSqlValues(params, integersAsBigInt);
      if (returning) return read(() => raw.all(values)[0] as T | undefined);
      return read(() => (raw.get(values) ?? undefined) as T | undefined);
    },
    all<T>(...params: BindValue[]) {
      const values = toSqlValues(params, integersAsBigInt);
      return read(() => raw.all(values) as T[]);
    },
    values<T>(...params: BindValue[]) {
      const values = toSqlValues(params, integersAsBigInt);
      return read(() => raw.values(values) as T[]);
    },
    iterate<T>(...params: BindValue[]) {
      const values = toSqlValues(params, integersAsBigInt);
      if (returning) return read(() => raw.all(values) as T[])[Symbol.iterator]();
      return guardIterator(raw.iterate(values) as IterableIterator<T>, context);
    },
  };
}

function* guardIterator<T>(rows: IterableIterator<T>, context: string): IterableIterator<T> {
  try {
    yield* rows;
  } catch (error) {
    throw toQuireError(error, context);
  }
}

/**
 * The one place values are converted for binding (after libsql's `valueToSql`). `params` is the
 * rest parameter of the statement's method, an array of this call's own: the values are
 * converted in it, which spares every statement an array (strings, the usual values, stay).
 */
function toSqlValues(params: BindValue[], integersAsBigInt: boolean): SqlValue[] {
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (typeof value === "string") {
      if (value.includes("\0")) {
        throw new QuireError(
          "STORAGE",
          `Cannot bind parameter ${i + 1}: text contains a NUL character`,
        );
      }
    } else if (typeof value === "number") {
      // `value + 0` turns -0 into 0, which bun:sqlite would otherwise bind as a REAL.
      params[i] = integersAsBigInt && Number.isSafeInteger(value) ? BigInt(value) : value + 0;
    } else if (typeof value === "boolean") {
      params[i] = integersAsBigInt ? (value ? 1n : 0n) : (value ? 1 : 0);
    } else if (
      value !== null && typeof value !== "bigint" && !(value instanceof Uint8Array)
    ) {
      throw new QuireError(
        "STORAGE",
        `Cannot bind parameter ${i + 1}: unsupported type ${typeof value}`,
      );
    }
  }
  return params as SqlValue[];
}
