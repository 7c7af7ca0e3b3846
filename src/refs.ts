/**
 * References between documents ("containers" in the seed plan): a reference is the plain JSON
 * object `{ "$ref": collection, "$id": id }`, with exactly those two keys.
 *
 * @module
 */

import { isPlainObject } from "./document.ts";
import { checkCollectionName, checkId } from "./names.ts";

/** A reference to the document `$id` in the collection `$ref`. */
export interface Ref {
  /** The referenced document's collection. */
  $ref: string;
  /** The referenced document's id. */
  $id: string;
}

/**
 * Makes a reference to store inside a document.
 *
 * @example
 * ```ts
 * import { open, ref } from "quire";
 * const store = await open("memory://");
 * await store.collection("users").put("u1", { name: "Ann" });
 * await store.collection("notes").put("n1", { author: ref("users", "u1") });
 * const note = await store.collection("notes").get("n1", { resolve: 1 });
 * console.log(note); // { author: { name: "Ann" } }
 * ```
 * @param collection The target's collection.
 * @param id The target's id.
 * @returns `{ $ref: collection, $id: id }`.
 */
export function ref(collection: string, id: string): Ref {
  return { $ref: checkCollectionName(collection), $id: checkId(id) };
}

/** Whether `value` has the shape of a reference. */
export function isRef(value: unknown): value is Ref {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && typeof value.$ref === "string" && typeof value.$id === "string";
}

/** Calls `visit` for every reference inside `value`, depth first. */
export function forEachRef(value: unknown, visit: (ref: Ref) => void): void {
  if (isRef(value)) {
    visit(value);
  } else if (Array.isArray(value)) {
    for (const item of value) forEachRef(item, visit);
  } else if (isPlainObject(value)) {
    for (const key in value) if (Object.hasOwn(value, key)) forEachRef(value[key], visit);
  }
}

/** Looks up a reference's target: its document, or `undefined` when missing. */
export type RefLoader = (
  ref: Ref,
) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>;

/**
 * Replaces references inside `value` with their targets, `depth` levels deep. A reference back
 * to a document already being resolved on the same path (a cycle) is left as it is; a
 * reference whose target is missing (or whose names are not valid) becomes `null`. Targets are
 * read one after another, in document order.
 *
 * @param value A freshly decoded document: it is changed in place and returned.
 * @param depth How many levels of references to follow (1 = the document's own references).
 * @param load Reads a target document.
 * @param path Keys (`collection/id`) of the documents being resolved, outermost first.
 */
export async function resolveRefs(
  value: unknown,
  depth: number,
  load: RefLoader,
  path: string[],
): Promise<unknown> {
  if (depth <= 0) return value;
  if (isRef(value)) {
    const key = `${value.$ref}/${value.$id}`;
    if (path.includes(key)) return value;
    const target = await load(value);
    if (target === undefined) return null;
    return await resolveRefs(target, depth - 1, load, [...path, key]);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      value[i] = await resolveRefs(value[i], depth, load, path);
    }
  } else if (isPlainObject(value)) {
    for (const key in value) {
      if (Object.hasOwn(value, key)) value[key] = await resolveRefs(value[key], depth, load, path);
    }
  }
  return value;
}
