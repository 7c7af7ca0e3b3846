/**
 * Maps an error thrown by bun:sqlite or node:sqlite to a QuireError, by SQLite's numeric result
 * code and never by message text (the texts differ between SQLite builds and bindings). Both
 * bindings report the extended result code of a failed statement: bun:sqlite as `errno`,
 * node:sqlite as `errcode`. node:sqlite as Deno ships it gives no code for `exec()` and for
 * opening a database, which is why the driver runs every statement as a prepared one and maps a
 * failed open to STORAGE on both runtimes alike.
 *
 * @module
 */

import { type ErrorCode, OUTCOME_UNKNOWN, QuireError } from "../errors.ts";

/** SQLite's primary result codes that quire tells apart (the low byte of an extended code). */
export const SQLITE = {
  ERROR: 1,
  PERM: 3,
  BUSY: 5,
  LOCKED: 6,
  READONLY: 8,
  IOERR: 10,
  CORRUPT: 11,
  FULL: 13,
  CANTOPEN: 14,
  TOOBIG: 18,
  NOTADB: 26,
} as const;

// The quire code for each primary result code that means something to a caller; every other
// code (a failed constraint, out of memory, ...) is STORAGE.
const CODE_BY_RESULT: Record<number, ErrorCode> = {
  [SQLITE.PERM]: "READ_ONLY",
  [SQLITE.BUSY]: "BUSY",
  [SQLITE.LOCKED]: "BUSY",
  [SQLITE.READONLY]: "READ_ONLY",
  [SQLITE.CORRUPT]: "CORRUPT",
  [SQLITE.NOTADB]: "CORRUPT",
  [SQLITE.TOOBIG]: "TOO_LARGE",
};

/**
 * Extended codes of a failed fsync (SQLITE_IOERR_FSYNC, SQLITE_IOERR_DIR_FSYNC). A commit that
 * fails there has already written its pages: they may reach the disk anyway, and the next open
 * of the database then finds the transaction committed.
 */
const FSYNC_FAILURES = new Set([10 | (4 << 8), 10 | (5 << 8)]);

/**
 * SQLite's extended result code carried by a binding's error, or by the binding error kept as
 * the `cause` of a QuireError; `undefined` when there is none.
 */
export function sqliteErrorCode(error: unknown): number | undefined {
  if (error instanceof QuireError) return sqliteErrorCode(error.cause);
  if (typeof error !== "object" || error === null) return undefined;
  const { errno, errcode } = error as { errno?: unknown; errcode?: unknown };
  const code = typeof errcode === "number" ? errcode : errno;
  return typeof code === "number" && Number.isInteger(code) && code > 0 ? code : undefined;
}

/** SQLite's primary result code of an error (see {@linkcode sqliteErrorCode}). */
export function sqlitePrimaryCode(error: unknown): number | undefined {
  const code = sqliteErrorCode(error);
  return code === undefined ? undefined : code & 0xff;
}

/**
 * Wraps a binding's error in a QuireError with the matching code; a QuireError passes through.
 *
 * @param error What the binding threw.
 * @param context What quire was doing, e.g. `SQLite write failed`.
 */
export function toQuireError(error: unknown, context: string): QuireError {
  if (error instanceof QuireError) return error;
  const primary = sqlitePrimaryCode(error);
  const code = (primary === undefined ? undefined : CODE_BY_RESULT[primary]) ?? "STORAGE";
  const detail = error instanceof Error ? error.message : String(error);
  const extended = sqliteErrorCode(error);
  const unknown = extended !== undefined && FSYNC_FAILURES.has(extended)
    ? `; ${OUTCOME_UNKNOWN}`
    : "";
  return new QuireError(code, `${context}: ${detail}${unknown}`, { cause: error });
}
