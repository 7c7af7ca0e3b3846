/**
 * Options without their undefined properties.
 *
 * An HTTP query or a command line gives `undefined` for every option it was not given; quire's
 * option types say "absent" as a missing property (`exactOptionalPropertyTypes`), and an
 * explicit `undefined` may mean something else there (or be refused). This drops them.
 *
 * @module
 */

/** `T` with each property optional and never `undefined`. */
export type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * A copy of `object` without the properties whose value is `undefined`.
 *
 * @param object A plain object of options.
 * @returns The copy.
 *
 * @example
 * ```ts
 * import { definedOnly } from "./defined.ts";
 * definedOnly({ limit: 10, after: undefined }); // { limit: 10 }
 * ```
 */
export function definedOnly<T extends object>(object: T): Defined<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) out[key] = value;
  }
  return out as Defined<T>;
}
