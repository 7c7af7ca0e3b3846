/**
 * `fields`: projecting documents onto a list of dotted paths. A projected document keeps the
 * nesting of the paths (`author.name` gives `{ author: { name } }`); a path that is missing is
 * left out; a shorter path includes everything under it (`author` beats `author.name`).
 * Projections name object keys only: an array-index segment is refused.
 *
 * @module
 */

import { QuireError, quote } from "../errors.ts";
import { isPlainObject } from "../document.ts";
import { parsePath, valueAt } from "./path.ts";

/** Most paths in one projection. */
export const MAX_FIELDS = 64;

/**
 * Parses `fields`: an array of dotted paths, or one comma-separated string.
 * @returns The key paths, shortest first; `undefined` when no projection was asked for.
 * @throws {QuireError} `INVALID_FILTER`.
 */
export function parseFields(fields: unknown): string[][] | undefined {
  if (fields === undefined) return undefined;
  const list = typeof fields === "string" ? fields.split(",").map((field) => field.trim()) : fields;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_FIELDS) {
    throw new QuireError(
      "INVALID_FILTER",
      `Invalid fields ${quote(fields)}: expected 1 to ${MAX_FIELDS} dotted paths`,
    );
  }
  const paths = list.map((field) => {
    const segments = parsePath(field);
    if (segments.some((segment) => typeof segment === "number")) {
      throw new QuireError(
        "INVALID_FILTER",
        `Invalid field ${quote(field)}: a projection names object keys, not array positions`,
      );
    }
    return segments as string[];
  });
  return paths.sort((a, b) => a.length - b.length);
}

/** A new document holding only the given paths of `doc` (paths as parseFields returns them). */
export function project(
  doc: Record<string, unknown>,
  paths: readonly string[][],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const whole = new Set<string>(); // paths copied whole, as JSON keys of their segments
  for (const path of paths) {
    const last = path.at(-1);
    if (last === undefined) continue;
    // A path under one already copied whole adds nothing.
    const prefixes = path.slice(0, -1).map((_, i) => JSON.stringify(path.slice(0, i + 1)));
    if (prefixes.some((prefix) => whole.has(prefix))) continue;
    const source = valueAt(doc, path);
    if (source === undefined) continue;
    let target = out;
    for (const key of path.slice(0, -1)) {
      // Own properties only: `__proto__` must never lead to Object.prototype.
      if (!Object.hasOwn(target, key) || !isPlainObject(target[key])) define(target, key, {});
      target = target[key] as Record<string, unknown>;
    }
    define(target, last, source);
    whole.add(JSON.stringify(path));
  }
  return out;
}

/** Sets an own property, even `__proto__`, without touching a prototype. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
