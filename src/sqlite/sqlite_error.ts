/**
 * Maps an error thrown by bun:sqlite or node:sqlite to a QuireError. bun:sqlite gives the
 * SQLite result code name (`SQLITE_BUSY`, `SQLITE_NOTADB`, ...); node:sqlite as Deno ships it
 * gives only SQLite's message, so that is matched against SQLite's fixed result-code texts.
 *
 * @module
 */

import { type ErrorCode, QuireError } from "../errors.ts";

// SQLite's primary result codes that mean something to a caller, and the quire code for each.
const CODE_BY_RESULT: Record<string, ErrorCode> = {
  SQLITE_BUSY: "BUSY",
  SQLITE_LOCKED: "BUSY",
  SQLITE_CORRUPT: "CORRUPT",
  SQLITE_NOTADB: "CORRUPT",
  SQLITE_READONLY: "READ_ONLY",
  SQLITE_FULL: "STORAGE",
  SQLITE_IOERR: "STORAGE",
  SQLITE_CANTOPEN: "STORAGE",
  SQLITE_PERM: "READ_ONLY",
};

// The texts sqlite3_errstr() gives for those codes; sqlite3_errmsg() starts with them.
const RESULT_BY_MESSAGE: [string, string][] = [
  ["database is locked", "SQLITE_BUSY"],
  ["database table is locked", "SQLITE_LOCKED"],
  ["database disk image is malformed", "SQLITE_CORRUPT"],
  ["file is not a database", "SQLITE_NOTADB"],
  ["attempt to write a readonly database", "SQLITE_READONLY"],
  ["database or disk is full", "SQLITE_FULL"],
  ["disk I/O error", "SQLITE_IOERR"],
  ["unable to open database file", "SQLITE_CANTOPEN"],
  ["access permission denied", "SQLITE_PERM"],
];

/**
 * The SQLite primary result code name of a binding's error (`"SQLITE_BUSY"`), or `undefined`
 * when it cannot be told.
 */
export function sqliteResultCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("SQLITE_")) {
    // Extended codes (SQLITE_BUSY_SNAPSHOT) share their primary code's prefix.
    const primary = code.match(/^SQLITE_[A-Z]+/)?.[0];
    return primary;
  }
  const message = error.message;
  for (const [text, result] of RESULT_BY_MESSAGE) {
    if (message.startsWith(text)) return result;
  }
  return undefined;
}

/**
 * Wraps a binding's error in a QuireError with the matching code; a QuireError passes through.
 *
 * @param error What the binding threw.
 * @param context What quire was doing, e.g. `SQLite write failed`.
 */
export function toQuireError(error: unknown, context: string): QuireError {
  if (error instanceof QuireError) return error;
  const result = sqliteResultCode(error);
  const code: ErrorCode = (result === undefined ? undefined : CODE_BY_RESULT[result]) ?? "STORAGE";
  const detail = error instanceof Error ? error.message : String(error);
  return new QuireError(code, `${context}: ${detail}`, { cause: error });
}
