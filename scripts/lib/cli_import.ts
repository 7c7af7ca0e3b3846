/**
 * What `quire import` hands `store.import()`: the input (a file or stdin) as it is when it holds
 * export records, or turned into records when it holds plain documents for one collection
 * (`--collection notes [--id-field id]`, as `sqlite-utils insert` takes them).
 *
 * The form is told by the first character that is not white space: `[` is a JSON array (read
 * whole), anything else is JSON lines (read as it comes, in constant memory). Line numbers stay
 * those of the input, so the import report points at the right line: a line of documents that
 * is not JSON is passed on as it is, and the import refuses it as it would any other.
 *
 * @module
 */

import type { ImportSource } from "../../mod.ts";
import { QuireError } from "../../mod.ts";
// The generated ids of `insert()`: time-ordered, 26 characters.
import { newId } from "../../src/names.ts";

/** Input chunks: a file's or stdin's. */
export type Chunks = AsyncIterable<Uint8Array | string>;

/** Options of {@linkcode importSource}. */
export interface ImportSourceOptions {
  /** The input holds documents for this collection, not export records. */
  collection?: string | undefined;
  /** The documents' id is this top-level field (a string or a number); else ids are generated. */
  idField?: string | undefined;
  /** Hears the bytes read so far. */
  onBytes?: ((bytes: number) => void) | undefined;
}

/** The source to import, and what its failures' numbers count. */
export interface PreparedImport {
  source: ImportSource;
  /** `"line"` for JSON lines, `"item"` for the elements of a JSON array. */
  numbering: "line" | "item";
}

/** Reads the start of `input` and prepares the rest for `store.import()`. */
export async function importSource(
  input: Chunks,
  options: ImportSourceOptions = {},
): Promise<PreparedImport> {
  const iterator = counted(input, options.onBytes)[Symbol.asyncIterator]();
  // The chunks read to find the first character, replayed before the rest.
  const head: (Uint8Array | string)[] = [];
  let first: string | undefined;
  while (first === undefined) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    first = firstCharacter(head);
  }
  const rest: Chunks = {
    async *[Symbol.asyncIterator]() {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield next.value;
      }
    },
  };
  if (first === "[") {
    const items = parseArray(await text(rest));
    const source = options.collection === undefined
      ? items
      : items.map((doc) => recordOf(doc, options.collection!, options.idField));
    return { source, numbering: "item" };
  }
  if (options.collection === undefined) return { source: rest, numbering: "line" };
  return { source: documentLines(rest, options.collection, options.idField), numbering: "line" };
}

/** The export record of a plain document. */
function recordOf(doc: unknown, collection: string, idField: string | undefined): unknown {
  let id: unknown = newId();
  if (idField !== undefined) {
    id = typeof doc === "object" && doc !== null && Object.hasOwn(doc, idField)
      ? (doc as Record<string, unknown>)[idField]
      : undefined;
    if (typeof id === "number" && Number.isSafeInteger(id)) id = String(id);
  }
  return { collection, id, doc };
}

/** JSON lines of documents as NDJSON lines of records, line for line. */
async function* documentLines(
  input: Chunks,
  collection: string,
  idField: string | undefined,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  let start = true;
  const convert = (line: string): string => {
    if (start && line.startsWith("\uFEFF")) line = line.slice(1);
    start = false;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      return `${line}\n`; // not JSON (or blank): the import says so, or skips it
    }
    return `${JSON.stringify(recordOf(doc, collection, idField))}\n`;
  };
  for await (const chunk of input) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop()!;
    if (lines.length > 0) yield lines.map(convert).join("");
  }
  pending += decoder.decode();
  if (pending !== "") yield convert(pending);
}

/** Passes chunks on, counting their bytes. */
async function* counted(input: Chunks, onBytes?: (bytes: number) => void): Chunks {
  let total = 0;
  for await (const chunk of input) {
    total += typeof chunk === "string" ? chunk.length : chunk.byteLength;
    onBytes?.(total);
    yield chunk;
  }
}

/** The first character of the chunks that is not white space or a BOM, once there is one. */
function firstCharacter(chunks: (Uint8Array | string)[]): string | undefined {
  for (const chunk of chunks) {
    for (const unit of chunk) {
      const c = typeof unit === "string" ? unit : String.fromCharCode(unit);
      // A UTF-8 BOM is the bytes EF BB BF.
      if (/[\s\uFEFF\u00EF\u00BB\u00BF]/.test(c)) continue;
      return c;
    }
  }
  return undefined;
}

async function text(input: Chunks): Promise<string> {
  const decoder = new TextDecoder();
  let all = "";
  for await (const chunk of input) {
    all += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
  }
  return all + decoder.decode();
}

function parseArray(json: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new QuireError("INVALID_DOCUMENT", `Cannot import: the input is not JSON: ${reason}`);
  }
  if (!Array.isArray(value)) {
    throw new QuireError("INVALID_DOCUMENT", "Cannot import: expected a JSON array");
  }
  return value;
}
