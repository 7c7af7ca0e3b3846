/**
 * Ids, collection names and the file paths a user hands quire (backups, exports): what is
 * accepted, and the order ids sort in.
 *
 * @module
 */

import { utf8Length } from "./document.ts";
import { QuireError, quote } from "./errors.ts";

/** Longest id, in UTF-8 bytes. */
export const MAX_ID_BYTES = 512;

const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
// C0 controls, DEL and C1 controls.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Checks an id: a non-empty string without NUL or control characters, at most 512 UTF-8 bytes.
 * @throws {QuireError} `INVALID_ID`.
 */
export function checkId(id: unknown): string {
  if (typeof id !== "string") {
    throw new QuireError("INVALID_ID", `Invalid id: expected a string, got ${typeof id}`);
  }
  if (id.length === 0) throw new QuireError("INVALID_ID", "Invalid id: it is empty");
  if (CONTROL.test(id)) {
    throw new QuireError("INVALID_ID", `Invalid id ${quote(id)}: it contains a control character`);
  }
  if (!id.isWellFormed()) {
    throw new QuireError("INVALID_ID", `Invalid id ${quote(id)}: it contains a lone surrogate`);
  }
  if (id.length > MAX_ID_BYTES / 3 && utf8Length(id) > MAX_ID_BYTES) {
    throw new QuireError(
      "INVALID_ID",
      `Invalid id ${quote(id)}: it is over ${MAX_ID_BYTES} UTF-8 bytes`,
    );
  }
  return id;
}

/** Whether `id` passes {@linkcode checkId}: a reference to any other id points at nothing. */
export function isValidId(id: unknown): boolean {
  try {
    checkId(id);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a collection name against `^[A-Za-z][A-Za-z0-9_-]{0,63}$`.
 * @throws {QuireError} `INVALID_NAME`.
 */
export function checkCollectionName(name: unknown): string {
  if (typeof name !== "string" || !COLLECTION_NAME.test(name)) {
    throw new QuireError(
      "INVALID_NAME",
      `Invalid collection name ${
        quote(name)
      }: expected a letter, then up to 63 letters, digits, "_" or "-"`,
    );
  }
  return name;
}

/**
 * Compares two strings by Unicode code point, the order SQLite's BINARY collation gives UTF-8
 * text. (JavaScript's `<` compares UTF-16 units, which puts U+E000–U+FFFF after astral
 * characters.)
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800–0xDFFF) encode code points above 0xFFFF: they sort after everything.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

// Lower-case Crockford-style base32: digits sort before letters, so ids sort by time.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
let lastTime = -1;
let lastRandom: number[] = [];

/**
 * A new id: 10 characters of millisecond time and 16 of randomness (as ULID, in lower case).
 * Ids made later in the same process sort after earlier ones, even within one millisecond.
 */
export function newId(): string {
  let time = Date.now();
  if (time <= lastTime) {
    time = lastTime;
    increment(lastRandom);
  } else {
    lastTime = time;
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    lastRandom = Array.from(bytes, (b) => b & 31);
  }
  let head = "";
  for (let i = 9; i >= 0; i--) head += ALPHABET[Math.floor(time / 32 ** i) % 32];
  return head + lastRandom.map((digit) => ALPHABET[digit]).join("");
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    const digit = digits[i] ?? 0;
    if (digit < 31) {
      digits[i] = digit + 1;
      return;
    }
    digits[i] = 0;
  }
}

/**
 * Checks a file path given for a backup or an export: a non-empty string without NUL (no file
 * system takes one).
 * @param what What the path is for, e.g. `back up`.
 * @throws {QuireError} `INVALID_OPTION`.
 */
export function checkFilePath(path: unknown, what: string): asserts path is string {
  if (typeof path !== "string" || path === "" || path.includes("\0")) {
    throw new QuireError(
      "INVALID_OPTION",
      `Cannot ${what} to ${quote(path)}: expected a file path`,
    );
  }
}
