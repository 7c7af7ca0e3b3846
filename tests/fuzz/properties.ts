/**
 * The properties of the fuzz test of the public API, shared by tests/fuzz_test.ts (a fixed
 * seed, a bounded number of runs, in CI) and scripts/fuzz.ts (a new seed, as many runs as asked).
 *
 * The rule they enforce: nothing but a {@linkcode QuireError} ever leaves the public API, its
 * code is one of `ERROR_CODES` and one that the README documents for the call, and:
 *
 * - `differential`: a generated sequence of operations (collections with options, put,
 *   putMany, get, entry, has, delete, find with sort/limit/after/fields, count, deleteMany,
 *   explain, search with every option and raw FTS5 queries, reindex, optimize, clear, NDJSON
 *   imports in every source form, transactions that commit or abort, check, stats) runs on
 *   SQLite in memory, a SQLite file, the memory backend and the file backend. Every call gives
 *   the same answer, or the same error code, on all four (documents, find pages in the same
 *   order, counts, search hit ids in the same order, import reports); a call that was refused
 *   changed nothing (an export and the catalog before and after are equal); at the end the four
 *   stores hold the same, `check()` finds nothing but dangling references, an NDJSON export
 *   imports into a fresh store unchanged, and both on-disk stores reopened read-only refuse
 *   every write and still answer reads as before.
 * - `importForms`: the same NDJSON imports the same whether it comes as one string, one byte
 *   buffer, byte chunks cut anywhere (inside a character too), text chunks or a stream, with a
 *   BOM or CRLF line ends or not.
 * - `openTargets`: `open()` with hostile URLs and options, and over damaged files.
 * - `helpers`: `ref`, `isRef`, `parseUrl`, `writeExport` and `backup` with hostile arguments.
 *
 * A fake clock makes `new Date()` (no arguments) give the same time on every backend for the
 * same step, so that metadata times, `$createdAt` filters and sorts can be compared too;
 * `Date.now()` is left alone.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import {
  ERROR_CODES,
  type ErrorCode,
  exportNdjson,
  isRef,
  open,
  parseUrl,
  QuireError,
  ref,
  type Store,
  writeExport,
} from "../../mod.ts";
import {
  afterArb,
  type AfterSpec,
  collectionNameArb,
  collectionOptionsArb,
  cutPoints,
  docArb,
  fieldsArb,
  filterArb,
  idArb,
  importArb,
  importBytes,
  importOptionsArb,
  type ImportSpec,
  limitArb,
  searchArb,
  sortArb,
  type Tamper,
} from "./arbitraries.ts";

// ---- commands ----

/** How `putMany` gets its entries. */
type EntriesSpec =
  | { kind: "array"; pairs: [unknown, unknown][] }
  | { kind: "generator"; pairs: [unknown, unknown][] }
  | { kind: "given"; value: unknown };

/** One call on the public API, as data (so it can be replayed on every backend). */
export type Command =
  | { kind: "configure"; collection: unknown; options: unknown }
  | { kind: "put"; collection: unknown; id: unknown; doc: unknown; ifRev: unknown }
  | { kind: "putMany"; collection: unknown; entries: EntriesSpec }
  | { kind: "get"; collection: unknown; id: unknown; resolve: unknown }
  | { kind: "entry" | "has"; collection: unknown; id: unknown }
  | { kind: "delete"; collection: unknown; id: unknown; ifRev: unknown }
  | { kind: "find"; collection: unknown; filter: unknown; options: FindSpec | unknown }
  | { kind: "count" | "deleteMany"; collection: unknown; filter: unknown }
  | { kind: "explain"; collection: unknown; filter: unknown; sort: unknown; limit: unknown }
  | { kind: "search"; collection: unknown; text: unknown; options: unknown }
  | { kind: "reindex" | "optimize" | "clear"; collection: unknown }
  | { kind: "import"; spec: ImportSpec; options: unknown }
  | { kind: "transaction"; commands: Command[]; abort: boolean }
  | { kind: "check" | "stats" | "collections" };

interface FindSpec {
  find: true;
  sort: unknown;
  limit: unknown;
  after: AfterSpec | undefined;
  fields: unknown;
}

const ifRevArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, 2, 3) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 1.5, "1", NaN, null, 2 ** 53) },
);

const entriesArb: fc.Arbitrary<EntriesSpec> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.tuple(
      fc.constantFrom<"array" | "generator">("array", "array", "generator"),
      fc.array(fc.tuple(idArb, docArb), { maxLength: 4 }),
    ).map(([kind, pairs]) => ({ kind, pairs })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(null, undefined, 5, "ab", {}, [["a"]], [["a", {}, 1]], [
      null,
    ], [
      "ab",
    ]).map((value): EntriesSpec => ({ kind: "given", value })),
  },
);

const findOptionsArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      find: fc.constant(true as const),
      sort: sortArb,
      limit: limitArb,
      after: afterArb,
      fields: fieldsArb,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 5) },
);

const leafCommandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("configure" as const),
      collection: collectionNameArb,
      options: collectionOptionsArb,
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("put" as const),
      collection: collectionNameArb,
      id: idArb,
      doc: docArb,
      ifRev: ifRevArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("putMany" as const),
      collection: collectionNameArb,
      entries: entriesArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("get" as const),
      collection: collectionNameArb,
      id: idArb,
      resolve: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 16) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>(17, -1, 1.5, "1", null) },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("entry" as const, "has" as const),
      collection: collectionNameArb,
      id: idArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("delete" as const),
      collection: collectionNameArb,
      id: idArb,
      ifRev: ifRevArb,
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("find" as const),
      collection: collectionNameArb,
      filter: filterArb,
      options: findOptionsArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom("count" as const, "deleteMany" as const),
      collection: collectionNameArb,
      filter: filterArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("explain" as const),
      collection: collectionNameArb,
      filter: filterArb,
      sort: sortArb,
      limit: limitArb,
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({ collection: collectionNameArb, search: searchArb }).map((
      { collection, search },
    ) => ({
      kind: "search" as const,
      collection,
      text: search.text,
      options: search.options,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("reindex" as const, "optimize" as const, "clear" as const),
      collection: collectionNameArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("import" as const),
      spec: importArb,
      options: importOptionsArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("check" as const, "stats" as const, "collections" as const),
    }),
  },
);

/** A command: a leaf, or a transaction of leaves that commits or aborts. */
export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 12, arbitrary: leafCommandArb },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("transaction" as const),
      commands: fc.array(leafCommandArb.filter((c) => !isRawSearch(c)), {
        minLength: 1,
        maxLength: 5,
      }),
      abort: fc.boolean(),
    }),
  },
);

function isRawSearch(command: Command): boolean {
  return command.kind === "search" && isObject(command.options) && command.options.raw === true;
}

// ---- the codes each call may raise (README: Errors, and each call's documentation) ----

const ID_CODES: ErrorCode[] = ["INVALID_NAME", "INVALID_ID"];
const ALLOWED: Record<Command["kind"], readonly ErrorCode[]> = {
  configure: ["INVALID_NAME", "INVALID_OPTION"],
  put: [...ID_CODES, "INVALID_DOCUMENT", "TOO_LARGE", "CONFLICT", "INVALID_OPTION"],
  putMany: [...ID_CODES, "INVALID_DOCUMENT", "TOO_LARGE"],
  get: [...ID_CODES, "INVALID_OPTION"],
  entry: ID_CODES,
  has: ID_CODES,
  delete: [...ID_CODES, "CONFLICT", "INVALID_OPTION"],
  find: ["INVALID_NAME", "INVALID_FILTER", "INVALID_OPTION"],
  explain: ["INVALID_NAME", "INVALID_FILTER", "INVALID_OPTION"],
  count: ["INVALID_NAME", "INVALID_FILTER"],
  deleteMany: ["INVALID_NAME", "INVALID_FILTER"],
  search: ["INVALID_NAME", "INVALID_SEARCH", "INVALID_FILTER", "INVALID_OPTION", "UNSUPPORTED"],
  reindex: ["INVALID_NAME", "UNSUPPORTED"],
  optimize: ["INVALID_NAME", "UNSUPPORTED"],
  clear: ["INVALID_NAME"],
  // A whole import fails only on its options or its source; a bad record is reported instead.
  import: ["INVALID_OPTION"],
  transaction: [],
  check: [],
  stats: [],
  collections: [],
};
/** Codes an import may list for a record it could not take. */
const IMPORT_RECORD_CODES: readonly ErrorCode[] = [
  "INVALID_DOCUMENT",
  "INVALID_ID",
  "INVALID_NAME",
  "TOO_LARGE",
  "INVALID_OPTION",
  "UNSUPPORTED",
];
const WRITES = new Set<Command["kind"]>([
  "put",
  "putMany",
  "delete",
  "deleteMany",
  "reindex",
  "optimize",
  "clear",
  "import",
]);

// ---- outcomes ----

/** What a call gave, in a form that can be compared between backends. */
export type Outcome =
  | { ok: unknown }
  | { error: ErrorCode; message: string }
  | { aborted: Outcome[] };

/** A call that threw something it must not: the property fails with this. */
class Violation extends Error {}

/** Thrown by a transaction's callback to abort it. */
class Abort extends Error {}

interface Context {
  backend: string;
  readonly: boolean;
  lastFind?: string;
  lastSearch?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function describeCommand(command: unknown): string {
  const text = fc.stringify(command);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

/** Checks what a call threw: a QuireError with a code the call may raise. */
function classify(error: unknown, command: Command, context: Context): Outcome {
  if (!(error instanceof QuireError)) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    throw new Violation(
      `${context.backend}: ${command.kind} threw something other than a QuireError:\n${detail}\n` +
        `command: ${describeCommand(command)}`,
    );
  }
  const allowed = context.readonly && WRITES.has(command.kind)
    ? [...ALLOWED[command.kind], "READ_ONLY"]
    : context.readonly && command.kind === "configure"
    ? [...ALLOWED[command.kind], "READ_ONLY"]
    : ALLOWED[command.kind];
  if (!(ERROR_CODES as readonly string[]).includes(error.code) || !allowed.includes(error.code)) {
    throw new Violation(
      `${context.backend}: ${command.kind} raised ${error.code} (${error.message}), ` +
        `which it may not (documented: ${allowed.join(", ") || "none"})\n` +
        `command: ${describeCommand(command)}\n${error.stack ?? ""}`,
    );
  }
  return { error: error.code, message: error.message };
}

// ---- running a command ----

function collectionOf(store: Store, name: unknown) {
  return store.collection(name as string);
}

function entriesOf(spec: EntriesSpec): unknown {
  if (spec.kind === "given") return spec.value;
  if (spec.kind === "array") return spec.pairs.map((pair) => [...pair]);
  return (function* () {
    for (const pair of spec.pairs) yield [...pair];
  })();
}

/** A cursor for `after`: the last page's, changed as asked, or the given value. */
function cursorOf(spec: AfterSpec | undefined, last: string | undefined): unknown {
  if (spec === undefined) return undefined;
  if (spec.kind === "given") return spec.value;
  if (last === undefined) return undefined;
  return spec.tamper === undefined ? last : tamper(last, spec.tamper);
}

function tamper(cursor: string, how: Tamper): string {
  if (how === "flip") return (cursor[0] === "A" ? "B" : "A") + cursor.slice(1);
  if (how === "truncate") return cursor.slice(0, Math.max(1, cursor.length - 3));
  const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  const text = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  const value = JSON.parse(text) as { q: string; k: unknown[] };
  const k = value.k;
  switch (how) {
    case "extra-key":
      k.unshift(1);
      break;
    case "drop-key":
      k.shift();
      break;
    case "object-key":
      k[0] = k.length > 1 ? { a: 1 } : k[0];
      break;
    case "number-id":
      k[k.length - 1] = 5;
      break;
    case "huge-string":
      if (k.length > 1) k[0] = "z".repeat(1000);
      else k[0] = "\u{10FFFF}".repeat(10);
      break;
    case "nan-text":
      k[0] = k.length > 1 ? 1e308 : "";
      break;
    case "other-query":
      value.q = `${value.q}x`;
      break;
    case "swap-types":
      for (let i = 0; i < k.length - 1; i++) {
        const item = k[i];
        k[i] = typeof item === "number" ? String(item) : typeof item === "string" ? item.length : 0;
      }
      break;
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(byte);
  return btoa(out).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The source an import spec describes (made anew for every backend: streams read once). */
export function importSource(spec: ImportSpec): unknown {
  const bytes = importBytes(spec);
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  const cut = <T extends { length: number; slice(a: number, b?: number): T }>(whole: T): T[] => {
    const points = cutPoints(spec, whole.length);
    const parts: T[] = [];
    let from = 0;
    for (const point of points) {
      parts.push(whole.slice(from, point));
      from = point;
    }
    parts.push(whole.slice(from));
    return parts;
  };
  switch (spec.form) {
    case "string":
      return text;
    case "bytes":
      return bytes;
    case "byte-chunks":
      return cut(bytes);
    case "text-chunks":
      return cut(text);
    case "stream": {
      const parts = cut(bytes);
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          const part = parts.shift();
          if (part === undefined) controller.close();
          else controller.enqueue(part);
        },
      });
    }
    case "async": {
      const parts = cut(bytes);
      return (async function* () {
        for (const part of parts) yield part;
      })();
    }
    case "records":
      return spec.records;
  }
}

function meta(value: unknown): unknown {
  if (!isObject(value)) return value;
  const { id, rev, createdAt, updatedAt } = value;
  return { id, rev, createdAt, updatedAt };
}

/** Runs one command and returns its answer in comparable form (throws what it throws). */
async function perform(store: Store, command: Command, context: Context): Promise<unknown> {
  switch (command.kind) {
    case "configure": {
      const collection = store.collection(command.collection as string, command.options as never);
      // Options are applied at the next operation on an existing collection: make it now.
      await collection.count();
      return undefined;
    }
    case "put":
      return meta(
        await collectionOf(store, command.collection).put(
          command.id as string,
          command.doc as never,
          command.ifRev === undefined ? undefined : { ifRev: command.ifRev as number },
        ),
      );
    case "putMany":
      return (await collectionOf(store, command.collection).putMany(
        entriesOf(command.entries) as never,
      )).map(meta);
    case "get":
      return await collectionOf(store, command.collection).get(
        command.id as string,
        command.resolve === undefined ? undefined : { resolve: command.resolve as number },
      );
    case "entry":
      return await collectionOf(store, command.collection).entry(command.id as string);
    case "has":
      return await collectionOf(store, command.collection).has(command.id as string);
    case "delete":
      return await collectionOf(store, command.collection).delete(
        command.id as string,
        command.ifRev === undefined ? undefined : { ifRev: command.ifRev as number },
      );
    case "find": {
      const spec = command.options;
      const options = isObject(spec) && spec.find === true
        ? {
          sort: spec.sort,
          limit: spec.limit,
          after: cursorOf(spec.after as AfterSpec | undefined, context.lastFind),
          fields: spec.fields,
        }
        : spec;
      const page = await collectionOf(store, command.collection).find(
        command.filter as never,
        options as never,
      );
      context.lastFind = page.next;
      return { items: page.items, next: page.next !== undefined };
    }
    case "count":
      return await collectionOf(store, command.collection).count(command.filter as never);
    case "deleteMany":
      return await collectionOf(store, command.collection).deleteMany(command.filter as never);
    case "explain":
      await collectionOf(store, command.collection).explain(command.filter as never, {
        sort: command.sort as never,
        limit: command.limit as never,
      });
      return "explained";
    case "search": {
      const raw = isObject(command.options) && command.options.raw === true;
      let options = command.options;
      if (isObject(options) && "after" in options) {
        const after = options.after as AfterSpec | undefined;
        // A raw query's cursors are SQLite's alone: only made-up ones are passed.
        options = {
          ...options,
          after: raw
            ? (after?.kind === "given" ? after.value : undefined)
            : cursorOf(after, context.lastSearch),
        };
      }
      const page = await collectionOf(store, command.collection).search(
        command.text as string,
        options as never,
      );
      // A raw query runs on SQLite only: its cursor is not kept, so later searches stay comparable.
      if (!raw) context.lastSearch = page.next;
      return {
        hits: page.hits.map(({ id, rev, createdAt, updatedAt, doc, highlights }) => ({
          id,
          rev,
          createdAt,
          updatedAt,
          doc,
          highlights,
        })),
        next: page.next !== undefined,
        facets: page.facets,
      };
    }
    case "reindex":
      return await collectionOf(store, command.collection).reindex();
    case "optimize":
      return await collectionOf(store, command.collection).optimize();
    case "clear":
      return await collectionOf(store, command.collection).clear();
    case "import": {
      const result = await store.import(
        importSource(command.spec) as never,
        command.options as never,
      );
      const failed = result.failed.map(({ line, id, error }) => {
        const code = /^([A-Z_]+): /.exec(error)?.[1];
        if (code === undefined || !IMPORT_RECORD_CODES.includes(code as ErrorCode)) {
          throw new Violation(
            `${context.backend}: import listed line ${line} with an error that is not a ` +
              `documented record code: ${error}\ncommand: ${describeCommand(command)}`,
          );
        }
        return { line, id, code };
      });
      return { ...result, failed };
    }
    case "check": {
      const report = await store.check();
      for (const problem of report.problems) {
        if (problem.code !== "DANGLING_REF") {
          throw new Violation(`${context.backend}: check() found ${fc.stringify(problem)}`);
        }
      }
      return {
        ok: report.ok,
        documents: report.documents,
        problems: report.problems.map(({ code, collection, id }) => ({ code, collection, id })),
      };
    }
    case "stats": {
      const stats = await store.stats();
      return Object.fromEntries(
        Object.entries(stats.collections).map(([name, { count }]) => [name, count]),
      );
    }
    case "collections":
      return await store.collections();
    case "transaction":
      throw new Error("transactions are run by step()");
  }
}

/** The whole content of a store: the catalog and every record. */
export async function snapshot(store: Store): Promise<unknown> {
  const collections = await store.collections();
  const records = [];
  for await (const record of store.export()) records.push(record);
  return { collections, records };
}

/** Runs a command, checks what it threw and that a refusal changed nothing. */
async function step(store: Store, command: Command, context: Context): Promise<Outcome> {
  const before = await snapshot(store);
  let outcome: Outcome;
  if (command.kind === "transaction") {
    const inner: Outcome[] = [];
    try {
      await store.transaction(async () => {
        for (const sub of command.commands) inner.push(await step(store, sub, context));
        if (command.abort) throw new Abort("aborted by the test");
      });
      outcome = { ok: inner };
    } catch (error) {
      if (error instanceof Violation) throw error;
      outcome = error instanceof Abort ? { aborted: inner } : classify(error, command, context);
    }
  } else {
    try {
      outcome = { ok: await perform(store, command, context) };
    } catch (error) {
      if (error instanceof Violation) throw error;
      outcome = classify(error, command, context);
    }
  }
  if (!("ok" in outcome)) {
    const after = await snapshot(store);
    if (!isDeepStrictEqual(before, after)) {
      throw new Violation(
        `${context.backend}: ${command.kind} was refused (${
          "error" in outcome ? outcome.error : "aborted"
        }) but changed the store\ncommand: ${describeCommand(command)}\nbefore: ${
          describeCommand(before)
        }\nafter: ${describeCommand(after)}`,
      );
    }
  }
  return outcome;
}

/** Outcomes without error messages (they may differ between backends; codes may not). */
function comparable(outcome: Outcome): unknown {
  if ("error" in outcome) return { error: outcome.error };
  if ("aborted" in outcome) return { aborted: outcome.aborted.map(comparable) };
  if (
    Array.isArray(outcome.ok) &&
    outcome.ok.every((o) => isObject(o) && ("ok" in o || "error" in o || "aborted" in o))
  ) {
    return { ok: (outcome.ok as Outcome[]).map(comparable) };
  }
  return outcome;
}

// ---- the backends ----

interface Opened {
  name: string;
  store: Store;
  context: Context;
  /** For the on-disk stores: how to open them again. */
  url?: string;
}

const BACKENDS: { name: string; url: (dir: string) => string }[] = [
  { name: "sqlite::memory:", url: () => "sqlite::memory:" },
  { name: "sqlite file", url: (dir) => `sqlite://${join(dir, "store.db")}` },
  { name: "memory://", url: () => "memory://" },
  { name: "file://", url: (dir) => `file://${join(dir, "files")}` },
];

// ---- the fake clock ----

const RealDate = globalThis.Date;
let fakeNow = Date.UTC(2030, 0, 1);

/** `new Date()` gives the fake time; everything else is the real Date. */
// deno-lint-ignore no-explicit-any
const FakeDate: DateConstructor = class extends (RealDate as any) {
  // deno-lint-ignore no-explicit-any
  constructor(...args: any[]) {
    super(...(args.length === 0 ? [fakeNow] : args));
  }
} as unknown as DateConstructor;

async function withFakeClock<T>(fn: () => Promise<T>): Promise<T> {
  globalThis.Date = FakeDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

// ---- the properties ----

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "quire-fuzz-"));
}

/** Where the outcomes of the backends are allowed to differ: raw FTS5 runs on SQLite only. */
function compareOutcomes(command: Command, outcomes: Outcome[], names: string[]): void {
  const raw = isRawSearch(command);
  const values = outcomes.map(comparable);
  for (let i = 1; i < values.length; i++) {
    // A raw query: SQLite stores agree with SQLite, the others with the memory backend, and
    // where they differ, the others say UNSUPPORTED.
    const reference = raw && i === 3 ? 2 : 0;
    if (raw && i === 2) {
      if (isDeepStrictEqual(values[i], values[0])) continue;
      if (isObject(values[i]) && (values[i] as { error?: string }).error === "UNSUPPORTED") {
        continue;
      }
    }
    if (!isDeepStrictEqual(values[i], values[reference])) {
      throw new Violation(
        `${names[i]} and ${names[reference]} disagree on ${command.kind}\ncommand: ${
          describeCommand(command)
        }\n${names[reference]}: ${describeCommand(values[reference])}\n${names[i]}: ${
          describeCommand(values[i])
        }`,
      );
    }
  }
}

/** Runs the commands on every backend and checks every rule; throws a Violation if one breaks. */
export async function runDifferential(commands: Command[], readonlyTail: Command[]): Promise<void> {
  const dir = tempDir();
  const stores: Opened[] = [];
  try {
    await withFakeClock(async () => {
      for (const backend of BACKENDS) {
        const url = backend.url(dir);
        stores.push({
          name: backend.name,
          store: await open(url),
          context: { backend: backend.name, readonly: false },
          url: url.startsWith("sqlite::") || url.startsWith("memory") ? undefined : url,
        });
      }
      const names = stores.map((s) => s.name);
      let time = RealDate.UTC(2030, 0, 1);
      for (const command of commands) {
        time += 1000;
        const outcomes: Outcome[] = [];
        for (const opened of stores) {
          fakeNow = time;
          outcomes.push(await step(opened.store, command, opened.context));
        }
        compareOutcomes(command, outcomes, names);
      }

      // The same content everywhere, nothing wrong but dangling references.
      const snapshots = [];
      for (const opened of stores) snapshots.push(await snapshot(opened.store));
      const finalCheck: Command = { kind: "check" };
      const checks = [];
      for (const opened of stores) {
        checks.push(await step(opened.store, finalCheck, opened.context));
      }
      compareOutcomes(finalCheck, checks, names);
      for (let i = 1; i < stores.length; i++) {
        if (!isDeepStrictEqual(snapshots[i], snapshots[0])) {
          throw new Violation(
            `${names[i]} and ${names[0]} hold different data at the end\n${names[0]}: ${
              describeCommand(snapshots[0])
            }\n${names[i]}: ${describeCommand(snapshots[i])}`,
          );
        }
      }

      // An NDJSON export imports into a fresh store unchanged.
      for (const url of ["memory://", "sqlite::memory:"]) {
        const copy = await open(url);
        try {
          let text = "";
          for await (const line of exportNdjson(stores[0].store)) text += line;
          const result = await copy.import(text, { batchSize: 3 });
          assert.equal(
            result.failedCount,
            0,
            `round trip failures: ${fc.stringify(result.failed)}`,
          );
          const copied = await snapshot(copy);
          if (!isDeepStrictEqual(copied, snapshots[0])) {
            throw new Violation(
              `an export imported into ${url} differs\nexported: ${
                describeCommand(snapshots[0])
              }\n` +
                `imported: ${describeCommand(copied)}`,
            );
          }
        } finally {
          await copy.close();
        }
      }

      // The on-disk stores, reopened read-only: writes refused, reads as before.
      const reopened: Opened[] = [];
      for (const opened of stores) {
        await opened.store.close();
        if (opened.url === undefined) continue;
        reopened.push({
          name: `${opened.name} (read-only)`,
          store: await open({ ...parseUrl(opened.url), readonly: true }),
          context: { backend: `${opened.name} (read-only)`, readonly: true },
        });
      }
      stores.length = 0;
      stores.push(...reopened);
      for (const command of readonlyTail) {
        time += 1000;
        const outcomes: Outcome[] = [];
        for (const opened of stores) {
          fakeNow = time;
          const outcome = await step(opened.store, command, opened.context);
          if ("ok" in outcome && WRITES.has(command.kind) && changes(command)) {
            throw new Violation(
              `${opened.name}: ${command.kind} succeeded on a read-only store\ncommand: ${
                describeCommand(command)
              }`,
            );
          }
          outcomes.push(outcome);
        }
        compareOutcomes(command, outcomes, stores.map((s) => s.name));
      }
      for (const opened of stores) {
        const after = await snapshot(opened.store);
        if (!isDeepStrictEqual(after, snapshots[0])) {
          throw new Violation(`${opened.name}: the read-only store changed`);
        }
      }
    });
  } finally {
    for (const opened of stores) await opened.store.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether a write command would write anything at all (an import of nothing does not). */
function changes(command: Command): boolean {
  return command.kind !== "import";
}

const FORMS = ["string", "bytes", "byte-chunks", "text-chunks", "stream", "async"] as const;

/** The import spec in every text or byte form: what each import reported, and the store after. */
async function importAs(spec: ImportSpec): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const form of FORMS) {
    const store = await open("memory://");
    const context: Context = { backend: `memory:// (${form})`, readonly: false };
    try {
      await withFakeClock(async () => {
        fakeNow = RealDate.UTC(2030, 0, 1);
        const command: Command = {
          kind: "import",
          spec: { ...spec, form },
          options: { batchSize: 2 },
        };
        const outcome = await step(store, command, context);
        results.push({ outcome: comparable(outcome), store: await snapshot(store) });
      });
    } finally {
      await store.close();
    }
  }
  return results;
}

// ---- open() and the helpers ----

type OpenTarget =
  | { kind: "url"; url: string }
  | { kind: "options"; options: unknown }
  | { kind: "damaged"; what: string; backend: "sqlite" | "file"; readonly: boolean };

const openTargetArb: fc.Arbitrary<OpenTarget> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.constantFrom(
        "",
        "sqlite:",
        "sqlite://",
        "sqlite:///",
        "sqlite://%zz",
        "sqlite://a%00b",
        "file://",
        "file://%",
        "postgres://user:secret@host/db",
        "memory:",
        "memory://x",
        "MEMORY://",
        "sqlite::memory:x",
        "\u0000",
        "\uD800",
        "sqlite://\uD800",
      ),
      fc.string({ unit: "binary", maxLength: 12 }),
    ).map((url) => ({ kind: "url" as const, url })),
  },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.record({
        backend: fc.constantFrom<unknown>("sqlite", "memory", "file", "bogus", 5),
        path: fc.constantFrom<unknown>(":memory:", "", 5, null, undefined),
        maxDocumentBytes: fc.constantFrom<unknown>(undefined, 0, 1, 2, 1.5, -1, NaN, "5", 2 ** 53),
        readonly: fc.constantFrom<unknown>(undefined, true, false, "yes"),
        journalMode: fc.constantFrom<unknown>(undefined, "wal", "bogus", 5),
        synchronous: fc.constantFrom<unknown>(undefined, "full", "bogus"),
        busyTimeoutMs: fc.constantFrom<unknown>(undefined, 0, -1, 1.5, NaN, 2 ** 40),
        cacheMiB: fc.constantFrom<unknown>(undefined, 0, -1, 1.5, 1e9, "64"),
        mmapMiB: fc.constantFrom<unknown>(undefined, 0, 16, -1, 1.5, 1e9, "64"),
        onIndexProgress: fc.constantFrom<unknown>(undefined, 5, () => {}),
      }, { requiredKeys: ["backend"] }),
      fc.constantFrom<unknown>(null, 5, [], "x", { backend: "file" }, { backend: "file", dir: "" }),
    ).map((options) => ({ kind: "options" as const, options })),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("damaged" as const),
      what: fc.constantFrom(
        "missing",
        "missing-parent",
        "empty-file",
        "garbage",
        "directory",
        "text-file",
        "catalog-garbage",
        "catalog-wrong-shape",
        "doc-garbage",
      ),
      backend: fc.constantFrom<"sqlite" | "file">("sqlite", "file"),
      readonly: fc.boolean(),
    }),
  },
);

const OPEN_CODES: readonly ErrorCode[] = [
  "INVALID_OPTION",
  "NOT_FOUND",
  "CORRUPT",
  "READ_ONLY",
  "SCHEMA_TOO_NEW",
  "UNSUPPORTED",
  "STORAGE",
];

/** Whether the URL opens something outside `dir` (a URL that does not parse opens nothing). */
function outside(url: string, dir: string): boolean {
  let options;
  try {
    options = parseUrl(url);
  } catch {
    return false;
  }
  const path = options.path ?? options.dir;
  return path !== undefined && path !== ":memory:" && !path.startsWith(dir);
}

/** Lays out a damaged store in `dir`; returns the options that open it. */
function damaged(target: Extract<OpenTarget, { kind: "damaged" }>, dir: string): unknown {
  const path = join(dir, "target");
  switch (target.what) {
    case "missing":
      break;
    case "missing-parent":
      return target.backend === "sqlite"
        ? { backend: "sqlite", path: join(dir, "no", "such", "x.db"), readonly: target.readonly }
        : { backend: "file", dir: join(dir, "no", "such"), readonly: target.readonly };
    case "empty-file":
      writeFileSync(path, "");
      break;
    case "garbage":
      writeFileSync(path, "SQLite format 3\u0000".padEnd(4096, "\u0001"));
      break;
    case "directory":
      mkdirSync(path);
      break;
    case "text-file":
      writeFileSync(path, "hello");
      break;
    case "catalog-garbage":
      mkdirSync(path);
      writeFileSync(join(path, "_catalog.json"), "{not json");
      break;
    case "catalog-wrong-shape":
      mkdirSync(path);
      writeFileSync(join(path, "_catalog.json"), '{"collections": 5}');
      break;
    case "doc-garbage":
      mkdirSync(join(path, "a"), { recursive: true });
      writeFileSync(join(path, "_catalog.json"), '{"version":1,"collections":{"a":{}}}');
      writeFileSync(join(path, "a", "x.json"), "{oops");
      break;
  }
  return target.backend === "sqlite"
    ? { backend: "sqlite", path, readonly: target.readonly }
    : { backend: "file", dir: path, readonly: target.readonly };
}

async function expectQuire(
  what: string,
  allowed: readonly ErrorCode[],
  fn: () => unknown,
): Promise<unknown> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof QuireError)) {
      throw new Violation(
        `${what} threw something other than a QuireError:\n${
          error instanceof Error ? error.stack : String(error)
        }`,
      );
    }
    if (!allowed.includes(error.code)) {
      throw new Violation(
        `${what} raised ${error.code} (${error.message}); documented: ${allowed}`,
      );
    }
    return error;
  }
}

type HelperCall =
  | { kind: "ref"; collection: unknown; id: unknown }
  | { kind: "isRef"; value: unknown }
  | { kind: "parseUrl"; url: unknown }
  | { kind: "writeExport"; path: string }
  | { kind: "backup"; backend: string; path: string };

const PATH_CASES = [
  "new",
  "exists-file",
  "exists-dir",
  "missing-parent",
  "nul",
  "empty",
  "dir-slash",
];

const helperArb: fc.Arbitrary<HelperCall> = fc.oneof(
  fc.record({ kind: fc.constant("ref" as const), collection: collectionNameArb, id: idArb }),
  fc.record({ kind: fc.constant("isRef" as const), value: docArb }),
  fc.record({
    kind: fc.constant("parseUrl" as const),
    url: fc.oneof(
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.constantFrom<unknown>(5, null, "sqlite://%"),
    ),
  }),
  fc.record({ kind: fc.constant("writeExport" as const), path: fc.constantFrom(...PATH_CASES) }),
  fc.record({
    kind: fc.constant("backup" as const),
    backend: fc.constantFrom("sqlite::memory:", "memory://", "file"),
    path: fc.constantFrom(...PATH_CASES),
  }),
);

function helperPath(dir: string, what: string): string {
  switch (what) {
    case "exists-file":
      writeFileSync(join(dir, "exists"), "x");
      return join(dir, "exists");
    case "exists-dir":
      mkdirSync(join(dir, "exists-dir"));
      return join(dir, "exists-dir");
    case "missing-parent":
      return join(dir, "no", "such", "file");
    case "nul":
      return join(dir, "a\u0000b");
    case "empty":
      return "";
    case "dir-slash":
      return `${dir}/`;
    default:
      return join(dir, "new");
  }
}

async function runHelper(call: HelperCall): Promise<void> {
  switch (call.kind) {
    case "ref":
      await expectQuire(
        "ref()",
        ["INVALID_NAME", "INVALID_ID"],
        () => ref(call.collection as string, call.id as string),
      );
      return;
    case "isRef":
      await expectQuire("isRef()", [], () => isRef(call.value));
      return;
    case "parseUrl":
      await expectQuire("parseUrl()", ["INVALID_OPTION"], () => parseUrl(call.url as string));
      return;
  }
  const dir = tempDir();
  try {
    const url = call.kind === "backup" && call.backend === "file"
      ? `file://${join(dir, "source")}`
      : call.kind === "backup"
      ? call.backend
      : "memory://";
    const store = await open(url);
    try {
      await store.collection("a").put("x", { n: 1 });
      const path = helperPath(dir, call.path);
      if (call.kind === "writeExport") {
        await expectQuire(
          `writeExport(${call.path})`,
          ["STORAGE", "INVALID_OPTION"],
          () => writeExport(store, path),
        );
      } else {
        await expectQuire(
          `backup(${call.path}) of ${url}`,
          ["STORAGE", "INVALID_OPTION"],
          () => store.backup(path),
        );
      }
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the list ----

// deno-lint-ignore no-explicit-any
type AnyProperty = fc.IAsyncProperty<any>;

/** A property and how many runs CI gives it. */
export interface FuzzProperty {
  name: string;
  /** Runs with the fixed seed in CI (tests/fuzz_test.ts). */
  ciRuns: number;
  property(): AnyProperty;
}

/** Every property. */
export const PROPERTIES: readonly FuzzProperty[] = [
  {
    name:
      "differential: every backend gives the same answer or the same QuireError, and refusals change nothing",
    ciRuns: 60,
    property: () =>
      fc.asyncProperty(
        fc.array(commandArb, { minLength: 1, maxLength: 14 }),
        fc.array(leafCommandArb.filter((c) => !isRawSearch(c)), { maxLength: 3 }),
        (commands, tail) => runDifferential(commands, tail),
      ),
  },
  {
    name: "importForms: NDJSON imports the same as a string, bytes, chunks or a stream",
    ciRuns: 60,
    property: () =>
      fc.asyncProperty(
        importArb.filter((spec) => spec.splice === undefined && spec.form !== "records"),
        async (spec) => {
          const results = await importAs(spec);
          for (let i = 1; i < results.length; i++) {
            if (!isDeepStrictEqual(results[i], results[0])) {
              throw new Violation(
                `importing as ${FORMS[i]} differs from importing a string\nstring: ${
                  describeCommand(results[0])
                }\n${FORMS[i]}: ${describeCommand(results[i])}`,
              );
            }
          }
        },
      ),
  },
  {
    name: "openTargets: open() refuses hostile URLs, options and damaged files with a QuireError",
    ciRuns: 80,
    property: () =>
      fc.asyncProperty(openTargetArb, async (target) => {
        const dir = tempDir();
        try {
          const argument = target.kind === "url"
            ? target.url
            : target.kind === "options"
            ? target.options
            : damaged(target, dir);
          // Only paths inside the temp directory are opened (a URL or a relative path could
          // land anywhere); a URL that does not parse is the point, and is tried.
          if (typeof argument === "string" && outside(argument, dir)) return;
          if (isObject(argument) && argument.backend !== "memory") {
            const path = argument.backend === "file" ? argument.dir : argument.path;
            if (
              typeof path === "string" && path !== "" && path !== ":memory:" &&
              !path.startsWith(dir)
            ) {
              return;
            }
          }
          const result = await expectQuire(
            `open(${describeCommand(argument)})`,
            OPEN_CODES,
            () => open(argument as never),
          );
          if (!(result instanceof QuireError)) {
            const store = result as Store;
            await expectQuire(
              "using an opened store",
              ["READ_ONLY", "CORRUPT", "TOO_LARGE"],
              async () => {
                await store.collection("a").put("x", { n: 1 });
                await store.collection("a").find();
                await store.check();
              },
            );
            await store.close();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
  },
  {
    name: "helpers: ref, isRef, parseUrl, writeExport and backup throw only QuireErrors",
    ciRuns: 60,
    property: () => fc.asyncProperty(helperArb, runHelper),
  },
];

/** What a run found. */
export interface FuzzResult {
  name: string;
  failed: boolean;
  /** fast-check's report: the seed, the path to replay, the shrunk counterexample. */
  report?: string;
  ms: number;
}

/** Runs one property with fast-check; never throws for a failing property (see `failed`). */
export async function runProperty(
  property: FuzzProperty,
  options: { seed: number; numRuns: number; path?: string; shrink?: boolean },
): Promise<FuzzResult> {
  const started = performance.now();
  const details = await fc.check(property.property(), {
    seed: options.seed,
    numRuns: options.numRuns,
    path: options.path,
    endOnFailure: options.shrink === false,
  });
  let report: string | undefined;
  if (details.failed) {
    const error = details.errorInstance;
    const message = error instanceof Error ? error.message : String(error);
    const full = fc.defaultReportMessage(details) ?? "";
    report = `${message}\n\n${full.length > 20_000 ? `${full.slice(0, 20_000)}…` : full}`;
  }
  return {
    name: property.name,
    failed: details.failed,
    report,
    ms: performance.now() - started,
  };
}
