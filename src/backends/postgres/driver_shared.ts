/**
 * What the two Postgres drivers share: the driver interface (re-exported by driver.ts, which
 * documents it) and the checks both run before a statement is sent.
 *
 * @module
 */

import { QuireError } from "../../errors.ts";
import type { PgDriverName } from "./pg_config.ts";

/** A value a statement binds. */
export type PgParam = string | number | boolean | bigint | null;
/** A result row: column name to value. */
export type PgRow = Record<string, unknown>;

/** Runs statements: the pool, or one transaction's connection. */
export interface PgQueryable {
  /** Runs a statement and returns its rows (none for a statement without results). */
  query<T = PgRow>(text: string, params?: readonly PgParam[]): Promise<T[]>;
  /** Runs a statement and returns how many rows it inserted, updated, deleted or returned. */
  execute(text: string, params?: readonly PgParam[]): Promise<number>;
}

/** Options of a transaction. */
export interface PgTransactionOptions {
  /** @default "read committed" (the server's default) */
  isolation?: "read committed" | "repeatable read" | "serializable";
  /** `READ ONLY`. @default false */
  readOnly?: boolean;
}

/** A pool of connections to one database. */
export interface PgDriver extends PgQueryable {
  /** Which implementation this is. */
  readonly name: PgDriverName;
  /**
   * Runs `fn` in a transaction on one connection reserved from the pool for it: `BEGIN`, then
   * `COMMIT` when `fn` resolves, or `ROLLBACK` when it rejects (the rejection is passed on, as a
   * QuireError when it came from the server) or when one of its statements failed (even if `fn`
   * caught that error). After `fn` has settled, the `tx` refuses statements (`CLOSED`).
   */
  transaction<T>(fn: (tx: PgQueryable) => Promise<T>, options?: PgTransactionOptions): Promise<T>;
  /**
   * Closes every connection, waiting up to `timeoutMs` for running statements (then they are
   * cut off). Safe to call twice. @default timeoutMs 5000
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** The `BEGIN` options for a transaction, from an allow-list. */
export function beginOptions(options: PgTransactionOptions = {}): string {
  const parts: string[] = [];
  const isolation = options.isolation ?? "read committed";
  if (!["read committed", "repeatable read", "serializable"].includes(isolation)) {
    throw new QuireError(
      "INVALID_OPTION",
      `Invalid isolation ${JSON.stringify(String(isolation))}`,
    );
  }
  parts.push(`isolation level ${isolation}`);
  parts.push(options.readOnly === true ? "read only" : "read write");
  return parts.join(" ");
}

/**
 * Checks the values of a statement before they reach a driver; returns them as a fresh array
 * (both drivers may keep it).
 */
export function checkParams(params: readonly PgParam[] | undefined): PgParam[] {
  if (params === undefined) return [];
  const values: PgParam[] = new Array(params.length);
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (typeof value === "string") {
      if (value.includes("\0")) {
        throw new QuireError(
          "STORAGE",
          `Cannot bind parameter ${i + 1}: text contains a NUL character`,
        );
      }
    } else if (
      value !== null && typeof value !== "number" && typeof value !== "boolean" &&
      typeof value !== "bigint"
    ) {
      throw new QuireError(
        "STORAGE",
        `Cannot bind parameter ${i + 1}: unsupported type ${
          value === undefined ? "undefined" : typeof value
        }`,
      );
    }
    values[i] = value as PgParam;
  }
  return values;
}

/** The error of a call on a closed driver. */
export function closedError(): QuireError {
  return new QuireError("CLOSED", "The Postgres connection pool is closed");
}

/** The error of a statement on a transaction's connection after the transaction ended. */
export function transactionEndedError(): QuireError {
  return new QuireError("CLOSED", "The Postgres transaction has ended: use the pool");
}
