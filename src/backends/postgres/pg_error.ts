/**
 * Maps an error from either Postgres driver to a QuireError, by the server's SQLSTATE and never
 * by message text. The drivers carry the SQLSTATE differently: postgres.js as `code` of its
 * `PostgresError`; Bun.SQL as `errno` of its `PostgresError` (whose `code` is Bun's own, such as
 * `ERR_POSTGRES_SERVER_ERROR`). {@linkcode sqlState} reads either, also through a QuireError's
 * `cause`.
 *
 * @module
 */

import { type ErrorCode, QuireError } from "../../errors.ts";

/** SQLSTATEs quire tells apart (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SQLSTATE = {
  UNIQUE_VIOLATION: "23505",
  SERIALIZATION_FAILURE: "40001",
  DEADLOCK_DETECTED: "40P01",
  /** quire's own: a write refused by a collection's search guard (pg_schema.ts). */
  SEARCH_GUARD: "QU001",
  LOCK_NOT_AVAILABLE: "55P03",
  QUERY_CANCELED: "57014",
  READ_ONLY_SQL_TRANSACTION: "25006",
  INSUFFICIENT_PRIVILEGE: "42501",
  INVALID_CATALOG_NAME: "3D000",
  PROGRAM_LIMIT_EXCEEDED: "54000",
  DATA_CORRUPTED: "XX001",
  INDEX_CORRUPTED: "XX002",
} as const;

// The quire code for each SQLSTATE that means something to a caller; by class below; every
// other error (a syntax error, a lost connection, ...) is STORAGE.
const CODE_BY_STATE: Record<string, ErrorCode> = {
  [SQLSTATE.UNIQUE_VIOLATION]: "CONFLICT",
  [SQLSTATE.SERIALIZATION_FAILURE]: "BUSY",
  [SQLSTATE.DEADLOCK_DETECTED]: "BUSY",
  [SQLSTATE.SEARCH_GUARD]: "BUSY",
  [SQLSTATE.LOCK_NOT_AVAILABLE]: "BUSY",
  [SQLSTATE.QUERY_CANCELED]: "BUSY",
  [SQLSTATE.READ_ONLY_SQL_TRANSACTION]: "READ_ONLY",
  [SQLSTATE.INSUFFICIENT_PRIVILEGE]: "READ_ONLY",
  [SQLSTATE.INVALID_CATALOG_NAME]: "NOT_FOUND",
  [SQLSTATE.PROGRAM_LIMIT_EXCEEDED]: "TOO_LARGE",
  [SQLSTATE.DATA_CORRUPTED]: "CORRUPT",
  [SQLSTATE.INDEX_CORRUPTED]: "CORRUPT",
};
// Class 53, insufficient resources (too many connections, out of memory or disk): try later.
const CODE_BY_CLASS: Record<string, ErrorCode> = { "53": "BUSY" };

const STATE = /^[0-9A-Z]{5}$/;

/**
 * The SQLSTATE the server sent with an error (`"23505"`), read from either driver's error or
 * from the `cause` of a QuireError; `undefined` for an error the client raised itself (a lost
 * connection, a timeout).
 */
export function sqlState(error: unknown): string | undefined {
  if (error instanceof QuireError) return sqlState(error.cause);
  if (typeof error !== "object" || error === null) return undefined;
  const { name, code, errno } = error as { name?: unknown; code?: unknown; errno?: unknown };
  // Only a server's error (a PostgresError in both drivers) carries one: a client's error code
  // such as EPIPE has the same shape.
  if (name !== "PostgresError") return undefined;
  if (typeof errno === "string" && STATE.test(errno)) return errno; // Bun.SQL
  if (typeof code === "string" && STATE.test(code)) return code; // postgres.js
  return undefined;
}

/** The constraint a failed statement violated (`"notes_pkey"`), when the server named one. */
export function constraintOf(error: unknown): string | undefined {
  if (error instanceof QuireError) return constraintOf(error.cause);
  if (typeof error !== "object" || error === null) return undefined;
  const { constraint, constraint_name } = error as {
    constraint?: unknown;
    constraint_name?: unknown;
  };
  const name = constraint ?? constraint_name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/**
 * Wraps a driver's error in a QuireError with the matching code; a QuireError passes through.
 * The message keeps the server's own (never its `detail`, which may quote a row's values).
 *
 * @param error What the driver threw.
 * @param context What quire was doing, e.g. `Postgres query failed`.
 */
export function toQuireError(error: unknown, context: string): QuireError {
  if (error instanceof QuireError) return error;
  const state = sqlState(error);
  const code = state === undefined
    ? "STORAGE"
    : CODE_BY_STATE[state] ?? CODE_BY_CLASS[state.slice(0, 2)] ?? "STORAGE";
  const message = error instanceof Error ? error.message : String(error);
  const suffix = state === undefined ? "" : ` (SQLSTATE ${state})`;
  return new QuireError(code, `${context}: ${message}${suffix}`, { cause: error });
}
