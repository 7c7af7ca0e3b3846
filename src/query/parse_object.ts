/**
 * The object form of a filter, as MongoDB writes it:
 *
 * ```ts ignore
 * { year: { $gte: 2000 }, "author.name": "Ann", $or: [{ tags: { $contains: "x" } }, { draft: true }] }
 * ```
 *
 * ## Syntax
 *
 * A filter is a plain object. Each key is either a field or a logical operator, and all of them
 * must hold (an implicit `and`, in key order):
 *
 * - A field is a dotted path (`author.name`, `tags.0`: see `parsePath`) or a pseudo-field
 *   (`$id`, `$rev`, `$createdAt`, `$updatedAt`). Its value is either a value (`null`, a boolean, a
 *   finite number, a string), which means `$eq`, or an object of one or more field operators,
 *   all of which must hold:
 *   `$eq $ne $gt $gte $lt $lte $in $nin $exists $contains $startsWith $like $not`.
 * - `$and` and `$or` take an array of filters, `$not` takes a filter.
 *
 * | operator | operand | AST |
 * | --- | --- | --- |
 * | `$eq`, value alone | a value | `compare eq` |
 * | `$ne` | a value | `not(compare eq)`: also matches a missing path |
 * | `$gt $gte $lt $lte` | a number or a string | `compare` |
 * | `$in` / `$nin` | an array of values (up to `FILTER_LIMITS.inValues`) | `in` / `not(in)` |
 * | `$exists` | `true` / `false` | `exists` / `not(exists)` |
 * | `$contains` | a value | `contains` |
 * | `$startsWith` | a string of at most `FILTER_LIMITS.textLength` characters | `startsWith` |
 * | `$like` | a string of at most `FILTER_LIMITS.textLength` characters | `like` |
 * | `$not` (on a field) | an operator object, as in `{ year: { $not: { $gt: 5 } } }` | `not` |
 * | `$not` (at the top) | a filter | `not` |
 * | `$and` / `$or` | an array of filters | `and` / `or` |
 *
 * ## Decisions
 *
 * - `{}` and `undefined` (and `null`, as the query layer treats it) match everything; so does an
 *   empty filter object wherever a filter is expected (`{ $or: [{}] }`).
 * - `$and: []` matches everything and `$or: []` nothing (MongoDB refuses empty arrays; we keep
 *   the logical meaning, so a list built from data needs no special case). `$in: []` matches
 *   nothing and `$nin: []` everything.
 * - An operator object needs at least one operator: `{ year: {} }` is refused (MongoDB would
 *   compare with an empty object, which quire cannot express). An object or an array as a value
 *   is refused too: reach into an object with a dotted path, use `$in` for one of several values
 *   and `$contains` for an element of an array.
 * - `undefined` as a value is refused, never skipped: `{ owner: maybeUndefined }` must not
 *   quietly match every document.
 * - Numbers must be finite; a whole number beyond ±(2^53−1) and below 10^21 in magnitude is
 *   refused, as documents refuse it. `-0` is read as `0`. Strings must be well-formed Unicode
 *   (no lone surrogates).
 * - Keys are data: a key is only ever looked up in fixed tables (`Map`s), so `__proto__`,
 *   `constructor` and the like are field names like any other. Only plain objects (prototype
 *   `Object.prototype` or `null`) and plain arrays are read, with `Object.keys`; symbol keys are
 *   refused.
 * - A first path segment cannot start with `$` (that names an operator or a pseudo-field); the
 *   text form can address such a key by quoting it, and keys holding a `.` too.
 * - The limits of `FILTER_LIMITS` apply to the AST built: `depth` counts the `and`/`or`/`not`
 *   nodes on the longest path from the root (the implicit `and` of several keys included),
 *   `terms` counts every node. Both are checked while parsing, so a hostile filter (a cycle,
 *   a million-element `$or`) is refused after a bounded amount of work.
 *
 * Errors are `INVALID_FILTER`, saying what was wrong and where:
 * `Cannot parse filter: unknown operator "$regex" at year`.
 *
 * @module
 */

import { isPlainObject } from "../document.ts";
import { QuireError, quote } from "../errors.ts";
import {
  and,
  compare,
  type CompareOp,
  contains,
  exists,
  type Field,
  type Filter,
  FILTER_LIMITS,
  isIn,
  like,
  MATCH_ALL,
  metaField,
  not,
  or,
  pathField,
  type Scalar,
  startsWith,
} from "./ast.ts";
import { parsePath } from "./path.ts";
import { BoundedCache } from "../bounded_cache.ts";

const META_FIELDS: ReadonlyMap<string, Field> = new Map(
  (["id", "rev", "createdAt", "updatedAt"] as const).map((name) => [`$${name}`, metaField(name)]),
);

/**
 * The pseudo-field a name such as `"$createdAt"` stands for, or `undefined`.
 *
 * @param name A name, `$` included.
 * @returns The metadata field, or `undefined` when `name` is not a pseudo-field.
 */
export function metaFieldNamed(name: string): Field | undefined {
  return META_FIELDS.get(name);
}

const RANGE_OPERATORS: ReadonlyMap<string, CompareOp> = new Map([
  ["$gt", "gt"],
  ["$gte", "gte"],
  ["$lt", "lt"],
  ["$lte", "lte"],
]);

const FIELD_OPERATORS: ReadonlySet<string> = new Set([
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
  "$contains",
  "$startsWith",
  "$like",
  "$not",
]);

/**
 * Parses a filter in the object form.
 *
 * @example
 * ```ts
 * import { parseObjectFilter } from "./parse_object.ts";
 * const filter = parseObjectFilter({ year: { $gte: 2000 }, "author.name": "Ann" });
 * console.log(filter.kind); // "and"
 * ```
 *
 * @param filter The filter: a plain object, or `undefined` / `null` for everything.
 * @returns The filter's AST.
 * @throws {QuireError} `INVALID_FILTER` saying what was wrong and where.
 */
export function parseObjectFilter(filter: unknown): Filter {
  if (filter === undefined || filter === null) return MATCH_ALL;
  return new ObjectParser().filter(filter, "", 0);
}

/** What a field operator's operand may be. */
type Operand = "value" | "range" | "string";

const EXPECTED: Record<Operand, string> = {
  value: "null, a boolean, a number or a string",
  range: "a number or a string",
  string: "a string",
};

class ObjectParser {
  /** Nodes made so far. */
  #terms = 0;

  /**
   * A filter object. `above` is how many and/or/not nodes are above the node it becomes.
   */
  filter(value: unknown, where: string, above: number): Filter {
    if (!isPlainObject(value)) {
      fail(`expected a filter object, found ${describe(value)}`, where);
    }
    const keys = keysOf(value, where);
    if (keys.length === 0) return this.#node(MATCH_ALL, above + 1, where);
    if (keys.length > FILTER_LIMITS.terms) tooManyTerms(where);
    // How many terms the keys give (a field with several operators gives one each), so that
    // the implicit `and` around them is counted in the depth before descending.
    let count = 0;
    for (const key of keys) {
      const item = value[key];
      const logical = key === "$and" || key === "$or" || key === "$not";
      count += !logical && isPlainObject(item) ? Math.max(1, Object.keys(item).length) : 1;
    }
    const wrapped = count > 1;
    if (wrapped) this.#level(above + 1, where);
    const inner = wrapped ? above + 1 : above;
    const terms: Filter[] = [];
    for (const key of keys) {
      const item = value[key];
      const at = child(where, key);
      if (key === "$and" || key === "$or") {
        terms.push(this.#logical(key, item, at, inner));
      } else if (key === "$not") {
        this.#level(inner + 1, at);
        const term = this.filter(item, at, inner + 1);
        terms.push(this.#node(not(term), inner + 1, at));
      } else {
        const meta = metaFieldNamed(key);
        if (meta !== undefined) {
          this.#field(meta, item, at, inner, terms);
        } else if (key.startsWith("$")) {
          if (FIELD_OPERATORS.has(key)) {
            fail(
              `operator ${quote(key)} needs a field, as in { "year": { ${quote(key)}: … } }`,
              where,
            );
          }
          fail(`unknown operator ${quote(key)}`, where);
        } else {
          this.#field(fieldAt(key, where), item, at, inner, terms);
        }
      }
    }
    const [first] = terms;
    if (!wrapped && first !== undefined) return first;
    return this.#node(and(terms), above + 1, where);
  }

  /** `$and` / `$or`. */
  #logical(key: "$and" | "$or", value: unknown, where: string, above: number): Filter {
    if (!isPlainArray(value)) {
      fail(`${quote(key)} takes an array of filter objects, found ${describe(value)}`, where);
    }
    if (value.length > FILTER_LIMITS.terms) tooManyTerms(where);
    this.#level(above + 1, where);
    const terms: Filter[] = [];
    for (let i = 0; i < value.length; i++) {
      const at = `${where}[${i}]`;
      if (!(i in value)) fail("expected a filter object, found a hole in the array", at);
      terms.push(this.filter(value[i], at, above + 1));
    }
    return this.#node(key === "$and" ? and(terms) : or(terms), above + 1, where);
  }

  /** A field's value or operator object; pushes its terms onto `out`. */
  #field(field: Field, value: unknown, where: string, above: number, out: Filter[]): void {
    if (isPlainObject(value)) {
      for (const term of this.#operators(field, value, where, above)) out.push(term);
    } else if (isPlainArray(value)) {
      fail(
        "expected a value or an operator object, found an array " +
          "(use $in for any of several values, $contains for an element of an array)",
        where,
      );
    } else {
      out.push(this.#node(compare("eq", field, operand(value, "value", "", where)), above, where));
    }
  }

  /** An operator object such as `{ $gte: 1, $lt: 5 }`: one term per operator. */
  #operators(
    field: Field,
    object: Record<string, unknown>,
    where: string,
    above: number,
  ): Filter[] {
    const keys = keysOf(object, where);
    if (keys.length === 0) {
      fail("expected an operator object with at least one operator, found {}", where);
    }
    if (keys.length > FILTER_LIMITS.terms) tooManyTerms(where);
    const terms: Filter[] = [];
    for (const op of keys) {
      const value = object[op];
      if (!op.startsWith("$")) {
        fail(
          `expected an operator, found the key ${quote(op)} ` +
            '(reach into an object with a dotted path such as "author.name")',
          where,
        );
      }
      if (!FIELD_OPERATORS.has(op)) {
        fail(
          op === "$and" || op === "$or"
            ? `operator ${quote(op)} takes filters and cannot be used on a field`
            : `unknown operator ${quote(op)}`,
          where,
        );
      }
      const at = `${where}.${op}`;
      terms.push(this.#operator(field, op, value, at, above));
    }
    return terms;
  }

  /** One field operator. */
  #operator(field: Field, op: string, value: unknown, where: string, above: number): Filter {
    const range = RANGE_OPERATORS.get(op);
    if (range !== undefined) {
      return this.#node(compare(range, field, operand(value, "range", op, where)), above, where);
    }
    switch (op) {
      case "$eq":
        return this.#node(compare("eq", field, operand(value, "value", op, where)), above, where);
      case "$ne":
        return this.#negated(
          compare("eq", field, operand(value, "value", op, where)),
          above,
          where,
        );
      case "$in":
        return this.#node(isIn(field, values(value, op, where)), above, where);
      case "$nin":
        return this.#negated(isIn(field, values(value, op, where)), above, where);
      case "$exists":
        if (typeof value !== "boolean") {
          fail(`${quote(op)} takes true or false, found ${describe(value)}`, where);
        }
        return value
          ? this.#node(exists(field), above, where)
          : this.#negated(exists(field), above, where);
      case "$contains":
        return this.#node(contains(field, operand(value, "value", op, where)), above, where);
      case "$startsWith":
      case "$like": {
        const text = operand(value, "string", op, where) as string;
        const problem = textOperandProblem(op, text);
        if (problem !== undefined) fail(problem, where);
        const node = op === "$like" ? like(field, text) : startsWith(field, text);
        return this.#node(node, above, where);
      }
      default: {
        // $not, on a field: an operator object.
        if (!isPlainObject(value)) {
          fail(
            `${quote(op)} on a field takes an operator object such as { "$gt": 5 }, ` +
              `found ${describe(value)}`,
            where,
          );
        }
        this.#level(above + 1, where);
        const count = Object.keys(value).length;
        if (count > 1) this.#level(above + 2, where);
        const terms = this.#operators(field, value, where, above + (count > 1 ? 2 : 1));
        const [first] = terms;
        const inner = terms.length === 1 && first !== undefined
          ? first
          : this.#node(and(terms), above + 2, where);
        return this.#node(not(inner), above + 1, where);
      }
    }
  }

  /** `not(leaf)`, the leaf one level below the `not`. */
  #negated(leaf: Filter, above: number, where: string): Filter {
    this.#level(above + 1, where);
    return this.#node(not(this.#node(leaf, above + 1, where)), above + 1, where);
  }

  /**
   * Counts a node against the limits; `level` is the depth of an and/or/not node (how many
   * such nodes are above it, plus one), ignored for a leaf.
   */
  #node(filter: Filter, level: number, where: string): Filter {
    if (++this.#terms > FILTER_LIMITS.terms) tooManyTerms(where);
    if (filter.kind === "and" || filter.kind === "or" || filter.kind === "not") {
      this.#level(level, where);
    }
    return filter;
  }

  /** Refuses an and/or/not node at depth `level` beyond the limit. */
  #level(level: number, where: string): void {
    if (level > FILTER_LIMITS.depth) {
      fail(`it is nested deeper than ${FILTER_LIMITS.depth} levels of $and, $or and $not`, where);
    }
  }
}

/** A value for `op` (`""` for a bare value), checked as documents check values. */
function operand(value: unknown, accept: Operand, op: string, where: string): Scalar {
  const type = typeof value;
  const ok = accept === "string"
    ? type === "string"
    : accept === "range"
    ? type === "number" || type === "string"
    : value === null || type === "boolean" || type === "number" || type === "string";
  if (!ok) {
    fail(
      op === ""
        ? `expected a value (${EXPECTED.value}) or an operator object, found ${describe(value)}`
        : `${quote(op)} takes ${EXPECTED[accept]}, found ${describe(value)}`,
      where,
    );
  }
  const problem = scalarProblem(value as Scalar);
  if (problem !== undefined) fail(problem, where);
  return value === 0 ? 0 : value as Scalar; // -0 is 0
}

/**
 * Why a scalar cannot be compared with, or `undefined` when it can: the rules documents follow.
 * Shared with the text form.
 *
 * @param value A value of a scalar type.
 * @returns What is wrong with it, as a phrase, or `undefined`.
 */
export function scalarProblem(value: Scalar): string | undefined {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return `found ${value}, which is not a finite number`;
    if (Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21) {
      return `found ${value}, an integer beyond ±(2^53−1), which documents cannot hold exactly`;
    }
  } else if (typeof value === "string" && !value.isWellFormed()) {
    return "found a string with a lone surrogate";
  }
  return undefined;
}

/**
 * Why the string operand of `$startsWith` or `$like` is too long, or `undefined` when it is
 * not: at most `FILTER_LIMITS.textLength` characters, the limit of a whole text-form filter.
 * Shared with the text form (where that limit on the whole text already implies it).
 *
 * @param op `"$startsWith"` or `"$like"`, for the message.
 * @param text The operand.
 * @returns What is wrong with it, as a phrase, or `undefined`.
 */
export function textOperandProblem(op: "$startsWith" | "$like", text: string): string | undefined {
  if (text.length <= FILTER_LIMITS.textLength) return undefined;
  const what = op === "$like" ? "pattern" : "prefix";
  return `${quote(op)} takes a ${what} of at most ${FILTER_LIMITS.textLength} characters, ` +
    `found one of ${text.length}`;
}

/** The values of `$in` / `$nin`. */
function values(value: unknown, op: string, where: string): Scalar[] {
  if (!isPlainArray(value)) {
    fail(`${quote(op)} takes an array of values, found ${describe(value)}`, where);
  }
  if (value.length > FILTER_LIMITS.inValues) {
    fail(
      `${quote(op)} takes at most ${FILTER_LIMITS.inValues} values, found ${value.length}`,
      where,
    );
  }
  const out: Scalar[] = [];
  for (let i = 0; i < value.length; i++) {
    const at = `${where}[${i}]`;
    if (!(i in value)) fail("expected a value, found a hole in the array", at);
    out.push(operand(value[i], "value", op, at));
  }
  return out;
}

/** The own keys of a plain object; a symbol key is refused. */
function keysOf(object: Record<string, unknown>, where: string): string[] {
  if (Object.getOwnPropertySymbols(object).length > 0) {
    fail("expected string keys, found a symbol key", where);
  }
  return Object.keys(object);
}

/** Path fields by dotted path: the same few come back in every query of an application. */
const PATH_FIELDS = new BoundedCache<string, Field>(1024);

/** The field of a dotted path, its error reworded as a filter error. */
function fieldAt(key: string, where: string): Field {
  const cached = PATH_FIELDS.get(key);
  if (cached !== undefined) return cached;
  try {
    return PATH_FIELDS.set(key, pathField(parsePath(key)));
  } catch (error) {
    if (!(error instanceof QuireError)) throw error;
    fail(error.message.charAt(0).toLowerCase() + error.message.slice(1), where);
  }
}

function isPlainArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}

/** `where` extended by `key`, for messages: `$or[0].author.name`. */
function child(where: string, key: string): string {
  const name = /^[A-Za-z_$][A-Za-z0-9_$.-]*$/.test(key) ? key : quote(key);
  return where === "" ? name : `${where}.${name}`;
}

function tooManyTerms(where: string): never {
  fail(`it has more than ${FILTER_LIMITS.terms} terms`, where);
}

function fail(problem: string, where: string): never {
  throw new QuireError(
    "INVALID_FILTER",
    `Cannot parse filter: ${problem}${where === "" ? "" : ` at ${where}`}`,
  );
}

/** A value as an error message shows it. */
function describe(value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "boolean":
    case "number":
    case "string":
      return quote(value);
    case "bigint":
      return "a BigInt";
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (isPlainObject(value)) return "an object";
  const proto = Object.getPrototypeOf(value);
  const name = proto !== null && Object.hasOwn(proto, "constructor")
    ? (proto.constructor as { name?: unknown } | undefined)?.name
    : undefined;
  return typeof name === "string" && name !== ""
    ? `an instance of ${name}`
    : "an object with a custom prototype";
}
