/**
 * What a document may be. A document is a plain JSON object; what comes back deep-equals what
 * went in, and anything that cannot honour that is refused with `INVALID_DOCUMENT` naming the
 * path of the offending value.
 *
 * @module
 */

import { QuireError } from "./errors.ts";

/** A JSON value as quire stores it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};
/**
 * A document: a plain JSON object. Typed loosely so that interfaces fit
 * (`store.collection<Note>("notes")`); what is stored is checked when it is written.
 */
export type Document = Record<string, unknown>;

/*
 * Whole numbers between 2^53 and 10^21 in magnitude are refused: JSON writes them as long integer
 * literals, which SQLite reads as 64-bit integers (exact in SQL, rounded or refused when they
 * reach JavaScript), so queries would disagree between backends and runtimes. From 10^21 up,
 * JSON writes an exponent and every backend treats the number as a float, like any other.
 */

/** Deepest nesting of objects and arrays a document may have (the document itself is depth 1). */
export const MAX_DEPTH = 64;
/** Default largest document, in UTF-8 bytes of its JSON text. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024;

/**
 * Checks `doc` against the rules and returns its JSON text.
 *
 * @param doc What the caller wants to store.
 * @param maxBytes Largest JSON text, in UTF-8 bytes.
 * @returns The JSON text to store.
 * @throws {QuireError} `INVALID_DOCUMENT` with the path of the offending value, or `TOO_LARGE`.
 */
export function encodeDocument(doc: unknown, maxBytes: number): string {
  if (!isPlainObject(doc)) {
    throw new QuireError(
      "INVALID_DOCUMENT",
      `Cannot store document: expected a plain object, got ${describe(doc)}`,
    );
  }
  try {
    // The fast pass keeps no set of ancestors: a cycle runs into the depth limit, and only then
    // is the document walked again with the set, to tell a cycle from deep nesting.
    try {
      checkValue(doc, 1, undefined);
    } catch (error) {
      if (!(error instanceof Refusal && error.tooDeep)) throw error;
      checkValue(doc, 1, new Set());
    }
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    throw new QuireError(
      "INVALID_DOCUMENT",
      `Cannot store document: the value at ${formatPath(error.segments)} ${error.what}`,
    );
  }
  const text = JSON.stringify(doc);
  // A UTF-8 byte count is only needed when the text could be over the limit.
  if (text.length * 3 > maxBytes) {
    const bytes = utf8Length(text);
    if (bytes > maxBytes) {
      throw new QuireError(
        "TOO_LARGE",
        `Cannot store document: ${bytes} bytes of JSON is over the limit of ${maxBytes} bytes`,
      );
    }
  }
  return text;
}

/** The UTF-8 length of a well-formed string. */
export function utf8Length(text: string): number {
  let bytes = text.length; // one byte per UTF-16 unit, plus the extra bytes below
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 2; // a surrogate pair: 2 units, 4 bytes
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/**
 * Why a value was refused, and where: the path is collected while the refusal travels back up,
 * so the common case (nothing wrong) builds no path strings at all.
 */
class Refusal {
  segments: (string | number)[] = [];
  readonly what: string;
  readonly tooDeep: boolean;
  // No parameter properties: Node's type stripping refuses them.
  constructor(what: string, tooDeep = false) {
    this.what = what;
    this.tooDeep = tooDeep;
  }
}

function checkValue(value: unknown, depth: number, ancestors: Set<object> | undefined): void {
  switch (typeof value) {
    case "string":
      if (!value.isWellFormed()) throw new Refusal("is a string with a lone surrogate");
      return;
    case "number":
      if (!Number.isFinite(value)) throw new Refusal(`is ${value}, which JSON cannot hold`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21) {
        throw new Refusal(`is an integer beyond ±(2^53−1) (${value}); store it as a string`);
      }
      return;
    case "boolean":
      return;
    case "object":
      if (value === null) return;
      break;
    default:
      throw new Refusal(`is ${describe(value)}, which JSON cannot hold`);
  }
  const object = value as object;
  if (ancestors?.has(object)) {
    throw new Refusal("refers back to an object that contains it (a cycle)");
  }
  if (depth > MAX_DEPTH) throw new Refusal(`is nested deeper than ${MAX_DEPTH} levels`, true);
  ancestors?.add(object);
  if (Array.isArray(object)) {
    if (Object.getPrototypeOf(object) !== Array.prototype) {
      throw new Refusal(`is ${describe(object)}`);
    }
    for (let i = 0; i < object.length; i++) {
      try {
        if (!(i in object)) throw new Refusal("is a hole in a sparse array");
        const item = object[i];
        if (item === undefined) throw new Refusal("is undefined, which JSON arrays cannot hold");
        checkValue(item, depth + 1, ancestors);
      } catch (error) {
        if (error instanceof Refusal) error.segments.unshift(i);
        throw error;
      }
    }
  } else {
    if (!isPlainObject(object)) throw new Refusal(`is ${describe(object)}, not a plain object`);
    if (Object.getOwnPropertySymbols(object).length > 0) throw new Refusal("has a symbol key");
    for (const key of Object.keys(object)) {
      try {
        if (!key.isWellFormed()) throw new Refusal("is a key with a lone surrogate");
        // SQLite's JSON functions end a key at NUL: no query could tell "n\0x" from "n".
        if (key.includes("\0")) throw new Refusal("is a key holding NUL (U+0000)");
        const item = (object as Record<string, unknown>)[key];
        // An undefined property is left out, as JSON.stringify does.
        if (item !== undefined) checkValue(item, depth + 1, ancestors);
      } catch (error) {
        if (error instanceof Refusal) error.segments.unshift(key);
        throw error;
      }
    }
  }
  ancestors?.delete(object);
}

/** Whether `value` is an object whose prototype is Object.prototype or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A `$.a["b c"][2]` style path. */
function formatPath(segments: (string | number)[]): string {
  let path = "$";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment.slice(0, 40))}]`;
  }
  return path;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "bigint":
      return "a BigInt";
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "object": {
      const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)
        ?.constructor?.name;
      return name ? `an instance of ${name}` : "an object with a custom prototype";
    }
    default:
      return `a ${typeof value}`;
  }
}
