/**
 * How the file backend turns ids and collection names into file names, and back.
 *
 * Every id quire accepts (1 to 512 UTF-8 bytes, no control characters) must become a name that
 * is valid on Linux, macOS and Windows, stays inside its collection's directory, and does not
 * collide with another id's name on a case-insensitive or normalising file system. The scheme:
 *
 * 1. Escape: the id's UTF-8 bytes in `[a-z0-9_-]` stay as they are; every other byte becomes
 *    `~` and two lower-case hex digits (`A` → `~41`, `.` → `~2e`, `é` → `~c3~a9`). The result
 *    is plain lower-case ASCII, so case folding and Unicode normalisation cannot merge two
 *    names, and none of `<>:"/\|?*`, dots, spaces or path separators is left.
 * 2. Prefix with `_` and add `.json`: `notes` → `_notes.json`, `CON` → `_~43~4f~4e.json`,
 *    `../x` → `_~2e~2e~2fx.json`. No name is a reserved Windows device name (they never start
 *    with `_`), starts with a dot (so none is hidden, and no collection's directory can be the
 *    store's `.tmp/`) or ends with a dot or a space. Since `.json` is a four-letter extension, no
 *    name is a valid 8.3 short name either.
 * 3. Long ids: when the escaped form is over {@linkcode MAX_PLAIN_CHARS} characters, the name
 *    is `_` + its first {@linkcode HASHED_PREFIX_CHARS} characters (never splitting an escape)
 *    + `~~` + the SHA-256 of the id in hex + `.json`. (`~~` cannot occur in an escaped id, so
 *    the two forms never meet.) Such a name cannot be decoded alone: the id is read from the
 *    file, which holds it, and checked against the name. Hashing rather than splitting into
 *    sub-directories keeps every path short: a 512-byte id escapes to up to 1,536 characters,
 *    more than macOS allows in a whole path (1,024 bytes).
 *
 * So every file name is at most 206 characters, and a document's path below the store's
 * directory at most 400 (collection directory included).
 *
 * Collection directories use the same escaping without the extension: `notes` → `_notes`,
 * `Notes` → `_~4eotes`. Collection names are at most 64 characters, so never hashed.
 *
 * Decoding is strict: a name decodes only if it is exactly what encoding its id gives
 * ({@linkcode encodeFileName}`(decodeFileName(name)) === name`), so stray files and hand-made
 * variants (`_~61.json` for `a`) are not documents and listings skip them.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { checkCollectionName, checkId } from "../../names.ts";

/** Longest escaped id kept whole in a file name; longer ones are hashed. */
export const MAX_PLAIN_CHARS = 200;
/** How much of a long id's escaped form its hashed file name keeps, for people reading. */
export const HASHED_PREFIX_CHARS = 120;
/** The extension of document files. */
export const DOCUMENT_EXTENSION = ".json";

const HASH_MARK = "~~";
const HEX = "0123456789abcdef";
const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the id, not a byte order mark to drop.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
// A name that is a plain escaped id: literal characters and escapes only.
const PLAIN_NAME = /^_((?:[a-z0-9_-]|~[0-9a-f]{2})+)\.json$/;
const HASHED_NAME = /^_((?:[a-z0-9_-]|~[0-9a-f]{2})*)~~[0-9a-f]{64}\.json$/;
const DIRECTORY_NAME = /^_((?:[a-z0-9_-]|~[0-9a-f]{2})+)$/;
// Runs of bytes that stay literal: checked per UTF-16 unit, all of them ASCII.
const LITERAL = /^[a-z0-9_-]*$/;

/**
 * Escapes text: UTF-8 bytes in `[a-z0-9_-]` stay, every other byte becomes `~xx`.
 *
 * @param text A well-formed string.
 * @returns Lower-case ASCII.
 */
export function escapeText(text: string): string {
  if (LITERAL.test(text)) return text;
  let out = "";
  for (const byte of encoder.encode(text)) {
    if (isLiteral(byte)) out += String.fromCharCode(byte);
    else out += "~" + HEX[byte >> 4] + HEX[byte & 15];
  }
  return out;
}

/**
 * Undoes {@linkcode escapeText}.
 *
 * @returns The text, or `undefined` when `escaped` is not escaped UTF-8 text.
 */
export function unescapeText(escaped: string): string | undefined {
  if (LITERAL.test(escaped)) return escaped;
  const bytes = new Uint8Array(escaped.length);
  let length = 0;
  for (let i = 0; i < escaped.length; i++) {
    const code = escaped.charCodeAt(i);
    if (code === 0x7e /* ~ */) {
      const hex = escaped.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes[length++] = Number.parseInt(hex, 16);
      i += 2;
    } else if (isLiteral(code)) {
      bytes[length++] = code;
    } else {
      return undefined;
    }
  }
  try {
    return decoder.decode(bytes.subarray(0, length));
  } catch {
    return undefined; // not UTF-8
  }
}

/**
 * The file name of a document.
 *
 * @param id A valid id (see `checkId`).
 * @returns `_<escaped id>.json`, or for a long id `_<prefix>~~<sha-256>.json`.
 */
export function encodeFileName(id: string): string {
  const escaped = escapeText(id);
  if (escaped.length <= MAX_PLAIN_CHARS) return `_${escaped}${DOCUMENT_EXTENSION}`;
  let end = HASHED_PREFIX_CHARS;
  // Never cut an escape: "~" only ever starts one.
  if (escaped[end - 1] === "~") end -= 1;
  else if (escaped[end - 2] === "~") end -= 2;
  const hash = createHash("sha256").update(id).digest("hex");
  return `_${escaped.slice(0, end)}${HASH_MARK}${hash}${DOCUMENT_EXTENSION}`;
}

/**
 * The id a plain (not hashed) document file name stands for.
 *
 * @returns The id, or `undefined` when the name is not exactly what {@linkcode encodeFileName}
 *   makes of some valid id (stray files, hashed names).
 */
export function decodeFileName(name: string): string | undefined {
  const plain = PLAIN_NAME.exec(name)?.[1];
  if (plain === undefined || plain.length > MAX_PLAIN_CHARS) return undefined;
  const id = unescapeText(plain);
  if (id === undefined || !isValidId(id) || escapeText(id) !== plain) return undefined;
  return id;
}

/**
 * Whether a file name has the form of a long id's hashed name. The id is in the file; check it
 * with `encodeFileName(id) === name`.
 */
export function isHashedFileName(name: string): boolean {
  return HASHED_NAME.test(name);
}

/**
 * The directory name of a collection.
 *
 * @param name A valid collection name (see `checkCollectionName`).
 * @returns `_` + the escaped name: `notes` → `_notes`, `Notes` → `_~4eotes`.
 */
export function encodeCollectionName(name: string): string {
  return `_${escapeText(name)}`;
}

/**
 * The collection a directory name stands for.
 *
 * @returns The name, or `undefined` when the directory is not a collection's.
 */
export function decodeCollectionName(directory: string): string | undefined {
  const escaped = DIRECTORY_NAME.exec(directory)?.[1];
  if (escaped === undefined) return undefined;
  const name = unescapeText(escaped);
  if (name === undefined || escapeText(name) !== escaped) return undefined;
  try {
    return checkCollectionName(name);
  } catch {
    return undefined;
  }
}

function isLiteral(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x5f ||
    code === 0x2d;
}

function isValidId(id: string): boolean {
  try {
    checkId(id);
    return true;
  } catch {
    return false;
  }
}
