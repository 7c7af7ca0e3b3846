/**
 * The one error type quire throws. Every refusal and every storage failure carries a
 * machine-readable `code`; the driver's own error, when there is one, is kept as `cause`.
 *
 * HTTP status codes are not decided here: that mapping lives in the HTTP layer.
 *
 * @module
 */

/** Every code a {@linkcode QuireError} can carry. */
export const ERROR_CODES = [
  "INVALID_ID",
  "INVALID_NAME",
  "INVALID_DOCUMENT",
  "INVALID_OPTION",
  "TOO_LARGE",
  "INVALID_FILTER",
  "INVALID_SEARCH",
  "CONFLICT",
  "NOT_FOUND",
  "READ_ONLY",
  "SCHEMA_TOO_NEW",
  "CORRUPT",
  "BUSY",
  "STORAGE",
  "CLOSED",
  "UNSUPPORTED",
] as const;

/** A {@linkcode QuireError} code, such as `"INVALID_ID"` or `"CONFLICT"`. */
export type ErrorCode = typeof ERROR_CODES[number];

/**
 * An error raised by quire.
 *
 * @example
 * ```ts
 * import { open, QuireError } from "quire";
 * const store = await open("memory://");
 * try {
 *   await store.collection("notes").put("", { title: "x" });
 * } catch (error) {
 *   if (error instanceof QuireError && error.code === "INVALID_ID") console.log(error.message);
 * }
 * ```
 */
export class QuireError extends Error {
  /** What kind of failure this is; stable across versions. */
  readonly code: ErrorCode;

  /**
   * Makes an error with a code.
   *
   * @param code What kind of failure this is.
   * @param message What was wrong and where, sentence case, no final period.
   * @param options `cause`: the underlying error, if any.
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "QuireError";
    this.code = code;
  }
}

/**
 * What a STORAGE error's message ends with when the write it refused may still have been stored
 * (the disk failed after the change was made but before it was confirmed durable): read the
 * document again to know.
 */
export const OUTCOME_UNKNOWN = "the outcome is unknown: the write may have been stored";

/**
 * Quotes a user-supplied value for an error message, cut to a readable length so that a
 * huge or hostile input does not flood logs.
 */
export function quote(value: unknown, max = 60): string {
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The CONFLICT error every backend raises for a failed `ifRev`. */
export function conflict(
  collection: string,
  id: string,
  expected: number,
  found: number,
): QuireError {
  const what = found === 0 ? "it does not exist" : `its rev is ${found}`;
  const wanted = expected === 0 ? "expected it not to exist" : `expected rev ${expected}`;
  return new QuireError(
    "CONFLICT",
    `Conflict on ${collection}/${quote(id)}: ${wanted}, but ${what}`,
  );
}
